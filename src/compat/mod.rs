//! `compat`: is a producer's change safe for its readers and its consumers?
//!
//! Two tables (any SOURCE) or two contracts are compared field by field, and each change is
//! judged in both directions with the schema registries' meaning:
//!
//! - **backward**: a reader on the *new* schema reads the *old* data;
//! - **forward**: a reader on the *old* schema reads the *new* data;
//! - **full** (the default, as Confluent recommends for shared topics): both.
//!
//! The rules each verdict can name are the [`Rule`]s. With consumer contracts (`--contract`),
//! every change is also mapped to the contract lines that depend on its field, and a change
//! breaks when it breaks under the mode *or* breaks what a consumer's contract expects.

pub mod contracts;
pub mod tables;
pub mod types;

use crate::check::CheckId;
use crate::context::Context;
use crate::contract::dependents::{Dependency, Dependents};
use crate::error::{Error, Result};
use crate::run::plan::quoted;
use crate::source::SourceRef;
use serde::Serialize;
use std::path::PathBuf;

/// Which readers must keep working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Readers on the new schema read the old data.
    Backward,
    /// Readers on the old schema read the new data.
    Forward,
    /// Both.
    Full,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Backward => "backward",
            Mode::Forward => "forward",
            Mode::Full => "full",
        }
    }
}

/// One side of a comparison.
#[derive(Debug, Clone)]
pub enum Side {
    Table(SourceRef),
    Contract(PathBuf),
}

impl Side {
    /// A `.yaml`/`.yml` file is a contract; anything else a table SOURCE.
    pub fn parse(s: &str) -> Result<Side> {
        let p = std::path::Path::new(s);
        if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            return Ok(Side::Contract(p.to_path_buf()));
        }
        Ok(Side::Table(SourceRef::parse(s)?))
    }

    fn shown(&self) -> String {
        match self {
            Side::Table(s) => s.to_string(),
            Side::Contract(p) => p.display().to_string(),
        }
    }
}

/// What to compare.
#[derive(Debug, Clone)]
pub struct CompatPlan {
    pub old: Side,
    pub new: Side,
    pub mode: Mode,
    /// Every consumer's contracts (files or directories).
    pub contracts: Vec<PathBuf>,
    /// The tables' name in the consumers' contracts (table against table).
    pub table: Option<String>,
    /// Compare schemas only: no scan for new enum values.
    pub schema_only: bool,
}

/// The rules a verdict names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The same logical type in another encoding.
    SameType,
    /// The reader's type holds every value of the data's type.
    Widening,
    /// The reader's type is narrower than the data's.
    Narrowing,
    /// The types mean different things (string and number, date and timestamp, ...).
    IncompatibleType,
    /// A field the reader requires is absent from the data.
    MissingRequiredField,
    /// A field the reader has but the data lacks reads as null.
    MissingOptionalField,
    /// A field the data has but the reader lacks is ignored.
    ExtraFieldIgnored,
    /// Readers that select the old name no longer find it.
    RenamedField,
    /// The reader requires a value the data may leave null.
    NullsInRequiredField,
    /// The reader accepts nulls the data never has.
    NullsAllowed,
    /// The data holds values the reader's schema does not know.
    UnknownValues,
    /// Every value of the data is one the reader knows.
    KnownValues,
    /// An expectation got stricter: data that met the old contract may fail the new one.
    Tightened,
    /// An expectation got looser: data that meets the new contract may fail the old one.
    Loosened,
    /// The change breaks what a consumer's contract expects.
    ConsumerContract,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::SameType => "same-type",
            Rule::Widening => "widening",
            Rule::Narrowing => "narrowing",
            Rule::IncompatibleType => "incompatible-type",
            Rule::MissingRequiredField => "missing-required-field",
            Rule::MissingOptionalField => "missing-optional-field",
            Rule::ExtraFieldIgnored => "extra-field-ignored",
            Rule::RenamedField => "renamed-field",
            Rule::NullsInRequiredField => "nulls-in-required-field",
            Rule::NullsAllowed => "nulls-allowed",
            Rule::UnknownValues => "unknown-values",
            Rule::KnownValues => "known-values",
            Rule::Tightened => "tightened",
            Rule::Loosened => "loosened",
            Rule::ConsumerContract => "consumer-contract",
        }
    }
}

/// A rule serialises as its name ([`Rule::as_str`]): one spelling for text and JSON.
impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One direction's judgement of a change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    pub breaks: bool,
    pub rule: Rule,
    pub reason: String,
}

impl Judgement {
    pub fn breaks(rule: Rule, reason: impl Into<String>) -> Self {
        Judgement {
            breaks: true,
            rule,
            reason: reason.into(),
        }
    }

