//! `plimsoll check`: bind contract tables to locations, build baselines, profile each location
//! once, run every check, store the run in the history.

use super::{CheckArgs, CheckFormat, Outcome, json_text};
use crate::baseline::{self, Baseline, BaselineSpec, Slice};
use crate::check::{self, CheckResult, Status, Subject};
use crate::contract::{self, Contract};
use crate::error::{Error, Result};
use crate::history::History;
use crate::profile::{self, Options, TableProfile};
use crate::report;
use crate::source::Source;
use crate::source::iceberg::SnapshotSelect;
use std::collections::BTreeMap;

/// The validated plan of a `check` run.
struct CheckPlan {
    contracts: Vec<Contract>,
    /// location -> (contract index, table index) of every entry it serves.
    bindings: BTreeMap<String, Vec<(usize, usize)>>,
    now: chrono::DateTime<chrono::Utc>,
}

pub(crate) fn parse_now(now: Option<&str>) -> Result<chrono::DateTime<chrono::Utc>> {
    match now {
        None => Ok(chrono::Utc::now()),
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map(|d| d.with_timezone(&chrono::Utc))
            .map_err(|e| {
                Error::usage(
                    format!("invalid `--now` value `{t}`: {e}"),
                    "give an RFC 3339 time such as `2024-01-15T06:00:00Z`",
                )
            }),
    }
}

