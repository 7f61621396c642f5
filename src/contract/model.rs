//! The contract model: what a consumer depends on and the invariants it expects.

use serde::Serialize;
use std::path::PathBuf;

/// A contract file: one consumer, the tables it depends on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contract {
    pub path: PathBuf,
    pub consumer: String,
    pub owner: Option<String>,
    pub tables: Vec<TableContract>,
    /// What the file asks for that is not checked (an ODCS `sql` rule, a regex pattern), each
    /// with its position: `lint` lists them and `check` notes them, so nothing is ignored
    /// silently. Always empty for Plimsoll's own format, which refuses what it cannot check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<crate::error::ContractProblem>,
}

/// One `depends_on` entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableContract {
    pub table: String,
    pub source: Option<String>,
    pub freshness: Option<Freshness>,
    /// `arrival`: new data must have arrived within `max_silence`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arrival: Option<Arrival>,
    pub row_count: Option<RowCount>,
    pub files: Option<Files>,
    /// Default `max_null_rate` for the fields of this table.
    pub max_null_rate: Option<f64>,
    /// Default drift thresholds for the fields of this table.
    pub drift: Option<Drift>,
    pub fields: Vec<FieldContract>,
    /// Absolute bounds on the slice's row count (ODCS `rowCount`), each checked on its own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub row_bounds: Vec<CountRule>,
    /// Default `max_cardinality_change` for the fields of this table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cardinality_change: Option<f64>,
    /// Default `max_null_rate_change` for the fields of this table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_null_rate_change: Option<f64>,
    /// Every `severity:` of the entry, its fields and their checks, with its scope.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub severities: Vec<SeverityRule>,
    /// Keys no two rows may share (`unique: [a, b]`, or a list of such keys), checked exactly
    /// by the `duplicates` check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unique: Vec<UniqueKey>,
    /// The largest allowed share of duplicate rows per key (default 0: none).
    pub max_duplicate_rate: Option<f64>,
    /// What a change of the table's schema against the baseline is (`schema_drift`).
    pub schema: Option<SchemaPolicy>,
    /// Slices of a table not partitioned by time, cut by an event-time column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slice: Option<Slice>,
    pub line: usize,
}

/// A key of a table-level `unique`: one or more columns whose values together no two rows may
/// share (rows with a null in any of them never collide, as SQL `UNIQUE` has it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UniqueKey {
    pub columns: Vec<String>,
    /// The line of the key, cited by its result.
    pub line: usize,
}

/// `slice: { column: event_time, every: 1d }`: the table's slices are the days (or hours) of
/// `column`; `--partition column=2024-03-08` selects one, and the row-count baseline is the
/// slices before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slice {
    pub column: String,
    /// Seconds: 3600 (`1h`) or 86400 (`1d`).
    pub every: u64,
    /// The line of `slice:`, cited by errors.
    pub line: usize,
}

impl UniqueKey {
    /// The key as results name it: its columns joined with `,`.
    pub fn name(&self) -> String {
        self.columns.join(",")
    }
}

/// Default maximum share of duplicate rows of a `unique` key.
pub const DEFAULT_MAX_DUPLICATE_RATE: f64 = 0.0;

/// Which changes of the schema against the baseline fail (`false`) rather than warn (`true`,
/// the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SchemaPolicy {
    pub allow_new_columns: bool,
    pub allow_removed_columns: bool,
    pub allow_type_changes: bool,
    /// The line of the `schema:` key.
    pub line: usize,
}

