//! Strict contract parsing over a spanned YAML tree: every problem is collected with its file,
//! line and column (unknown keys, wrong types, bad thresholds, duplicated keys and fields), in
//! file order, so `lint` can report them all in one pass.
//!
//! Scalars are read as written. The YAML loader runs without its own scalar resolution
//! (`early_parse(false)`), so `02139`, `1.50` or `0x1F` reach this module as the text in the
//! file; each key then decides what that text means (a name stays text, a threshold must be a
//! decimal number, an allowed value must match how the column renders its values). Nothing is
//! retyped behind the user's back.
//!
//! The YAML is fed event by event (not through saphyr's recursive `load`), so nesting deeper
//! than [`MAX_DEPTH`] is refused before any recursive structure is built, and duplicated mapping
//! keys are reported with both positions instead of stopping the load.

use super::model::*;
use super::units::{parse_duration, parse_size};
use crate::error::ContractProblem;
use saphyr::{MarkedYamlOwned, Marker, ScalarStyle, Tag, YamlDataOwned, YamlLoader};
use saphyr_parser::{Event, Parser as EventParser, SpannedEventReceiver};
use std::collections::HashMap;
use std::path::Path;

/// A node of the spanned YAML tree (shared with the ODCS reader, `super::odcs`).
pub(crate) type Node = MarkedYamlOwned;

/// Every key Plimsoll's contract format accepts, per kind of mapping. The parser reads each
/// mapping against its list (anything else is an unknown key), and `contract.schema.json`
/// must describe exactly these (tested in `tests/contract_schema.rs`).
pub mod keys {
    /// The top of a contract.
    pub const CONTRACT: &[&str] = &["consumer", "owner", "description", "depends_on"];
    /// A `depends_on` entry.
    pub const TABLE: &[&str] = &[
        "table",
        "topic",
        "source",
        "description",
        "freshness",
        "arrival",
        "row_count",
        "files",
        "max_null_rate",
        "drift",
        "fields",
        "unique",
        "max_duplicate_rate",
        "schema",
        "max_cardinality_change",
        "max_null_rate_change",
        "severity",
        "slice",
    ];
    pub const SLICE: &[&str] = &["column", "every"];
    /// A table entry's `schema` (what a change against the baseline is).
    pub const SCHEMA: &[&str] = &[
        "allow_new_columns",
        "allow_removed_columns",
        "allow_type_changes",
        "severity",
    ];
    pub const FRESHNESS: &[&str] = &["column", "max_lag", "severity"];
    pub const ARRIVAL: &[&str] = &["max_silence", "severity"];
    pub const ROW_COUNT: &[&str] = &["baseline_days", "min_ratio", "max_ratio", "severity"];
    pub const FILES: &[&str] = &["min_mean_size", "severity"];
    pub const DRIFT: &[&str] = &["max_psi", "warn_psi", "unit_change", "severity"];
    pub const UNIT_CHANGE: &[&str] = &["tolerance", "min_share", "severity"];
    /// A field of a `depends_on` entry.
    pub const FIELD: &[&str] = &[
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
        "max_new_values",
        "max_cardinality_change",
        "max_null_rate_change",
        "severity",
    ];
    pub const CONSTRAINTS: &[&str] = &["min", "max", "min_length", "max_length", "severity"];
    pub const SKEW: &[&str] = &["max_top_share", "severity"];
    pub const REFERENCES: &[&str] = &["table", "field", "max_unmatched_rate", "severity"];
    /// Each kind of mapping by the name of its definition in `contract.schema.json`
    /// (`#/definitions/NAME`; the contract itself is the schema's root, `""`).
    pub const ALL: &[(&str, &[&str])] = &[
        ("", CONTRACT),
        ("table", TABLE),
        ("freshness", FRESHNESS),
        ("arrival", ARRIVAL),
        ("row_count", ROW_COUNT),
        ("files", FILES),
        ("drift", DRIFT),
        ("unit_change", UNIT_CHANGE),
        ("field", FIELD),
        ("constraints", CONSTRAINTS),
        ("skew", SKEW),
        ("references", REFERENCES),
        ("schema", SCHEMA),
        ("slice", SLICE),
    ];
}

/// The deepest nesting of lists and mappings a contract file may have. A contract needs six
/// levels (contract, `depends_on`, table, `fields`, field, `references`); the cap keeps every
/// recursive walk over the tree (building, cloning aliases, dropping) far from the stack's end.
pub const MAX_DEPTH: usize = 64;

/// Parses one contract file's bytes: text that is not UTF-8 is reported at the first invalid
/// byte.
pub fn parse_contract_bytes(path: &Path, bytes: &[u8]) -> Result<Contract, Vec<ContractProblem>> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_contract(path, text),
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            let (line, column) = end_position(valid);
            Err(vec![ContractProblem {
                path: path.to_path_buf(),
                line,
                column,
                message: format!(
                    "the file is not UTF-8 text (byte 0x{:02X} at offset {})",
                    bytes[e.valid_up_to()],
                    e.valid_up_to()
                ),
            }])
        }
    }
}

/// Parses one contract file's text. Returns the contract when there was no problem, else every
/// problem found, in file order.
///
/// A document with `apiVersion` or `kind` at its top is read as an Open Data Contract Standard
/// contract (see [`super::odcs`]); any other as Plimsoll's own format.
pub fn parse_contract(path: &Path, text: &str) -> Result<Contract, Vec<ContractProblem>> {
    parse_document(path, text, |p, doc| {
        if super::odcs::is_odcs(doc) {
            super::odcs::read(p, doc)
        } else {
            p.contract(doc)
        }
    })
}

