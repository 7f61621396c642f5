//! A suggestion as a Plimsoll contract: `consumer`, one `depends_on` entry, its fields, each
//! suggested key with a comment saying why.

use super::yaml::{Entry, Node, boolean, document, number, text};
use super::{FieldSuggestion, Suggestion};
use crate::contract::units::format_duration;

/// The header comment both formats carry.
pub fn header(s: &Suggestion) -> Vec<String> {
    vec![
        format!(
            "A starting contract suggested by `plimsoll suggest` from {} ({}).",
            s.source, s.scope
        ),
        "Every threshold describes the data as it was, with why it is there: keep what the consumer relies on, tighten or drop the rest.".into(),
    ]
}

/// `max_lag` as written in contracts: whole hours (`26h`).
pub fn lag_text(secs: u64) -> String {
    if secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else {
        format_duration(secs)
    }
}

/// The suggestion as a Plimsoll contract (YAML), which `plimsoll lint` accepts.
pub fn contract(s: &Suggestion) -> String {
    let mut head = header(s);
    head.push(format!(
        "No `source:` is written (it would be relative to this file): bind the table with `plimsoll check SOURCE --contract FILE` or `--table {}=SOURCE`.",
        s.table
    ));
    let mut table = vec![Entry::new("table", text(&s.table))];
    if let Some(f) = &s.freshness {
        table.push(Entry::why(
            "freshness",
            Node::Flow(vec![
                ("column".into(), text(&f.value.0)),
                ("max_lag".into(), Node::Scalar(lag_text(f.value.1))),
            ]),
            &f.why,
        ));
    }
    if let Some(r) = &s.row_count {
        table.push(Entry::why(
            "row_count",
            Node::Flow(vec![
                (
                    "baseline_days".into(),
                    Node::Scalar(r.value.baseline_days.to_string()),
                ),
                ("min_ratio".into(), number(r.value.min_ratio)),
                ("max_ratio".into(), number(r.value.max_ratio)),
            ]),
            &r.why,
        ));
    }
    table.push(Entry::new(
        "fields",
        Node::Seq(s.fields.iter().map(|f| Node::Map(field(f))).collect()),
    ));
    document(
        &head,
        &[
            Entry::why(
                "consumer",
                text(&s.consumer),
                "who depends on the table (`--consumer`)",
            ),
            Entry::new("depends_on", Node::Seq(vec![Node::Map(table)])),
        ],
    )
}

fn field(f: &FieldSuggestion) -> Vec<Entry> {
    let mut out = vec![Entry {
        key: "name".into(),
        value: text(&f.name),
        comment: (!f.notes.is_empty()).then(|| f.notes.join("; ")),
    }];
    if let Some(t) = &f.r#type {
        out.push(Entry::why(
            "type",
            Node::Scalar(t.value.name().into()),
            &t.why,
        ));
    }
    if let Some(r) = &f.required {
        out.push(Entry::why("required", boolean(true), &r.why));
    }
    if let Some(m) = &f.max_null_rate {
        out.push(Entry::why("max_null_rate", number(m.value), &m.why));
    }
    if let Some(u) = &f.unique {
        out.push(Entry::why("unique", boolean(true), &u.why));
    }
    let mut constraints = Vec::new();
    let mut why = Vec::new();
    if let Some(r) = &f.range {
        constraints.push(("min".to_string(), number(r.value.0)));
        if let Some(max) = r.value.1 {
            constraints.push(("max".to_string(), number(max)));
        }
        why.push(r.why.clone());
    }
    if let Some(l) = &f.lengths {
        constraints.push((
            "min_length".to_string(),
            Node::Scalar(l.value.0.to_string()),
        ));
        constraints.push((
            "max_length".to_string(),
            Node::Scalar(l.value.1.to_string()),
        ));
        why.push(l.why.clone());
    }
    if !constraints.is_empty() {
        out.push(Entry::why(
            "constraints",
            Node::Flow(constraints),
            why.join("; "),
        ));
    }
    if let Some(a) = &f.allowed_values {
        out.push(Entry::why(
            "allowed_values",
            Node::FlowSeq(a.value.iter().map(|v| text(v)).collect()),
            &a.why,
        ));
    }
    if let Some(d) = &f.drift {
        out.push(Entry::why(
            "drift",
            Node::Flow(vec![("max_psi".into(), number(d.value))]),
            &d.why,
        ));
    }
    out
}
