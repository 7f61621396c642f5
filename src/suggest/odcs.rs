//! A suggestion as an Open Data Contract Standard (ODCS) document.
//!
//! Written to ODCS v3.1.0, the version whose library quality metrics (`metric: nullValues`,
//! `invalidValues` with `arguments.validValues`, `rowCount`, the `mustBe...` operators) and
//! `timestamp` logical type this writer uses; v3.0.x spelled quality rules `rule:` and had no
//! `timestamp` type. The mapping:
//!
//! | Plimsoll | ODCS |
//! |---|---|
//! | `table` | `schema[0]`: `name`, `logicalType: object`, `physicalType: table` |
//! | field `type` | `logicalType` (string, integer, number, boolean, date, timestamp; decimal is `number`, binary a `string` with `format: binary`) and `physicalType` (the Arrow type) |
//! | `required: true` | `required: true` and `quality: [{metric: nullValues, mustBe: 0}]` |
//! | `max_null_rate: R` | `quality: [{metric: nullValues, mustBeLessOrEqualTo: R x 100, unit: percent}]` |
//! | `unique: true` | `unique: true` |
//! | `constraints: {min, max}` | `logicalTypeOptions: {minimum, maximum}` |
//! | `constraints: {min_length, max_length}` | `logicalTypeOptions: {minLength, maxLength}` |
//! | `allowed_values` | `quality: [{metric: invalidValues, arguments: {validValues: [...]}, mustBe: 0}]` |
//! | `drift: {max_psi}` | `customProperties: [{property: plimsoll, value: {drift: {max_psi}}}]` (ODCS has no drift metric) |
//! | `row_count` | object-level `quality: [{metric: rowCount, mustBeGreaterThan: N}]`, N = `min_ratio` x the partitions' mean rows (below the fewest seen), with the ratios in the `plimsoll` custom property (`row_count`) |
//! | `freshness` | `slaProperties: [{property: freshness, value: hours, unit: h, element: TABLE.COLUMN}]` |
//! | `consumer` | top-level `customProperties: [{property: plimsoll, value: {consumer}}]` |
//! | a hive partition column | `partitioned: true`, `partitionKeyPosition` |

use super::render::header;
use super::yaml::{Entry, Node, boolean, document, int, number, text};
use super::{FieldSuggestion, Suggestion, physical_type};
use crate::contract::TypeName;
use crate::profile::Kind;

/// The `apiVersion` written.
pub const API_VERSION: &str = "v3.1.0";
/// The contract's own `version` (a first draft).
pub const VERSION: &str = "0.1.0";

/// A name as an ODCS id: lower-case letters, digits and `-`.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The custom property `plimsoll`: what ODCS has no key for, in Plimsoll's own words, as the
/// ODCS reader (`contract::odcs`) takes it back.
fn plimsoll(entries: Vec<Entry>) -> Node {
    Node::Map(vec![
        Entry::new("property", text("plimsoll")),
        Entry::new("value", Node::Map(entries)),
    ])
}

/// The suggestion as an ODCS document (YAML).
pub fn document_of(s: &Suggestion) -> String {
    let mut head = header(s);
    head.push(format!(
        "Open Data Contract Standard {API_VERSION}; thresholds ODCS cannot state (drift, row-count ratios) are in the custom property `plimsoll`."
    ));
    let mut object = vec![
        Entry::new("name", text(&s.table)),
        Entry::new("logicalType", text("object")),
        Entry::new("physicalType", text("table")),
    ];
    if let Some(r) = &s.row_count {
        let r_v = &r.value;
        let above = ((r_v.min_ratio * r_v.mean).floor() as u64).min(r_v.fewest.saturating_sub(1));
        object.push(Entry::new(
            "quality",
            Node::Seq(vec![Node::Map(vec![
                Entry::new("metric", text("rowCount")),
                Entry::why("mustBeGreaterThan", int(above as i128), &r.why),
                Entry::new(
                    "description",
                    text(&format!(
                        "Rows per partition: more than {} x the mean of the partitions seen ({:.0} rows).",
                        r_v.min_ratio, r_v.mean
                    )),
                ),
            ])]),
        ));
        object.push(Entry::new(
            "customProperties",
            Node::Seq(vec![plimsoll(vec![Entry::new(
                "row_count",
                Node::Map(vec![
                    Entry::new("baseline_days", int(r_v.baseline_days as i128)),
                    Entry::new("min_ratio", number(r_v.min_ratio)),
                    Entry::new("max_ratio", number(r_v.max_ratio)),
                ]),
            )])]),
        ));
    }
    let mut position = 0;
    let properties: Vec<Node> = s
        .fields
        .iter()
        .map(|f| {
            if f.partition {
                position += 1;
            }
            Node::Map(property(f, position))
        })
        .collect();
    object.push(Entry::new("properties", Node::Seq(properties)));
    let mut body = vec![
        Entry::new("apiVersion", text(API_VERSION)),
        Entry::new("kind", text("DataContract")),
        Entry::new("id", text(&slug(&format!("{}-{}", s.consumer, s.table)))),
        Entry::new("name", text(&s.table)),
        Entry::new("version", Node::Scalar(VERSION.into())),
        Entry::why("status", text("draft"), "a suggestion until reviewed"),
        Entry::new(
            "description",
            Node::Map(vec![Entry::new(
                "purpose",
                text(&format!(
                    "What {} relies on in {}, suggested from the data by plimsoll suggest",
                    s.consumer, s.table
                )),
            )]),
        ),
        Entry::new(
            "customProperties",
            Node::Seq(vec![plimsoll(vec![Entry::new(
                "consumer",
                text(&s.consumer),
            )])]),
        ),
        Entry::new("schema", Node::Seq(vec![Node::Map(object)])),
    ];
    if let Some(f) = &s.freshness {
        let hours = f.value.1.div_ceil(3600);
        body.push(Entry::new(
            "slaProperties",
            Node::Seq(vec![Node::Map(vec![
                Entry::new("property", text("freshness")),
                Entry::why("value", int(hours as i128), &f.why),
                Entry::new("unit", text("h")),
                Entry::new("element", text(&format!("{}.{}", s.table, f.value.0))),
            ])]),
        ));
    }
    document(&head, &body)
}