/// Loads one YAML document and reads it with `read`: every problem of the loading (malformed
/// YAML, nesting, duplicated keys, an empty file, a second document) and of the reading is
/// returned, in file order, with positions kept inside the file.
pub(crate) fn parse_document<T>(
    path: &Path,
    text: &str,
    read: impl FnOnce(&mut Parser<'_>, &Node) -> Option<T>,
) -> Result<T, Vec<ContractProblem>> {
    let mut p = Parser {
        path,
        problems: Vec::new(),
        severities: Vec::new(),
        scope: None,
    };
    let contract = match load_yaml(text, &mut p) {
        None => None,
        Some(docs) => match docs.as_slice() {
            [] => {
                p.problem_at(
                    1,
                    1,
                    "the contract is empty: expected `consumer:` and `depends_on:` (or an ODCS contract's `apiVersion:` and `kind: DataContract`)".into(),
                );
                None
            }
            [doc, rest @ ..] => {
                if let Some(second) = rest.first() {
                    p.problem(
                        second,
                        "one contract per file: this file holds more than one YAML document".into(),
                    );
                }
                read(&mut p, doc)
            }
        },
    };
    let mut problems = p.problems;
    if problems.is_empty() {
        if let Some(c) = contract {
            return Ok(c);
        }
        // Unreachable in practice: every path that yields no contract records a problem.
        problems.push(ContractProblem {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: "the contract could not be read".into(),
        });
    }
    clamp_positions(&mut problems, text);
    problems.sort_by_key(|p| (p.line, p.column));
    Err(problems)
}

/// The 1-based line and column just after `text` (YAML line breaks: `\r\n`, `\r`, `\n`).
fn end_position(text: &str) -> (usize, usize) {
    let lens = line_lengths(text);
    (lens.len(), lens.last().copied().unwrap_or(0) + 1)
}

/// The length in characters of each line of `text`, as YAML breaks lines.
fn line_lengths(text: &str) -> Vec<usize> {
    let mut lens = vec![0];
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lens.push(0);
            }
            '\n' => lens.push(0),
            _ => {
                if let Some(n) = lens.last_mut() {
                    *n += 1;
                }
            }
        }
    }
    lens
}

/// Keeps every position inside the file: a problem at the end of the input (after the final
/// line break) points at the end of the last line.
fn clamp_positions(problems: &mut [ContractProblem], text: &str) {
    let lens = line_lengths(text);
    let last = if lens.len() > 1 && lens[lens.len() - 1] == 0 {
        lens.len() - 1
    } else {
        lens.len()
    };
    for p in problems {
        if p.line > last {
            p.line = last;
            p.column = usize::MAX;
        }
        p.line = p.line.max(1);
        p.column = p.column.clamp(1, lens[p.line - 1] + 1);
    }
}

/// Loads the YAML documents event by event, refusing nesting beyond [`MAX_DEPTH`] and
/// reporting duplicated keys. `None` when the text cannot be loaded at all (the problem is
/// recorded).
fn load_yaml(text: &str, p: &mut Parser<'_>) -> Option<Vec<Node>> {
    let mut loader: YamlLoader<'_, Node> = YamlLoader::default();
    loader.early_parse(false);
    // Duplicated keys are found below with both positions; the loader would stop at the first.
    loader.allow_duplicate_keys(true);
    let mut guard = Guard::default();
    for item in EventParser::new_from_str(text) {
        let (event, span) = match item {
            Ok(e) => e,
            Err(e) if e.info() == "recursion limit exceeded" => {
                // The scanner's own cap: flow collections (`[`, `{`) nested 256 deep.
                p.problem_at_marker(
                    e.marker(),
                    "the YAML is nested too deep (more than 255 levels of `[` or `{`); a contract needs at most 6".into(),
                );
                return None;
            }
            Err(e) => {
                p.problem_at_marker(e.marker(), format!("malformed YAML: {}", e.info()));
                return None;
            }
        };
        if let Err(message) = guard.observe(&event, span.start, p) {
            p.problem_at_marker(&span.start, message);
            return None;
        }
        loader.on_event(event, span);
        if let Some(e) = loader.error() {
            p.problem_at_marker(e.marker(), format!("malformed YAML: {}", e.info()));
            return None;
        }
    }
    Some(loader.into_documents())
}

/// Watches the event stream: nesting depth (aliases count with the depth of what they copy)
/// and duplicated keys in each mapping.
#[derive(Default)]
struct Guard {
    stack: Vec<Frame>,
    /// The height (levels of nesting inside) of each anchored node, by anchor id.
    heights: HashMap<usize, usize>,
}

struct Frame {
    anchor: usize,
    /// Levels of nesting below this collection's children.
    height: usize,
    /// For a mapping: the keys seen (text and position), and whether the next node is a key.
    keys: Option<(HashMap<String, Marker>, bool)>,
}

impl Guard {
    fn observe(&mut self, event: &Event<'_>, at: Marker, p: &mut Parser<'_>) -> Result<(), String> {
        let too_deep = || {
            format!(
                "the YAML is nested more than {MAX_DEPTH} levels deep; a contract needs at most 6"
            )
        };
        match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(too_deep());
                }
                let keys = matches!(event, Event::MappingStart(..)).then(|| (HashMap::new(), true));
                self.stack.push(Frame {
                    anchor: *anchor,
                    height: 0,
                    keys,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.stack.pop() {
                    let height = frame.height + 1;
                    if frame.anchor > 0 {
                        self.heights.insert(frame.anchor, height);
                    }
                    self.complete(None, at, height, p);
                }
            }
            Event::Scalar(text, _, anchor, _) => {
                if *anchor > 0 {
                    self.heights.insert(*anchor, 0);
                }
                self.complete(Some(text), at, 0, p);
            }
            Event::Alias(id) => {
                let height = self.heights.get(id).copied().unwrap_or(0);
                if self.stack.len() + height > MAX_DEPTH {
                    return Err(too_deep());
                }
                self.complete(None, at, height, p);
            }
            _ => {}
        }
        Ok(())
    }

    /// A node ended: raise its parent's height, and check it as a key when it is one.
    fn complete(&mut self, text: Option<&str>, at: Marker, height: usize, p: &mut Parser<'_>) {
        let Some(parent) = self.stack.last_mut() else {
            return;
        };
        parent.height = parent.height.max(height);
        if let Some((keys, next_is_key)) = &mut parent.keys {
            if *next_is_key && let Some(key) = text {
                if let Some(first) = keys.get(key) {
                    p.problem_at_marker(
                        &at,
                        format!(
                            "duplicated key `{key}` (first at line {}, column {})",
                            first.line(),
                            first.col() + 1
                        ),
                    );
                } else {
                    keys.insert(key.to_string(), at);
                }
            }
            *next_is_key = !*next_is_key;
        }
    }
}

/// Reads a contract's tree, collecting every problem with its position.
pub(crate) struct Parser<'a> {
    pub(crate) path: &'a Path,
    pub(crate) problems: Vec<ContractProblem>,
    /// The `severity` keys read in the table entry being read (see [`Parser::key_severity`]).
    pub(crate) severities: Vec<SeverityRule>,
    /// Where the parser is: `None` outside a Plimsoll table entry, `Some(None)` in one,
    /// `Some(Some(field))` in one of its fields.
    pub(crate) scope: Option<Option<String>>,
}