    pub fn safe(rule: Rule, reason: impl Into<String>) -> Self {
        Judgement {
            breaks: false,
            rule,
            reason: reason.into(),
        }
    }
}

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Renamed,
    TypeChanged,
    NullabilityChanged,
    ValuesAdded,
    ValuesRemoved,
    TableAdded,
    TableRemoved,
    /// A contract expectation got stricter.
    Tightened,
    /// A contract expectation got looser.
    Loosened,
    /// A contract expectation changed in a way that is neither.
    Changed,
}

/// A consumer contract line a change touches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Affected {
    pub consumer: String,
    pub owner: Option<String>,
    pub file: String,
    pub line: usize,
    pub checks: Vec<CheckId>,
    /// Does the change break what this line expects?
    pub breaks: bool,
    pub reason: String,
}

impl Affected {
    pub fn of(d: &Dependency, breaks: bool, reason: impl Into<String>) -> Self {
        Affected {
            consumer: d.consumer.clone(),
            owner: d.owner.clone(),
            file: d.file.clone(),
            line: d.line,
            checks: d.checks.clone(),
            breaks,
            reason: reason.into(),
        }
    }
}

/// A contract line (contract against contract: where the change is).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct At {
    pub file: String,
    pub line: usize,
}

/// One change, judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub table: String,
    pub field: Option<String>,
    pub kind: ChangeKind,
    /// The old side's type, name or value (as text), when it has one.
    pub old: Option<String>,
    pub new: Option<String>,
    /// The field's type on each side (table against table).
    pub old_type: Option<String>,
    pub new_type: Option<String>,
    /// The change in words.
    pub detail: String,
    /// Contract against contract: the expectation that changed (`allowed_values`, `type`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expectation: Option<&'static str>,
    /// The values added or removed (`values_added`, `values_removed`, `allowed_values`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    pub backward: Judgement,
    pub forward: Judgement,
    /// Where the change is (contract against contract).
    pub at: Option<At>,
    pub consumers: Vec<Affected>,
    /// Set by [`Change::settle`].
    pub breaks: bool,
    /// The rule(s) the verdict rests on.
    pub rules: Vec<Rule>,
    /// The verdict in words.
    pub reason: String,
}

impl Change {
    /// A change before its verdict.
    pub fn new(
        table: &str,
        field: Option<&str>,
        kind: ChangeKind,
        detail: String,
        backward: Judgement,
        forward: Judgement,
    ) -> Self {
        Change {
            table: table.to_string(),
            field: field.map(str::to_string),
            kind,
            old: None,
            new: None,
            old_type: None,
            new_type: None,
            detail,
            expectation: None,
            values: Vec::new(),
            backward,
            forward,
            at: None,
            consumers: Vec::new(),
            breaks: false,
            rules: Vec::new(),
            reason: String::new(),
        }
    }

    /// The verdict under `mode`: breaks when the mode's direction(s) break, or a consumer's
    /// contract does.
    pub fn settle(&mut self, mode: Mode, with_contracts: bool) {
        let directions: Vec<&Judgement> = match mode {
            Mode::Backward => vec![&self.backward],
            Mode::Forward => vec![&self.forward],
            Mode::Full => vec![&self.backward, &self.forward],
        };
        let broken: Vec<&Judgement> = directions.iter().copied().filter(|j| j.breaks).collect();
        let consumers: Vec<&Affected> = self.consumers.iter().filter(|a| a.breaks).collect();
        let mut rules: Vec<Rule> = Vec::new();
        let mut reasons: Vec<String> = Vec::new();
        let chosen = if broken.is_empty() {
            directions
        } else {
            broken.clone()
        };
        for j in chosen {
            // A verdict that only a consumer's contract breaks rests on that alone.
            if !rules.contains(&j.rule) && (consumers.is_empty() || !broken.is_empty()) {
                rules.push(j.rule);
            }
            if !reasons.contains(&j.reason) {
                reasons.push(j.reason.clone());
            }
        }
        if !consumers.is_empty() {
            rules.push(Rule::ConsumerContract);
            let mut names: Vec<String> = consumers
                .iter()
                .map(|a| format!("{} ({}:{})", a.consumer, a.file, a.line))
                .collect();
            names.dedup();
            reasons.push(format!("breaks {}", names.join(" and ")));
        } else if with_contracts && self.field.is_some() && self.consumers.is_empty() {
            reasons.push(format!(
                "no consumer reads `{}`",
                self.field.as_deref().unwrap_or_default()
            ));
        }
        self.breaks = !broken.is_empty() || !consumers.is_empty();
        self.rules = rules;
        self.reason = reasons.join("; ");
    }
}

