//! `drift`: a field's distribution against the baseline's, by PSI.
//!
//! **What it does.** Computes the population stability index of the field between the baseline
//! and the current slice (see `crate::drift`): numbers over 10 bins cut at the baseline's deciles,
//! with the current slice counted exactly against those frozen edges during the scan; strings and
//! booleans over one bin per value. Beside PSI: the Kolmogorov–Smirnov statistic (numbers) or a
//! chi-square p-value and the new and vanished values (categories). The result carries the edges,
//! both proportion vectors, each bin's contribution, the sample sizes and ε.
//!
//! **Why it matters.** `amount` switching from dollars to cents, or `status` gaining values,
//! keeps every type and null rate intact; only the distribution moves.
//!
//! **Defaults.** PSI above 0.2 fails, above 0.1 warns (`drift: { max_psi, warn_psi }` on the field
//! or its table entry). Fewer than 100 values on either side: a warning, not a verdict.

use super::{CheckResult, Status, Subject, Verdict, no_baseline};
use crate::contract::FieldContract;
use crate::drift::{MIN_SAMPLE, field_drift};
use crate::profile::FieldProfile;
use serde_json::json;

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Option<CheckResult> {
    let cfg = f.drift.clone().or_else(|| s.table.drift.clone())?;
    let Some(base) = s.baseline_profile.and_then(|b| b.field(&f.name)) else {
        return Some(no_baseline(s, "drift", Some(f)));
    };
    let expected = json!({ "max_psi": cfg.max_psi, "warn_psi": cfg.warn_psi });
    let expected_text = format!("psi <= {}", cfg.max_psi);
    let Some(d) = field_drift(base, p) else {
        return Some(s.result(
            "drift",
            Some(f),
            Verdict {
                status: Status::Warn,
                observed: json!(null),
                expected,
                observed_text: "-".into(),
                expected_text,
                message: format!(
                    "`{}` is {}: PSI is computed for numbers, strings and booleans",
                    f.name,
                    p.kind.name()
                ),
            },
        ));
    };
    let status = if !d.enough_data() {
        Status::Warn
    } else if d.psi > cfg.max_psi {
        Status::Fail
    } else if d.psi > cfg.warn_psi {
        Status::Warn
    } else {
        Status::Pass
    };
    let mut extra = String::new();
    if let Some(ks) = &d.ks {
        extra.push_str(&format!(", KS {:.3}", ks.statistic));
    }
    if let Some(c) = &d.chi_square {
        extra.push_str(&format!(", chi-square p={:.3}", c.p_value));
    }
    if !d.new_values.is_empty() {
        extra.push_str(&format!(", new values: {}", list(&d.new_values)));
    }
    if !d.vanished_values.is_empty() {
        extra.push_str(&format!(", vanished: {}", list(&d.vanished_values)));
    }
    let message = if !d.enough_data() {
        format!(
            "too little data to judge drift of `{}`: {} baseline and {} current value(s), at least {MIN_SAMPLE} each needed (PSI {:.4})",
            f.name, d.n_baseline, d.n_current, d.psi
        )
    } else {
        format!("PSI of `{}` is {:.4}{extra}", f.name, d.psi)
    };
    Some(s.result(
        "drift",
        Some(f),
        Verdict {
            status,
            observed_text: format!("psi {:.4}", d.psi),
            observed: serde_json::to_value(&d).unwrap_or(json!(null)),
            expected,
            expected_text,
            message,
        },
    ))
}

fn list(v: &[String]) -> String {
    let shown: Vec<String> = v.iter().take(5).map(|x| format!("`{x}`")).collect();
    let more = v.len().saturating_sub(5);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}
