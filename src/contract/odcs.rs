//! Open Data Contract Standard (ODCS) v3.0.x and v3.1.x contracts, read as Plimsoll contracts.
//!
//! A contract file whose top level has `apiVersion` or `kind` is read here (the dispatch is in
//! [`super::parse::parse_contract`]), with the same YAML loading and the same file:line:column
//! problems as Plimsoll's own format. The result is an ordinary [`Contract`]: every check
//! Plimsoll runs for its own contracts runs the same way for an ODCS one.
//!
//! **How an ODCS document becomes a contract.**
//! - The consumer is the `plimsoll` custom property's `consumer`, else the contract's `name`,
//!   else its `dataProduct`, else its `id`. The owner is that custom property's `owner`, else
//!   the username of the first team member whose `role` names an owner, else the team's
//!   `name` (v3.1).
//! - Each `schema` object is a table named by its `name`. Its `source:` is the first `local`
//!   (`path`) or `s3` (`location`) server holding Parquet or Iceberg, with `{model}` replaced by
//!   the object's `physicalName` (else its `name`) and a final `*.parquet` segment dropped;
//!   relative paths are relative to the contract file, as for `source:`.
//! - Each property is a field; the column checked is its `physicalName`, else its `name`.
//!   `logicalType` (refined by a `decimal`/`numeric` `physicalType`) is the `type`;
//!   `required: true` means no nulls (`max_null_rate: 0`) unless a `nullValues` rule on the
//!   property says otherwise; `unique` and a single-column `primaryKey` are `unique: true`;
//!   `logicalTypeOptions` `minimum`/`maximum` (and their exclusive forms) and
//!   `minLength`/`maxLength` are `constraints`.
//! - Library quality rules (`nullValues`, `missingValues`, `invalidValues` with `validValues`,
//!   `duplicateValues`, `rowCount`), with any of the eight operators and `unit: rows` (the
//!   default) or `percent` (of the slice's rows), become the `null_rate`, `allowed_values`,
//!   `unique` and `row_count` checks. A rule that says "none" (`mustBe: 0`) is exactly the
//!   native check (`allowed_values`, `unique: true`, `max_null_rate: 0`), as is a `nullValues`
//!   `mustBeLessOrEqualTo` in percent (`max_null_rate`).
//! - A `relationships` entry (`to: table.property`, or `schema/<id>/properties/<id>`) is a
//!   `references:`; the SLA property `latency` (or `freshness`) with an `element` naming
//!   `table.column` is `freshness:`.
//! - What ODCS has no key for is written in a custom property named `plimsoll` whose value
//!   holds Plimsoll keys: `consumer`/`owner` at the top; `row_count`, `files`, `drift`,
//!   `max_null_rate` on a schema object; `drift`, `skew` on a property; `max_unmatched_rate` on
//!   a relationship.
//!
//! **Strictness.** Unknown keys are errors where keys carry checks: the top level, schema
//! objects, properties, `logicalTypeOptions`, quality rules and their `arguments`,
//! relationships, SLA properties and the `plimsoll` custom property. Descriptive sections
//! (description, team members, servers' connection details, support, price, roles, tags,
//! authoritative definitions, other custom properties) are accepted without being read.
//!
//! **Warnings.** Everything that asks for a check Plimsoll does not run (a `sql`, `custom` or
//! `text` rule, a regex `pattern`, an unknown metric, a composite key, a nested property, an SLA
//! other than latency, ...) is a warning with its position in [`Contract::warnings`]: `lint`
//! lists them, `check` notes them. Nothing is dropped silently.

use super::model::*;
use super::parse::{self, Core, Entries, Node, Parser, describe, scalar, shown};
use crate::error::ContractProblem;
use saphyr::{Marker, YamlDataOwned};
use std::collections::HashMap;
use std::path::Path;

/// Parses an ODCS v3.0.x / v3.1.x contract's text into a contract, or every problem found (with
/// file, line and column), in file order. Warnings about rules that are not checked are in the
/// contract's `warnings`. The text must be an ODCS document (`apiVersion`, `kind:
/// DataContract`); [`super::load_file`] and [`super::parse::parse_contract`] accept either
/// format.
pub fn parse(path: &Path, text: &str) -> Result<Contract, Vec<ContractProblem>> {
    parse::parse_document(path, text, read)
}

/// Is this document an ODCS contract? A mapping with `apiVersion` or `kind` at its top (a
/// Plimsoll contract has neither).
pub(crate) fn is_odcs(doc: &Node) -> bool {
    let YamlDataOwned::Mapping(map) = &doc.data else {
        return false;
    };
    map.iter()
        .any(|(k, _)| scalar(k).is_ok_and(|s| matches!(s.text, "apiVersion" | "kind")))
}

/// Reads an ODCS document (see [`parse`]); problems go to `p`, `None` when there is no contract.
pub(crate) fn read(p: &mut Parser<'_>, doc: &Node) -> Option<Contract> {
    let mut r = Reader {
        p,
        warnings: Vec::new(),
    };
    let contract = r.contract(doc);
    let mut warnings = r.warnings;
    warnings.sort_by_key(|w| (w.line, w.column));
    contract.map(|mut c| {
        c.warnings = warnings;
        c
    })
}

/// The top-level keys of ODCS v3.0.x and v3.1.x.
const TOP: &[&str] = &[
    "version",
    "kind",
    "apiVersion",
    "id",
    "name",
    "tenant",
    "tags",
    "status",
    "servers",
    "dataProduct",
    "description",
    "domain",
    "schema",
    "support",
    "price",
    "team",
    "roles",
    "slaDefaultElement",
    "slaProperties",
    "authoritativeDefinitions",
    "customProperties",
    "contractCreatedTs",
];

/// The keys of a `schema` object.
const OBJECT: &[&str] = &[
    "id",
    "name",
    "physicalName",
    "physicalType",
    "logicalType",
    "businessName",
    "description",
    "dataGranularityDescription",
    "authoritativeDefinitions",
    "tags",
    "customProperties",
    "properties",
    "relationships",
    "quality",
];

/// The keys of a property.
const PROPERTY: &[&str] = &[
    "id",
    "name",
    "physicalName",
    "physicalType",
    "logicalType",
    "logicalTypeOptions",
    "businessName",
    "description",
    "authoritativeDefinitions",
    "tags",
    "customProperties",
    "required",
    "unique",
    "primaryKey",
    "primaryKeyPosition",
    "partitioned",
    "partitionKeyPosition",
    "classification",
    "encryptedName",
    "transformSourceObjects",
    "transformLogic",
    "transformDescription",
    "examples",
    "criticalDataElement",
    "relationships",
    "quality",
    "items",
    "properties",
];

/// The keys of `logicalTypeOptions`, for every logical type.
const OPTIONS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "multipleOf",
    "minProperties",
    "maxProperties",
    "required",
    "minItems",
    "maxItems",
    "uniqueItems",
    "timezone",
    "defaultTimezone",
];

/// The comparison operators of a quality rule, in the standard's order.
const OPERATORS: &[&str] = &[
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
    "mustBeBetween",
    "mustNotBeBetween",
];

/// The keys of a quality rule (any type).
const QUALITY: &[&str] = &[
    "id",
    "name",
    "description",
    "type",
    "metric",
    "rule",
    "arguments",
    "unit",
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
    "mustBeBetween",
    "mustNotBeBetween",
    "query",
    "engine",
    "implementation",
    "dimension",
    "method",
    "severity",
    "businessImpact",
    "schedule",
    "scheduler",
    "tags",
    "customProperties",
    "authoritativeDefinitions",
];

