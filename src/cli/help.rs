//! The long help (`--help`) of the commands: what a SOURCE can be, and examples that run as
//! written from the repository root against the shipped `testdata/` and `contracts/` (a test
//! runs every `plimsoll ...` line of every command's long help, so help and behaviour cannot
//! drift apart). `-h` keeps the short help: the flags and the exit codes.

/// The top-level description under `plimsoll --help`.
pub const LONG_ABOUT: &str = "\
Plimsoll: one-scan data-quality and drift profiling of Parquet and Iceberg tables, local or on \
S3, checked against consumer-driven data contracts.

Workflows:
  Shell audit:    `plimsoll profile SOURCE`, `plimsoll drift SOURCE`
  Producer CI:    `plimsoll check NEW_OUTPUT --contract CONTRACTS/`
  Scheduled job:  `plimsoll run --config plimsoll.yaml`, `plimsoll status`

`plimsoll COMMAND --help` describes what SOURCE can be and shows examples to copy.";

/// What a SOURCE can be, as [`crate::source::SourceRef::parse`] and the source openers accept it.
pub const SOURCE: &str = "\
SOURCE can be:
  FILE.parquet        a Parquet file
  DIR                 a directory of Parquet files; hive `key=value/`
                      partitions are recognised (`--partition`)
  s3://BUCKET/PREFIX  the same on S3, or `s3://BUCKET/KEY.parquet`;
                      credentials and region from `AWS_*`, endpoint
                      from `--s3-endpoint` or `AWS_ENDPOINT_URL`
  ICEBERG_TABLE       an Iceberg table's directory or one of its
                      `metadata/*.metadata.json` files, local or S3
  NAMESPACE.TABLE     an Iceberg table in the catalog `--catalog URI`
                      (`sqlite:PATH`, or `https://...` for REST)
An Iceberg SOURCE may end in `@snapshot:ID` or `@as-of:TIME`.";

/// Where a history store can be.
pub const HISTORY_STORE: &str = "\
The history store (`--history DIR`) is a local directory or `s3://BUCKET/PREFIX` (credentials \
from `AWS_*`, endpoint from `--s3-endpoint` or `AWS_ENDPOINT_URL`).";

pub const PROFILE: &str = "\
Examples (from the repository root, on its testdata):
  plimsoll profile testdata/orders --partition date=latest
  plimsoll profile testdata/customers/customers.parquet --format json
  plimsoll profile testdata/orders --metadata-only
  plimsoll profile \\
      testdata/iceberg/pyiceberg/orders@snapshot:3618004100654521728";

pub const CHECK: &str = "\
SOURCE is the table checked. `--table NAME=SOURCE`, `--baseline [NAME=]SOURCE` and the contracts' \
`source:` entries take the same forms. A table may come before or after the `--contract` flags.

Examples (from the repository root, on its testdata):
  plimsoll check --contract contracts/ --partition date=latest \\
      --now 2024-03-11T00:30:00Z
  plimsoll check testdata/orders --contract contracts/failing/ \\
      --now 2024-03-11T00:30:00Z
  plimsoll check --contract contracts/analytics-platform.yaml \\
      --table order-events=testdata/orders_drift \\
      --table customers=testdata/customers \\
      --partition date=2024-03-09 --baseline 7d \\
      --now 2024-03-09T23:59:59Z --format junit";

pub const RUN: &str = "\
Each table's `source:` in the run config is a SOURCE. Paths with a `/` (`./orders`, \
`data/orders`) are resolved against the config file; a name without one is kept as written \
(a catalog's `NAMESPACE.TABLE`).

Examples (from the repository root, on its testdata):
  plimsoll run --config testdata/plimsoll.yaml
  plimsoll run --config testdata/plimsoll.yaml --format json";

pub const DRIFT: &str = "\
`--baseline` may be another SOURCE as well.

Examples (from the repository root, on its testdata):
  plimsoll drift testdata/orders_drift --partition date=2024-03-09 \\
      --baseline 7d
  plimsoll drift testdata/trips_drift --baseline testdata/trips \\
      --format json
  plimsoll drift testdata/iceberg/pyiceberg/orders \\
      --baseline snapshot:3618004100654521728";

pub const STATUS: &str = "\
Examples (from the repository root, on its testdata):
  plimsoll check --contract contracts/ --partition date=latest \\
      --now 2024-03-11T00:30:00Z --history /tmp/plimsoll-history
  plimsoll status --history /tmp/plimsoll-history --expect-every 24h
  plimsoll status --history /tmp/plimsoll-history --format prometheus";

