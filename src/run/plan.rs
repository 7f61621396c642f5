//! The typed plan of a check run: which contract entries each table serves, where each table is
//! read, which snapshot and which baseline belong to which table. Front ends (`check`'s flags,
//! `run`'s config file) describe a run as [`Bindings`]; [`plan`] turns that into a [`CheckPlan`]
//! with precise messages for everything that does not fit.

use crate::baseline::BaselineSpec;
use crate::contract::Contract;
use crate::error::{Error, Result};
use crate::source::iceberg::SnapshotSelect;
use crate::source::{PartitionSelector, SourceRef};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a front end says about a check run.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    /// Contract files or directories.
    pub contracts: Vec<PathBuf>,
    /// The positional SOURCE: serves the contracts' table when they name one (not bound by
    /// `tables`), else the entries without a `source:`.
    pub source: Option<SourceRef>,
    /// `--table NAME=SOURCE` (or the config's `tables:`): where a named table is read, and
    /// what of it.
    pub tables: Vec<TableBinding>,
    /// `--baseline [NAME=]SPEC`: per table, or bare (applies as [`plan`] explains).
    pub baselines: Vec<String>,
    /// `--snapshot` / `--as-of`: the snapshot of the checked tables (not of referenced tables or
    /// baseline sources, which name their own with `@snapshot:`).
    pub snapshot: SnapshotSelect,
    /// `--partition`: applies to the tables partitioned by its key.
    pub partitions: Vec<PartitionSelector>,
    /// Read the `source:` of contract entries (refused with `--no-contract-sources`).
    pub contract_sources: bool,
    pub history: Option<String>,
    pub now: chrono::DateTime<chrono::Utc>,
    pub same_weekday: bool,
    pub include_failed: bool,
    /// `--quarantine`: where the rows that broke a row-level rule are written.
    pub quarantine: Option<crate::quarantine::Quarantine>,
}

/// What a front end says of one named table.
#[derive(Debug, Clone, Default)]
pub struct TableBinding {
    pub name: String,
    /// Where it is read (else from the positional SOURCE or its contract entry's `source:`).
    pub source: Option<SourceRef>,
    /// Its own partition selection (else the run's `--partition`).
    pub partitions: Vec<PartitionSelector>,
    /// Its own baseline (`Nd`, `KEY=VALUE`, a source, `snapshot:ID`).
    pub baseline: Option<String>,
}

impl TableBinding {
    /// `--table NAME=SOURCE`.
    pub fn parse(s: &str) -> Result<TableBinding> {
        let (name, src) = s
            .split_once('=')
            .filter(|(n, s)| !n.is_empty() && !s.is_empty())
            .ok_or_else(|| {
                Error::usage(
                    format!("invalid `--table {s}`"),
                    "write `--table NAME=SOURCE` (SOURCE may end in `@snapshot:ID`)",
                )
            })?;
        Ok(TableBinding {
            name: name.to_string(),
            source: Some(SourceRef::parse(src)?),
            ..TableBinding::default()
        })
    }
}

/// One table of a run: one location, profiled once, serving every contract entry bound to it.
#[derive(Debug, Clone)]
pub struct TablePlan {
    /// The contract names of the table, joined by `+` (its name in the history).
    pub name: String,
    pub source: SourceRef,
    /// `(contract, entry)` indices of the entries it serves.
    pub entries: Vec<(usize, usize)>,
    pub baseline: Option<BaselineSpec>,
    /// The snapshot came from `--snapshot`/`--as-of` rather than the table's own binding.
    pub snapshot_from_flag: bool,
    /// Its own partition selection (empty: the run's).
    pub partitions: Vec<PartitionSelector>,
}

/// A validated check run.
#[derive(Debug, Clone)]
pub struct CheckPlan {
    pub contracts: Vec<Contract>,
    pub tables: Vec<TablePlan>,
    /// Where every table a `references:` names is read.
    pub references: BTreeMap<String, SourceRef>,
    pub partitions: Vec<PartitionSelector>,
    pub history: Option<String>,
    pub now: chrono::DateTime<chrono::Utc>,
    pub same_weekday: bool,
    pub include_failed: bool,
    /// Where the rows that broke a row-level rule are written, if anywhere.
    pub quarantine: Option<crate::quarantine::Quarantine>,
}

