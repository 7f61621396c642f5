//! Severity: what a breach of a check does, fail the run or only warn.
//!
//! **What it does.** After a table's checks ran, one pass gives every result its severity and
//! turns the failure of a check whose severity is `warn` into a warning whose message ends in
//! `(severity: warn)`. A contract gives `severity: warn` or `severity: fail` on a table entry
//! (every check of the table), on a field (every check of the field), or inside a check's
//! mapping (`drift`, `unit_change`, `row_count`, `freshness`, `skew`, `references`,
//! `constraints`, `files`, ...: that check; on a table entry, for every field). The most
//! specific one applies: a field's over its table's, a check's key over the entry's own, a
//! nested key (`drift: { unit_change: { severity } }`) over the one around it.
//!
//! **Why it matters.** A consumer may want to hear about a drift without blocking a producer's
//! deploy on it, or make a check that only warns by default (a null rate that moved) fail.
//!
//! **Defaults.** `fail`, but for `cardinality_change` and `null_rate_change`, which warn unless a
//! contract says `severity: fail`. A warning (a check that could not tell, or was not evaluated)
//! is never made a failure, and an error stays an error.
//!
//! A key is matched with the check of the same name (`row_count` → `row_count`), so a new check
//! whose mapping accepts `severity` (see `contract::parse::Parser::key_severity`) inherits this
//! pass; the exceptions are listed in [`key_checks`].

use super::{CheckId, CheckResult, Status};
use crate::contract::{Severity, SeverityRule, TableContract};

/// The severity of a check that no contract sets.
pub fn default_severity(check: CheckId) -> Severity {
    match check {
        CheckId::CardinalityChange | CheckId::NullRateChange => Severity::Warn,
        _ => Severity::Fail,
    }
}

/// The checks a key's `severity` applies to besides the check named like the key.
pub fn key_checks(key: &str) -> &'static [CheckId] {
    match key {
        "constraints" => &[CheckId::Range],
        "files" => &[CheckId::SmallFiles],
        // `unit_change` lives inside `drift`.
        "drift" => &[CheckId::UnitChange],
        _ => &[],
    }
}

fn applies(rule: &SeverityRule, r: &CheckResult) -> bool {
    let field = rule.field.is_none() || rule.field == r.field;
    let check = match &rule.key {
        None => true,
        Some(k) => k == r.check.as_str() || key_checks(k).contains(&r.check),
    };
    field && check
}

/// How specific a rule is: on a field, then for a check, then for that check alone (a key
/// covering several checks is broader), then later in the file.
fn rank(rule: &SeverityRule) -> (bool, bool, bool, usize) {
    (
        rule.field.is_some(),
        rule.key.is_some(),
        rule.key.as_deref().is_some_and(|k| key_checks(k).is_empty()),
        rule.line,
    )
}

/// The severity of `r` under the table entry's rules, and whether a contract set it.
pub fn severity_of(t: &TableContract, r: &CheckResult) -> (Severity, bool) {
    match t
        .severities
        .iter()
        .filter(|rule| applies(rule, r))
        .max_by_key(|rule| rank(rule))
    {
        Some(rule) => (rule.severity, true),
        None => (default_severity(r.check), false),
    }
}

/// Gives each result its severity; a failure whose severity is `warn` becomes a warning.
pub fn apply(t: &TableContract, results: &mut [CheckResult]) {
    for r in results {
        let (severity, set) = severity_of(t, r);
        r.severity = severity;
        if severity == Severity::Warn && r.status == Status::Fail {
            r.status = Status::Warn;
            if set {
                r.message.push_str(" (severity: warn)");
            }
        }
    }
}
