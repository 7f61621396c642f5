//! The engine as a library: typed plans in, typed reports out, under an explicit [`Context`].
//! Every front end (the `check`, `profile`, `drift`, `status` and `run` commands, a scheduler
//! embedding Plimsoll) calls these; none repeats their orchestration.
//!
//! [`Context`]: crate::Context

pub mod arrival;
pub mod check;
pub mod config;
pub mod drift;
pub mod lint;
pub mod plan;
pub mod profile;
pub mod slicing;
pub mod status;
pub mod suggest;
pub mod trend;

pub use check::{CheckReport, TableReport, check};
pub use plan::{Bindings, CheckPlan, TablePlan, plan};