fn plan_check(a: &CheckArgs) -> Result<CheckPlan> {
    let now = parse_now(a.now.as_deref())?;
    let mut named: BTreeMap<String, String> = BTreeMap::new();
    for t in &a.tables {
        let (name, src) = t
            .split_once('=')
            .filter(|(n, s)| !n.is_empty() && !s.is_empty())
            .ok_or_else(|| {
                Error::usage(
                    format!("invalid `--table {t}`"),
                    "write `--table NAME=SOURCE`",
                )
            })?;
        named.insert(name.to_string(), src.to_string());
    }
    let contracts = contract::load(&a.contracts)?;
    // Entries not bound by --table; the positional SOURCE serves them if they name one table,
    // otherwise those without their own `source:`.
    let unbound: Vec<(usize, usize)> = contracts
        .iter()
        .enumerate()
        .flat_map(|(ci, c)| (0..c.tables.len()).map(move |ti| (ci, ti)))
        .filter(|(ci, ti)| !named.contains_key(&contracts[*ci].tables[*ti].table))
        .collect();
    let distinct = |entries: &[(usize, usize)]| {
        let mut names: Vec<&str> = entries
            .iter()
            .map(|(c, t)| contracts[*c].tables[*t].table.as_str())
            .collect();
        names.sort();
        names.dedup();
        names.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let positional_serves: Vec<(usize, usize)> = match &a.source {
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
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
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
    if let (Some(src), true) = (&a.source, positional_serves.is_empty()) {
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
    let mut bindings: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
    for (ci, c) in contracts.iter().enumerate() {
        for (ti, t) in c.tables.iter().enumerate() {
            let location = if let Some(src) = named.get(&t.table) {
                src.clone()
            } else if positional_serves.contains(&(ci, ti)) {
                a.source
                    .clone()
                    .expect("positional SOURCE serves entries only when given")
            } else if let Some(src) = &t.source {
                src.clone()
            } else {
                return Err(Error::UnboundTable {
                    table: t.table.clone(),
                    consumer: c.consumer.clone(),
                });
            };
            bindings.entry(location).or_default().push((ci, ti));
        }
    }
    Ok(CheckPlan {
        contracts,
        bindings,
        now,
    })
}

/// The baseline of one location, or why there is none.
pub(crate) struct BaselineRequest<'a> {
    pub location: &'a str,
    pub source: &'a Source,
    pub table: &'a str,
    pub spec: Option<&'a BaselineSpec>,
    /// Slices wanted for a `Preceding` baseline.
    pub slices: usize,
    pub same_weekday: bool,
    pub include_failed: bool,
    /// Columns to profile for slices not in the history (None: all).
    pub columns: Option<&'a [String]>,
    pub history: Option<&'a History>,
}

/// Builds the baseline: stored profiles where the history has them, the rest profiled in one
/// scan (and stored). Returns the reason when there is no baseline.
pub(crate) async fn build_baseline(
    r: &BaselineRequest<'_>,
) -> Result<std::result::Result<Baseline, String>> {
    let (key, current) = match baseline::current_date_partition(r.source) {
        Some(kc) => (Some(kc.0), Some(kc.1)),
        None => (None, None),
    };
    if let Some(table) = r.source.iceberg() {
        match r.spec {
            Some(BaselineSpec::Snapshot(id)) => {
                let other = Source::open_at(r.location, &[], true, SnapshotSelect::Id(*id)).await?;
                return Ok(Ok(one_slice(
                    format!("snapshot {id}"),
                    &other,
                    r.columns,
                    Some(r.source),
                )
                .await?));
            }
            Some(BaselineSpec::Preceding(days)) => {
                let Some(current) = &table.snapshot else {
                    return Ok(Err(format!("`{}` has no snapshot yet", r.location)));
                };
                let at = current.timestamp_ms() - *days as i64 * 86_400_000;
                let other =
                    match Source::open_at(r.location, &[], true, SnapshotSelect::AsOf(at)).await {
                        Ok(o) => o,
                        Err(Error::Usage { .. }) => {
                            return Ok(Err(format!(
                                "`{}` had no snapshot yet {days} day(s) before snapshot {}",
                                r.location,
                                current.snapshot_id()
                            )));
                        }
                        Err(e) => return Err(e),
                    };
                let id = other.iceberg().and_then(|t| t.snapshot_id()).unwrap_or(0);
                return Ok(Ok(one_slice(
                    format!(
                        "snapshot {id}, current {days} day(s) before snapshot {}",
                        current.snapshot_id()
                    ),
                    &other,
                    r.columns,
                    Some(r.source),
                )
                .await?));
            }
            Some(BaselineSpec::Partition(..)) => {
                return Err(Error::usage(
                    format!(
                        "`{}` is an Iceberg table: it has no partition directories",
                        r.location
                    ),
                    "compare snapshots with `--baseline snapshot:ID` or `--baseline 7d`",
                ));
            }
            _ => {}
        }
    }
    match r.spec {
        Some(BaselineSpec::Snapshot(id)) => {
            return Err(Error::usage(
                format!(
                    "`--baseline snapshot:{id}` needs an Iceberg table; `{}` is not one",
                    r.location
                ),
                "give a location, `KEY=VALUE` or `Nd`",
            ));
        }
        Some(BaselineSpec::Source(loc)) => {
            let other = Source::open(loc, &[]).await?;
            return Ok(Ok(
                one_slice(format!("`{loc}`"), &other, r.columns, None).await?
            ));
        }
        Some(BaselineSpec::Partition(k, v)) => {
            let slices =
                baseline::profile_partitions(r.location, k, std::slice::from_ref(v), r.columns)
                    .await?;
            return Ok(Ok(Baseline {
                description: format!("partition `{k}={v}`"),
                slices,
            }));
        }
        Some(BaselineSpec::Preceding(_)) | None => {}
    }
    let n = match r.spec {
        Some(BaselineSpec::Preceding(n)) => *n,
        _ => r.slices,
    };
    let (Some(key), Some(current)) = (key, current) else {
        if let Some(BaselineSpec::Preceding(_)) = r.spec {
            return Err(Error::usage(
                format!(
                    "`--baseline {n}d` needs one date partition of `{}` selected",
                    r.location
                ),
                "select the current day with `--partition date=YYYY-MM-DD` or `--partition date=latest`",
            ));
        }
        // Not date-partitioned: earlier runs from the history.
        if let Some(h) = r.history {
            let slices = h.previous_runs(r.table, n, r.include_failed).await?;
            if slices.is_empty() {
                return Ok(Err(format!(
                    "the history at `{}` holds no earlier run of `{}`",
                    h.location(),
                    r.table
                )));
            }
            return Ok(Ok(Baseline {
                description: format!("the last {} run(s)", slices.len()),
                slices,
            }));
        }
        return Ok(Err(if r.source.iceberg().is_some() {
            "pass `--baseline snapshot:ID` or `--baseline Nd` (another snapshot), or keep a `--history`".into()
        } else {
            "select one date partition with `--partition date=...`, or pass `--baseline` or `--history`".into()
        }));
    };
    let all = baseline::partition_values(r.location, &key).await?;
    // The newest `n` earlier partitions whose checks did not fail (failed ones are replaced by
    // older ones, so a repaired table is not compared with its broken self).
    let earlier = baseline::preceding_values(&all, &current, usize::MAX, r.same_weekday);
    let mut slices: Vec<Slice> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    let mut excluded: Vec<String> = Vec::new();
    for v in earlier.iter().rev() {
        if slices.len() + missing.len() == n {
            break;
        }
        let name = format!("{key}={v}");
        match r.history {
            Some(h) => match h.get(r.table, &name).await? {
                Some((_, status)) if status == Status::Fail && !r.include_failed => {
                    excluded.push(name)
                }
                Some((p, _)) => slices.push(Slice {
                    name,
                    profile: p,
                    stored: true,
                }),
                None => missing.push(v.clone()),
            },
            None => missing.push(v.clone()),
        }
    }
    let fresh = baseline::profile_partitions(r.location, &key, &missing, r.columns).await?;
    if let Some(h) = r.history {
        for s in &fresh {
            h.put(r.table, &s.name, &s.profile, None).await?;
        }
    }
    slices.extend(fresh);
    slices.sort_by(|a, b| a.name.cmp(&b.name));
    if slices.is_empty() {
        return Ok(Err(if excluded.is_empty() {
            format!("`{}` has no partition before `{key}={current}`", r.location)
        } else {
            format!(
                "every earlier partition failed its checks: {}",
                excluded.join(", ")
            )
        }));
    }
    let mut description = format!(
        "{} {}partition(s) before `{key}={current}`",
        slices.len(),
        if r.same_weekday { "same-weekday " } else { "" }
    );
    if !excluded.is_empty() {
        description.push_str(&format!(
            " (left out, their checks failed: {})",
            excluded.join(", ")
        ));
    }
    Ok(Ok(Baseline {
        description,
        slices,
    }))
}

/// A baseline of one other source, profiled over the wanted columns it has.
/// For another snapshot of an Iceberg table, its fields are named as the current snapshot names
/// them (matched by field id), so a renamed column is compared with itself.
async fn one_slice(
    description: String,
    other: &Source,
    columns: Option<&[String]>,
    current: Option<&Source>,
) -> Result<Baseline> {
    // Current name -> name in `other`, for fields renamed in between.
    let renamed: Vec<(String, String)> = match (current.and_then(Source::iceberg), other.iceberg())
    {
        (Some(now), Some(then)) => now.renamed_since(then),
        _ => Vec::new(),
    };
    let old_name = |c: &String| {
        renamed
            .iter()
            .find(|(now, _)| now == c)
            .map_or_else(|| c.clone(), |(_, then)| then.clone())
    };
    let schema = other.schema();
    let cols: Vec<String> = match columns {
        Some(c) => c
            .iter()
            .map(old_name)
            .filter(|c| schema.field_with_name(c).is_ok())
            .collect(),
        None => profile::resolve_columns(other, None)?,
    };
    let mut p = profile::profile(other, &cols).await?;
    for (now, then) in &renamed {
        for f in p.fields.iter_mut().filter(|f| &f.name == then) {
            f.name = now.clone();
        }
        for c in p.schema.iter_mut().filter(|c| &c.name == then) {
            c.name = now.clone();
        }
    }
    Ok(Baseline {
        slices: vec![Slice {
            name: description.trim_matches('`').to_string(),
            profile: p,
            stored: false,
        }],
        description,
    })
}

/// The location of a table named in the contracts (for references): `--table`, else an entry's
/// `source:`.
fn locate(plan: &CheckPlan, a: &CheckArgs, table: &str) -> Option<String> {
    for t in &a.tables {
        if let Some((n, s)) = t.split_once('=')
            && n == table
        {
            return Some(s.to_string());
        }
    }
    for (location, entries) in &plan.bindings {
        if entries
            .iter()
            .any(|(c, t)| plan.contracts[*c].tables[*t].table == table)
        {
            return Some(location.clone());
        }
    }
    plan.contracts
        .iter()
        .flat_map(|c| &c.tables)
        .find(|t| t.table == table)
        .and_then(|t| t.source.clone())
}

/// Profiles each bound source once (only the columns some contract needs, or every column when
/// the profile is stored), builds its baseline, then runs every contract entry against it.
pub async fn check_results(a: &CheckArgs) -> Result<Vec<CheckResult>> {
    let plan = plan_check(a)?;
    let (spec, history) = a.baseline.open()?;
    let started = chrono::Utc::now();
    let mut results = Vec::new();
    // With several tables, `--partition` selects in those partitioned by its key.
    let strict = plan.bindings.len() == 1;
    if !strict {
        for p in &a.partitions {
            let mut keyed = false;
            for location in plan.bindings.keys() {
                let files = crate::source::list_files(location)
                    .await
                    .unwrap_or_default();
                keyed |= files
                    .first()
                    .is_some_and(|f| f.partition.iter().any(|(k, _)| k == &p.key));
            }
            if !keyed {
                return Err(Error::usage(
                    format!("no table of this run is partitioned by `{}`", p.key),
                    "`--partition KEY=...` needs a table with `KEY=value/` directories",
                ));
            }
        }
    }
    for (location, entries) in &plan.bindings {
        let source = Source::open_with(location, &a.partitions, strict).await?;
        source.print_warnings();
        let schema = source.schema();
        let tables: Vec<&crate::contract::TableContract> = entries
            .iter()
            .map(|(c, t)| &plan.contracts[*c].tables[*t])
            .collect();
        let mut names: Vec<&str> = tables.iter().map(|t| t.table.as_str()).collect();
        names.sort();
        names.dedup();
        let table_name = names.join("+");
        let mut columns: Vec<String> = Vec::new();
        let mut want = |name: &str| {
            if schema.field_with_name(name).is_ok() && !columns.iter().any(|c| c == name) {
                columns.push(name.to_string());
            }
        };
        for t in &tables {
            if let Some(f) = &t.freshness {
                want(&f.column);
            }
            for f in &t.fields {
                want(&f.name);
            }
        }
        if history.is_some() {
            // Stored profiles cover every column, so tomorrow's baseline has what any contract needs.
            columns = profile::resolve_columns(&source, None)?;
        }
        // Table-level checks only (row count, files, freshness): the footers answer exactly when
        // their statistics are present and untruncated, and no data page is read.
        let from_footers: Option<Vec<profile::FieldProfile>> = if history.is_none()
            && source.counts_exact()
            && tables
                .iter()
                .all(|t| t.fields.is_empty() && t.drift.is_none())
        {
            profile::metadata::facts(&source, &columns)?
                .iter()
                .map(profile::metadata::FieldFacts::to_profile)
                .collect()
        } else {
            None
        };
        let baseline_columns: &[String] = if from_footers.is_some() {
            &[]
        } else {
            &columns
        };
        let needs_baseline = tables
            .iter()
            .any(|t| t.row_count.is_some() || t.drift.is_some() || !t.fields.is_empty());
        let slices_wanted = tables
            .iter()
            .filter_map(|t| t.row_count.as_ref().map(|r| r.baseline_days as usize))
            .max()
            .unwrap_or(7);
        let baseline = if needs_baseline {
            build_baseline(&BaselineRequest {
                location,
                source: &source,
                table: &table_name,
                spec: spec.as_ref(),
                slices: slices_wanted,
                same_weekday: a.baseline.same_weekday,
                include_failed: a.baseline.include_failed,
                columns: if history.is_some() {
                    None
                } else {
                    Some(baseline_columns)
                },
                history: history.as_ref(),
            })
            .await?
        } else {
            Err("no check of this table needs one".into())
        };
        let (baseline, reason) = match baseline {
            Ok(b) => (Some(b), String::new()),
            Err(why) => (None, why),
        };
        let merged: Option<TableProfile> = baseline.as_ref().and_then(Baseline::merged);
        // Frozen edges: the current slice's numeric values are counted exactly against them.
        let mut options = Options {
            by_partition: history.is_some(),
            ..Options::default()
        };
        if let Some(m) = &merged {
            for t in &tables {
                for f in &t.fields {
                    if (f.drift.is_some() || t.drift.is_some())
                        && let Some(edges) = m.field(&f.name).and_then(crate::drift::edges_of)
                    {
                        options.edges.insert(f.name.clone(), edges);
                    }
                }
            }
        }
        let profiled = match &from_footers {
            Some(fields) => {
                let mut whole = profile::footer_profile(&source);
                whole.fields = fields.clone();
                profile::Profiled {
                    whole,
                    partitions: Vec::new(),
                }
            }
            None => match &history {
                Some(h) => {
                    crate::history::incremental::profile_or_scan(
                        &source,
                        h,
                        &table_name,
                        &columns,
                        &options,
                    )
                    .await?
                }
                None => profile::profile_with(&source, &columns, &options).await?,
            },
        };
        let profile = &profiled.whole;
        // Referential integrity: one anti-join per referencing field.
        let mut refs: BTreeMap<
            String,
            std::result::Result<check::references::ReferenceStats, String>,
        > = BTreeMap::new();
        for t in &tables {
            for f in &t.fields {
                let (Some(r), true) = (&f.references, schema.field_with_name(&f.name).is_ok())
                else {
                    continue;
                };
                if refs.contains_key(&f.name) {
                    continue;
                }
                let stats = match locate(&plan, a, &r.table) {
                    None => Err(format!(
                        "table `{}` is not located: pass `--table {}=SOURCE` or give its contract entry a `source:`",
                        r.table, r.table
                    )),
                    Some(loc) => {
                        let other = Source::open(&loc, &[]).await?;
                        Ok(
                            profile::references::unmatched(&source, &f.name, &other, &r.field)
                                .await?,
                        )
                    }
                };
                refs.insert(f.name.clone(), stats);
            }
        }
        let mut here = Vec::new();
        for (ci, ti) in entries {
            let subject = Subject {
                contract: &plan.contracts[*ci],
                table: &plan.contracts[*ci].tables[*ti],
                profile,
                baseline: baseline.as_ref(),
                baseline_profile: merged.as_ref(),
                no_baseline_reason: &reason,
                references: &refs,
            };
            here.extend(check::run_table(&subject, plan.now));
        }
        if from_footers.is_some() {
            for r in &mut here {
                if let Some(o) = r.observed.as_object_mut() {
                    o.insert("answered_from".into(), source.metadata_origin().into());
                }
            }
        }
        if let Some(h) = &history {
            let status = check::overall(&here);
            let run_id = crate::history::new_run_id(started);
            let slices: Vec<(String, &TableProfile)> = if profiled.partitions.is_empty() {
                vec![(run_id.clone(), profile)]
            } else {
                profiled
                    .partitions
                    .iter()
                    .map(|(n, p)| (n.clone(), p))
                    .collect()
            };
            for (name, p) in &slices {
                h.put(&table_name, name, p, Some(status)).await?;
            }
            h.record(
                &table_name,
                location,
                &run_id,
                started,
                &slices,
                &here,
                profile.row_count,
            )
            .await?;
        }
        results.extend(here);
    }
    Ok(results)
}

pub async fn run(a: CheckArgs) -> Result<Outcome> {
    let results = check_results(&a).await?;
    let stdout = match a.format {
        CheckFormat::Table => report::table::check(&results),
        CheckFormat::Json => json_text(&report::json::check(&results)),
        CheckFormat::Junit => report::junit::render(&results),
    };
    let code = match check::overall(&results) {
        Status::Pass | Status::Warn => 0,
        Status::Fail => 1,
        Status::Error => 2,
    };
    Ok(Outcome { stdout, code })
}