/// The keys of a relationship.
const RELATIONSHIP: &[&str] = &[
    "id",
    "type",
    "from",
    "to",
    "description",
    "customProperties",
];

/// The keys of an SLA property.
const SLA: &[&str] = &[
    "id",
    "property",
    "value",
    "valueExt",
    "unit",
    "element",
    "driver",
    "description",
    "scheduler",
    "schedule",
];

/// The keys of a custom property.
const CUSTOM: &[&str] = &["id", "property", "value", "description"];

/// The library metrics Plimsoll checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metric {
    NullValues,
    MissingValues,
    InvalidValues,
    DuplicateValues,
    RowCount,
}

impl Metric {
    /// The metric a `metric:` (or the deprecated `rule:`) names.
    fn of(name: &str) -> Option<Metric> {
        Some(match name {
            "nullValues" => Metric::NullValues,
            "missingValues" => Metric::MissingValues,
            "invalidValues" => Metric::InvalidValues,
            "duplicateValues" | "duplicateCount" => Metric::DuplicateValues,
            "rowCount" => Metric::RowCount,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Metric::NullValues => "nullValues",
            Metric::MissingValues => "missingValues",
            Metric::InvalidValues => "invalidValues",
            Metric::DuplicateValues => "duplicateValues",
            Metric::RowCount => "rowCount",
        }
    }

    /// The arguments the metric takes.
    fn arguments(self) -> &'static [&'static str] {
        match self {
            Metric::MissingValues => &["missingValues"],
            Metric::InvalidValues => &["validValues", "pattern"],
            Metric::DuplicateValues => &["properties"],
            Metric::NullValues | Metric::RowCount => &[],
        }
    }
}

/// A library quality rule as read: one [`CountRule`] per operator (all must hold).
struct Rule<'n> {
    metric: Metric,
    rules: Vec<CountRule>,
    /// `arguments.properties` of a schema-level `duplicateValues`.
    properties: Option<Vec<(String, &'n Node)>>,
    node: &'n Node,
}

/// A `schema` object while the contract is read.
struct Object<'n> {
    table: TableContract,
    name_at: Marker,
    id: Option<String>,
    physical_name: Option<String>,
    props: Vec<Prop<'n>>,
    /// Schema-level relationships.
    relationships: Option<&'n Node>,
}

/// A property while the contract is read.
struct Prop<'n> {
    field: FieldContract,
    /// Its ODCS `name` (the field is named by the column).
    name: String,
    name_at: Marker,
    id: Option<String>,
    primary_key: Option<&'n Node>,
    relationships: Option<&'n Node>,
}

struct Reader<'p, 'a> {
    p: &'p mut Parser<'a>,
    warnings: Vec<ContractProblem>,
}

/// The entry of `key` in a mapping's entries: (key node, value node).
fn get<'n>(entries: &Entries<'n>, key: &str) -> Option<(&'n Node, &'n Node)> {
    entries.iter().find(|e| e.0 == key).map(|e| (e.1, e.2))
}

/// A sequence's items, or `None`.
fn items(node: &Node) -> Option<&Vec<Node>> {
    match &node.data {
        YamlDataOwned::Sequence(items) => Some(items),
        _ => None,
    }
}

/// Is the node null (`~`, `null`, or nothing)?
fn is_null(node: &Node) -> bool {
    scalar(node).is_ok_and(|s| s.core() == Core::Null)
}

