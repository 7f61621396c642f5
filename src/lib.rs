//! Plimsoll: a one-scan data-quality and semantic-drift profiler for Parquet tables.
//!
//! Data flows one way: [`source`] -> [`profile`] -> [`check`] -> [`report`].

/// Baselines: the slices today's profile is compared with.
pub mod baseline;
/// Checks of profiles against contracts, one per file.
pub mod check;
/// Argument parsing, validation and the commands.
pub mod cli;
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
/// Renderers: table, JSON, JUnit.
pub mod report;
/// Sources: Parquet files and hive-partitioned directories.
pub mod source;
