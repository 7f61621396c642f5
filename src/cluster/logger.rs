//! The log of `plimsoll scheduler` and `plimsoll executor`: Ballista's `log` records on stderr,
//! one line each, at the level of `PLIMSOLL_LOG` (`error`, `warn`, `info` (default), `debug`,
//! `trace`).

use log::{Level, LevelFilter, Log, Metadata, Record};
use std::io::Write;

struct Stderr {
    level: LevelFilter,
}

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= self.level
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = match record.level() {
            Level::Error => "ERROR",
            Level::Warn => "WARN ",
            Level::Info => "INFO ",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        };
        let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
        let line = format!("{now} {level} {}: {}\n", record.target(), record.args());
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {}
}

/// The level `PLIMSOLL_LOG` asks for; an unknown value is an error.
pub fn level_from_env() -> crate::error::Result<LevelFilter> {
    match std::env::var("PLIMSOLL_LOG") {
        Err(_) => Ok(LevelFilter::Info),
        Ok(v) => v.parse::<LevelFilter>().map_err(|_| {
            crate::error::Error::usage(
                format!("`PLIMSOLL_LOG={v}` is not a log level"),
                "use one of `off`, `error`, `warn`, `info`, `debug`, `trace`",
            )
        }),
    }
}

/// Installs the logger (once per process; later calls change nothing).
pub fn init(level: LevelFilter) {
    if log::set_boxed_logger(Box::new(Stderr { level })).is_ok() {
        log::set_max_level(level);
    }
}
