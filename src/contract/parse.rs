//! Strict contract parsing over a spanned YAML tree: every problem is collected with its file,
//! line and column (unknown keys, wrong types, bad thresholds), so `lint` can report them all.

use super::model::*;
use super::units::{parse_duration, parse_number, parse_size};
use crate::error::ContractProblem;
use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, ScalarStyle, YamlDataOwned};
use std::path::Path;

type Node = MarkedYamlOwned;

/// Parses one contract file's text. Returns the contract when there was no problem.
pub fn parse_contract(path: &Path, text: &str) -> Result<Contract, Vec<ContractProblem>> {
    let mut p = Parser {
        path,
        problems: Vec::new(),
    };
    let docs = match Node::load_from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let m = e.marker();
            return Err(vec![ContractProblem {
                path: path.to_path_buf(),
                line: m.line().max(1),
                column: m.col() + 1,
                message: format!("malformed YAML: {}", e.info()),
            }]);
        }
    };
    let contract = match docs.as_slice() {
        [] => {
            p.problem_at(
                1,
                1,
                "the contract is empty: expected `consumer:` and `depends_on:`".into(),
            );
            None
        }
        [doc] => p.contract(doc),
        [_, second, ..] => {
            p.problem(
                second,
                "one contract per file: this file holds more than one YAML document".into(),
            );
            None
        }
    };
    match contract {
        Some(c) if p.problems.is_empty() => Ok(c),
        _ => Err(p.problems),
    }
}

struct Parser<'a> {
    path: &'a Path,
    problems: Vec<ContractProblem>,
}

/// A scalar as text, with whether it was quoted.
enum Scalar<'n> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'n str, bool),
}

fn scalar(node: &Node) -> Option<Scalar<'_>> {
    match &node.data {
        YamlDataOwned::Value(v) => Some(match v {
            ScalarOwned::Null => Scalar::Null,
            ScalarOwned::Boolean(b) => Scalar::Bool(*b),
            ScalarOwned::Integer(i) => Scalar::Int(*i),
            ScalarOwned::FloatingPoint(f) => Scalar::Float(f.into_inner()),
            ScalarOwned::String(s) => Scalar::Str(s, false),
        }),
        YamlDataOwned::Representation(s, style, _) => {
            if *style != ScalarStyle::Plain {
                return Some(Scalar::Str(s, true));
            }
            Some(match s.as_str() {
                "" | "~" | "null" | "Null" | "NULL" => Scalar::Null,
                "true" | "True" | "TRUE" => Scalar::Bool(true),
                "false" | "False" | "FALSE" => Scalar::Bool(false),
                t => {
                    if let Ok(i) = t.parse::<i64>() {
                        Scalar::Int(i)
                    } else if let Ok(f) = t.parse::<f64>() {
                        Scalar::Float(f)
                    } else {
                        Scalar::Str(t, false)
                    }
                }
            })
        }
        YamlDataOwned::Tagged(_, inner) => scalar(inner),
        _ => None,
    }
}

fn describe(node: &Node) -> &'static str {
    match &node.data {
        YamlDataOwned::Mapping(_) => "a mapping",
        YamlDataOwned::Sequence(_) => "a list",
        _ => match scalar(node) {
            Some(Scalar::Null) => "null",
            Some(Scalar::Bool(_)) => "a boolean",
            Some(Scalar::Int(_)) | Some(Scalar::Float(_)) => "a number",
            Some(Scalar::Str(..)) => "a string",
            None => "an unsupported value",
        },
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A mapping's entries, keyed by text.
type Entries<'n> = Vec<(&'n str, &'n Node, &'n Node)>;

