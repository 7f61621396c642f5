//! Contract against contract: a consumer's contract v1 → v2, or a producer's published contract.
//!
//! Every expectation that changed is *tightened* (data that met the old contract may fail the
//! new one: a new dependency, a new required field, a narrower range, fewer allowed values, a
//! lower threshold) or *loosened* (the reverse). Under the schema registries' directions, a
//! tightening breaks `backward` (the new expectations read the old data) and a loosening breaks
//! `forward` (the old expectations read data that meets the new ones); `full` reports both as
//! changes the consumer and the producer must agree to.

use super::{Affected, At, Change, ChangeKind, Judgement, Rule};
use crate::contract::dependents::Dependents;
use crate::contract::{Contract, DEFAULT_MAX_NULL_RATE, FieldContract, TableContract, TypeName};

/// Does a field of type `a` accept every column type `b` accepts?
fn covers(a: TypeName, b: TypeName) -> bool {
    a == b || (a == TypeName::Number && matches!(b, TypeName::Integer | TypeName::Decimal))
}

/// Collects the changes of one table entry or field.
struct Differ<'a> {
    out: &'a mut Vec<Change>,
    table: &'a str,
    field: Option<&'a str>,
    at: At,
}

impl Differ<'_> {
    fn push(
        &mut self,
        kind: ChangeKind,
        expectation: &'static str,
        detail: String,
        old: Option<String>,
        new: Option<String>,
    ) -> &mut Change {
        let (backward, forward) = match kind {
            ChangeKind::Loosened | ChangeKind::TableRemoved | ChangeKind::Removed => (
                Judgement::safe(
                    Rule::Loosened,
                    "data that met the old contract meets the new one",
                ),
                Judgement::breaks(
                    Rule::Loosened,
                    format!("data that meets the new contract may fail the old one: {detail}"),
                ),
            ),
            ChangeKind::Tightened | ChangeKind::TableAdded | ChangeKind::Added => (
                Judgement::breaks(
                    Rule::Tightened,
                    format!("data that met the old contract may fail the new one: {detail}"),
                ),
                Judgement::safe(
                    Rule::Tightened,
                    "data that meets the new contract meets the old one",
                ),
            ),
            _ => (
                Judgement::breaks(Rule::Tightened, format!("the old data may fail: {detail}")),
                Judgement::breaks(Rule::Loosened, format!("the new data may fail: {detail}")),
            ),
        };
        let mut c = Change::new(self.table, self.field, kind, detail, backward, forward);
        c.expectation = Some(expectation);
        c.old = old;
        c.new = new;
        c.at = Some(self.at.clone());
        self.out.push(c);
        self.out.last_mut().expect("just pushed")
    }

    /// A lower bound (`min`, `min_ratio`, ...): higher is tighter.
    fn lower(&mut self, what: &'static str, old: Option<f64>, new: Option<f64>) {
        self.bound(what, old, new, true);
    }

    /// An upper bound (`max`, `max_null_rate`, `max_psi`, ...): lower is tighter.
    fn upper(&mut self, what: &'static str, old: Option<f64>, new: Option<f64>) {
        self.bound(what, old, new, false);
    }

    fn bound(&mut self, what: &'static str, old: Option<f64>, new: Option<f64>, lower: bool) {
        let shown = |v: Option<f64>| v.map(|v| v.to_string());
        let kind = match (old, new) {
            (None, None) => return,
            (Some(a), Some(b)) if a == b => return,
            (None, Some(_)) => ChangeKind::Tightened,
            (Some(_), None) => ChangeKind::Loosened,
            (Some(a), Some(b)) if (b > a) == lower => ChangeKind::Tightened,
            _ => ChangeKind::Loosened,
        };
        let detail = match (old, new) {
            (None, Some(b)) => format!("`{what}: {b}` added"),
            (Some(a), None) => format!("`{what}: {a}` removed"),
            (Some(a), Some(b)) => format!("`{what}` from {a} to {b}"),
            (None, None) => unreachable!("returned above"),
        };
        self.push(kind, what, self.prefixed(detail), shown(old), shown(new));
    }

    fn flag(&mut self, what: &'static str, old: bool, new: bool) {
        if old != new {
            let kind = if new {
                ChangeKind::Tightened
            } else {
                ChangeKind::Loosened
            };
            let detail = self.prefixed(format!("`{what}` from {old} to {new}"));
            self.push(
                kind,
                what,
                detail,
                Some(old.to_string()),
                Some(new.to_string()),
            );
        }
    }

    fn prefixed(&self, detail: String) -> String {
        match self.field {
            Some(f) => format!("`{}.{f}`: {detail}", self.table),
            None => format!("`{}`: {detail}", self.table),
        }
    }
}

