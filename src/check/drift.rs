//! `drift`: a field's distribution against the baseline's, by PSI.
//!
//! **What it does.** Computes the population stability index of the field between the baseline
//! and the current slice (see `crate::drift`): numbers over bins frozen from the baseline (one
//! per value when it has at most 10 distinct values, else its deciles), with the current slice
//! counted exactly against those edges during the scan, and the baseline too when it is scanned
//! in the same run; strings and booleans over one bin per value. Beside PSI: the
//! Kolmogorov–Smirnov statistic (numbers) or a chi-square p-value and the new and vanished values
//! (categories). The result carries the edges, both proportion vectors, each bin's contribution,
//! the sample sizes and ε. When the baseline's bins come from a sketch (profiles stored in the
//! history), the result says so and gives the range PSI can take within the sketch's error.
//!
//! **Why it matters.** `amount` switching from dollars to cents, or `status` gaining values,
//! keeps every type and null rate intact; only the distribution moves.
//!
//! **Defaults.** PSI above 0.2 fails, above 0.1 warns (`drift: { max_psi, warn_psi }` on the field
//! or its table entry). Fewer than 100 values on either side: a warning, not a verdict. A
//! sketched baseline whose PSI range crosses a threshold the estimate does not: a warning that
//! PSI may exceed it. No value on one side (an all-null baseline): a warning, never a pass.

use super::{CheckId, CheckResult, Status, Subject, Verdict, no_baseline};
use crate::contract::{Drift, FieldContract};
use crate::drift::{BaselineField, FieldDrift, MIN_SAMPLE, NoDrift, field_drift};
use crate::profile::FieldProfile;
use serde_json::json;

/// The verdict on a field's drift. The point estimate decides pass, warn and fail; when the
/// baseline's bins were read from a sketch and the top of PSI's range crosses a threshold the
/// estimate does not, the field warns, saying PSI may exceed it (a borderline case is never
/// passed silently, nor failed on a sketch's error alone).
pub fn status_of(d: &FieldDrift, t: &Drift) -> Status {
    let judge = |psi: f64| {
        if psi > t.max_psi {
            Status::Fail
        } else if psi > t.warn_psi {
            Status::Warn
        } else {
            Status::Pass
        }
    };
    if !d.enough_data() {
        return Status::Warn;
    }
    judge(d.psi).max(judge(d.psi_high()).min(Status::Warn))
}

/// The baseline of one field: its merged profile and each slice that has the field.
pub fn baseline_field<'a>(s: &'a Subject<'_>, name: &'a str) -> Option<BaselineField<'a>> {
    let merged = s.baseline_profile?.field(name)?;
    let slices = match s.baseline {
        Some(b) => b
            .slices_for(name)
            .filter_map(|x| x.profile.field(name))
            .collect(),
        None => vec![merged],
    };
    Some(BaselineField { merged, slices })
}

/// What people read about how sure a PSI figure is.
pub fn confidence_text(d: &FieldDrift, t: &Drift, stored_slices: usize) -> String {
    let Some(r) = d.psi_range else {
        return String::new();
    };
    let from = if stored_slices > 0 {
        format!("the sketches of {stored_slices} stored profile(s) in the history")
    } else {
        "the baseline's sketch".to_string()
    };
    let mut out = format!(
        "; the baseline's bins are estimated from {from}, so PSI lies between {:.4} and {:.4}",
        r.low, r.high
    );
    if d.psi <= t.max_psi && d.psi_high() > t.max_psi {
        out.push_str(&format!(" and may exceed the maximum of {}", t.max_psi));
    } else if d.psi <= t.warn_psi && d.psi_high() > t.warn_psi {
        out.push_str(&format!(
            " and may exceed the warning level of {}",
            t.warn_psi
        ));
    }
    out
}

/// The warning of a distribution check (`drift`, `unit_change`) whose two sides cannot be
/// compared (too few values, no bins), saying why.
pub(super) fn not_evaluated(
    s: &Subject<'_>,
    check: CheckId,
    f: &FieldContract,
    expected: serde_json::Value,
    expected_text: String,
    why: &NoDrift,
) -> CheckResult {
    s.result(
        check,
        Some(f),
        Verdict {
            status: Status::Warn,
            observed: json!(null),
            expected,
            observed_text: "-".into(),
            expected_text,
            message: format!("not evaluated: {}", why.message(&f.name)),
        },
    )
}

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Option<CheckResult> {
    let cfg = f.drift.clone().or_else(|| s.table.drift.clone())?;
    let Some(base) = baseline_field(s, &f.name) else {
        return Some(no_baseline(s, CheckId::Drift, Some(f)));
    };
    let expected = json!({ "max_psi": cfg.max_psi, "warn_psi": cfg.warn_psi });
    let expected_text = format!("psi <= {}", cfg.max_psi);
    let d = match field_drift(&base, p) {
        Ok(d) => d,
        Err(why) => {
            return Some(not_evaluated(
                s,
                CheckId::Drift,
                f,
                expected,
                expected_text,
                &why,
            ));
        }
    };
    let status = status_of(&d, &cfg);
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
    let stored = s
        .baseline
        .map_or(0, |b| b.slices.iter().filter(|x| x.stored).count());
    extra.push_str(&confidence_text(&d, &cfg, stored));
    if let Some(note) = s.baseline.and_then(|b| b.exclusion_note(&f.name)) {
        extra.push_str(&format!("; {note}"));
    }
    let message = if !d.enough_data() {
        format!(
            "too little data to judge drift of `{}`: {} baseline and {} current value(s), at least {MIN_SAMPLE} each needed (PSI {:.4})",
            f.name, d.n_baseline, d.n_current, d.psi
        )
    } else {
        format!("PSI of `{}` is {:.4}{extra}", f.name, d.psi)
    };
    let observed_text = match d.psi_range {
        Some(r) => format!("psi {:.4} (sketch: {:.4}..{:.4})", d.psi, r.low, r.high),
        None => format!("psi {:.4}", d.psi),
    };
    Some(s.result(
        CheckId::Drift,
        Some(f),
        Verdict {
            status,
            observed_text,
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