impl Parser<'_> {
    fn problem_at(&mut self, line: usize, column: usize, message: String) {
        self.problems.push(ContractProblem {
            path: self.path.to_path_buf(),
            line,
            column,
            message,
        });
    }

    fn problem(&mut self, node: &Node, message: String) {
        let m = node.span.start;
        self.problem_at(m.line().max(1), m.col() + 1, message);
    }

    /// The entries of a mapping, reporting unknown and duplicate keys.
    fn mapping<'n>(&mut self, node: &'n Node, what: &str, allowed: &[&str]) -> Option<Entries<'n>> {
        let YamlDataOwned::Mapping(map) = &node.data else {
            self.problem(
                node,
                format!("{what} must be a mapping, found {}", describe(node)),
            );
            return None;
        };
        let mut out: Entries<'n> = Vec::new();
        for (k, v) in map.iter() {
            let key = match scalar(k) {
                Some(Scalar::Str(s, _)) => s,
                _ => {
                    self.problem(
                        k,
                        format!("keys of {what} must be strings, found {}", describe(k)),
                    );
                    continue;
                }
            };
            if !allowed.contains(&key) {
                let best = allowed
                    .iter()
                    .map(|a| (levenshtein(key, a), a))
                    .min()
                    .filter(|(d, _)| *d <= 3);
                let hint = match best {
                    Some((_, a)) => format!("; did you mean `{a}`?"),
                    None => format!(
                        "; expected one of {}",
                        allowed
                            .iter()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                self.problem(k, format!("unknown key `{key}` in {what}{hint}"));
                continue;
            }
            out.push((key, k, v));
        }
        Some(out)
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match scalar(node) {
            Some(Scalar::Str(s, _)) if !s.trim().is_empty() => Some(s.to_string()),
            Some(Scalar::Str(..)) => {
                self.problem(node, format!("`{what}` must not be empty"));
                None
            }
            _ => {
                self.problem(
                    node,
                    format!("`{what}` must be a string, found {}", describe(node)),
                );
                None
            }
        }
    }

    fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match scalar(node) {
            Some(Scalar::Bool(b)) => Some(b),
            _ => {
                self.problem(
                    node,
                    format!(
                        "`{what}` must be `true` or `false`, found {}",
                        describe(node)
                    ),
                );
                None
            }
        }
    }

    fn number(&mut self, node: &Node, what: &str) -> Option<f64> {
        let v = match scalar(node) {
            Some(Scalar::Int(i)) => Some(i as f64),
            Some(Scalar::Float(f)) if f.is_finite() => Some(f),
            Some(Scalar::Str(s, false)) => parse_number(s),
            _ => None,
        };
        if v.is_none() {
            self.problem(
                node,
                format!("`{what}` must be a number, found {}", describe(node)),
            );
        }
        v
    }

    fn rate(&mut self, node: &Node, what: &str) -> Option<f64> {
        let v = self.number(node, what)?;
        if !(0.0..=1.0).contains(&v) {
            self.problem(
                node,
                format!(
                    "`{what}` must be between 0 and 1 (a fraction, not a percentage), found {v}"
                ),
            );
            return None;
        }
        Some(v)
    }

    fn positive(&mut self, node: &Node, what: &str) -> Option<f64> {
        let v = self.number(node, what)?;
        if v <= 0.0 {
            self.problem(node, format!("`{what}` must be greater than 0, found {v}"));
            return None;
        }
        Some(v)
    }

    fn whole(&mut self, node: &Node, what: &str) -> Option<u64> {
        let v = self.number(node, what)?;
        if v < 0.0 || v.fract() != 0.0 || v > u32::MAX as f64 {
            self.problem(node, format!("`{what}` must be a whole number, found {v}"));
            return None;
        }
        Some(v as u64)
    }

    fn duration(&mut self, node: &Node, what: &str) -> Option<u64> {
        let text = match scalar(node) {
            Some(Scalar::Str(s, _)) => s.to_string(),
            _ => {
                self.problem(
                    node,
                    format!(
                        "`{what}` must be a duration such as `30m`, `2h` or `1d`, found {}",
                        describe(node)
                    ),
                );
                return None;
            }
        };
        match parse_duration(&text) {
            Ok(0) => {
                self.problem(node, format!("`{what}` must be longer than 0"));
                None
            }
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(node, e);
                None
            }
        }
    }

    fn contract(&mut self, doc: &Node) -> Option<Contract> {
        let entries = self.mapping(
            doc,
            "the contract",
            &["consumer", "owner", "description", "depends_on"],
        )?;
        let (mut consumer, mut owner, mut tables) = (None, None, None);
        for (key, _, v) in &entries {
            match *key {
                "consumer" => consumer = self.string(v, "consumer"),
                "owner" => owner = self.string(v, "owner"),
                "description" => {
                    self.string(v, "description");
                }
                "depends_on" => tables = self.tables(v),
                _ => unreachable!("filtered by mapping()"),
            }
        }
        if !entries.iter().any(|e| e.0 == "consumer") {
            self.problem(doc, "missing required key `consumer`".into());
        }
        if !entries.iter().any(|e| e.0 == "depends_on") {
            self.problem(doc, "missing required key `depends_on`".into());
        }
        Some(Contract {
            path: self.path.to_path_buf(),
            consumer: consumer?,
            owner,
            tables: tables?,
        })
    }

    fn tables(&mut self, node: &Node) -> Option<Vec<TableContract>> {
        let YamlDataOwned::Sequence(items) = &node.data else {
            self.problem(
                node,
                format!(
                    "`depends_on` must be a list of tables, found {}",
                    describe(node)
                ),
            );
            return None;
        };
        if items.is_empty() {
            self.problem(
                node,
                "`depends_on` is empty: list at least one table".into(),
            );
        }
        let parsed: Vec<Option<TableContract>> = items.iter().map(|t| self.table(t)).collect();
        parsed.into_iter().collect()
    }

    fn table(&mut self, node: &Node) -> Option<TableContract> {
        const KEYS: [&str; 10] = [
            "table",
            "topic",
            "source",
            "description",
            "freshness",
            "row_count",
            "files",
            "max_null_rate",
            "drift",
            "fields",
        ];
        let entries = self.mapping(node, "a `depends_on` entry", &KEYS)?;
        let mut t = TableContract {
            table: String::new(),
            source: None,
            freshness: None,
            row_count: None,
            files: None,
            max_null_rate: None,
            drift: None,
            fields: Vec::new(),
            line: node.span.start.line(),
        };
        let mut ok = true;
        let mut named = false;
        for (key, k, v) in &entries {
            match *key {
                "table" | "topic" => {
                    if named {
                        self.problem(k, "give either `table` or `topic`, not both".into());
                        ok = false;
                    }
                    named = true;
                    match self.string(v, key) {
                        Some(s) => t.table = s,
                        None => ok = false,
                    }
                }
                "source" => {
                    t.source = self.string(v, "source").or_else(|| {
                        ok = false;
                        None
                    })
                }
                "description" => {
                    self.string(v, "description");
                }
                "freshness" => t.freshness = self.freshness(v),
                "row_count" => t.row_count = self.row_count(v),
                "files" => t.files = self.files(v),
                "max_null_rate" => t.max_null_rate = self.rate(v, "max_null_rate"),
                "drift" => t.drift = self.drift(v),
                "fields" => match self.fields(v) {
                    Some(f) => t.fields = f,
                    None => ok = false,
                },
                _ => unreachable!(),
            }
        }
        if !named {
            self.problem(node, "missing required key `table` (or `topic`)".into());
            ok = false;
        }
        let mut seen = std::collections::HashSet::new();
        for f in &t.fields {
            if !seen.insert(f.name.clone()) {
                self.problem_at(
                    f.line,
                    1,
                    format!("field `{}` is listed twice in table `{}`", f.name, t.table),
                );
            }
        }
        ok.then_some(t)
    }

    fn freshness(&mut self, node: &Node) -> Option<Freshness> {
        let entries = self.mapping(node, "`freshness`", &["column", "max_lag"])?;
        let (mut column, mut max_lag) = (None, None);
        for (key, _, v) in &entries {
            match *key {
                "column" => column = self.string(v, "freshness.column"),
                "max_lag" => max_lag = self.duration(v, "freshness.max_lag"),
                _ => unreachable!(),
            }
        }
        for (req, present) in [("column", column.is_some()), ("max_lag", max_lag.is_some())] {
            if !present && !entries.iter().any(|e| e.0 == req) {
                self.problem(node, format!("`freshness` needs `{req}`"));
            }
        }
        Some(Freshness {
            column: column?,
            max_lag: max_lag?,
        })
    }

    fn row_count(&mut self, node: &Node) -> Option<RowCount> {
        let entries = self.mapping(
            node,
            "`row_count`",
            &["baseline_days", "min_ratio", "max_ratio"],
        )?;
        let mut r = RowCount::default();
        for (key, _, v) in &entries {
            match *key {
                "baseline_days" => match self.whole(v, "row_count.baseline_days") {
                    Some(0) => {
                        self.problem(v, "`row_count.baseline_days` must be at least 1".into())
                    }
                    Some(d) => r.baseline_days = d as u32,
                    None => {}
                },
                "min_ratio" => {
                    r.min_ratio = self
                        .positive(v, "row_count.min_ratio")
                        .unwrap_or(r.min_ratio)
                }
                "max_ratio" => {
                    r.max_ratio = self
                        .positive(v, "row_count.max_ratio")
                        .unwrap_or(r.max_ratio)
                }
                _ => unreachable!(),
            }
        }
        if r.min_ratio > r.max_ratio {
            self.problem(
                node,
                format!(
                    "`row_count.min_ratio` ({}) is above `max_ratio` ({})",
                    r.min_ratio, r.max_ratio
                ),
            );
        }
        Some(r)
    }

    fn files(&mut self, node: &Node) -> Option<Files> {
        let entries = self.mapping(node, "`files`", &["min_mean_size"])?;
        let mut out = None;
        for (_, _, v) in &entries {
            let text = match scalar(v) {
                Some(Scalar::Str(s, _)) => s.to_string(),
                Some(Scalar::Int(i)) if i >= 0 => i.to_string(),
                _ => {
                    self.problem(
                        v,
                        format!(
                            "`files.min_mean_size` must be a size such as `128MB`, found {}",
                            describe(v)
                        ),
                    );
                    continue;
                }
            };
            match parse_size(&text) {
                Ok(b) => out = Some(Files { min_mean_size: b }),
                Err(e) => self.problem(v, e),
            }
        }
        if entries.is_empty() {
            self.problem(node, "`files` needs `min_mean_size`".into());
        }
        out
    }

    fn drift(&mut self, node: &Node) -> Option<Drift> {
        let entries = self.mapping(node, "`drift`", &["max_psi", "warn_psi"])?;
        let mut d = Drift::default();
        let mut warn_given = false;
        for (key, _, v) in &entries {
            match *key {
                "max_psi" => d.max_psi = self.positive(v, "drift.max_psi").unwrap_or(d.max_psi),
                "warn_psi" => {
                    warn_given = true;
                    d.warn_psi = self.positive(v, "drift.warn_psi").unwrap_or(d.warn_psi)
                }
                _ => unreachable!(),
            }
        }
        if !warn_given {
            d.warn_psi = d.warn_psi.min(d.max_psi / 2.0);
        } else if d.warn_psi > d.max_psi {
            self.problem(
                node,
                format!(
                    "`drift.warn_psi` ({}) is above `max_psi` ({})",
                    d.warn_psi, d.max_psi
                ),
            );
        }
        Some(d)
    }

    fn fields(&mut self, node: &Node) -> Option<Vec<FieldContract>> {
        let YamlDataOwned::Sequence(items) = &node.data else {
            self.problem(
                node,
                format!("`fields` must be a list, found {}", describe(node)),
            );
            return None;
        };
        let parsed: Vec<Option<FieldContract>> = items.iter().map(|f| self.field(f)).collect();
        parsed.into_iter().collect()
    }

    fn field(&mut self, node: &Node) -> Option<FieldContract> {
        const KEYS: [&str; 11] = [
            "name",
            "type",
            "required",
            "unique",
            "max_null_rate",
            "constraints",
            "allowed_values",
            "drift",
            "skew",
            "references",
            "description",
        ];
        let entries = self.mapping(node, "a field", &KEYS)?;
        let mut f = FieldContract {
            name: String::new(),
            r#type: None,
            required: false,
            unique: false,
            max_null_rate: None,
            constraints: None,
            allowed_values: None,
            drift: None,
            skew: None,
            references: None,
            line: node.span.start.line(),
        };
        let before = self.problems.len();
        for (key, _, v) in &entries {
            match *key {
                "name" => f.name = self.string(v, "name").unwrap_or_default(),
                "type" => f.r#type = self.type_name(v),
                "required" => f.required = self.bool(v, "required").unwrap_or(false),
                "unique" => f.unique = self.bool(v, "unique").unwrap_or(false),
                "max_null_rate" => f.max_null_rate = self.rate(v, "max_null_rate"),
                "constraints" => f.constraints = self.constraints(v),
                "allowed_values" => f.allowed_values = self.allowed(v),
                "drift" => f.drift = self.drift(v),
                "skew" => f.skew = self.skew(v),
                "references" => f.references = self.reference(v),
                "description" => {
                    self.string(v, "description");
                }
                _ => unreachable!(),
            }
        }
        if !entries.iter().any(|e| e.0 == "name") {
            self.problem(node, "a field needs a `name`".into());
        }
        (self.problems.len() == before).then_some(f)
    }

    fn type_name(&mut self, node: &Node) -> Option<TypeName> {
        let s = self.string(node, "type")?;
        let found = TypeName::ALL.iter().find(|(n, _)| *n == s).map(|(_, t)| *t);
        if found.is_none() {
            let names: Vec<String> = TypeName::ALL
                .iter()
                .map(|(n, _)| format!("`{n}`"))
                .collect();
            self.problem(
                node,
                format!("unknown type `{s}`; expected one of {}", names.join(", ")),
            );
        }
        found
    }

    fn constraints(&mut self, node: &Node) -> Option<Constraints> {
        let entries = self.mapping(
            node,
            "`constraints`",
            &["min", "max", "min_length", "max_length"],
        )?;
        let mut c = Constraints::default();
        for (key, _, v) in &entries {
            match *key {
                "min" => c.min = self.number(v, "constraints.min"),
                "max" => c.max = self.number(v, "constraints.max"),
                "min_length" => c.min_length = self.whole(v, "constraints.min_length"),
                "max_length" => c.max_length = self.whole(v, "constraints.max_length"),
                _ => unreachable!(),
            }
        }
        if let (Some(lo), Some(hi)) = (c.min, c.max)
            && lo > hi
        {
            self.problem(
                node,
                format!("`constraints.min` ({lo}) is above `constraints.max` ({hi})"),
            );
        }
        if let (Some(lo), Some(hi)) = (c.min_length, c.max_length)
            && lo > hi
        {
            self.problem(
                node,
                format!("`constraints.min_length` ({lo}) is above `max_length` ({hi})"),
            );
        }
        if entries.is_empty() {
            self.problem(
                node,
                "`constraints` is empty: give `min`, `max`, `min_length` or `max_length`".into(),
            );
        }
        Some(c)
    }

    fn allowed(&mut self, node: &Node) -> Option<Vec<String>> {
        let YamlDataOwned::Sequence(items) = &node.data else {
            self.problem(
                node,
                format!("`allowed_values` must be a list, found {}", describe(node)),
            );
            return None;
        };
        if items.is_empty() {
            self.problem(
                node,
                "`allowed_values` is empty: every value would be rejected".into(),
            );
        }
        let mut out = Vec::new();
        for item in items {
            match scalar(item) {
                Some(Scalar::Str(s, _)) => out.push(s.to_string()),
                Some(Scalar::Int(i)) => out.push(i.to_string()),
                Some(Scalar::Bool(b)) => out.push(b.to_string()),
                Some(Scalar::Float(f)) => out.push(f.to_string()),
                _ => self.problem(
                    item,
                    format!("allowed values must be scalars, found {}", describe(item)),
                ),
            }
        }
        Some(out)
    }

    fn skew(&mut self, node: &Node) -> Option<Skew> {
        let entries = self.mapping(node, "`skew`", &["max_top_share"])?;
        let mut out = None;
        for (_, _, v) in &entries {
            if let Some(r) = self.rate(v, "skew.max_top_share") {
                out = Some(Skew { max_top_share: r });
            }
        }
        if entries.is_empty() {
            self.problem(node, "`skew` needs `max_top_share`".into());
        }
        out
    }

    fn reference(&mut self, node: &Node) -> Option<Reference> {
        let entries = self.mapping(
            node,
            "`references`",
            &["table", "field", "max_unmatched_rate"],
        )?;
        let (mut table, mut field, mut rate) = (None, None, DEFAULT_MAX_UNMATCHED_RATE);
        for (key, _, v) in &entries {
            match *key {
                "table" => table = self.string(v, "references.table"),
                "field" => field = self.string(v, "references.field"),
                "max_unmatched_rate" => {
                    rate = self
                        .rate(v, "references.max_unmatched_rate")
                        .unwrap_or(rate)
                }
                _ => unreachable!(),
            }
        }
        for req in ["table", "field"] {
            if !entries.iter().any(|e| e.0 == req) {
                self.problem(node, format!("`references` needs `{req}`"));
            }
        }
        Some(Reference {
            table: table?,
            field: field?,
            max_unmatched_rate: rate,
        })
    }
}