fn null_limit(t: &TableContract, f: &FieldContract) -> Option<f64> {
    f.max_null_rate.or(f
        .required
        .then(|| t.max_null_rate.unwrap_or(DEFAULT_MAX_NULL_RATE)))
}

/// A line of a contract file.
fn at(c: &Contract, line: usize) -> At {
    At {
        file: c.path.display().to_string(),
        line,
    }
}

/// The changes from `old` to `new`.
pub fn diff(old: &Contract, new: &Contract) -> Vec<Change> {
    let mut out = Vec::new();
    for t in &old.tables {
        if !new.tables.iter().any(|n| n.table == t.table) {
            let mut d = Differ {
                out: &mut out,
                table: &t.table,
                field: None,
                at: at(old, t.line),
            };
            let detail = format!("`{}` is no longer depended on", t.table);
            d.push(ChangeKind::TableRemoved, "depends_on", detail, None, None);
        }
    }
    for n in &new.tables {
        let Some(o) = old.tables.iter().find(|t| t.table == n.table) else {
            let mut d = Differ {
                out: &mut out,
                table: &n.table,
                field: None,
                at: at(new, n.line),
            };
            let detail = format!("`{}` is a new dependency", n.table);
            d.push(ChangeKind::TableAdded, "depends_on", detail, None, None);
            continue;
        };
        table(&mut out, old, o, new, n);
    }
    out
}

fn table(
    out: &mut Vec<Change>,
    oc: &Contract,
    o: &TableContract,
    nc: &Contract,
    n: &TableContract,
) {
    {
        let mut d = Differ {
            out,
            table: &n.table,
            field: None,
            at: at(nc, n.line),
        };
        match (&o.freshness, &n.freshness) {
            (Some(a), Some(b)) if a.column != b.column => {
                let on = |c: &Option<String>| match c {
                    Some(c) => format!("`{c}`"),
                    None => "the table's arrival time".to_string(),
                };
                let detail = d.prefixed(format!(
                    "freshness measured on {} instead of {}",
                    on(&b.column),
                    on(&a.column)
                ));
                d.push(
                    ChangeKind::Changed,
                    "freshness.column",
                    detail,
                    a.column.clone(),
                    b.column.clone(),
                );
            }
            _ => {}
        }
        let lag = |f: &Option<crate::contract::Freshness>| f.as_ref().map(|f| f.max_lag as f64);
        d.upper("freshness.max_lag", lag(&o.freshness), lag(&n.freshness));
        let silence =
            |a: &Option<crate::contract::Arrival>| a.as_ref().map(|a| a.max_silence as f64);
        d.upper(
            "arrival.max_silence",
            silence(&o.arrival),
            silence(&n.arrival),
        );
        let rc = |r: &Option<crate::contract::RowCount>| r.as_ref().map(|r| r.min_ratio);
        d.lower("row_count.min_ratio", rc(&o.row_count), rc(&n.row_count));
        let rc = |r: &Option<crate::contract::RowCount>| r.as_ref().map(|r| r.max_ratio);
        d.upper("row_count.max_ratio", rc(&o.row_count), rc(&n.row_count));
        if o.row_bounds != n.row_bounds {
            let detail = d.prefixed("`rowCount` rules changed".into());
            d.push(ChangeKind::Changed, "row_bounds", detail, None, None);
        }
        let files = |f: &Option<crate::contract::Files>| f.as_ref().map(|f| f.min_mean_size as f64);
        d.lower("files.min_mean_size", files(&o.files), files(&n.files));
        keys_and_schema(&mut d, o, n);
    }
    for f in &o.fields {
        if !n.fields.iter().any(|g| g.name == f.name) {
            let mut d = Differ {
                out,
                table: &n.table,
                field: Some(&f.name),
                at: at(oc, f.line),
            };
            let detail = d.prefixed("no longer depended on".into());
            d.push(
                ChangeKind::Removed,
                "fields",
                detail,
                Some(f.name.clone()),
                None,
            );
        }
    }
    for g in &n.fields {
        let mut d = Differ {
            out,
            table: &n.table,
            field: Some(&g.name),
            at: at(nc, g.line),
        };
        let Some(f) = o.fields.iter().find(|f| f.name == g.name) else {
            let detail = d.prefixed("a new dependency".into());
            d.push(
                ChangeKind::Added,
                "fields",
                detail,
                None,
                Some(g.name.clone()),
            );
            continue;
        };
        field(&mut d, o, f, n, g);
    }
}