/// A scalar as written in the file (quoted scalars unescaped).
#[derive(Clone, Copy)]
pub(crate) struct Scalar<'n> {
    pub(crate) text: &'n str,
    /// Quoted, a block scalar, or tagged `!!str`: text whatever it looks like.
    pub(crate) quoted: bool,
}

/// What a plain scalar means under the YAML 1.2 core schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Core {
    Null,
    Bool,
    Int,
    Float,
    Str,
}

impl Scalar<'_> {
    pub(crate) fn core(&self) -> Core {
        if self.quoted {
            return Core::Str;
        }
        core_schema(self.text)
    }

    /// The text in backticks, shortened when long.
    pub(crate) fn shown(&self) -> String {
        shown(self.text)
    }
}

/// The text in backticks on one line (control characters escaped), shortened when long.
pub(crate) fn shown(text: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = text
        .chars()
        .take(MAX)
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    if text.chars().nth(MAX).is_some() {
        out.push('…');
    }
    format!("`{out}`")
}

fn is_digits(s: &str, radix: u32) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_digit(radix))
}

/// The YAML 1.2 core schema's resolution of a plain scalar.
fn core_schema(t: &str) -> Core {
    match t {
        "" | "~" | "null" | "Null" | "NULL" => return Core::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => return Core::Bool,
        _ => {}
    }
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if is_digits(unsigned, 10)
        || t.strip_prefix("0o").is_some_and(|d| is_digits(d, 8))
        || t.strip_prefix("0x").is_some_and(|d| is_digits(d, 16))
    {
        return Core::Int;
    }
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(t, ".nan" | ".NaN" | ".NAN") {
        return Core::Float;
    }
    // [0-9]+(\.[0-9]*)? or \.[0-9]+, then an optional exponent.
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (is_digits(int, 10) && (frac.is_empty() || is_digits(frac, 10)))
                || (int.is_empty() && is_digits(frac, 10))
        }
        None => is_digits(mantissa, 10),
    };
    let exponent_ok =
        exponent.is_none_or(|e| is_digits(e.strip_prefix(['+', '-']).unwrap_or(e), 10));
    if mantissa_ok && exponent_ok {
        Core::Float
    } else {
        Core::Str
    }
}

/// `!!str` as written, not as the parser spells the core schema's handle.
fn tag_text(tag: &Tag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else {
        tag.to_string()
    }
}

/// The scalar of a node, or a description of what was found instead.
pub(crate) fn scalar(node: &Node) -> Result<Scalar<'_>, String> {
    match &node.data {
        YamlDataOwned::Representation(s, style, tag) => {
            let quoted = match tag {
                None => *style != ScalarStyle::Plain,
                Some(t) if t.is_yaml_core_schema() && t.suffix == "str" => true,
                Some(t) => return Err(format!("a value tagged `{}`", tag_text(t))),
            };
            Ok(Scalar { text: s, quoted })
        }
        YamlDataOwned::Tagged(tag, _) => Err(format!("a value tagged `{}`", tag_text(tag))),
        YamlDataOwned::Mapping(_) => Err("a mapping".into()),
        YamlDataOwned::Sequence(_) => Err("a list".into()),
        _ => Err("an unsupported value".into()),
    }
}

pub(crate) fn describe(node: &Node) -> String {
    match scalar(node) {
        Ok(s) => describe_scalar(s),
        Err(found) => found,
    }
}

pub(crate) fn describe_scalar(s: Scalar<'_>) -> String {
    match s.core() {
        Core::Null if s.text.is_empty() => "nothing".into(),
        Core::Null => format!("null ({})", s.shown()),
        Core::Bool => format!("a boolean ({})", s.shown()),
        Core::Int | Core::Float => format!("a number ({})", s.shown()),
        Core::Str => format!("a string ({})", s.shown()),
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
pub(crate) type Entries<'n> = Vec<(&'n str, &'n Node, &'n Node)>;

/// A number with the text it was written as (messages quote the text, not a re-rendering).
#[derive(Clone, Copy)]
pub(crate) struct Num<'n> {
    pub(crate) value: f64,
    pub(crate) text: &'n str,
}