/// What `compat` found.
#[derive(Debug, Clone, Serialize)]
pub struct CompatReport {
    pub mode: Mode,
    pub old: String,
    pub new: String,
    /// What was compared: `tables` or `contracts`.
    pub compared: &'static str,
    /// The tables' name in the consumers' contracts.
    pub table: Option<String>,
    /// The consumer contract files read.
    pub contracts: Vec<String>,
    pub changes: Vec<Change>,
    pub notes: Vec<String>,
}

impl CompatReport {
    pub fn breaks(&self) -> bool {
        self.changes.iter().any(|c| c.breaks)
    }
}

/// Compares the two sides of the plan.
pub async fn compat(ctx: &Context, plan: &CompatPlan) -> Result<CompatReport> {
    let contracts = if plan.contracts.is_empty() {
        Vec::new()
    } else {
        crate::contract::load(&plan.contracts)?
    };
    let dependents = (!plan.contracts.is_empty()).then(|| Dependents::of(&contracts));
    let mut notes = Vec::new();
    let (compared, table, mut changes) = match (&plan.old, &plan.new) {
        (Side::Table(old), Side::Table(new)) => {
            let table = match &dependents {
                Some(d) => Some(table_name(plan, &contracts, d, old, new)?),
                None => plan.table.clone(),
            };
            let shown = table
                .clone()
                .unwrap_or_else(|| crate::run::profile::default_table_name(&new.location));
            let (a, b) = (
                tables::shape(ctx, old, plan.schema_only).await?,
                tables::shape(ctx, new, plan.schema_only).await?,
            );
            notes.extend(a.notes.iter().chain(&b.notes).cloned());
            let mut changes = tables::diff(&a, &b, &shown);
            if let (Some(d), Some(t)) = (&dependents, &table) {
                for c in &mut changes {
                    tables::affected(c, d, t, &b);
                }
            }
            ("tables", table, changes)
        }
        (Side::Contract(old), Side::Contract(new)) => {
            let (a, b) = (load_one(old)?, load_one(new)?);
            let mut changes = contracts::diff(&a, &b);
            if let Some(d) = &dependents {
                for c in &mut changes {
                    contracts::affected(c, d);
                }
            }
            ("contracts", None, changes)
        }
        _ => {
            return Err(Error::usage(
                format!(
                    "`{}` and `{}` are a table and a contract: compat compares two tables or two contracts",
                    plan.old.shown(),
                    plan.new.shown()
                ),
                "to test a table against a contract, run `plimsoll check TABLE --contract FILE`",
            ));
        }
    };
    for c in &mut changes {
        c.settle(plan.mode, dependents.is_some());
    }
    if changes.is_empty() {
        notes.push("no change".into());
    }
    Ok(CompatReport {
        mode: plan.mode,
        old: plan.old.shown(),
        new: plan.new.shown(),
        compared,
        table,
        contracts: contracts
            .iter()
            .map(|c| c.path.display().to_string())
            .collect(),
        changes,
        notes,
    })
}

fn load_one(path: &std::path::Path) -> Result<crate::contract::Contract> {
    crate::contract::load_file(path).map_err(|problems| Error::Contract { problems })
}

/// The tables' name in the consumers' contracts: `--name`, else the contract entries whose
/// `source:` is OLD's or NEW's location, else the only table the contracts name.
fn table_name(
    plan: &CompatPlan,
    contracts: &[crate::contract::Contract],
    d: &Dependents,
    old: &SourceRef,
    new: &SourceRef,
) -> Result<String> {
    let names = d.tables();
    if let Some(t) = &plan.table {
        if !names.contains(&t.as_str()) {
            return Err(Error::usage(
                format!("no contract depends on a table named `{t}`"),
                format!(
                    "the contracts name {}; pass one with `--name`",
                    quoted(&names)
                ),
            ));
        }
        return Ok(t.clone());
    }
    let here = |s: &SourceRef| crate::run::plan::normalize(std::path::Path::new(&s.location));
    let locations = [here(old), here(new)];
    let mut by_source: Vec<&str> = contracts
        .iter()
        .flat_map(|c| c.tables.iter().map(move |t| (c, t)))
        .filter(|(c, t)| {
            t.source
                .as_deref()
                .is_some_and(|s| locations.contains(&crate::run::plan::resolve_against(&c.path, s)))
        })
        .map(|(_, t)| t.table.as_str())
        .collect();
    by_source.sort_unstable();
    by_source.dedup();
    match (by_source.as_slice(), names.as_slice()) {
        ([one], _) | ([], [one]) => Ok(one.to_string()),
        _ => Err(Error::usage(
            "which table of the consumers' contracts is being compared?",
            format!(
                "the contracts name {}; pass the table's name with `--name NAME`",
                quoted(&names)
            ),
        )),
    }
}
