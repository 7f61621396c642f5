//! Plimsoll: a one-scan data-quality and semantic-drift profiler for Parquet and Iceberg tables.
//!
//! Data flows one way: [`source`] -> [`profile`] -> ([`history`], [`baseline`]) -> [`check`]
//! -> [`report`]; [`run`] is the engine that drives it under an explicit [`Context`].

/// Baselines: the slices today's profile is compared with.
pub mod baseline;
/// Checks of profiles against contracts, one per file.
pub mod check;
/// Argument parsing into plans, and the renderer each command picks.
pub mod cli;
/// The scans of a run on an Apache Ballista cluster; `plimsoll scheduler` and `executor`.
pub mod cluster;
/// Producer CI: is a change to a table or contract safe for its readers and consumers?
pub mod compat;
/// The explicit context of a run: memory, object storage, catalog.
pub mod context;
/// Consumer contracts: model, strict parsing, loading.
pub mod contract;
/// Drift statistics: PSI, Kolmogorov–Smirnov, chi-square, over profiles.
pub mod drift;
/// The error type and its rendering.
pub mod error;
/// Deterministic synthetic data for the shipped testdata, tests and benches.
pub mod generate;
/// The profile history store and the run log.
pub mod history;
/// The one-scan profiler: sketches, the profile model, the DataFusion aggregate.
pub mod profile;
/// Observing a run: listings, the progress of scans, what they read, phase times.
pub mod progress;
/// Quarantine: the rows that broke a row-level rule, written to Parquet.
pub mod quarantine;
/// Renderers: table, JSON, JUnit; atomic report files.
pub mod report;
/// The engine: typed plans in, typed reports out (check, profile, drift; the run config).
pub mod run;
/// Sources: Parquet files and hive-partitioned directories, locally or on S3, and Iceberg tables.
pub mod source;
/// Suggested contracts read off profiles, as Plimsoll contracts or ODCS documents.
pub mod suggest;

pub use context::Context;