impl Parser<'_> {
    pub(crate) fn problem_at(&mut self, line: usize, column: usize, message: String) {
        self.problems.push(ContractProblem {
            path: self.path.to_path_buf(),
            line,
            column,
            message,
        });
    }

    pub(crate) fn problem_at_marker(&mut self, m: &Marker, message: String) {
        self.problem_at(m.line().max(1), m.col() + 1, message);
    }

    pub(crate) fn problem(&mut self, node: &Node, message: String) {
        let m = node.span.start;
        self.problem_at_marker(&m, message);
    }

    /// The entries of a mapping, reporting unknown keys (duplicated keys are reported while
    /// loading).
    pub(crate) fn mapping<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        allowed: &[&str],
    ) -> Option<Entries<'n>> {
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
                Ok(s) if s.core() != Core::Null => s.text,
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
                self.problem(k, format!("unknown key {} in {what}{hint}", shown(key)));
                continue;
            }
            out.push((key, k, v));
        }
        Some(out)
    }

    /// A scalar that is not null, or a problem saying what `what` must be.
    pub(crate) fn some_scalar<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        expected: &str,
    ) -> Option<Scalar<'n>> {
        match scalar(node) {
            Ok(s) if s.core() != Core::Null => Some(s),
            _ => {
                self.problem(
                    node,
                    format!("`{what}` must be {expected}, found {}", describe(node)),
                );
                None
            }
        }
    }

    /// Text as written: `consumer: 007` is the consumer `007`, `name: 2024` the column `2024`.
    pub(crate) fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        let s = self.some_scalar(node, what, "a string")?;
        if s.text.trim().is_empty() {
            self.problem(node, format!("`{what}` must not be empty"));
            return None;
        }
        Some(s.text.to_string())
    }

    pub(crate) fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match scalar(node) {
            Ok(s) if s.core() == Core::Bool => Some(s.text.eq_ignore_ascii_case("true")),
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

    /// A finite number written in decimal, `_` separators allowed.
    pub(crate) fn number<'n>(&mut self, node: &'n Node, what: &str) -> Option<Num<'n>> {
        let s = self.some_scalar(node, what, "a number")?;
        if s.quoted {
            self.problem(
                node,
                format!("`{what}` must be a number, found {}", describe_scalar(s)),
            );
            return None;
        }
        let t = s.text.trim().replace('_', "");
        let unsigned = t
            .strip_prefix(['+', '-'])
            .unwrap_or(&t)
            .to_ascii_lowercase();
        let special = matches!(
            unsigned.as_str(),
            ".inf" | ".nan" | "inf" | "nan" | "infinity"
        );
        match t.parse::<f64>() {
            _ if special => {}
            Ok(v) if v.is_finite() => {
                return Some(Num {
                    value: v,
                    text: s.text,
                });
            }
            Ok(_) => {}
            Err(_) => {
                let message = if s.core() == Core::Int {
                    format!(
                        "`{what}` must be a number written in decimal, found {}",
                        s.shown()
                    )
                } else {
                    format!("`{what}` must be a number, found {}", describe_scalar(s))
                };
                self.problem(node, message);
                return None;
            }
        }
        self.problem(
            node,
            format!("`{what}` must be a finite number, found {}", s.shown()),
        );
        None
    }

    pub(crate) fn rate<'n>(&mut self, node: &'n Node, what: &str) -> Option<Num<'n>> {
        let v = self.number(node, what)?;
        if !(0.0..=1.0).contains(&v.value) {
            self.problem(
                node,
                format!(
                    "`{what}` must be between 0 and 1 (a fraction, not a percentage), found {}",
                    v.text
                ),
            );
            return None;
        }
        Some(v)
    }

    pub(crate) fn positive<'n>(&mut self, node: &'n Node, what: &str) -> Option<Num<'n>> {
        let v = self.number(node, what)?;
        if v.value <= 0.0 {
            self.problem(
                node,
                format!("`{what}` must be greater than 0, found {}", v.text),
            );
            return None;
        }
        Some(v)
    }

    pub(crate) fn whole(&mut self, node: &Node, what: &str) -> Option<u64> {
        let v = self.number(node, what)?;
        if v.value < 0.0 || v.value.fract() != 0.0 || v.value > u32::MAX as f64 {
            self.problem(
                node,
                format!("`{what}` must be a whole number, found {}", v.text),
            );
            return None;
        }
        Some(v.value as u64)
    }

    pub(crate) fn duration(&mut self, node: &Node, what: &str) -> Option<u64> {
        let s = self.some_scalar(node, what, "a duration such as `30m`, `2h` or `1d`")?;
        match parse_duration(s.text) {
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
        let entries = self.mapping(doc, "the contract", keys::CONTRACT)?;
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
            warnings: Vec::new(),
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
        // Every entry is read (and checked against the others) even when one has a problem.
        let parsed: Vec<Option<(TableContract, Marker)>> =
            items.iter().map(|t| self.table(t)).collect();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (t, at) in parsed.iter().flatten() {
            if t.table.is_empty() {
                continue;
            }
            if let Some(first) = seen.get(t.table.as_str()) {
                self.problem_at_marker(
                    at,
                    format!(
                        "table `{}` is listed twice in `depends_on` (first at line {first}); list its fields in one entry",
                        t.table
                    ),
                );
            } else {
                seen.insert(&t.table, at.line());
            }
        }
        parsed.into_iter().map(|t| t.map(|t| t.0)).collect()
    }

    /// A `depends_on` entry, with the position of its name; `None` only when the entry is not
    /// a mapping. Problems are recorded either way.
    fn table(&mut self, node: &Node) -> Option<(TableContract, Marker)> {
        let entries = self.mapping(node, "a `depends_on` entry", keys::TABLE)?;
        let mut t = TableContract::at(node.span.start.line());
        self.severities.clear();
        self.scope = Some(None);
        let mut named = false;
        let mut at = node.span.start;
        let mut fields = Vec::new();
        for (key, k, v) in &entries {
            match *key {
                "table" | "topic" => {
                    if named {
                        self.problem(k, "give either `table` or `topic`, not both".into());
                    }
                    named = true;
                    if let Some(s) = self.string(v, key) {
                        t.table = s;
                        at = v.span.start;
                    }
                }
                "source" => t.source = self.string(v, "source"),
                "description" => {
                    self.string(v, "description");
                }
                "freshness" => t.freshness = self.freshness(v),
                "arrival" => t.arrival = self.arrival(v),
                "row_count" => t.row_count = self.row_count(v),
                "files" => t.files = self.files(v),
                "max_null_rate" => t.max_null_rate = self.rate(v, "max_null_rate").map(|r| r.value),
                "drift" => t.drift = self.drift(v),
                "fields" => fields = self.fields(v),
                "unique" => t.unique = self.unique_keys(v),
                "max_duplicate_rate" => {
                    t.max_duplicate_rate = self.rate(v, "max_duplicate_rate").map(|r| r.value)
                }
                "schema" => t.schema = self.schema_policy(v),
                "max_cardinality_change" => {
                    t.max_cardinality_change = self.change(v, "max_cardinality_change")
                }
                "max_null_rate_change" => {
                    t.max_null_rate_change = self.rate(v, "max_null_rate_change").map(|r| r.value)
                }
                "severity" => self.key_severity(v, None),
                "slice" => t.slice = self.slice(v),
                _ => unreachable!(),
            }
        }
        if !named {
            self.problem(node, "missing required key `table` (or `topic`)".into());
        }
        if let Some((_, k, _)) = entries.iter().find(|e| e.0 == "max_duplicate_rate")
            && !entries.iter().any(|e| e.0 == "unique")
        {
            self.problem(
                k,
                "`max_duplicate_rate` needs a `unique` key on the same table entry (`unique: [order_id]`)".into(),
            );
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (f, name_at) in &fields {
            if f.name.is_empty() {
                continue;
            }
            if let Some(first) = seen.get(f.name.as_str()) {
                self.problem_at_marker(
                    name_at,
                    format!(
                        "field `{}` is listed twice in table `{}` (first at line {first})",
                        f.name, t.table
                    ),
                );
            } else {
                seen.insert(&f.name, name_at.line());
            }
        }
        t.fields = fields.into_iter().map(|f| f.0).collect();
        t.severities = std::mem::take(&mut self.severities);
        self.scope = None;
        Some((t, at))
    }

    /// A table-level `unique`: one key (`[order_id]`, `[order_id, line_no]`) or a list of keys
    /// (`[[order_id], [order_id, line_no]]`).
    fn unique_keys(&mut self, node: &Node) -> Vec<UniqueKey> {
        let expected = "a list of columns (`[order_id, line_no]`) or a list of such lists";
        let YamlDataOwned::Sequence(items) = &node.data else {
            self.problem(
                node,
                format!("`unique` must be {expected}, found {}", describe(node)),
            );
            return Vec::new();
        };
        if items.is_empty() {
            self.problem(node, "`unique` is empty: name the key's columns".into());
            return Vec::new();
        }
        let nested = items
            .iter()
            .filter(|i| matches!(i.data, YamlDataOwned::Sequence(_)))
            .count();
        if nested == 0 {
            return self.unique_key(node).into_iter().collect();
        }
        if nested != items.len() {
            self.problem(
                node,
                format!("`unique` mixes columns and lists of columns: it must be {expected}"),
            );
            return Vec::new();
        }
        let keys: Vec<(UniqueKey, &Node)> = items
            .iter()
            .filter_map(|i| self.unique_key(i).map(|k| (k, i)))
            .collect();
        let sorted = |k: &UniqueKey| {
            let mut c = k.columns.clone();
            c.sort();
            c
        };
        for (i, (k, at)) in keys.iter().enumerate() {
            if let Some((first, _)) = keys[..i].iter().find(|(o, _)| sorted(o) == sorted(k)) {
                self.problem(
                    at,
                    format!(
                        "the key [{}] is listed twice in `unique` (first at line {})",
                        k.name(),
                        first.line
                    ),
                );
            }
        }
        keys.into_iter().map(|k| k.0).collect()
    }

    /// One key of `unique`: a non-empty list of distinct column names.
    fn unique_key(&mut self, node: &Node) -> Option<UniqueKey> {
        let YamlDataOwned::Sequence(items) = &node.data else {
            return None;
        };
        if items.is_empty() {
            self.problem(node, "a key of `unique` is empty: name its columns".into());
            return None;
        }
        let mut columns: Vec<String> = Vec::new();
        for item in items {
            let Some(c) = self.string(item, "unique") else {
                continue;
            };
            if columns.contains(&c) {
                self.problem(
                    item,
                    format!("column `{c}` is listed twice in a key of `unique`"),
                );
                continue;
            }
            columns.push(c);
        }
        (columns.len() == items.len()).then(|| UniqueKey {
            columns,
            line: node.span.start.line().max(1),
        })
    }

    /// A table entry's `schema`: which changes against the baseline fail.
    fn schema_policy(&mut self, node: &Node) -> Option<SchemaPolicy> {
        let entries = self.mapping(node, "`schema`", keys::SCHEMA)?;
        let mut s = SchemaPolicy::lenient(node.span.start.line().max(1));
        for (key, _, v) in &entries {
            if *key == "severity" {
                self.key_severity(v, Some("schema_drift"));
                continue;
            }
            let what = format!("schema.{key}");
            let value = self.bool(v, &what);
            match *key {
                "allow_new_columns" => s.allow_new_columns = value.unwrap_or(true),
                "allow_removed_columns" => s.allow_removed_columns = value.unwrap_or(true),
                "allow_type_changes" => s.allow_type_changes = value.unwrap_or(true),
                _ => unreachable!(),
            }
        }
        if entries.is_empty() {
            self.problem(
                node,
                "`schema` is empty: give `allow_new_columns`, `allow_removed_columns` or `allow_type_changes`".into(),
            );
        }
        Some(s)
    }

    /// `slice: { column, every }`: `every` is `1h` or `1d`.
    pub(crate) fn slice(&mut self, node: &Node) -> Option<super::model::Slice> {
        let entries = self.mapping(node, "`slice`", keys::SLICE)?;
        let (mut column, mut every) = (None, None);
        for (key, _, v) in &entries {
            match *key {
                "column" => column = self.string(v, "slice.column"),
                "every" => match self.duration(v, "slice.every") {
                    Some(d @ (3600 | 86_400)) => every = Some(d),
                    Some(_) => self.problem(
                        v,
                        "`slice.every` must be `1h` or `1d`: a slice is one hour or one day of the column".into(),
                    ),
                    None => {}
                },
                _ => unreachable!(),
            }
        }
        for req in ["column", "every"] {
            if !entries.iter().any(|e| e.0 == req) {
                self.problem(
                    node,
                    format!(
                        "`slice` needs `{req}` (write `slice: {{ column: event_time, every: 1d }}`)"
                    ),
                );
            }
        }
        Some(super::model::Slice {
            column: column?,
            every: every?,
            line: node.span.start.line(),
        })
    }

    pub(crate) fn freshness(&mut self, node: &Node) -> Option<Freshness> {
        let entries = self.mapping(node, "`freshness`", keys::FRESHNESS)?;
        let (mut column, mut max_lag) = (None, None);
        for (key, _, v) in &entries {
            match *key {
                "column" => column = self.string(v, "freshness.column"),
                "max_lag" => max_lag = self.duration(v, "freshness.max_lag"),
                "severity" => self.key_severity(v, Some("freshness")),
                _ => unreachable!(),
            }
        }
        if !entries.iter().any(|e| e.0 == "max_lag") {
            self.problem(node, "`freshness` needs `max_lag`".into());
        }
        // Without `column`, freshness is the table's arrival time (snapshot commit, file time).
        let column_ok = column.is_some() || !entries.iter().any(|e| e.0 == "column");
        Some(Freshness {
            column,
            max_lag: max_lag.filter(|_| column_ok)?,
        })
    }

    pub(crate) fn arrival(&mut self, node: &Node) -> Option<Arrival> {
        let entries = self.mapping(node, "`arrival`", keys::ARRIVAL)?;
        let mut max_silence = None;
        for (key, _, v) in &entries {
            match *key {
                "max_silence" => max_silence = self.duration(v, "arrival.max_silence"),
                "severity" => self.key_severity(v, Some("arrival")),
                _ => unreachable!(),
            }
        }
        if !entries.iter().any(|e| e.0 == "max_silence") {
            self.problem(node, "`arrival` needs `max_silence`".into());
        }
        Some(Arrival {
            max_silence: max_silence?,
        })
    }

    pub(crate) fn row_count(&mut self, node: &Node) -> Option<RowCount> {
        let entries = self.mapping(node, "`row_count`", keys::ROW_COUNT)?;
        let mut r = RowCount::default();
        let (mut min_text, mut max_text) = (r.min_ratio.to_string(), r.max_ratio.to_string());
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
                    if let Some(n) = self.positive(v, "row_count.min_ratio") {
                        r.min_ratio = n.value;
                        min_text = n.text.to_string();
                    }
                }
                "max_ratio" => {
                    if let Some(n) = self.positive(v, "row_count.max_ratio") {
                        r.max_ratio = n.value;
                        max_text = n.text.to_string();
                    }
                }
                "severity" => self.key_severity(v, Some("row_count")),
                _ => unreachable!(),
            }
        }
        if r.min_ratio > r.max_ratio {
            self.problem(
                node,
                format!("`row_count.min_ratio` ({min_text}) is above `max_ratio` ({max_text})"),
            );
        }
        Some(r)
    }

    pub(crate) fn files(&mut self, node: &Node) -> Option<Files> {
        let entries = self.mapping(node, "`files`", keys::FILES)?;
        let mut out = None;
        for (key, _, v) in &entries {
            if *key == "severity" {
                self.key_severity(v, Some("files"));
                continue;
            }
            let Some(s) = self.some_scalar(v, "files.min_mean_size", "a size such as `128MB`")
            else {
                continue;
            };
            match parse_size(s.text) {
                Ok(b) => out = Some(Files { min_mean_size: b }),
                Err(e) => self.problem(v, e),
            }
        }
        if !entries.iter().any(|e| e.0 == "min_mean_size") {
            self.problem(node, "`files` needs `min_mean_size`".into());
        }
        out
    }

    pub(crate) fn drift(&mut self, node: &Node) -> Option<Drift> {
        let entries = self.mapping(node, "`drift`", keys::DRIFT)?;
        let mut d = Drift::default();
        let (mut max_text, mut warn_text) = (d.max_psi.to_string(), None);
        for (key, _, v) in &entries {
            match *key {
                "max_psi" => {
                    if let Some(n) = self.positive(v, "drift.max_psi") {
                        d.max_psi = n.value;
                        max_text = n.text.to_string();
                    }
                }
                "warn_psi" => {
                    warn_text = Some(None);
                    if let Some(n) = self.positive(v, "drift.warn_psi") {
                        d.warn_psi = n.value;
                        warn_text = Some(Some(n.text.to_string()));
                    }
                }
                "unit_change" => d.unit_change = self.unit_change(v),
                "severity" => self.key_severity(v, Some("drift")),
                _ => unreachable!(),
            }
        }
        match warn_text {
            None => d.warn_psi = d.warn_psi.min(d.max_psi / 2.0),
            Some(Some(warn)) if d.warn_psi > d.max_psi => self.problem(
                node,
                format!("`drift.warn_psi` ({warn}) is above `max_psi` ({max_text})"),
            ),
            Some(_) => {}
        }
        Some(d)
    }

    /// Every field of the list with the position of its name (for the duplicate check); a
    /// field with problems is still returned, so checks across fields see it.
    fn fields(&mut self, node: &Node) -> Vec<(FieldContract, Marker)> {
        let YamlDataOwned::Sequence(items) = &node.data else {
            self.problem(
                node,
                format!("`fields` must be a list, found {}", describe(node)),
            );
            return Vec::new();
        };
        items.iter().filter_map(|f| self.field(f)).collect()
    }

    fn field(&mut self, node: &Node) -> Option<(FieldContract, Marker)> {
        let entries = self.mapping(node, "a field", keys::FIELD)?;
        let mut f = FieldContract::at(node.span.start.line());
        let mut at = node.span.start;
        // The type first: how allowed values are read depends on it, wherever it is written.
        if let Some((_, _, v)) = entries.iter().find(|e| e.0 == "type") {
            f.r#type = self.type_name(v);
        }
        // The field's name first too: a `severity` anywhere in it is scoped by it.
        let outer = self.scope.take();
        self.scope = outer.as_ref().map(|_| {
            entries
                .iter()
                .find(|e| e.0 == "name")
                .and_then(|e| scalar(e.2).ok())
                .map(|s| s.text.to_string())
        });
        for (key, _, v) in &entries {
            match *key {
                "name" => {
                    f.name = self.string(v, "name").unwrap_or_default();
                    at = v.span.start;
                }
                "type" => {}
                "required" => f.required = self.bool(v, "required").unwrap_or(false),
                "unique" => f.unique = self.bool(v, "unique").unwrap_or(false),
                "max_null_rate" => f.max_null_rate = self.rate(v, "max_null_rate").map(|r| r.value),
                "constraints" => f.constraints = self.constraints(v),
                "allowed_values" => f.allowed_values = self.allowed(v, f.r#type),
                "drift" => f.drift = self.drift(v),
                "skew" => f.skew = self.skew(v),
                "references" => f.references = self.reference(v),
                "description" => {
                    self.string(v, "description");
                }
                "max_new_values" => f.max_new_values = self.max_new_values(v, f.r#type),
                "max_cardinality_change" => {
                    f.max_cardinality_change = self.change(v, "max_cardinality_change")
                }
                "max_null_rate_change" => {
                    f.max_null_rate_change = self.rate(v, "max_null_rate_change").map(|r| r.value)
                }
                "severity" => self.key_severity(v, None),
                _ => unreachable!(),
            }
        }
        self.scope = outer;
        if !entries.iter().any(|e| e.0 == "name") {
            self.problem(node, "a field needs a `name`".into());
        }
        Some((f, at))
    }

    pub(crate) fn type_name(&mut self, node: &Node) -> Option<TypeName> {
        let s = self.string(node, "type")?;
        let found = TypeName::ALL.iter().find(|(n, _)| *n == s).map(|(_, t)| *t);
        if found.is_none() {
            let names: Vec<String> = TypeName::ALL
                .iter()
                .map(|(n, _)| format!("`{n}`"))
                .collect();
            self.problem(
                node,
                format!(
                    "unknown type {}; expected one of {}",
                    shown(&s),
                    names.join(", ")
                ),
            );
        }
        found
    }

    fn constraints(&mut self, node: &Node) -> Option<Constraints> {
        let entries = self.mapping(node, "`constraints`", keys::CONSTRAINTS)?;
        let mut c = Constraints::default();
        let (mut min, mut max) = (None, None);
        for (key, _, v) in &entries {
            match *key {
                "min" => min = self.number(v, "constraints.min"),
                "max" => max = self.number(v, "constraints.max"),
                "min_length" => c.min_length = self.whole(v, "constraints.min_length"),
                "max_length" => c.max_length = self.whole(v, "constraints.max_length"),
                "severity" => self.key_severity(v, Some("constraints")),
                _ => unreachable!(),
            }
        }
        c.min = min.map(|n| n.value);
        c.max = max.map(|n| n.value);
        if let (Some(lo), Some(hi)) = (min, max)
            && lo.value > hi.value
        {
            self.problem(
                node,
                format!(
                    "`constraints.min` ({}) is above `constraints.max` ({})",
                    lo.text, hi.text
                ),
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
        if entries.iter().all(|e| e.0 == "severity") {
            self.problem(
                node,
                "`constraints` is empty: give `min`, `max`, `min_length` or `max_length`".into(),
            );
        }
        Some(c)
    }

    /// Allowed values, kept as they will be compared: with the text of the column's frequent
    /// values. See [`allowed_value`].
    pub(crate) fn allowed(&mut self, node: &Node, ty: Option<TypeName>) -> Option<Vec<String>> {
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
        if let Some(t @ (TypeName::Decimal | TypeName::Timestamp | TypeName::Binary)) = ty {
            self.problem(
                node,
                format!(
                    "`allowed_values` cannot be checked on a `{}` field: values are counted for string, integer, boolean and date columns only",
                    t.name()
                ),
            );
            return None;
        }
        let mut out = Vec::new();
        for item in items {
            let s = match scalar(item) {
                Ok(s) if s.core() == Core::Null => {
                    self.problem(
                        item,
                        format!(
                            "{} is not an allowed value: nulls are governed by `required` and `max_null_rate`; quote it (`'{}'`) to mean the text",
                            if s.text.is_empty() { "an empty item".to_string() } else { s.shown() },
                            s.text
                        ),
                    );
                    continue;
                }
                Ok(s) => s,
                Err(found) => {
                    self.problem(
                        item,
                        format!("allowed values must be scalars, found {found}"),
                    );
                    continue;
                }
            };
            match allowed_value(s, ty) {
                Ok(v) => out.push(v),
                Err(e) => self.problem(item, e),
            }
        }
        Some(out)
    }

    pub(crate) fn skew(&mut self, node: &Node) -> Option<Skew> {
        let entries = self.mapping(node, "`skew`", keys::SKEW)?;
        let mut out = None;
        for (key, _, v) in &entries {
            if *key == "severity" {
                self.key_severity(v, Some("skew"));
            } else if let Some(r) = self.rate(v, "skew.max_top_share") {
                out = Some(Skew {
                    max_top_share: r.value,
                });
            }
        }
        if !entries.iter().any(|e| e.0 == "max_top_share") {
            self.problem(node, "`skew` needs `max_top_share`".into());
        }
        out
    }

    fn reference(&mut self, node: &Node) -> Option<Reference> {
        let entries = self.mapping(node, "`references`", keys::REFERENCES)?;
        let (mut table, mut field, mut rate) = (None, None, DEFAULT_MAX_UNMATCHED_RATE);
        for (key, _, v) in &entries {
            match *key {
                "table" => table = self.string(v, "references.table"),
                "field" => field = self.string(v, "references.field"),
                "max_unmatched_rate" => {
                    if let Some(r) = self.rate(v, "references.max_unmatched_rate") {
                        rate = r.value;
                    }
                }
                "severity" => self.key_severity(v, Some("references")),
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

/// Keys of issue 14's semantic checks: `severity`, `unit_change`, `max_new_values` and the
/// change thresholds.
impl Parser<'_> {
    /// `severity: warn` or `severity: fail`.
    pub(crate) fn severity(&mut self, node: &Node) -> Option<Severity> {
        let s = self.some_scalar(node, "severity", "`warn` or `fail`")?;
        match s.text {
            "warn" => Some(Severity::Warn),
            "fail" => Some(Severity::Fail),
            _ => {
                self.problem(
                    node,
                    format!(
                        "`severity` must be `warn` or `fail`, found {}",
                        describe_scalar(s)
                    ),
                );
                None
            }
        }
    }

    /// A `severity` given in a check's mapping (`key`: `drift`, `row_count`, ...; the check of
    /// the same name, see `check::severity`) or, with `key` None, on a table entry or field
    /// itself: validated and recorded with the scope being read (the field, else the table
    /// entry). A new check's mapping accepts `severity` by listing it in its keys and calling
    /// this with its key.
    pub(crate) fn key_severity(&mut self, node: &Node, key: Option<&str>) {
        let Some(severity) = self.severity(node) else {
            return;
        };
        let Some(field) = self.scope.clone() else {
            self.problem(
                node,
                "`severity` is read in Plimsoll's own contract format only (in a `depends_on` entry)".into(),
            );
            return;
        };
        self.severities.push(SeverityRule {
            field,
            key: key.map(str::to_string),
            severity,
            line: node.span.start.line(),
        });
    }

    /// A change threshold: a number, 0 or more (`max_cardinality_change: 0.5` is ±50%).
    pub(crate) fn change(&mut self, node: &Node, what: &str) -> Option<f64> {
        let v = self.number(node, what)?;
        if v.value < 0.0 {
            self.problem(
                node,
                format!(
                    "`{what}` must be 0 or more (a fraction: 0.5 is 50%), found {}",
                    v.text
                ),
            );
            return None;
        }
        Some(v.value)
    }

    /// `max_new_values: N`, on a field whose values are counted.
    pub(crate) fn max_new_values(&mut self, node: &Node, ty: Option<TypeName>) -> Option<u64> {
        let n = self.whole(node, "max_new_values")?;
        if let Some(t @ (TypeName::Decimal | TypeName::Timestamp | TypeName::Binary)) = ty {
            self.problem(
                node,
                format!(
                    "`max_new_values` cannot be checked on a `{}` field: values are counted for string, integer, boolean and date columns only",
                    t.name()
                ),
            );
            return None;
        }
        Some(n)
    }

    /// `unit_change` under `drift`: `false` turns it off, `true` or a mapping (`tolerance`,
    /// `min_share`, `severity`) keeps it on.
    pub(crate) fn unit_change(&mut self, node: &Node) -> Option<UnitChange> {
        if let Ok(s) = scalar(node)
            && s.core() == Core::Bool
        {
            return s
                .text
                .eq_ignore_ascii_case("true")
                .then(UnitChange::default);
        }
        let entries = self.mapping(node, "`unit_change`", keys::UNIT_CHANGE);
        let mut u = UnitChange::default();
        for (key, _, v) in entries.iter().flatten() {
            match *key {
                "tolerance" => {
                    if let Some(n) = self.positive(v, "unit_change.tolerance") {
                        if n.value > 0.5 {
                            self.problem(
                                v,
                                format!(
                                    "`unit_change.tolerance` is a distance in log10 and must be at most 0.5 (0.1 accepts ×0.79..×1.26 of a power of ten), found {}",
                                    n.text
                                ),
                            );
                        } else {
                            u.tolerance = n.value;
                        }
                    }
                }
                "min_share" => {
                    if let Some(n) = self.rate(v, "unit_change.min_share") {
                        u.min_share = n.value;
                    }
                }
                "severity" => self.key_severity(v, Some("unit_change")),
                _ => unreachable!(),
            }
        }
        Some(u)
    }
}

/// One allowed value, as the `allowed_values` check will compare it: with the text of the
/// column's values (`src/check/allowed_values.rs`), which integer columns write in decimal
/// (`42`, `-7`), boolean columns as `true`/`false` and date columns as `YYYY-MM-DD`.
///
/// - `string` fields, and fields without a `type`: the value exactly as written (`02139`,
///   `1.50`, `0x1F`, `yes` stay text).
/// - `integer` and `number` fields: a whole number in decimal, `_` separators allowed
///   (`1_000` is `1000`); `1.50`, `0x1F`, `+5` or `007` would never equal a value of an
///   integer column, so they are problems that name the value to write instead.
/// - `boolean`: `true` or `false` (`True`/`TRUE` are the same boolean in YAML).
/// - `date`: a calendar date written `YYYY-MM-DD`.
pub(crate) fn allowed_value(s: Scalar<'_>, ty: Option<TypeName>) -> Result<String, String> {
    let text = s.text;
    match ty {
        None | Some(TypeName::String) => Ok(text.to_string()),
        Some(t @ (TypeName::Integer | TypeName::Number)) => {
            let column = if t == TypeName::Number {
                "the integer column behind a `number` field (float and decimal columns have no value counts)"
            } else {
                "an `integer` column"
            };
            integer_value(text).map_err(|canonical| match canonical {
                None => format!(
                    "allowed value {} is not a whole number, so it can never equal a value of {column}",
                    s.shown()
                ),
                Some(v) => {
                    let hint = if text.len() > 1 && text.starts_with('0') && is_digits(text, 10) {
                        ", or declare the field `type: string` if it holds codes with leading zeros"
                    } else {
                        ""
                    };
                    format!(
                        "allowed value {} can never equal a value of {column}, whose values read as decimal text: write `{v}`{hint}",
                        s.shown()
                    )
                }
            })
        }
        Some(TypeName::Boolean) => match text {
            "true" | "True" | "TRUE" => Ok("true".into()),
            "false" | "False" | "FALSE" => Ok("false".into()),
            _ => Err(format!(
                "allowed value {} can never match: a `boolean` field's values are `true` and `false`",
                s.shown()
            )),
        },
        Some(TypeName::Date) => match chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
            Ok(d) if d.to_string() == text => Ok(text.to_string()),
            Ok(d) => Err(format!(
                "allowed value {} can never match: a `date` column's values are written `YYYY-MM-DD`; write `{d}`",
                s.shown()
            )),
            Err(_) => Err(format!(
                "allowed value {} can never match: a `date` field's values are dates written `YYYY-MM-DD`",
                s.shown()
            )),
        },
        // Refused for the whole list before the values are read.
        Some(TypeName::Decimal | TypeName::Timestamp | TypeName::Binary) => Ok(text.to_string()),
    }
}

/// A whole number in canonical decimal (`_` separators dropped), or `Err` with the canonical
/// form of what was written when there is one.
fn integer_value(text: &str) -> Result<String, Option<String>> {
    let t = text.trim().replace('_', "");
    let (negative, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    if is_digits(digits, 10) {
        // A canonical spelling: no sign but `-`, no leading zero, no `-0`.
        let canonical = match digits.trim_start_matches('0') {
            "" => "0".to_string(),
            d if negative => format!("-{d}"),
            d => d.to_string(),
        };
        return if canonical == t {
            Ok(canonical)
        } else {
            Err(Some(canonical))
        };
    }
    let radix = [("0x", 16), ("0o", 8)]
        .into_iter()
        .find_map(|(p, r)| digits.strip_prefix(p).map(|d| (d, r)));
    if let Some((d, r)) = radix
        && let Ok(v) = i128::from_str_radix(d, r)
    {
        return Err(Some(if negative {
            format!("-{v}")
        } else {
            v.to_string()
        }));
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 => {
            Err(Some(format!("{}", v as i64)))
        }
        _ => Err(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_schema_resolution() {
        for (t, want) in [
            ("", Core::Null),
            ("~", Core::Null),
            ("NULL", Core::Null),
            ("True", Core::Bool),
            ("yes", Core::Str),
            ("02139", Core::Int),
            ("-7", Core::Int),
            ("0x1F", Core::Int),
            ("0o17", Core::Int),
            ("1.50", Core::Float),
            (".5", Core::Float),
            ("1e3", Core::Float),
            ("-.inf", Core::Float),
            (".nan", Core::Float),
            ("nan", Core::Str),
            ("1_000", Core::Str),
            ("2024-03-01", Core::Str),
            ("1.2.3", Core::Str),
        ] {
            assert_eq!(core_schema(t), want, "{t:?}");
        }
    }

    #[test]
    fn integer_values() {
        assert_eq!(integer_value("42"), Ok("42".into()));
        assert_eq!(integer_value("-7"), Ok("-7".into()));
        assert_eq!(integer_value("1_000"), Ok("1000".into()));
        assert_eq!(integer_value("0"), Ok("0".into()));
        assert_eq!(integer_value("02139"), Err(Some("2139".into())));
        assert_eq!(integer_value("+5"), Err(Some("5".into())));
        assert_eq!(integer_value("-0"), Err(Some("0".into())));
        assert_eq!(integer_value("0x1F"), Err(Some("31".into())));
        assert_eq!(integer_value("0o17"), Err(Some("15".into())));
        assert_eq!(integer_value("2.0"), Err(Some("2".into())));
        assert_eq!(integer_value("1.50"), Err(None));
        assert_eq!(integer_value("abc"), Err(None));
    }

    #[test]
    fn positions_stay_inside_the_text() {
        assert_eq!(line_lengths("ab\r\ncd\re\n"), vec![2, 2, 1, 0]);
        assert_eq!(end_position("ab\ncd"), (2, 3));
        let mut ps = vec![ContractProblem {
            path: "x".into(),
            line: 9,
            column: 1,
            message: "m".into(),
        }];
        clamp_positions(&mut ps, "a: 1\nbcd\n");
        assert_eq!((ps[0].line, ps[0].column), (2, 4));
    }
}