/// A `source:` written in a file, resolved against the file's directory (a scheduled job does not
/// run where the file is): local relative paths only; URLs, absolute paths and catalog names
/// (`NAMESPACE.TABLE`, no `/`) are kept.
pub fn resolve_against(file: &Path, source: &str) -> String {
    let relative_path = !source.contains("://")
        && !Path::new(source).is_absolute()
        && (source.contains('/') || source.starts_with('.'));
    match file.parent() {
        Some(dir) if relative_path => normalize(&dir.join(source)),
        _ => source.to_string(),
    }
}

/// `a/b/../c` as `a/c`, without asking the filesystem.
pub(crate) fn normalize(p: &Path) -> String {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    let joined: PathBuf = out.iter().collect();
    if joined.as_os_str().is_empty() {
        ".".into()
    } else {
        joined.display().to_string()
    }
}

/// Names as `` `a`, `b` `` for messages.
pub(crate) fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Plans a check run: loads the contracts, binds every entry to a location, gives each table its
/// snapshot and baseline.
pub fn plan(b: &Bindings) -> Result<CheckPlan> {
    let contracts = crate::contract::load(&b.contracts)?;
    let named: BTreeMap<&str, &SourceRef> = b
        .tables
        .iter()
        .filter_map(|t| t.source.as_ref().map(|s| (t.name.as_str(), s)))
        .collect();
    let entry_source = |ci: usize, ti: usize| -> Result<Option<SourceRef>> {
        let c = &contracts[ci];
        let t = &c.tables[ti];
        let Some(src) = &t.source else {
            return Ok(None);
        };
        if !b.contract_sources {
            return Err(Error::usage(
                format!(
                    "table `{}` of consumer `{}` would be read from the contract's `source: {src}` ({}:{}), and contract sources are refused (`--no-contract-sources`)",
                    t.table,
                    c.consumer,
                    c.path.display(),
                    t.line
                ),
                format!("bind it on the command line: `--table {}=SOURCE`", t.table),
            ));
        }
        SourceRef::parse(&resolve_against(&c.path, src)).map(Some)
    };
    let all: Vec<(usize, usize)> = contracts
        .iter()
        .enumerate()
        .flat_map(|(ci, c)| (0..c.tables.len()).map(move |ti| (ci, ti)))
        .collect();
    let name_of = |(c, t): (usize, usize)| contracts[c].tables[t].table.as_str();
    let distinct = |entries: &[(usize, usize)]| {
        let mut names: Vec<&str> = entries.iter().map(|e| name_of(*e)).collect();
        names.sort();
        names.dedup();
        names
    };
    for name in b.tables.iter().map(|t| &t.name) {
        if !all.iter().any(|e| name_of(*e) == name)
            && !contracts
                .iter()
                .flat_map(|c| &c.tables)
                .flat_map(|t| &t.fields)
                .any(|f| f.references.as_ref().is_some_and(|r| &r.table == name))
        {
            return Err(Error::usage(
                format!("`--table {name}=...` names a table no contract depends on or references"),
                format!("the contracts name {}", quoted(&distinct(&all))),
            ));
        }
    }
    // Entries not bound by name; the positional SOURCE serves them if they name one table,
    // otherwise those without their own `source:`.
    let unbound: Vec<(usize, usize)> = all
        .iter()
        .copied()
        .filter(|e| !named.contains_key(name_of(*e)))
        .collect();
    let positional_serves: Vec<(usize, usize)> = match &b.source {
        None => vec![],
        Some(_) if distinct(&unbound).len() <= 1 => unbound.clone(),
        Some(_) => {
            let without_source: Vec<(usize, usize)> = unbound
                .iter()
                .copied()
                .filter(|(c, t)| contracts[*c].tables[*t].source.is_none())
                .collect();
            let names = distinct(&without_source);
            if names.len() > 1 {
                return Err(Error::usage(
                    format!(
                        "SOURCE is ambiguous: the contracts name tables {}",
                        quoted(&names)
                    ),
                    format!(
                        "bind each table with `--table NAME=SOURCE`, e.g. `--table {}=PATH`",
                        names[0]
                    ),
                ));
            }
            without_source
        }
    };
    if let (Some(src), true) = (&b.source, positional_serves.is_empty()) {
        let names = distinct(&unbound);
        return Err(Error::usage(
            format!(
                "SOURCE `{src}` serves no table: every table the contracts name is bound by `--table` or its own `source:`"
            ),
            match names.first() {
                Some(n) => format!("bind it explicitly, e.g. `--table {n}={src}`, or drop SOURCE"),
                None => {
                    "drop SOURCE, or remove the `--table` that binds the same table".to_string()
                }
            },
        ));
    }
    // Locations in order of first appearance; each profiled once.
    let mut tables: Vec<TablePlan> = Vec::new();
    for &(ci, ti) in &all {
        let t = &contracts[ci].tables[ti];
        let source = if let Some(src) = named.get(t.table.as_str()) {
            (*src).clone()
        } else if positional_serves.contains(&(ci, ti)) {
            b.source
                .clone()
                .expect("positional SOURCE serves entries only when given")
        } else if let Some(src) = entry_source(ci, ti)? {
            src
        } else {
            return Err(Error::UnboundTable {
                table: t.table.clone(),
                consumer: contracts[ci].consumer.clone(),
            });
        };
        match tables.iter_mut().find(|p| p.source == source) {
            Some(p) => p.entries.push((ci, ti)),
            None => tables.push(TablePlan {
                name: String::new(),
                source,
                entries: vec![(ci, ti)],
                baseline: None,
                snapshot_from_flag: false,
                partitions: Vec::new(),
            }),
        }
    }
    for p in &mut tables {
        p.name = distinct(&p.entries).join("+");
        for tb in b
            .tables
            .iter()
            .filter(|tb| p.entries.iter().any(|e| name_of(*e) == tb.name))
        {
            p.partitions.extend(tb.partitions.iter().cloned());
        }
    }
    apply_snapshot(b, &mut tables)?;
    apply_baselines(b, &mut tables)?;
    // Referenced tables: `--table`, else the location of the checked table of that name, else
    // an entry's `source:`. Each is read at its own snapshot (`@snapshot:`), never at
    // `--snapshot`'s.
    let mut references = BTreeMap::new();
    for c in &contracts {
        for t in &c.tables {
            for f in &t.fields {
                let Some(r) = &f.references else { continue };
                if references.contains_key(&r.table) {
                    continue;
                }
                let found = if let Some(src) = named.get(r.table.as_str()) {
                    Some((*src).clone())
                } else if let Some(p) = tables
                    .iter()
                    .find(|p| p.entries.iter().any(|e| name_of(*e) == r.table))
                {
                    Some(SourceRef::new(&p.source.location))
                } else {
                    let mut found = None;
                    for &(ci, ti) in &all {
                        if name_of((ci, ti)) == r.table
                            && let Some(s) = entry_source(ci, ti)?
                        {
                            found = Some(s);
                            break;
                        }
                    }
                    found
                };
                if let Some(src) = found {
                    references.insert(r.table.clone(), src);
                }
            }
        }
    }
    Ok(CheckPlan {
        contracts,
        tables,
        references,
        partitions: b.partitions.clone(),
        history: b.history.clone(),
        now: b.now,
        same_weekday: b.same_weekday,
        include_failed: b.include_failed,
        quarantine: b.quarantine.clone(),
    })
}