fn field(
    d: &mut Differ<'_>,
    ot: &TableContract,
    f: &FieldContract,
    nt: &TableContract,
    g: &FieldContract,
) {
    match (f.r#type, g.r#type) {
        (None, None) => {}
        (Some(a), Some(b)) if a == b => {}
        (None, Some(b)) => {
            let detail = d.prefixed(format!("`type: {}` added", b.name()));
            d.push(
                ChangeKind::Tightened,
                "type",
                detail,
                None,
                Some(b.name().into()),
            );
        }
        (Some(a), None) => {
            let detail = d.prefixed(format!("`type: {}` removed", a.name()));
            d.push(
                ChangeKind::Loosened,
                "type",
                detail,
                Some(a.name().into()),
                None,
            );
        }
        (Some(a), Some(b)) => {
            let kind = if covers(a, b) {
                ChangeKind::Tightened
            } else if covers(b, a) {
                ChangeKind::Loosened
            } else {
                ChangeKind::Changed
            };
            let detail = d.prefixed(format!("`type` from {} to {}", a.name(), b.name()));
            d.push(
                kind,
                "type",
                detail,
                Some(a.name().into()),
                Some(b.name().into()),
            );
        }
    }
    d.flag("required", f.required, g.required);
    d.flag("unique", f.unique, g.unique);
    d.upper("max_null_rate", null_limit(ot, f), null_limit(nt, g));
    d.upper(
        "max_new_values",
        f.max_new_values.map(|v| v as f64),
        g.max_new_values.map(|v| v as f64),
    );
    // The change thresholds as they apply to the field: its own, else its table entry's, else
    // the default (these checks run on every listed field with a baseline).
    use crate::check::change::{MAX_CARDINALITY_CHANGE, MAX_NULL_RATE_CHANGE};
    d.upper(
        "max_cardinality_change",
        Some(
            f.max_cardinality_change
                .or(ot.max_cardinality_change)
                .unwrap_or(MAX_CARDINALITY_CHANGE),
        ),
        Some(
            g.max_cardinality_change
                .or(nt.max_cardinality_change)
                .unwrap_or(MAX_CARDINALITY_CHANGE),
        ),
    );
    d.upper(
        "max_null_rate_change",
        Some(
            f.max_null_rate_change
                .or(ot.max_null_rate_change)
                .unwrap_or(MAX_NULL_RATE_CHANGE),
        ),
        Some(
            g.max_null_rate_change
                .or(nt.max_null_rate_change)
                .unwrap_or(MAX_NULL_RATE_CHANGE),
        ),
    );
    let c = |x: &FieldContract| x.constraints.clone().unwrap_or_default();
    let (a, b) = (c(f), c(g));
    d.lower("constraints.min", a.min, b.min);
    d.upper("constraints.max", a.max, b.max);
    let len = |v: Option<u64>| v.map(|v| v as f64);
    d.lower(
        "constraints.min_length",
        len(a.min_length),
        len(b.min_length),
    );
    d.upper(
        "constraints.max_length",
        len(a.max_length),
        len(b.max_length),
    );
    match (&f.allowed_values, &g.allowed_values) {
        (None, Some(b)) => {
            let detail = d.prefixed(format!("`allowed_values` added ({} values)", b.len()));
            d.push(ChangeKind::Tightened, "allowed_values", detail, None, None)
                .values = b.clone();
        }
        (Some(a), None) => {
            let detail = d.prefixed("`allowed_values` removed: any value is accepted".into());
            d.push(ChangeKind::Loosened, "allowed_values", detail, None, None)
                .values = a.clone();
        }
        (Some(a), Some(b)) => {
            let gone: Vec<String> = a.iter().filter(|v| !b.contains(v)).cloned().collect();
            let added: Vec<String> = b.iter().filter(|v| !a.contains(v)).cloned().collect();
            let list = |v: &[String]| {
                v.iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if !gone.is_empty() {
                let detail = d.prefixed(format!("`allowed_values` no longer has {}", list(&gone)));
                d.push(ChangeKind::Tightened, "allowed_values", detail, None, None)
                    .values = gone;
            }
            if !added.is_empty() {
                let detail = d.prefixed(format!("`allowed_values` gains {}", list(&added)));
                d.push(ChangeKind::Loosened, "allowed_values", detail, None, None)
                    .values = added;
            }
        }
        (None, None) => {}
    }
    // Counted rules (ODCS quality metrics): any change is one both sides must agree to.
    for (what, a, b) in [
        ("null_values", &f.null_values, &g.null_values),
        ("invalid_values", &f.invalid_values, &g.invalid_values),
        ("duplicate_values", &f.duplicate_values, &g.duplicate_values),
    ] {
        if a != b {
            let detail = d.prefixed(format!("`{what}` rules changed"));
            d.push(ChangeKind::Changed, what, detail, None, None);
        }
    }
    let psi = |x: &FieldContract, t: &TableContract| {
        x.drift.as_ref().or(t.drift.as_ref()).map(|d| d.max_psi)
    };
    d.upper("drift.max_psi", psi(f, ot), psi(g, nt));
    let skew = |x: &FieldContract| x.skew.as_ref().map(|s| s.max_top_share);
    d.upper("skew.max_top_share", skew(f), skew(g));
    match (&f.references, &g.references) {
        (Some(a), Some(b)) if (&a.table, &a.field) != (&b.table, &b.field) => {
            let detail = d.prefixed(format!(
                "references `{}.{}` instead of `{}.{}`",
                b.table, b.field, a.table, a.field
            ));
            d.push(
                ChangeKind::Changed,
                "references",
                detail,
                Some(format!("{}.{}", a.table, a.field)),
                Some(format!("{}.{}", b.table, b.field)),
            );
        }
        (a, b) => {
            let rate =
                |r: &Option<crate::contract::Reference>| r.as_ref().map(|r| r.max_unmatched_rate);
            d.upper("references.max_unmatched_rate", rate(a), rate(b));
        }
    }
}

/// The table-level `unique` keys (a new key tightens, a dropped one loosens; keys are sets of
/// columns), `max_duplicate_rate` (between entries that both have keys) and the `schema` policy
/// (an `allow_*` turned `false` tightens).
fn keys_and_schema(d: &mut Differ<'_>, o: &TableContract, n: &TableContract) {
    let set = |k: &crate::contract::UniqueKey| {
        let mut c = k.columns.clone();
        c.sort();
        c
    };
    let has = |keys: &[crate::contract::UniqueKey], k: &crate::contract::UniqueKey| {
        keys.iter().any(|x| set(x) == set(k))
    };
    for k in o.unique.iter().filter(|k| !has(&n.unique, k)) {
        let detail = d.prefixed(format!("`unique` key [{}] removed", k.columns.join(", ")));
        d.push(ChangeKind::Loosened, "unique", detail, Some(k.name()), None);
    }
    for k in n.unique.iter().filter(|k| !has(&o.unique, k)) {
        let detail = d.prefixed(format!("`unique` key [{}] added", k.columns.join(", ")));
        d.push(
            ChangeKind::Tightened,
            "unique",
            detail,
            None,
            Some(k.name()),
        );
    }
    if !o.unique.is_empty() && !n.unique.is_empty() {
        let rate = |t: &TableContract| {
            Some(
                t.max_duplicate_rate
                    .unwrap_or(crate::contract::DEFAULT_MAX_DUPLICATE_RATE),
            )
        };
        d.upper("max_duplicate_rate", rate(o), rate(n));
    }
    let policy = |t: &TableContract| {
        t.schema
            .unwrap_or_else(|| crate::contract::SchemaPolicy::lenient(t.line))
    };
    let (a, b) = (policy(o), policy(n));
    for (what, old, new) in [
        (
            "schema.allow_new_columns",
            a.allow_new_columns,
            b.allow_new_columns,
        ),
        (
            "schema.allow_removed_columns",
            a.allow_removed_columns,
            b.allow_removed_columns,
        ),
        (
            "schema.allow_type_changes",
            a.allow_type_changes,
            b.allow_type_changes,
        ),
    ] {
        if old != new {
            // Allowing less is tighter.
            let kind = if new {
                ChangeKind::Loosened
            } else {
                ChangeKind::Tightened
            };
            let detail = d.prefixed(format!("`{what}` from {old} to {new}"));
            d.push(
                kind,
                what,
                detail,
                Some(old.to_string()),
                Some(new.to_string()),
            );
        }
    }
}

/// Maps a contract change to the other consumers' lines on the same field, judging whether a
/// loosened promise (of a producer's published contract) breaks what they expect.
pub fn affected(c: &mut Change, d: &Dependents) {
    let Some(field) = c.field.clone() else {
        return;
    };
    let own = c.at.as_ref().map(|a| a.file.clone()).unwrap_or_default();
    let table = c.table.clone();
    for dep in d.of_field(&table, &field) {
        if dep.file == own {
            continue;
        }
        let expects = dep.expects.as_ref();
        let (breaks, reason) = match (c.kind, c.expectation) {
            (ChangeKind::Removed, _) => (true, format!("names `{field}`: no longer promised")),
            (ChangeKind::Loosened, Some("allowed_values")) => {
                match expects.and_then(|f| f.allowed_values.as_ref()) {
                    Some(allowed) => {
                        let outside: Vec<&String> =
                            c.values.iter().filter(|v| !allowed.contains(v)).collect();
                        if c.values.is_empty() || !outside.is_empty() {
                            (
                                true,
                                "its `allowed_values` does not accept every value now promised"
                                    .into(),
                            )
                        } else {
                            (false, "its `allowed_values` lists every value".into())
                        }
                    }
                    None => (false, "declares no `allowed_values`".into()),
                }
            }
            (ChangeKind::Loosened | ChangeKind::Changed, Some("type")) => {
                let now = c
                    .new
                    .as_deref()
                    .and_then(|n| TypeName::ALL.iter().find(|(s, _)| *s == n).map(|x| x.1));
                match (expects.and_then(|f| f.r#type), now) {
                    (Some(want), Some(now)) if covers(want, now) => (
                        false,
                        format!(
                            "declares `type: {}`, which covers {}",
                            want.name(),
                            now.name()
                        ),
                    ),
                    (Some(want), _) => (
                        true,
                        format!(
                            "declares `type: {}`, which the promise no longer guarantees",
                            want.name()
                        ),
                    ),
                    (None, _) => (false, "declares no type".into()),
                }
            }
            (ChangeKind::Loosened, Some("required")) => match expects.is_some_and(|f| f.required) {
                true => (
                    true,
                    "declares `required: true`, which is no longer promised".into(),
                ),
                false => (false, "does not require the field".into()),
            },
            _ => (false, "reads the field".into()),
        };
        c.consumers.push(Affected::of(dep, breaks, reason));
    }
}