impl<'n> Reader<'_, '_> {
    fn warn(&mut self, node: &Node, message: String) {
        let m = node.span.start;
        self.warnings.push(ContractProblem {
            path: self.p.path.to_path_buf(),
            line: m.line().max(1),
            column: m.col() + 1,
            message,
        });
    }

    /// A list, or a problem saying what it must be a list of.
    fn list(&mut self, node: &'n Node, what: &str) -> Option<&'n Vec<Node>> {
        let out = items(node);
        if out.is_none() {
            self.p.problem(
                node,
                format!("`{what}` must be a list, found {}", describe(node)),
            );
        }
        out
    }

    /// The entries of a mapping whose keys are not checked (a descriptive section).
    fn any_mapping(&mut self, node: &'n Node, what: &str) -> Option<Entries<'n>> {
        let YamlDataOwned::Mapping(map) = &node.data else {
            self.p.problem(
                node,
                format!("{what} must be a mapping, found {}", describe(node)),
            );
            return None;
        };
        Some(
            map.iter()
                .filter_map(|(k, v)| scalar(k).ok().map(|s| (s.text, k, v)))
                .collect(),
        )
    }

    /// The text of a descriptive key, when it is text (else nothing, no problem).
    fn text_of(node: &Node) -> Option<String> {
        match scalar(node) {
            Ok(s) if s.core() != Core::Null && !s.text.trim().is_empty() => {
                Some(s.text.to_string())
            }
            _ => None,
        }
    }

    /// The `plimsoll` custom property of a `customProperties` list, read with `allowed` keys.
    fn plimsoll(&mut self, node: &'n Node, what: &str, allowed: &[&str]) -> Option<Entries<'n>> {
        let list = self.list(node, "customProperties")?;
        let mut found: Option<(&'n Node, usize)> = None;
        for item in list {
            let Some(e) = self.p.mapping(item, "a custom property", CUSTOM) else {
                continue;
            };
            let Some((_, name)) = get(&e, "property") else {
                self.p
                    .problem(item, "a custom property needs `property`".into());
                continue;
            };
            if get(&e, "value").is_none() {
                self.p
                    .problem(item, "a custom property needs `value`".into());
            }
            let Some(name) = self.p.string(name, "property") else {
                continue;
            };
            if name != "plimsoll" {
                continue;
            }
            if let Some((_, first)) = found {
                self.p.problem(
                    item,
                    format!(
                        "the custom property `plimsoll` is given twice (first at line {first})"
                    ),
                );
                continue;
            }
            if let Some((_, v)) = get(&e, "value") {
                found = Some((v, item.span.start.line()));
            }
        }
        let (value, _) = found?;
        self.p.mapping(
            value,
            &format!("the `plimsoll` custom property of {what}"),
            allowed,
        )
    }

    fn contract(&mut self, doc: &'n Node) -> Option<Contract> {
        let entries = self.p.mapping(doc, "an ODCS contract", TOP)?;
        for req in ["apiVersion", "kind", "id", "version", "status", "schema"] {
            if get(&entries, req).is_none() {
                let why = if req == "schema" {
                    ": Plimsoll checks the tables it lists"
                } else {
                    " (required by the standard)"
                };
                self.p
                    .problem(doc, format!("an ODCS contract needs `{req}`{why}"));
            }
        }
        let mut names: HashMap<&str, String> = HashMap::new();
        let (mut consumer, mut owner) = (None, None);
        let mut team_owner = None;
        let mut servers = None;
        let mut objects = None;
        for (key, _, v) in &entries {
            match *key {
                "apiVersion" => {
                    if let Some(s) = self.p.string(v, "apiVersion") {
                        let ok = ["v3.0.", "v3.1."].iter().any(|pre| {
                            s.strip_prefix(pre).is_some_and(|n| {
                                !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())
                            })
                        });
                        if !ok {
                            self.p.problem(
                                v,
                                format!(
                                    "ODCS `apiVersion` {} is not supported: Plimsoll reads v3.0.x and v3.1.x (`v3.1.0`)",
                                    shown(&s)
                                ),
                            );
                        }
                    }
                }
                "kind" => {
                    if let Some(s) = self.p.string(v, "kind")
                        && s != "DataContract"
                    {
                        self.p.problem(
                            v,
                            format!("`kind` must be `DataContract`, found {}", shown(&s)),
                        );
                    }
                }
                "id" | "name" | "dataProduct" | "version" | "status" | "tenant" | "domain"
                | "contractCreatedTs" | "slaDefaultElement" => {
                    if let Some(s) = self.p.string(v, key) {
                        names.insert(*key, s);
                    }
                }
                "customProperties" => {
                    if let Some(e) = self.plimsoll(v, "the contract", &["consumer", "owner"]) {
                        for (k, _, v) in &e {
                            match *k {
                                "consumer" => consumer = self.p.string(v, "consumer"),
                                "owner" => owner = self.p.string(v, "owner"),
                                _ => unreachable!("filtered by mapping()"),
                            }
                        }
                    }
                }
                "team" => team_owner = self.team(v),
                "servers" => servers = self.servers(v),
                "schema" => objects = self.objects(v),
                // Descriptive sections: accepted as they are.
                _ => {}
            }
        }
        let mut objects = objects?;
        // Sources from the server, relationships across objects, then SLAs (which name them).
        if let Some((template, at)) = servers {
            self.sources(&template, at, &mut objects);
        }
        self.relationships(&mut objects);
        if let Some((_, v)) = get(&entries, "slaProperties") {
            let default = names.get("slaDefaultElement").cloned();
            self.slas(v, default.as_deref(), &mut objects);
        }
        let consumer = consumer
            .or_else(|| names.get("name").cloned())
            .or_else(|| names.get("dataProduct").cloned())
            .or_else(|| names.get("id").cloned())?;
        let tables = objects
            .into_iter()
            .map(|o| {
                let mut t = o.table;
                t.fields = o.props.into_iter().map(|p| p.field).collect();
                t
            })
            .collect();
        if !self.p.problems.is_empty() {
            return None;
        }
        Some(Contract {
            path: self.p.path.to_path_buf(),
            consumer,
            owner: owner.or(team_owner),
            tables,
            warnings: Vec::new(),
        })
    }

    /// The owner named by `team`: v3.0's list of members or v3.1's `{ name, members }`.
    fn team(&mut self, node: &'n Node) -> Option<String> {
        let (members, name) = match &node.data {
            YamlDataOwned::Sequence(items) => (Some(items), None),
            YamlDataOwned::Mapping(_) => {
                let e = self.any_mapping(node, "`team`")?;
                let members = get(&e, "members").and_then(|(_, v)| items(v));
                (members, get(&e, "name").and_then(|(_, v)| Self::text_of(v)))
            }
            _ => {
                self.p.problem(
                    node,
                    format!(
                        "`team` must be a list of members or a mapping with `members`, found {}",
                        describe(node)
                    ),
                );
                return None;
            }
        };
        for m in members.into_iter().flatten() {
            let Some(e) = self.any_mapping(m, "a team member") else {
                continue;
            };
            let role = get(&e, "role").and_then(|(_, v)| Self::text_of(v));
            if role.is_some_and(|r| r.to_ascii_lowercase().contains("owner"))
                && let Some(who) = get(&e, "username")
                    .or_else(|| get(&e, "name"))
                    .and_then(|(_, v)| Self::text_of(v))
            {
                return Some(who);
            }
        }
        name
    }

    /// The location template of the first server Plimsoll can read (`local` with `path`, `s3`
    /// with `location`, holding Parquet or Iceberg), with its node.
    fn servers(&mut self, node: &'n Node) -> Option<(String, &'n Node)> {
        let list = self.list(node, "servers")?;
        let mut chosen = None;
        for s in list {
            let Some(e) = self.any_mapping(s, "a server") else {
                continue;
            };
            let ty = get(&e, "type").and_then(|(_, v)| Self::text_of(v));
            let key = match ty.as_deref() {
                Some("local") => "path",
                Some("s3") => "location",
                _ => continue,
            };
            let Some((_, loc)) = get(&e, key) else {
                continue;
            };
            let Some(location) = self.p.string(loc, key) else {
                continue;
            };
            if let Some((_, f)) = get(&e, "format")
                && let Some(format) = Self::text_of(f)
                && !matches!(format.to_ascii_lowercase().as_str(), "parquet" | "iceberg")
            {
                self.warn(
                    f,
                    format!(
                        "server format `{format}` is not read: Plimsoll reads Parquet and Iceberg tables, so this server is not used as a source"
                    ),
                );
                continue;
            }
            if chosen.is_some() {
                continue;
            }
            if let Some((_, ep)) = get(&e, "endpointUrl") {
                self.warn(
                    ep,
                    "`endpointUrl` is not used: Plimsoll reaches S3-compatible stores through the `AWS_ENDPOINT_URL` environment variable".into(),
                );
            }
            chosen = Some((location, loc));
        }
        chosen
    }

    /// Each object's `source:` from the server's location.
    fn sources(&mut self, template: &str, at: &'n Node, objects: &mut [Object<'n>]) {
        // A trailing glob segment (`data/{model}/*.parquet`) names the files of a directory.
        let mut t = template.to_string();
        if let Some((dir, last)) = t.rsplit_once('/')
            && last.contains('*')
        {
            t = dir.to_string();
        }
        if !t.contains("{model}") && objects.len() > 1 {
            self.warn(
                at,
                format!(
                    "the server location has no `{{model}}`, so it cannot be the source of each of the {} tables: bind them with `--table NAME=SOURCE` (or write `{{model}}` where the table's name goes)",
                    objects.len()
                ),
            );
            return;
        }
        for o in objects.iter_mut() {
            let model = o.physical_name.as_deref().unwrap_or(&o.table.table);
            o.table.source = Some(t.replace("{model}", model));
        }
    }

    fn objects(&mut self, node: &'n Node) -> Option<Vec<Object<'n>>> {
        let list = self.list(node, "schema")?;
        if list.is_empty() {
            self.p.problem(
                node,
                "`schema` is empty: list at least one object (table)".into(),
            );
        }
        let objects: Vec<Object<'n>> = list.iter().filter_map(|o| self.object(o)).collect();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for o in &objects {
            if o.table.table.is_empty() {
                continue;
            }
            if let Some(first) = seen.get(o.table.table.as_str()) {
                self.p.problem_at_marker(
                    &o.name_at,
                    format!(
                        "schema object `{}` is listed twice (first at line {first})",
                        o.table.table
                    ),
                );
            } else {
                seen.insert(&o.table.table, o.name_at.line());
            }
        }
        Some(objects)
    }

    fn object(&mut self, node: &'n Node) -> Option<Object<'n>> {
        let e = self.p.mapping(node, "a `schema` object", OBJECT)?;
        let mut o = Object {
            table: TableContract::at(node.span.start.line()),
            name_at: node.span.start,
            id: None,
            physical_name: None,
            props: Vec::new(),
            relationships: None,
        };
        for (key, _, v) in &e {
            match *key {
                "name" => {
                    if let Some(s) = self.p.string(v, "name") {
                        o.table.table = s;
                        o.name_at = v.span.start;
                    }
                }
                "id" => o.id = self.p.string(v, "id"),
                "physicalName" => o.physical_name = self.p.string(v, "physicalName"),
                "logicalType" => {
                    if let Some(s) = self.p.string(v, "logicalType")
                        && s != "object"
                    {
                        self.p.problem(
                            v,
                            format!(
                                "a schema object's `logicalType` is `object`, found {}",
                                shown(&s)
                            ),
                        );
                    }
                }
                "relationships" => o.relationships = Some(*v),
                "customProperties" => {
                    let what = "a schema object";
                    let allowed = &["row_count", "files", "drift", "max_null_rate"];
                    if let Some(e) = self.plimsoll(v, what, allowed) {
                        for (k, _, v) in &e {
                            match *k {
                                "row_count" => o.table.row_count = self.p.row_count(v),
                                "files" => o.table.files = self.p.files(v),
                                "drift" => o.table.drift = self.p.drift(v),
                                "max_null_rate" => {
                                    o.table.max_null_rate =
                                        self.p.rate(v, "max_null_rate").map(|r| r.value)
                                }
                                _ => unreachable!("filtered by mapping()"),
                            }
                        }
                    }
                }
                // Read below, once the name is known; the rest is descriptive.
                _ => {}
            }
        }
        if get(&e, "name").is_none() {
            self.p
                .problem(node, "a `schema` object needs `name`".into());
        }
        if let Some((_, props)) = get(&e, "properties")
            && let Some(list) = self.list(props, "properties")
        {
            o.props = list.iter().filter_map(|p| self.property(p)).collect();
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for p in &o.props {
            if p.field.name.is_empty() {
                continue;
            }
            if let Some(first) = seen.get(&p.field.name) {
                self.p.problem_at_marker(
                    &p.name_at,
                    format!(
                        "column `{}` is listed twice in `{}` (first at line {first})",
                        p.field.name, o.table.table
                    ),
                );
            } else {
                seen.insert(p.field.name.clone(), p.name_at.line());
            }
        }
        if let Some((_, q)) = get(&e, "quality") {
            self.object_rules(q, &mut o);
        }
        self.primary_keys(&mut o);
        let table_default = o.table.max_null_rate.is_some();
        for p in &mut o.props {
            let f = &mut p.field;
            // ODCS `required`: the element may not be null, unless a rule says how many may.
            if f.required && f.null_values.is_empty() && f.max_null_rate.is_none() && !table_default
            {
                f.max_null_rate = Some(0.0);
            }
        }
        Some(o)
    }

    /// `primaryKey: true`: not null, and unique when the key is one column.
    fn primary_keys(&mut self, o: &mut Object<'n>) {
        let keys: Vec<usize> = (0..o.props.len())
            .filter(|i| o.props[*i].primary_key.is_some())
            .collect();
        for i in &keys {
            o.props[*i].field.required = true;
        }
        match keys.as_slice() {
            [] => {}
            [one] => o.props[*one].field.unique = true,
            [first, ..] => {
                let names: Vec<String> = keys
                    .iter()
                    .map(|i| format!("`{}`", o.props[*i].field.name))
                    .collect();
                if let Some(at) = o.props[*first].primary_key {
                    self.warn(
                        at,
                        format!(
                            "the composite primary key ({}) of `{}` is not checked for uniqueness (only single columns are); each part is checked for nulls",
                            names.join(", "),
                            o.table.table
                        ),
                    );
                }
            }
        }
    }

    fn property(&mut self, node: &'n Node) -> Option<Prop<'n>> {
        let e = self.p.mapping(node, "a property", PROPERTY)?;
        let mut p = Prop {
            field: FieldContract::at(node.span.start.line()),
            name: String::new(),
            name_at: node.span.start,
            id: None,
            primary_key: None,
            relationships: None,
        };
        let mut physical = None;
        for (key, k, v) in &e {
            match *key {
                "name" => {
                    if let Some(s) = self.p.string(v, "name") {
                        p.name = s;
                        p.name_at = v.span.start;
                    }
                }
                "physicalName" => physical = self.p.string(v, "physicalName"),
                "id" => p.id = self.p.string(v, "id"),
                "required" => p.field.required = self.p.bool(v, "required").unwrap_or(false),
                "unique" => p.field.unique = self.p.bool(v, "unique").unwrap_or(false),
                "primaryKey" => {
                    p.primary_key = (self.p.bool(v, "primaryKey") == Some(true)).then_some(*k)
                }
                "relationships" => p.relationships = Some(*v),
                "items" | "properties" => self.warn(
                    k,
                    format!("nested `{key}` are not checked: Plimsoll checks top-level columns"),
                ),
                "customProperties" => {
                    if let Some(e) = self.plimsoll(v, "a property", &["drift", "skew"]) {
                        for (k, _, v) in &e {
                            match *k {
                                "drift" => p.field.drift = self.p.drift(v),
                                "skew" => p.field.skew = self.p.skew(v),
                                _ => unreachable!("filtered by mapping()"),
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if get(&e, "name").is_none() {
            self.p.problem(node, "a property needs `name`".into());
        }
        p.field.name = physical.unwrap_or_else(|| p.name.clone());
        let logical = get(&e, "logicalType").and_then(|(_, v)| self.logical_type(v));
        let physical_type =
            get(&e, "physicalType").and_then(|(_, v)| self.p.string(v, "physicalType"));
        p.field.r#type = self.type_of(&e, logical.as_deref(), physical_type.as_deref());
        if let Some((_, v)) = get(&e, "logicalTypeOptions") {
            p.field.constraints = self.options(v, logical.as_deref());
        }
        if let Some((_, q)) = get(&e, "quality")
            && let Some(list) = self.list(q, "quality")
        {
            for item in list {
                if let Some(rule) = self.rule(item, p.field.r#type) {
                    self.apply(&mut p.field, rule, true);
                }
            }
        }
        Some(p)
    }

    /// A property's `logicalType`, checked against the standard's list.
    fn logical_type(&mut self, node: &'n Node) -> Option<String> {
        const LOGICAL: &[&str] = &[
            "string",
            "date",
            "timestamp",
            "time",
            "number",
            "integer",
            "object",
            "array",
            "boolean",
            "map",
        ];
        let s = self.p.string(node, "logicalType")?;
        if !LOGICAL.contains(&s.as_str()) {
            let names: Vec<String> = LOGICAL.iter().map(|n| format!("`{n}`")).collect();
            self.p.problem(
                node,
                format!(
                    "unknown `logicalType` {}; expected one of {}",
                    shown(&s),
                    names.join(", ")
                ),
            );
            return None;
        }
        Some(s)
    }

    /// The Plimsoll type of a property: its `logicalType`, refined to `decimal` by a
    /// decimal `physicalType`; from the `physicalType` alone when there is no logical type.
    fn type_of(
        &mut self,
        e: &Entries<'n>,
        logical: Option<&str>,
        physical: Option<&str>,
    ) -> Option<TypeName> {
        let physical_kind = physical.map(physical_type);
        match logical {
            Some("string") => Some(TypeName::String),
            Some("integer") => Some(TypeName::Integer),
            Some("number") => Some(match physical_kind {
                Some(Some(TypeName::Decimal)) => TypeName::Decimal,
                _ => TypeName::Number,
            }),
            Some("boolean") => Some(TypeName::Boolean),
            Some("date") => Some(TypeName::Date),
            Some("timestamp") => Some(TypeName::Timestamp),
            Some(other) => {
                if let Some((_, v)) = get(e, "logicalType") {
                    self.warn(
                        v,
                        format!(
                            "`logicalType: {other}` is not checked: Plimsoll checks string, integer, number, boolean, date and timestamp columns (the column must still exist)"
                        ),
                    );
                }
                None
            }
            None => match physical_kind {
                Some(Some(t)) => Some(t),
                Some(None) => {
                    if let Some((_, v)) = get(e, "physicalType") {
                        self.warn(
                            v,
                            format!(
                                "`physicalType: {}` is not understood and there is no `logicalType`, so the column's type is not checked",
                                physical.unwrap_or_default()
                            ),
                        );
                    }
                    None
                }
                None => None,
            },
        }
    }

    /// `logicalTypeOptions` as `constraints`; what they cannot express is a warning.
    fn options(&mut self, node: &'n Node, logical: Option<&str>) -> Option<Constraints> {
        let e = self.p.mapping(node, "`logicalTypeOptions`", OPTIONS)?;
        let temporal = matches!(logical, Some("date" | "timestamp" | "time"));
        let mut c = Constraints::default();
        // Candidate bounds: (value, exclusive, text).
        let (mut lows, mut highs): (Vec<Bound>, Vec<Bound>) = (Vec::new(), Vec::new());
        let (mut excl_min_flag, mut excl_max_flag) = (false, false);
        for (key, k, v) in &e {
            match *key {
                "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum" if temporal => {
                    self.warn(
                        k,
                        format!(
                            "`{key}` of a `{}` is not checked: ranges are checked on numbers",
                            logical.unwrap_or_default()
                        ),
                    );
                }
                "minimum" | "maximum" => {
                    if let Some(n) = self.p.number(v, key) {
                        let bound = (n.value, false, n.text.to_string());
                        if *key == "minimum" {
                            lows.push(bound);
                        } else {
                            highs.push(bound);
                        }
                    }
                }
                "exclusiveMinimum" | "exclusiveMaximum" => {
                    // v3.0: a boolean that makes `minimum`/`maximum` exclusive; v3.1: a number.
                    let flag = scalar(v).is_ok_and(|s| s.core() == Core::Bool);
                    if flag {
                        let on = self.p.bool(v, key).unwrap_or(false);
                        if *key == "exclusiveMinimum" {
                            excl_min_flag = on;
                        } else {
                            excl_max_flag = on;
                        }
                    } else if let Some(n) = self.p.number(v, key) {
                        let bound = (n.value, true, n.text.to_string());
                        if *key == "exclusiveMinimum" {
                            lows.push(bound);
                        } else {
                            highs.push(bound);
                        }
                    }
                }
                "minLength" => c.min_length = self.p.whole(v, "minLength"),
                "maxLength" => c.max_length = self.p.whole(v, "maxLength"),
                "pattern" => self.warn(
                    k,
                    "`pattern` is not checked: regular expressions are not evaluated in the profile scan".into(),
                ),
                other => self.warn(k, format!("`logicalTypeOptions.{other}` is not checked")),
            }
        }
        if excl_min_flag {
            for b in lows.iter_mut().filter(|b| !b.1) {
                b.1 = true;
            }
        }
        if excl_max_flag {
            for b in highs.iter_mut().filter(|b| !b.1) {
                b.1 = true;
            }
        }
        // The tightest of each side (an exclusive bound is tighter than an equal inclusive one).
        let low = lows
            .into_iter()
            .max_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let high = highs
            .into_iter()
            .min_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
        if let (Some(lo), Some(hi)) = (&low, &high)
            && (lo.0 > hi.0 || (lo.0 == hi.0 && (lo.1 || hi.1)))
        {
            self.p.problem(
                node,
                format!(
                    "the minimum ({}) leaves no value below the maximum ({})",
                    lo.2, hi.2
                ),
            );
        }
        if let (Some(lo), Some(hi)) = (c.min_length, c.max_length)
            && lo > hi
        {
            self.p.problem(
                node,
                format!("`minLength` ({lo}) is above `maxLength` ({hi})"),
            );
        }
        if let Some((v, excl, _)) = low {
            c.min = Some(v);
            c.min_exclusive = excl;
        }
        if let Some((v, excl, _)) = high {
            c.max = Some(v);
            c.max_exclusive = excl;
        }
        let any =
            c.min.is_some() || c.max.is_some() || c.min_length.is_some() || c.max_length.is_some();
        any.then_some(c)
    }

    /// One quality rule; `None` (with a warning or a problem) when it is not checked.
    fn rule(&mut self, node: &'n Node, ty: Option<TypeName>) -> Option<Rule<'n>> {
        let e = self.p.mapping(node, "a quality rule", QUALITY)?;
        let kind = match get(&e, "type") {
            Some((_, v)) => self.p.string(v, "type")?,
            None => "library".to_string(),
        };
        match kind.as_str() {
            "library" => {}
            "text" => {
                self.warn(
                    node,
                    "a `text` quality rule is not checked: it is written for people".into(),
                );
                return None;
            }
            "sql" => {
                self.warn(
                    node,
                    "a `sql` quality rule is not run: Plimsoll checks the profile of one scan and runs no queries".into(),
                );
                return None;
            }
            "custom" => {
                let engine = get(&e, "engine")
                    .and_then(|(_, v)| Self::text_of(v))
                    .map(|e| format!(" (engine `{e}`)"))
                    .unwrap_or_default();
                self.warn(
                    node,
                    format!("a `custom` quality rule{engine} is not run: it is for its own engine"),
                );
                return None;
            }
            other => {
                if let Some((_, v)) = get(&e, "type") {
                    self.p.problem(
                        v,
                        format!(
                            "unknown quality rule type {}; expected `library`, `text`, `sql` or `custom`",
                            shown(other)
                        ),
                    );
                }
                return None;
            }
        }
        let metric_node = match (get(&e, "metric"), get(&e, "rule")) {
            (Some(_), Some((k, _))) => {
                self.p.problem(
                    k,
                    "give `metric` (or the deprecated `rule`), not both".into(),
                );
                return None;
            }
            (Some((_, v)), None) | (None, Some((_, v))) => v,
            (None, None) => {
                self.p.problem(
                    node,
                    "a library quality rule needs `metric` (`nullValues`, `missingValues`, `invalidValues`, `duplicateValues` or `rowCount`)".into(),
                );
                return None;
            }
        };
        let name = self.p.string(metric_node, "metric")?;
        let Some(metric) = Metric::of(&name) else {
            self.warn(
                metric_node,
                format!(
                    "metric {} is not checked: Plimsoll checks `nullValues`, `missingValues`, `invalidValues`, `duplicateValues` and `rowCount`",
                    shown(&name)
                ),
            );
            return None;
        };
        let unit = match get(&e, "unit") {
            None => CountUnit::Rows,
            Some((_, v)) => match self.p.string(v, "unit")?.as_str() {
                "rows" => CountUnit::Rows,
                "percent" => CountUnit::Percent,
                other => {
                    self.warn(
                        v,
                        format!(
                            "unit {} is not checked: a `{}` rule is counted in `rows` or `percent`",
                            shown(other),
                            metric.name()
                        ),
                    );
                    return None;
                }
            },
        };
        let mut thresholds = Vec::new();
        for op in OPERATORS {
            if let Some((_, v)) = get(&e, op)
                && let Some(t) = self.threshold(op, v)
            {
                thresholds.push((t, v));
            }
        }
        if !OPERATORS.iter().any(|op| get(&e, op).is_some()) {
            self.p.problem(
                node,
                format!(
                    "the `{}` rule needs a threshold: one of {}",
                    metric.name(),
                    OPERATORS
                        .iter()
                        .map(|o| format!("`{o}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return None;
        }
        // What the metric can be: a count of rows, or a percentage of them.
        let (lo, hi) = match unit {
            CountUnit::Rows => (0.0, f64::MAX),
            CountUnit::Percent => (0.0, 100.0),
        };
        for (t, v) in &thresholds {
            match t.decide(lo, hi) {
                Some(false) => self.p.problem(
                    v,
                    format!(
                        "`{}` {} can never hold: the metric counts {}",
                        metric.name(),
                        t.text(),
                        if unit == CountUnit::Rows {
                            "rows (0 or more)"
                        } else {
                            "a percentage of the rows (0 to 100)"
                        }
                    ),
                ),
                Some(true) => self.warn(
                    v,
                    format!(
                        "`{}` {} always holds, so the rule checks nothing",
                        metric.name(),
                        t.text()
                    ),
                ),
                None => {}
            }
        }
        let mut values = Vec::new();
        let mut properties = None;
        let mut pattern_only = false;
        let mut listed = false;
        let args = get(&e, "arguments");
        if let Some((_, a)) = args {
            let what = format!("the arguments of `{}`", metric.name());
            if let Some(args) = self.p.mapping(a, &what, metric.arguments()) {
                for (key, k, v) in &args {
                    match *key {
                        "missingValues" | "validValues" => {
                            listed = true;
                            values = self.values(v, key, ty, *key == "missingValues")?;
                        }
                        "pattern" => {
                            self.warn(
                                k,
                                "`pattern` is not checked: regular expressions are not evaluated in the profile scan".into(),
                            );
                            pattern_only = get(&args, "validValues").is_none();
                        }
                        "properties" => {
                            let list = self.list(v, "properties")?;
                            let mut names = Vec::new();
                            for item in list {
                                if let Some(s) = self.p.string(item, "properties") {
                                    names.push((s, item));
                                }
                            }
                            properties = Some(names);
                        }
                        _ => unreachable!("filtered by mapping()"),
                    }
                }
            }
        }
        match metric {
            Metric::MissingValues if !listed => {
                self.p.problem(
                    node,
                    "a `missingValues` rule needs `arguments.missingValues`: the values that count as missing".into(),
                );
                return None;
            }
            Metric::InvalidValues if pattern_only => return None,
            Metric::InvalidValues if !listed => {
                self.p.problem(
                    node,
                    "an `invalidValues` rule needs `arguments.validValues` (or a `pattern`)".into(),
                );
                return None;
            }
            _ => {}
        }
        Some(Rule {
            metric,
            rules: thresholds
                .into_iter()
                .map(|(threshold, _)| CountRule {
                    threshold,
                    unit,
                    values: values.clone(),
                    line: node.span.start.line(),
                })
                .collect(),
            properties,
            node,
        })
    }

    /// A threshold operator's value.
    fn threshold(&mut self, op: &str, node: &'n Node) -> Option<Threshold> {
        if matches!(op, "mustBeBetween" | "mustNotBeBetween") {
            let pair = match items(node) {
                Some(list) if list.len() == 2 => {
                    let a = self.p.number(&list[0], op);
                    let b = self.p.number(&list[1], op);
                    (a?, b?)
                }
                _ => {
                    self.p.problem(
                        node,
                        format!(
                            "`{op}` must be a list of two numbers, smallest first, found {}",
                            describe(node)
                        ),
                    );
                    return None;
                }
            };
            if pair.0.value >= pair.1.value {
                self.p.problem(
                    node,
                    format!(
                        "`{op}` must list two different numbers, smallest first, found [{}, {}]",
                        pair.0.text, pair.1.text
                    ),
                );
                return None;
            }
            let (a, b) = (pair.0.value, pair.1.value);
            return Some(if op == "mustBeBetween" {
                Threshold::Between(a, b)
            } else {
                Threshold::NotBetween(a, b)
            });
        }
        let v = self.p.number(node, op)?.value;
        Some(match op {
            "mustBe" => Threshold::Eq(v),
            "mustNotBe" => Threshold::Ne(v),
            "mustBeGreaterThan" => Threshold::Gt(v),
            "mustBeGreaterOrEqualTo" => Threshold::Ge(v),
            "mustBeLessThan" => Threshold::Lt(v),
            _ => Threshold::Le(v),
        })
    }

    /// The values of `missingValues` / `validValues`, as the column's values read; nulls are
    /// skipped (null is always missing, and never invalid).
    fn values(
        &mut self,
        node: &'n Node,
        what: &str,
        ty: Option<TypeName>,
        missing: bool,
    ) -> Option<Vec<String>> {
        let list = self.list(node, what)?;
        if let Some(t @ (TypeName::Decimal | TypeName::Timestamp | TypeName::Binary)) = ty {
            self.warn(
                node,
                format!(
                    "`{what}` of a `{}` column is not checked: values are counted for string, integer, boolean and date columns only",
                    t.name()
                ),
            );
            return None;
        }
        let mut out = Vec::new();
        for item in list {
            if is_null(item) {
                continue;
            }
            let s = match scalar(item) {
                Ok(s) => s,
                Err(found) => {
                    self.p
                        .problem(item, format!("`{what}` must list scalars, found {found}"));
                    continue;
                }
            };
            match parse::allowed_value(s, ty) {
                Ok(v) => out.push(v),
                Err(e) => self.p.problem(item, e),
            }
        }
        if out.is_empty() && !missing {
            self.p.problem(
                node,
                format!("`{what}` lists no value: every value would be invalid"),
            );
            return None;
        }
        Some(out)
    }

    /// Applies a rule to a field: the native check when the rule says exactly what it does,
    /// else the rule itself.
    fn apply(&mut self, f: &mut FieldContract, rule: Rule<'n>, on_property: bool) {
        for r in rule.rules {
            // Holds for no row, and for no more than none.
            let none = r.unit == CountUnit::Rows
                && r.threshold.holds(0.0)
                && !r.threshold.holds(1.0)
                && matches!(
                    r.threshold,
                    Threshold::Eq(_) | Threshold::Lt(_) | Threshold::Le(_) | Threshold::Between(..)
                );
            match rule.metric {
                Metric::RowCount => {
                    if on_property {
                        self.warn(
                            rule.node,
                            "`rowCount` is a schema-level metric: write it in the `quality` of the schema object".into(),
                        );
                        return;
                    }
                }
                Metric::NullValues | Metric::MissingValues if r.values.is_empty() => {
                    let max = match (r.unit, r.threshold) {
                        _ if none => Some(0.0),
                        (CountUnit::Percent, Threshold::Le(v)) => Some(v / 100.0),
                        _ => None,
                    };
                    match max {
                        Some(m) if f.max_null_rate.is_none() => f.max_null_rate = Some(m),
                        _ => f.null_values.push(r),
                    }
                }
                Metric::NullValues | Metric::MissingValues => f.null_values.push(r),
                Metric::InvalidValues if none && f.allowed_values.is_none() => {
                    f.allowed_values = Some(r.values)
                }
                Metric::InvalidValues => f.invalid_values.push(r),
                Metric::DuplicateValues if none => f.unique = true,
                Metric::DuplicateValues => f.duplicate_values.push(r),
            }
        }
    }

    /// The schema-level quality rules of an object.
    fn object_rules(&mut self, node: &'n Node, o: &mut Object<'n>) {
        let Some(list) = self.list(node, "quality") else {
            return;
        };
        for item in list {
            let Some(rule) = self.rule(item, None) else {
                continue;
            };
            match rule.metric {
                Metric::RowCount => {
                    for r in rule.rules {
                        if r.unit == CountUnit::Percent {
                            self.warn(
                                rule.node,
                                "`rowCount` in `percent` is not checked: the row count is compared in rows".into(),
                            );
                            break;
                        }
                        o.table.row_bounds.push(r);
                    }
                }
                Metric::DuplicateValues => match rule.properties.clone().as_deref() {
                    Some([(name, at)]) => {
                        let name = name.clone();
                        let at = *at;
                        match o.props.iter().position(|p| p.name == name || p.field.name == name) {
                            Some(i) => self.apply(&mut o.props[i].field, rule, true),
                            None => self.p.problem(
                                at,
                                format!(
                                    "`{name}` is not a property of `{}`",
                                    o.table.table
                                ),
                            ),
                        }
                    }
                    Some(names) if names.len() > 1 => self.warn(
                        rule.node,
                        format!(
                            "`duplicateValues` over several properties ({}) is not checked: uniqueness is checked per column",
                            names
                                .iter()
                                .map(|n| format!("`{}`", n.0))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                    _ => self.warn(
                        rule.node,
                        "schema-level `duplicateValues` without `arguments.properties` (duplicate rows) is not checked".into(),
                    ),
                },
                m => self.warn(
                    rule.node,
                    format!(
                        "`{}` is a property-level metric: write it in the `quality` of a property",
                        m.name()
                    ),
                ),
            }
        }
    }

    /// Resolves every relationship into a `references:`.
    fn relationships(&mut self, objects: &mut [Object<'n>]) {
        let mut found: Vec<(usize, usize, Reference, &'n Node)> = Vec::new();
        for oi in 0..objects.len() {
            for pi in 0..objects[oi].props.len() {
                let Some(rels) = objects[oi].props[pi].relationships else {
                    continue;
                };
                let Some(list) = self.list(rels, "relationships") else {
                    continue;
                };
                for item in list {
                    if let Some((from, r)) = self.relationship(item, objects, Some((oi, pi))) {
                        found.push((from.0, from.1, r, item));
                    }
                }
            }
            if let Some(rels) = objects[oi].relationships
                && let Some(list) = self.list(rels, "relationships")
            {
                for item in list {
                    if let Some((from, r)) = self.relationship(item, objects, None) {
                        if from.0 != oi {
                            self.p.problem(
                                item,
                                format!(
                                    "a relationship of `{}` must start from one of its own properties",
                                    objects[oi].table.table
                                ),
                            );
                            continue;
                        }
                        found.push((from.0, from.1, r, item));
                    }
                }
            }
        }
        for (oi, pi, r, at) in found {
            let f = &mut objects[oi].props[pi].field;
            if f.references.is_some() {
                self.warn(
                    at,
                    format!(
                        "only one relationship per property is checked: this one, from `{}`, is not",
                        f.name
                    ),
                );
            } else {
                f.references = Some(r);
            }
        }
    }

    /// A relationship: where it starts (object, property) and the reference it asks for.
    /// `on` is the property it is written on (where `from` is implicit).
    fn relationship(
        &mut self,
        node: &'n Node,
        objects: &[Object<'n>],
        on: Option<(usize, usize)>,
    ) -> Option<((usize, usize), Reference)> {
        let e = self.p.mapping(node, "a relationship", RELATIONSHIP)?;
        if let Some((_, v)) = get(&e, "type")
            && let Some(t) = self.p.string(v, "type")
            && t != "foreignKey"
        {
            self.p.problem(
                v,
                format!(
                    "unknown relationship type {}; expected `foreignKey`",
                    shown(&t)
                ),
            );
            return None;
        }
        let from = match (on, get(&e, "from")) {
            (Some(_), Some((k, _))) => {
                self.p.problem(
                    k,
                    "a relationship written on a property starts from it: `from` is not allowed here".into(),
                );
                return None;
            }
            (Some(at), None) => at,
            (None, Some((_, v))) => match self.element(v, objects, "from")? {
                Target::Local(oi, pi) => (oi, pi),
                Target::Other(t, _) => {
                    self.p.problem(
                        v,
                        format!("`from` must name a property of this contract; `{t}` is not one of its schema objects"),
                    );
                    return None;
                }
            },
            (None, None) => {
                self.p.problem(
                    node,
                    "a schema-level relationship needs `from` and `to`".into(),
                );
                return None;
            }
        };
        let Some((_, to)) = get(&e, "to") else {
            self.p.problem(node, "a relationship needs `to`".into());
            return None;
        };
        let (table, field) = match self.element(to, objects, "to")? {
            Target::Local(oi, pi) => (
                objects[oi].table.table.clone(),
                objects[oi].props[pi].field.name.clone(),
            ),
            Target::Other(t, f) => (t, f),
        };
        let mut rate = DEFAULT_MAX_UNMATCHED_RATE;
        if let Some((_, c)) = get(&e, "customProperties")
            && let Some(p) = self.plimsoll(c, "a relationship", &["max_unmatched_rate"])
        {
            for (_, _, v) in &p {
                if let Some(r) = self.p.rate(v, "max_unmatched_rate") {
                    rate = r.value;
                }
            }
        }
        Some((
            from,
            Reference {
                table,
                field,
                max_unmatched_rate: rate,
            },
        ))
    }

    /// What a relationship's `from`/`to` names: `table.property` or
    /// `schema/<id>/properties/<id>`. `None` (with a warning or problem) when it cannot be
    /// checked.
    fn element(&mut self, node: &'n Node, objects: &[Object<'n>], what: &str) -> Option<Target> {
        if items(node).is_some() {
            self.warn(
                node,
                format!("a composite key (a list in `{what}`) is not checked: references are checked per column"),
            );
            return None;
        }
        let s = self.p.string(node, what)?;
        if s.contains('#') || s.contains("://") {
            self.warn(
                node,
                format!("a reference into another contract ({}) is not checked: bind the other table with `--table NAME=SOURCE` and reference it as `table.column`", shown(&s)),
            );
            return None;
        }
        if let Some(path) = s.strip_prefix("schema/") {
            let parts: Vec<&str> = path.split('/').collect();
            return match parts.as_slice() {
                [tid, "properties", pid] => {
                    let Some(oi) = objects.iter().position(|o| o.id.as_deref() == Some(*tid))
                    else {
                        self.p
                            .problem(node, format!("no schema object has the id `{tid}`"));
                        return None;
                    };
                    let Some(pi) = objects[oi]
                        .props
                        .iter()
                        .position(|p| p.id.as_deref() == Some(*pid))
                    else {
                        self.p.problem(
                            node,
                            format!(
                                "no property of `{}` has the id `{pid}`",
                                objects[oi].table.table
                            ),
                        );
                        return None;
                    };
                    Some(Target::Local(oi, pi))
                }
                [_, "properties", _, "properties", ..] => {
                    self.warn(
                        node,
                        "a reference to a nested property is not checked: Plimsoll checks top-level columns".into(),
                    );
                    None
                }
                _ => {
                    self.p.problem(
                        node,
                        format!(
                            "`{what}` {} is not a reference: expected `table.property` or `schema/<object id>/properties/<property id>`",
                            shown(&s)
                        ),
                    );
                    None
                }
            };
        }
        let Some((table, prop)) = s.split_once('.') else {
            self.p.problem(
                node,
                format!(
                    "`{what}` {} names no property: expected `table.property`",
                    shown(&s)
                ),
            );
            return None;
        };
        let local = objects
            .iter()
            .position(|o| o.table.table == table || o.physical_name.as_deref() == Some(table));
        if prop.contains('.')
            && local.is_none_or(|oi| !objects[oi].props.iter().any(|p| p.name == prop))
        {
            self.warn(
                node,
                "a reference to a nested property is not checked: Plimsoll checks top-level columns".into(),
            );
            return None;
        }
        match local {
            Some(oi) => match objects[oi]
                .props
                .iter()
                .position(|p| p.name == prop || p.field.name == prop)
            {
                Some(pi) => Some(Target::Local(oi, pi)),
                None => {
                    self.p
                        .problem(node, format!("`{table}` has no property `{prop}`"));
                    None
                }
            },
            None => Some(Target::Other(table.to_string(), prop.to_string())),
        }
    }

    /// The SLA properties: `latency` (or `freshness`) becomes `freshness:` of the table its
    /// element names; the others are warnings.
    fn slas(&mut self, node: &'n Node, default: Option<&str>, objects: &mut [Object<'n>]) {
        let Some(list) = self.list(node, "slaProperties") else {
            return;
        };
        for item in list {
            let Some(e) = self.p.mapping(item, "an SLA property", SLA) else {
                continue;
            };
            let Some((_, prop)) = get(&e, "property") else {
                self.p
                    .problem(item, "an SLA property needs `property`".into());
                continue;
            };
            let Some(name) = self.p.string(prop, "property") else {
                continue;
            };
            let Some((_, value)) = get(&e, "value") else {
                self.p.problem(item, "an SLA property needs `value`".into());
                continue;
            };
            if !matches!(
                name.to_ascii_lowercase().as_str(),
                "latency" | "ly" | "freshness"
            ) {
                self.warn(
                    prop,
                    format!(
                        "SLA property {} is not checked: Plimsoll checks `latency` (freshness)",
                        shown(&name)
                    ),
                );
                continue;
            }
            let Some(lag) = self.lag(value, get(&e, "unit").map(|x| x.1)) else {
                continue;
            };
            let element = match get(&e, "element") {
                Some((_, v)) => self.p.string(v, "element").map(|s| (s, v)),
                None => default.map(|d| (d.to_string(), prop)),
            };
            let Some((element, at)) = element else {
                self.p.problem(
                    item,
                    "a `latency` SLA needs an `element` (`table.column`): the timestamp or date column whose latest value is measured".into(),
                );
                continue;
            };
            for el in element.split(',').map(str::trim) {
                let (oi, column) = match el.split_once('.') {
                    Some((t, c)) => {
                        match objects.iter().position(|o| {
                            o.table.table == t || o.physical_name.as_deref() == Some(t)
                        }) {
                            Some(oi) => (oi, c),
                            None => {
                                self.p.problem(
                                    at,
                                    format!("element `{el}` names no schema object (`{t}`)"),
                                );
                                continue;
                            }
                        }
                    }
                    None if objects.len() == 1 => (0, el),
                    None => {
                        self.p.problem(
                            at,
                            format!(
                                "element `{el}` must name its table (`table.column`): the contract has {} schema objects",
                                objects.len()
                            ),
                        );
                        continue;
                    }
                };
                let column = objects[oi]
                    .props
                    .iter()
                    .find(|p| p.name == column)
                    .map_or(column.to_string(), |p| p.field.name.clone());
                let t = &mut objects[oi].table;
                // Two latencies for one table: both hold when the shorter one does.
                let existing = t.freshness.as_ref().map(|f| (f.column.clone(), f.max_lag));
                match existing {
                    Some((Some(c), l)) if c == column && l <= lag => {}
                    Some((Some(c), _)) if c != column => self.warn(
                        at,
                        format!(
                            "only one freshness column per table is checked: `{c}` already measures `{}`",
                            t.table
                        ),
                    ),
                    _ => {
                        t.freshness = Some(Freshness {
                            column: Some(column),
                            max_lag: lag,
                        })
                    }
                }
            }
        }
    }

    /// A latency in seconds: a number with a `unit`, or a duration such as `2h`.
    fn lag(&mut self, value: &'n Node, unit: Option<&'n Node>) -> Option<u64> {
        let Some(unit) = unit else {
            let s = self.p.some_scalar(
                value,
                "value",
                "a duration such as `2h`, or a number with a `unit`",
            )?;
            return match super::units::parse_duration(s.text) {
                Ok(v) if v > 0 => Some(v),
                Ok(_) => {
                    self.p
                        .problem(value, "the latency must be longer than 0".into());
                    None
                }
                Err(_) => {
                    self.p.problem(
                        value,
                        format!(
                            "a latency needs a `unit` (`d`, `h`, `m`, `s`) or a duration such as `2h`, found {}",
                            describe(value)
                        ),
                    );
                    None
                }
            };
        };
        let n = self.p.positive(value, "value")?.value;
        let u = self.p.string(unit, "unit")?;
        let seconds = match u.to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
            "d" | "day" | "days" => 86_400.0,
            "w" | "week" | "weeks" => 604_800.0,
            _ => {
                self.p.problem(
                    unit,
                    format!(
                        "unit {} of a latency is not supported: use `d`, `h`, `m` or `s` (or day(s), hour(s), minute(s), second(s), week(s))",
                        shown(&u)
                    ),
                );
                return None;
            }
        };
        let lag = (n * seconds).round();
        if lag < 1.0 || lag > u64::MAX as f64 {
            self.p
                .problem(value, "the latency must be at least one second".into());
            return None;
        }
        Some(lag as u64)
    }
}

/// A candidate bound of a range: its value, whether it is exclusive, and how it was written.
type Bound = (f64, bool, String);

/// What a reference names.
enum Target {
    /// A property of this contract: (object, property).
    Local(usize, usize),
    /// A table outside this contract, and the column as written.
    Other(String, String),
}

/// The Plimsoll type of a `physicalType` (`VARCHAR(18)`, `DECIMAL(10,2)`, `BIGINT`,
/// `TIMESTAMP_NTZ`), or `None` when it is not one Plimsoll knows.
fn physical_type(t: &str) -> Option<TypeName> {
    let lower = t.trim().to_ascii_lowercase();
    let base = lower.split('(').next().unwrap_or("").trim();
    Some(match base {
        "varchar" | "char" | "nvarchar" | "nchar" | "text" | "string" | "character"
        | "character varying" | "clob" | "utf8" | "largeutf8" | "utf8view" => TypeName::String,
        "int" | "integer" | "bigint" | "smallint" | "tinyint" | "int2" | "int4" | "int8"
        | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64" | "long"
        | "short" => TypeName::Integer,
        "float" | "double" | "real" | "float4" | "float8" | "float32" | "float64"
        | "double precision" | "number" => TypeName::Number,
        "decimal" | "numeric" | "decimal128" | "decimal256" => TypeName::Decimal,
        "boolean" | "bool" => TypeName::Boolean,
        "date" | "date32" | "date64" => TypeName::Date,
        "datetime" | "timestamptz" => TypeName::Timestamp,
        b if b.starts_with("timestamp") => TypeName::Timestamp,
        "binary" | "varbinary" | "bytes" | "blob" | "bytea" | "largebinary" => TypeName::Binary,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn physical_types() {
        assert_eq!(physical_type("VARCHAR(18)"), Some(TypeName::String));
        assert_eq!(physical_type("decimal(10, 2)"), Some(TypeName::Decimal));
        assert_eq!(physical_type("TIMESTAMP_NTZ"), Some(TypeName::Timestamp));
        assert_eq!(physical_type("bigint"), Some(TypeName::Integer));
        assert_eq!(physical_type("geography"), None);
    }
}