impl SchemaPolicy {
    /// Every change allowed (warned about): the policy of a table entry without `schema:`.
    pub fn lenient(line: usize) -> Self {
        SchemaPolicy {
            allow_new_columns: true,
            allow_removed_columns: true,
            allow_type_changes: true,
            line,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Freshness {
    /// The event-time column; `None`: the table's own arrival time (the newest data snapshot's
    /// commit time for Iceberg, the newest file's modification time for Parquet).
    pub column: Option<String>,
    /// Seconds.
    pub max_lag: u64,
}

/// `arrival: { max_silence }`: new files, snapshots or rows within the window before `--now`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arrival {
    /// Seconds.
    pub max_silence: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowCount {
    pub baseline_days: u32,
    pub min_ratio: f64,
    pub max_ratio: f64,
}

impl Default for RowCount {
    fn default() -> Self {
        Self {
            baseline_days: 7,
            min_ratio: 0.8,
            max_ratio: 2.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Files {
    /// Bytes.
    pub min_mean_size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drift {
    /// PSI above this fails (default 0.2).
    pub max_psi: f64,
    /// PSI above this warns (default 0.1, or half of `max_psi` when that is lower).
    pub warn_psi: f64,
    /// The `unit_change` check beside PSI: on unless `unit_change: false`.
    pub unit_change: Option<UnitChange>,
}

impl Default for Drift {
    fn default() -> Self {
        Self {
            max_psi: 0.2,
            warn_psi: 0.1,
            unit_change: Some(UnitChange::default()),
        }
    }
}

/// `unit_change` (under `drift`): a numeric field's values rescaled by a power of ten.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitChange {
    /// How close (in log10) the median and mean ratios must be to a power of ten (default 0.1:
    /// a ratio within ×0.79..×1.26 of it).
    pub tolerance: f64,
    /// The smallest share of the values that must look rescaled (default 0.05).
    pub min_share: f64,
}

impl Default for UnitChange {
    fn default() -> Self {
        Self {
            tolerance: 0.1,
            min_share: 0.05,
        }
    }
}

/// What a breach of a check does: fail the run, or only warn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warn,
    Fail,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warn => "warn",
            Severity::Fail => "fail",
        }
    }
}

/// A `severity:` given in a contract, with what it applies to: a table entry's own (every check
/// of the table), a field's own (every check of the field), or one inside a check's mapping
/// (`drift`, `row_count`, ...: that check, on the field or on every field of the table).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeverityRule {
    /// The field it was given on (None: on the table entry).
    pub field: Option<String>,
    /// The check key it was given in (`drift`, `unit_change`, `row_count`, ...); None for a
    /// table's or field's own `severity`.
    pub key: Option<String>,
    pub severity: Severity,
    pub line: usize,
}

/// A field's type by meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeName {
    String,
    Integer,
    Number,
    Boolean,
    Timestamp,
    Date,
    Decimal,
    Binary,
}

impl TypeName {
    pub const ALL: [(&'static str, TypeName); 8] = [
        ("string", TypeName::String),
        ("integer", TypeName::Integer),
        ("number", TypeName::Number),
        ("boolean", TypeName::Boolean),
        ("timestamp", TypeName::Timestamp),
        ("date", TypeName::Date),
        ("decimal", TypeName::Decimal),
        ("binary", TypeName::Binary),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Constraints {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    /// `min` itself is out of range (ODCS `exclusiveMinimum`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub min_exclusive: bool,
    /// `max` itself is out of range (ODCS `exclusiveMaximum`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub max_exclusive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skew {
    pub max_top_share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reference {
    pub table: String,
    pub field: String,
    pub max_unmatched_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldContract {
    pub name: String,
    pub r#type: Option<TypeName>,
    pub required: bool,
    pub unique: bool,
    pub max_null_rate: Option<f64>,
    pub constraints: Option<Constraints>,
    pub allowed_values: Option<Vec<String>>,
    pub drift: Option<Drift>,
    pub skew: Option<Skew>,
    pub references: Option<Reference>,
    /// Bounds on the count (or share) of null values, or of nulls and the listed missing values
    /// (ODCS `nullValues`, `missingValues`). When given they replace the `max_null_rate` check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub null_values: Vec<CountRule>,
    /// Bounds on the count (or share) of non-null values outside the listed valid values
    /// (ODCS `invalidValues`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid_values: Vec<CountRule>,
    /// Bounds on the count (or share) of duplicate values: non-null values less distinct
    /// non-null values (ODCS `duplicateValues`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub duplicate_values: Vec<CountRule>,
    /// The most values the baseline never had that may appear (`new_values`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_new_values: Option<u64>,
    /// Largest relative change of the distinct count before `cardinality_change` breaches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cardinality_change: Option<f64>,
    /// Largest change of the null rate (a fraction) before `null_rate_change` breaches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_null_rate_change: Option<f64>,
    pub line: usize,
}

/// A comparison a metric must satisfy: the eight operators of ODCS quality rules.
/// `Between` and `NotBetween` include their bounds in the range (as SQL `BETWEEN` does).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    Eq(f64),
    Ne(f64),
    Gt(f64),
    Ge(f64),
    Lt(f64),
    Le(f64),
    Between(f64, f64),
    NotBetween(f64, f64),
}

impl Threshold {
    /// Does `x` satisfy it?
    pub fn holds(self, x: f64) -> bool {
        match self {
            Threshold::Eq(v) => x == v,
            Threshold::Ne(v) => x != v,
            Threshold::Gt(v) => x > v,
            Threshold::Ge(v) => x >= v,
            Threshold::Lt(v) => x < v,
            Threshold::Le(v) => x <= v,
            Threshold::Between(a, b) => a <= x && x <= b,
            Threshold::NotBetween(a, b) => x < a || x > b,
        }
    }

    /// For a metric known only to lie in `[lo, hi]`: `Some(true)` when every value there
    /// satisfies it, `Some(false)` when none does, `None` when it depends on where it lies.
    pub fn decide(self, lo: f64, hi: f64) -> Option<bool> {
        if lo == hi {
            return Some(self.holds(lo));
        }
        let (all, none) = match self {
            Threshold::Eq(v) => (false, v < lo || v > hi),
            Threshold::Ne(v) => (v < lo || v > hi, false),
            Threshold::Gt(v) => (lo > v, hi <= v),
            Threshold::Ge(v) => (lo >= v, hi < v),
            Threshold::Lt(v) => (hi < v, lo >= v),
            Threshold::Le(v) => (hi <= v, lo > v),
            Threshold::Between(a, b) => (a <= lo && hi <= b, hi < a || lo > b),
            Threshold::NotBetween(a, b) => (hi < a || lo > b, a <= lo && hi <= b),
        };
        if all {
            Some(true)
        } else if none {
            Some(false)
        } else {
            None
        }
    }

    /// The condition for people, after the metric's name: `= 0`, `< 5`, `between 1 and 9`.
    pub fn text(self) -> String {
        match self {
            Threshold::Eq(v) => format!("= {v}"),
            Threshold::Ne(v) => format!("!= {v}"),
            Threshold::Gt(v) => format!("> {v}"),
            Threshold::Ge(v) => format!(">= {v}"),
            Threshold::Lt(v) => format!("< {v}"),
            Threshold::Le(v) => format!("<= {v}"),
            Threshold::Between(a, b) => format!("between {a} and {b}"),
            Threshold::NotBetween(a, b) => format!("not between {a} and {b}"),
        }
    }
}

/// What a counted metric is compared as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CountUnit {
    /// The number of rows.
    Rows,
    /// The number of rows as a percentage (0 to 100) of the slice's rows.
    Percent,
}

/// A bound on a counted metric (ODCS library rules): the count, or its percentage of the rows,
/// must satisfy `threshold`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountRule {
    pub threshold: Threshold,
    pub unit: CountUnit,
    /// Values the rule lists, as the column's values read (see `allowed_values`): the values
    /// that count as missing besides null (`null_values`), or the valid values
    /// (`invalid_values`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// The line of the rule, cited by its result.
    pub line: usize,
}

impl TableContract {
    /// A table entry that expects nothing yet, declared at `line` (parsers fill it in).
    pub fn at(line: usize) -> Self {
        TableContract {
            table: String::new(),
            source: None,
            freshness: None,
            arrival: None,
            row_count: None,
            files: None,
            max_null_rate: None,
            drift: None,
            fields: Vec::new(),
            row_bounds: Vec::new(),
            unique: Vec::new(),
            max_duplicate_rate: None,
            schema: None,
            max_cardinality_change: None,
            max_null_rate_change: None,
            severities: Vec::new(),
            slice: None,
            line,
        }
    }
}

impl FieldContract {
    /// A field that expects nothing yet, declared at `line` (parsers fill it in).
    pub fn at(line: usize) -> Self {
        FieldContract {
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
            null_values: Vec::new(),
            invalid_values: Vec::new(),
            duplicate_values: Vec::new(),
            max_new_values: None,
            max_cardinality_change: None,
            max_null_rate_change: None,
            line,
        }
    }
}

/// Default maximum null rate of a `required` field.
pub const DEFAULT_MAX_NULL_RATE: f64 = 0.01;
/// Default maximum unmatched rate of a reference.
pub const DEFAULT_MAX_UNMATCHED_RATE: f64 = 0.001;

#[cfg(test)]
mod tests {
    use super::Threshold::*;

    #[test]
    fn thresholds_hold_as_the_operators_read() {
        // (threshold, values that hold, values that do not)
        let cases = [
            (Eq(2.0), vec![2.0], vec![1.0, 3.0]),
            (Ne(2.0), vec![1.0, 3.0], vec![2.0]),
            (Gt(2.0), vec![3.0], vec![2.0, 1.0]),
            (Ge(2.0), vec![2.0, 3.0], vec![1.0]),
            (Lt(2.0), vec![1.0], vec![2.0, 3.0]),
            (Le(2.0), vec![1.0, 2.0], vec![3.0]),
            (Between(1.0, 3.0), vec![1.0, 2.0, 3.0], vec![0.0, 4.0]),
            (NotBetween(1.0, 3.0), vec![0.0, 4.0], vec![1.0, 2.0, 3.0]),
        ];
        for (t, yes, no) in cases {
            for x in yes {
                assert!(t.holds(x), "{t:?} {x}");
            }
            for x in no {
                assert!(!t.holds(x), "{t:?} {x}");
            }
        }
    }

    #[test]
    fn a_range_decides_only_when_all_or_none_of_it_holds() {
        assert_eq!(Lt(5.0).decide(1.0, 4.0), Some(true));
        assert_eq!(Lt(5.0).decide(5.0, 9.0), Some(false));
        assert_eq!(Lt(5.0).decide(3.0, 7.0), None);
        assert_eq!(Eq(0.0).decide(0.0, 0.0), Some(true));
        assert_eq!(Eq(0.0).decide(0.0, 1.0), None);
        assert_eq!(Eq(0.0).decide(1.0, 2.0), Some(false));
        assert_eq!(Ne(0.0).decide(1.0, 2.0), Some(true));
        assert_eq!(Between(1.0, 3.0).decide(1.0, 3.0), Some(true));
        assert_eq!(Between(1.0, 3.0).decide(3.5, 9.0), Some(false));
        assert_eq!(NotBetween(1.0, 3.0).decide(1.0, 3.0), Some(false));
        assert_eq!(NotBetween(1.0, 3.0).decide(2.0, 4.0), None);
        assert_eq!(Ge(2.0).decide(2.0, 9.0), Some(true));
        assert_eq!(Gt(2.0).decide(0.0, 2.0), Some(false));
    }
}
