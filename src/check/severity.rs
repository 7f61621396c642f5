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
        rule.key
            .as_deref()
            .is_some_and(|k| key_checks(k).is_empty()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::TableContract;

    fn result(check: CheckId, field: Option<&str>, status: Status) -> CheckResult {
        CheckResult {
            consumer: "c".into(),
            owner: None,
            table: "t".into(),
            check,
            field: field.map(str::to_string),
            status,
            observed: serde_json::Value::Null,
            expected: serde_json::Value::Null,
            message: "m".into(),
            severity: default_severity(check),
            contract: "c.yaml:1".into(),
            contract_file: "c.yaml".into(),
            contract_line: 1,
            observed_text: String::new(),
            expected_text: String::new(),
            quarantine: None,
        }
    }

    fn rule(
        field: Option<&str>,
        key: Option<&str>,
        severity: Severity,
        line: usize,
    ) -> SeverityRule {
        SeverityRule {
            field: field.map(str::to_string),
            key: key.map(str::to_string),
            severity,
            line,
        }
    }

    /// The status after the pass, for `check` on `field` failing (or warning).
    fn after(
        rules: Vec<SeverityRule>,
        check: CheckId,
        field: Option<&str>,
        status: Status,
    ) -> (Status, Severity, String) {
        let mut t = TableContract::at(1);
        t.severities = rules;
        let mut rs = vec![result(check, field, status)];
        apply(&t, &mut rs);
        let r = rs.pop().unwrap();
        (r.status, r.severity, r.message)
    }

    #[test]
    fn defaults_leave_failures_and_make_change_checks_warn() {
        let (s, sev, m) = after(vec![], CheckId::Drift, Some("a"), Status::Fail);
        assert_eq!((s, sev, m.as_str()), (Status::Fail, Severity::Fail, "m"));
        // A breach of a change check is a warning by default, without the note.
        let (s, sev, m) = after(vec![], CheckId::NullRateChange, Some("a"), Status::Fail);
        assert_eq!((s, sev, m.as_str()), (Status::Warn, Severity::Warn, "m"));
    }

    #[test]
    fn the_most_specific_rule_applies() {
        use Severity::*;
        let rules = vec![
            rule(None, None, Warn, 2),
            rule(None, Some("row_count"), Fail, 3),
            rule(None, Some("drift"), Warn, 4),
            rule(Some("a"), None, Fail, 6),
            rule(Some("b"), Some("drift"), Fail, 9),
            rule(Some("b"), Some("unit_change"), Warn, 9),
            rule(Some("c"), Some("constraints"), Warn, 12),
        ];
        let cases = [
            // The table's own: every check of the table.
            (CheckId::Freshness, None, Status::Warn),
            (CheckId::NullRate, Some("z"), Status::Warn),
            // A table-level key over the table's own.
            (CheckId::RowCount, None, Status::Fail),
            // A field's own over the table's key.
            (CheckId::Drift, Some("a"), Status::Fail),
            (CheckId::UnitChange, Some("a"), Status::Fail),
            // The table's `drift` covers `unit_change` on other fields.
            (CheckId::UnitChange, Some("z"), Status::Warn),
            // `unit_change` inside a field's `drift` over that `drift`.
            (CheckId::Drift, Some("b"), Status::Fail),
            (CheckId::UnitChange, Some("b"), Status::Warn),
            // `constraints` is the `range` check.
            (CheckId::Range, Some("c"), Status::Warn),
            // A field's rule does not reach another field.
            (CheckId::Range, Some("a"), Status::Fail),
            // A `severity: fail` lifts a change check's default.
            (CheckId::CardinalityChange, Some("a"), Status::Fail),
        ];
        for (check, field, want) in cases {
            let (got, _, m) = after(rules.clone(), check, field, Status::Fail);
            assert_eq!(got, want, "{check} {field:?}");
            assert_eq!(m.ends_with("(severity: warn)"), want == Status::Warn, "{m}");
        }
    }

    #[test]
    fn warnings_and_errors_stay_what_they_are() {
        let fail_all = vec![rule(None, None, Severity::Fail, 1)];
        let (s, _, _) = after(fail_all, CheckId::Drift, Some("a"), Status::Warn);
        assert_eq!(s, Status::Warn);
        let warn_all = vec![rule(None, None, Severity::Warn, 1)];
        let (s, _, _) = after(
            warn_all.clone(),
            CheckId::References,
            Some("a"),
            Status::Error,
        );
        assert_eq!(s, Status::Error);
        let (s, _, m) = after(warn_all, CheckId::Drift, Some("a"), Status::Pass);
        assert_eq!((s, m.as_str()), (Status::Pass, "m"));
    }
}
