//! `--output FORMAT=PATH` of `profile` and `drift`: the same run's report written in other
//! formats, each file atomically; a PATH of `-` is stdout (`--output html=-` is `--format html`).

use super::Format;
use crate::error::{Error, Result};
use crate::report;
use clap::ValueEnum;
use std::path::PathBuf;

/// Where a `profile` or `drift` run's reports go.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Reports {
    pub stdout: Format,
    pub files: Vec<(Format, PathBuf)>,
}

fn name(f: Format) -> String {
    f.to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// `--format` and the `--output FORMAT=PATH` flags. stdout carries `--format`, or the format
/// of the one `--output FORMAT=-` when `--format` was left at `table`.
pub(super) fn reports(format: Format, flags: &[String]) -> Result<Reports> {
    let mut files = Vec::new();
    let mut to_stdout: Option<Format> = None;
    for s in flags {
        let bad = || {
            let names: Vec<String> = Format::value_variants()
                .iter()
                .map(|f| format!("`{}`", name(*f)))
                .collect();
            Error::usage(
                format!("invalid `--output {s}`"),
                format!(
                    "write `--output FORMAT=PATH` with FORMAT {}, and PATH a file or `-` for stdout",
                    names.join(", ")
                ),
            )
        };
        let (f, p) = s
            .split_once('=')
            .filter(|(_, p)| !p.is_empty())
            .ok_or_else(bad)?;
        let f = Format::from_str(f, true).map_err(|_| bad())?;
        if p != "-" {
            files.push((f, PathBuf::from(p)));
            continue;
        }
        if let Some(first) = to_stdout {
            return Err(Error::usage(
                format!(
                    "`--output {}=-` and `--output {}=-` both write to stdout",
                    name(first),
                    name(f)
                ),
                "stdout carries one report: give one `--output FORMAT=-` and write the others to files",
            ));
        }
        to_stdout = Some(f);
    }
    let stdout = match (format, to_stdout) {
        (Format::Table, Some(o)) => o,
        (f, Some(o)) if f != o => {
            return Err(Error::usage(
                format!(
                    "`--format {}` and `--output {}=-` both name the report on stdout",
                    name(f),
                    name(o)
                ),
                "give one of them (`--output FORMAT=-` is `--format FORMAT`), and write other reports to files",
            ));
        }
        (f, _) => f,
    };
    Ok(Reports { stdout, files })
}

/// Writes every report file, each atomically.
pub(super) fn write(files: &[(Format, PathBuf)], render: &dyn Fn(Format) -> String) -> Result<()> {
    for (f, path) in files {
        report::write_atomic(path, &render(*f))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn files_and_stdout() {
        let r = reports(Format::Table, &flags(&["html=a/b.html", "json=-"])).unwrap();
        assert_eq!(r.stdout, Format::Json);
        assert_eq!(r.files, vec![(Format::Html, PathBuf::from("a/b.html"))]);
        let r = reports(Format::Html, &flags(&["html=-"])).unwrap();
        assert_eq!(r.stdout, Format::Html);
    }

    #[test]
    fn conflicts_and_bad_formats_are_usage_errors() {
        for bad in [
            vec!["pdf=x"],
            vec!["html"],
            vec!["html="],
            vec!["html=-", "json=-"],
        ] {
            let e = reports(Format::Table, &flags(&bad)).unwrap_err();
            assert!(matches!(e, Error::Usage { .. }), "{bad:?}: {e}");
        }
        let e = reports(Format::Json, &flags(&["html=-"])).unwrap_err();
        assert!(
            e.to_string().contains("both name the report on stdout"),
            "{e}"
        );
    }
}