/// `--snapshot ID` belongs to one table: the positional SOURCE's, or the run's only table.
/// `--as-of TIME` applies to every checked table (a table's own `@snapshot:` wins).
fn apply_snapshot(b: &Bindings, tables: &mut [TablePlan]) -> Result<()> {
    match b.snapshot {
        SnapshotSelect::Current => Ok(()),
        SnapshotSelect::Id(id) => {
            let target: Vec<usize> = match &b.source {
                Some(src) => (0..tables.len())
                    .filter(|i| tables[*i].source.location == src.location)
                    .collect(),
                None => (0..tables.len()).collect(),
            };
            if target.len() != 1 {
                let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
                return Err(Error::usage(
                    format!(
                        "`--snapshot {id}` is ambiguous: this run checks {} tables ({})",
                        tables.len(),
                        quoted(&names)
                    ),
                    "a snapshot id belongs to one table: give it with the table, `--table NAME=LOCATION@snapshot:ID`",
                ));
            }
            let t = &mut tables[target[0]];
            if t.source.snapshot == SnapshotSelect::Current {
                t.source.snapshot = b.snapshot;
                t.snapshot_from_flag = true;
            }
            Ok(())
        }
        SnapshotSelect::AsOf(_) => {
            for t in tables.iter_mut() {
                if t.source.snapshot == SnapshotSelect::Current {
                    t.source.snapshot = b.snapshot;
                    t.snapshot_from_flag = true;
                }
            }
            Ok(())
        }
    }
}