pub const HISTORY: &str = "\
Examples (from the repository root, on its testdata):
  plimsoll profile testdata/orders --history /tmp/plimsoll-history \\
      --name order-events
  plimsoll history order-events --history /tmp/plimsoll-history \\
      --field total_usd --last 7";

pub const COMPAT: &str = "\
OLD and NEW are two SOURCEs, or two contract files (`.yaml`). They may come before or after the \
`--contract` flags.

Examples (from the repository root, on its testdata):
  plimsoll compat testdata/producer/orders_v1 \\
      testdata/producer/orders_v2 \\
      --contract testdata/producer/contracts/
  plimsoll compat testdata/producer/orders_v1 \\
      testdata/producer/orders_v2 --mode backward --schema-only";

pub const IMPACT: &str = "\
Examples (from the repository root, on its testdata):
  plimsoll impact order-events --contract contracts/
  plimsoll impact order-events.total_usd --contract contracts/ \\
      --format json";

pub const LINT: &str = "\
Examples (from the repository root, on its testdata):
  plimsoll lint contracts/ testdata/plimsoll.yaml";

pub const SCHEMA: &str = "\
Examples:
  plimsoll schema contract";

pub const SUGGEST: &str = "\
Examples (from the repository root, on its testdata):
  plimsoll suggest testdata/orders --partition date=latest --baseline 7d \\
      --consumer analytics
  plimsoll suggest testdata/customers/customers.parquet --format odcs";

pub const COMPLETIONS: &str = "\
Install: write the script where the shell loads completions from, e.g.
  bash  ~/.local/share/bash-completion/completions/plimsoll
  zsh   a directory of `$fpath`, as `_plimsoll`
  fish  ~/.config/fish/completions/plimsoll.fish

Examples:
  plimsoll completions bash";

pub const MAN: &str = "\
Examples:
  plimsoll man
  plimsoll man --dir /tmp/plimsoll-man";

pub const SCHEDULER: &str = "\
A cluster is one scheduler and any number of executors, all started from this same binary (so
they know Plimsoll's aggregates); clients then add `--cluster df://HOST:PORT` to `profile`,
`check`, `drift` or `run`, or `cluster:` to a run config. The scans run on the executors; the
client keeps the checks, baselines, history and reports. Object storage is configured on each
process from its own environment (`AWS_*`); no credential travels with a query.

Log lines go to stderr at the level of `PLIMSOLL_LOG` (`info` by default, or `debug`, `warn`...).

Examples:
  plimsoll scheduler --bind 127.0.0.1:50050
  plimsoll scheduler --bind 0.0.0.0:50050 --advertise sched.internal --executor-timeout 60s";

pub const EXECUTOR: &str = "\
Registers with the scheduler and runs the tasks it is given, `--concurrency` at a time. Parquet
on S3 is read with this process's own credentials (`AWS_ACCESS_KEY_ID`..., or the instance's
role); local tables must be at the same path on every executor (a shared filesystem). An executor
killed mid-job is noticed after the scheduler's `--executor-timeout`, and its tasks run again on
the others. SIGTERM or Ctrl-C stops it after its running tasks.

Examples:
  plimsoll executor --scheduler df://127.0.0.1:50050 --bind 127.0.0.1:50051 --concurrency 2
  plimsoll executor --scheduler df://sched.internal:50050 --bind 0.0.0.0:50051 \\
      --advertise worker-3.internal --work-dir /mnt/shuffle --memory-limit 16GiB";

/// A command's long help: its parts (the SOURCE block, notes and examples, the exit codes), a
/// blank line apart.
pub fn long(parts: &[&str]) -> String {
    parts.join("\n\n")
}

#[cfg(test)]
mod tests {
    /// Indented lines (tables, examples) are not wrapped by a terminal of 80 columns nor by
    /// the manual page's indent: at most 74 characters.
    #[test]
    fn indented_lines_fit() {
        for text in [
            super::LONG_ABOUT,
            super::SOURCE,
            super::HISTORY_STORE,
            super::PROFILE,
            super::CHECK,
            super::RUN,
            super::DRIFT,
            super::STATUS,
            super::HISTORY,
            super::COMPAT,
            super::IMPACT,
            super::LINT,
            super::SCHEMA,
            super::SUGGEST,
            super::COMPLETIONS,
            super::MAN,
        ] {
            for line in text.lines().filter(|l| l.starts_with(' ')) {
                assert!(line.chars().count() <= 74, "too long: {line:?}");
            }
        }
    }
}
