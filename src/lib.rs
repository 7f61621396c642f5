//! Plimsoll: a one-scan data-quality and semantic-drift profiler for Parquet tables.
//!
//! Data flows one way: [`source`] -> [`profile`] -> [`check`] -> [`report`].

/// Checks of profiles against contracts, one per file.
pub mod check;
/// Argument parsing, validation and the commands.
pub mod cli;
/// Consumer contracts: model, strict parsing, loading.
pub mod contract;
/// The error type and its rendering.
pub mod error;
/// Deterministic synthetic data for the shipped testdata, tests and benches.
pub mod generate;
/// The one-scan profiler: sketches, the profile model, the DataFusion aggregate.
pub mod profile;
/// Renderers: table, JSON, JUnit.
pub mod report;
/// Sources: Parquet files and hive-partitioned directories.
pub mod source;