/// `--baseline NAME=SPEC` belongs to table NAME. A bare `--baseline` applies to every table
/// when it can (`Nd`: each date-partitioned table or Iceberg table; `KEY=VALUE`: each table
/// partitioned by KEY); a bare SOURCE or `snapshot:ID` names one table's baseline, so it is
/// accepted only when the run checks one table.
fn apply_baselines(b: &Bindings, tables: &mut [TablePlan]) -> Result<()> {
    let names: Vec<String> = tables
        .iter()
        .flat_map(|t| t.name.split('+').map(str::to_string))
        .collect();
    let mut bare: Option<BaselineSpec> = None;
    let bound: Vec<String> = b
        .tables
        .iter()
        .filter_map(|t| t.baseline.as_ref().map(|spec| format!("{}={spec}", t.name)))
        .collect();
    for raw in bound.iter().chain(&b.baselines) {
        let named = raw
            .split_once('=')
            .filter(|(n, _)| names.iter().any(|x| x == n));
        match named {
            Some((name, spec)) => {
                let spec = BaselineSpec::parse(spec)?;
                let t = tables
                    .iter_mut()
                    .find(|t| t.name.split('+').any(|n| n == name))
                    .expect("the name is a table of the run");
                if t.baseline.is_some() {
                    return Err(Error::usage(
                        format!("two baselines for table `{name}`"),
                        "give one `--baseline` per table",
                    ));
                }
                t.baseline = Some(spec);
            }
            None => {
                if bare.is_some() {
                    return Err(Error::usage(
                        format!("a second `--baseline {raw}` without a table name"),
                        "bind each baseline to its table: `--baseline NAME=SOURCE|KEY=VALUE|Nd`",
                    ));
                }
                let spec = BaselineSpec::parse(raw)?;
                let one_table_only =
                    matches!(spec, BaselineSpec::Source(_) | BaselineSpec::Snapshot(_));
                if one_table_only && tables.len() > 1 {
                    let shown: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
                    return Err(Error::usage(
                        format!(
                            "`--baseline {raw}` is ambiguous: this run checks {} tables ({}), and a baseline belongs to one",
                            tables.len(),
                            quoted(&shown)
                        ),
                        format!("name its table: `--baseline {}={raw}`", shown[0]),
                    ));
                }
                bare = Some(spec);
            }
        }
    }
    if let Some(spec) = bare {
        for t in tables.iter_mut().filter(|t| t.baseline.is_none()) {
            t.baseline = Some(spec.clone());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_in_files_resolve_against_the_file() {
        let f = Path::new("/etc/plimsoll/contracts/a.yaml");
        assert_eq!(
            resolve_against(f, "../data/orders"),
            "/etc/plimsoll/data/orders"
        );
        assert_eq!(
            resolve_against(Path::new("contracts/a.yaml"), "../testdata/orders"),
            "testdata/orders"
        );
        assert_eq!(resolve_against(f, "s3://lake/orders"), "s3://lake/orders");
        assert_eq!(resolve_against(f, "/data/orders"), "/data/orders");
        assert_eq!(resolve_against(f, "shop.orders"), "shop.orders");
    }
}