/// ODCS's logical type of a field, and whether it is a binary written as a string.
fn logical(f: &FieldSuggestion) -> Option<&'static str> {
    Some(match f.r#type.as_ref().map(|t| t.value) {
        Some(TypeName::String | TypeName::Binary) => "string",
        Some(TypeName::Integer) => "integer",
        Some(TypeName::Number | TypeName::Decimal) => "number",
        Some(TypeName::Boolean) => "boolean",
        Some(TypeName::Date) => "date",
        Some(TypeName::Timestamp) => "timestamp",
        None => {
            let t = f.data_type.as_str();
            if t.starts_with("List") || t.starts_with("LargeList") || t.starts_with("FixedSizeList")
            {
                "array"
            } else if t.starts_with("Struct") || t.starts_with("Map") {
                "object"
            } else {
                return None;
            }
        }
    })
}

fn property(f: &FieldSuggestion, partition_position: usize) -> Vec<Entry> {
    let mut out = vec![Entry {
        key: "name".into(),
        value: text(&f.name),
        comment: (!f.notes.is_empty()).then(|| f.notes.join("; ")),
    }];
    if let Some(l) = logical(f) {
        let why = f.r#type.as_ref().map(|t| t.why.clone());
        out.push(Entry {
            key: "logicalType".into(),
            value: text(l),
            comment: why,
        });
    }
    out.push(Entry::new(
        "physicalType",
        text(&physical_type(&f.data_type)),
    ));
    let mut options = Vec::new();
    if f.kind == Kind::Binary {
        options.push(("format".to_string(), text("binary")));
    }
    let mut options_why = Vec::new();
    if let Some(r) = &f.range {
        options.push(("minimum".to_string(), number(r.value.0)));
        if let Some(max) = r.value.1 {
            options.push(("maximum".to_string(), number(max)));
        }
        options_why.push(r.why.clone());
    }
    if let Some(l) = &f.lengths {
        options.push(("minLength".to_string(), int(l.value.0 as i128)));
        options.push(("maxLength".to_string(), int(l.value.1 as i128)));
        options_why.push(l.why.clone());
    }
    if !options.is_empty() {
        out.push(Entry {
            key: "logicalTypeOptions".into(),
            value: Node::Flow(options),
            comment: (!options_why.is_empty()).then(|| options_why.join("; ")),
        });
    }
    if let Some(r) = &f.required {
        out.push(Entry::why("required", boolean(true), &r.why));
    }
    if let Some(u) = &f.unique {
        out.push(Entry::why("unique", boolean(true), &u.why));
    }
    if f.partition {
        out.push(Entry::new("partitioned", boolean(true)));
        out.push(Entry::new(
            "partitionKeyPosition",
            int(partition_position as i128),
        ));
    }
    let mut quality = Vec::new();
    if f.required.is_some() {
        quality.push(Node::Map(vec![
            Entry::new("metric", text("nullValues")),
            Entry::new("mustBe", int(0)),
        ]));
    }
    if let Some(m) = &f.max_null_rate {
        quality.push(Node::Map(vec![
            Entry::new("metric", text("nullValues")),
            Entry::why(
                "mustBeLessOrEqualTo",
                number((m.value * 100_000.0).round() / 1000.0),
                &m.why,
            ),
            Entry::new("unit", text("percent")),
        ]));
    }
    if let Some(a) = &f.allowed_values {
        quality.push(Node::Map(vec![
            Entry::new("metric", text("invalidValues")),
            Entry::why(
                "arguments",
                Node::Flow(vec![(
                    "validValues".into(),
                    Node::FlowSeq(a.value.iter().map(|v| text(v)).collect()),
                )]),
                &a.why,
            ),
            Entry::new("mustBe", int(0)),
        ]));
    }
    if !quality.is_empty() {
        out.push(Entry::new("quality", Node::Seq(quality)));
    }
    if let Some(d) = &f.drift {
        out.push(Entry::new(
            "customProperties",
            Node::Seq(vec![plimsoll(vec![Entry::new(
                "drift",
                Node::Map(vec![Entry::why("max_psi", number(d.value), &d.why)]),
            )])]),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs() {
        assert_eq!(
            super::slug("Analytics Platform-orders"),
            "analytics-platform-orders"
        );
        assert_eq!(super::slug("__a__b"), "a-b");
    }
}
