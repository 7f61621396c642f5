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
}

/// One `depends_on` entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableContract {
    pub table: String,
    pub source: Option<String>,
    pub freshness: Option<Freshness>,
    pub row_count: Option<RowCount>,
    pub files: Option<Files>,
    /// Default `max_null_rate` for the fields of this table.
    pub max_null_rate: Option<f64>,
    /// Default drift thresholds for the fields of this table.
    pub drift: Option<Drift>,
    pub fields: Vec<FieldContract>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Freshness {
    pub column: String,
    /// Seconds.
    pub max_lag: u64,
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
}

impl Default for Drift {
    fn default() -> Self {
        Self {
            max_psi: 0.2,
            warn_psi: 0.1,
        }
    }
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
    pub line: usize,
}

/// Default maximum null rate of a `required` field.
pub const DEFAULT_MAX_NULL_RATE: f64 = 0.01;
/// Default maximum unmatched rate of a reference.
pub const DEFAULT_MAX_UNMATCHED_RATE: f64 = 0.001;
