//! `unit_change`: a numeric field's values look multiplied by a power of ten.
//!
//! **What it does.** Compares the field's scale with the baseline's (see `crate::drift::scale`):
//! the ratio of the current median and mean to the baseline's, and a fit of the current
//! distribution as the baseline with a share of its values rescaled by `10^k`. It fails with
//! "looks like a unit change (×100)" when the median and the mean both moved by the same power
//! of ten (within `tolerance` in log10), or when at least `min_share` of the values look
//! rescaled by one ("on about 20% of the values"): a partial switch leaves the median nearly
//! where it was and moves the mean by no power of ten (a fifth in cents: ×20.8), so the ratios
//! alone would miss it. Both ratios are reported either way.
//!
//! **Why it matters.** `amount` switching from dollars to cents keeps its type, its null rate
//! and, for a partial switch, its median; PSI says the distribution moved, not that it moved by
//! exactly ×100, which is what tells a producer's unit bug from a busy day.
//!
//! **Example.** `drift: { max_psi: 0.2, unit_change: { tolerance: 0.1, min_share: 0.05 } }`;
//! `unit_change: false` turns it off.
//!
//! **Defaults.** On for numeric fields whenever `drift` is checked (on the field or its table
//! entry): `tolerance: 0.1` (a ratio within ×0.79..×1.26 of the power of ten), `min_share: 0.05`.
//! A gap between the distributions within noise never fires, nor does a move that a rescaled
//! share does not fit to within noise (prices doubled). Fewer than 100 values on
//! either side: a warning, not a verdict. The baseline is the median of its slices, so one bad
//! day in it neither hides nor fakes a unit change.

use super::{CheckId, CheckResult, Status, Subject, Verdict, no_baseline, pct};
use crate::contract::FieldContract;
use crate::drift::MIN_SAMPLE;
use crate::drift::scale::{Evidence, Scale, factor_text, ratio_text, scale};
use crate::profile::FieldProfile;
use serde_json::json;

pub fn check(s: &Subject<'_>, f: &FieldContract, p: &FieldProfile) -> Option<CheckResult> {
    let cfg = f.drift.as_ref().or(s.table.drift.as_ref())?;
    let uc = cfg.unit_change.as_ref()?;
    if !p.kind.is_numeric() {
        return None;
    }
    let Some(base) = super::drift::baseline_field(s, &f.name) else {
        return Some(no_baseline(s, CheckId::UnitChange, Some(f)));
    };
    let expected = json!({ "tolerance": uc.tolerance, "min_share": uc.min_share });
    let expected_text = "no ×10^k rescaling".to_string();
    let sc = match scale(&base, p, uc.tolerance, uc.min_share) {
        Ok(sc) => sc,
        Err(why) => {
            return Some(super::drift::not_evaluated(
                s,
                CheckId::UnitChange,
                f,
                expected,
                expected_text,
                &why,
            ));
        }
    };
    let (status, message) = verdict(&f.name, &sc);
    Some(s.result(
        CheckId::UnitChange,
        Some(f),
        Verdict {
            status,
            observed: serde_json::to_value(&sc).unwrap_or(json!(null)),
            expected,
            observed_text: observed_text(&sc),
            expected_text,
            message,
        },
    ))
}

/// The short form: `×100 on 20%`, or the two ratios.
pub fn observed_text(sc: &Scale) -> String {
    match (sc.exponent, sc.share) {
        (Some(k), Some(share)) if share < 0.95 => {
            format!("{} on {}", factor_text(k), pct(share))
        }
        (Some(k), _) => factor_text(k),
        _ => format!(
            "median {}, mean {}",
            ratio_text(sc.median_ratio),
            ratio_text(sc.mean_ratio)
        ),
    }
}

/// The status and message of a field's scale.
pub fn verdict(name: &str, sc: &Scale) -> (Status, String) {
    let ratios = format!(
        "median {} and mean {} the baseline's",
        ratio_text(sc.median_ratio),
        ratio_text(sc.mean_ratio)
    );
    if !sc.enough_data() {
        return (
            Status::Warn,
            format!(
                "too little data to judge the scale of `{name}`: {} baseline and {} current value(s), at least {MIN_SAMPLE} each needed ({ratios})",
                sc.n_baseline, sc.n_current
            ),
        );
    }
    match (sc.evidence, sc.exponent, sc.share) {
        (Some(Evidence::Ratio), Some(k), _) => (
            Status::Fail,
            format!(
                "`{name}` looks like a unit change ({}): its {ratios}",
                factor_text(k)
            ),
        ),
        (Some(Evidence::Share), Some(k), Some(share)) => (
            Status::Fail,
            format!(
                "`{name}` looks like a unit change ({}) on about {} of its values: the distribution fits the baseline with that share rescaled by {} (its {ratios})",
                factor_text(k),
                pct(share),
                factor_text(k)
            ),
        ),
        _ => (Status::Pass, format!("`{name}` kept its scale: {ratios}")),
    }
}

/// Whether `run_table` runs this check for a listed field: `drift` is checked (on the field or
/// its table entry) without `unit_change: false`, and the field is not declared non-numeric.
pub fn planned(t: &crate::contract::TableContract, f: &FieldContract) -> bool {
    use crate::contract::TypeName;
    let on = f
        .drift
        .as_ref()
        .or(t.drift.as_ref())
        .is_some_and(|d| d.unit_change.is_some());
    on && matches!(
        f.r#type,
        None | Some(TypeName::Integer | TypeName::Number | TypeName::Decimal)
    )
}
