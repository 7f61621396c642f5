//! The run config (`plimsoll.yaml`): many tables checked by one scheduled job.
//!
//! ```yaml
//! contracts: [contracts/]               # files or directories, relative to this file
//! history: s3://lake/plimsoll-history   # optional; a local directory works too
//! now: ${PLIMSOLL_NOW}                  # optional; ${VAR} expands from the environment anywhere
//! tables:
//!   order-events: { source: s3://lake/orders, partition: date=latest, expect_every: 24h }
//!   customers:    { source: s3://lake/customers }
//! outputs:                              # any number, all from the same run
//!   - { format: junit, path: reports/plimsoll.xml }
//!   - { format: json,  path: reports/plimsoll.json }
//!   - { format: github, path: "-" }     # `-`: stdout (unless `--format` says otherwise)
//! quarantine: quarantine/               # optional: failing checks' rows, to Parquet (or s3://)
//! quarantine_limit: 100_000             # optional: rows per check at most
//! cluster: df://scheduler:50050         # optional: the scans on a Ballista cluster
//! cluster_tasks: 64                     # optional: tasks per scan there (default 16)
//! ```
//!
//! Parsed as strictly as contracts: an unknown key, a wrong type or an unset `${VAR}` is a
//! problem with file, line and column, and every problem is reported. Relative paths (contracts,
//! a local history, sources, outputs) are resolved against the config file's directory, so a
//! cron job running from `/` reads the same files.

use super::plan::resolve_against;
use crate::contract::units::{parse_duration, parse_size};
use crate::error::{ContractProblem, Error, Result};
use crate::source::{PartitionSelector, SourceRef};
use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};
use std::path::{Path, PathBuf};

type Node = MarkedYamlOwned;

/// The default name of a run config.
pub const DEFAULT_NAME: &str = "plimsoll.yaml";

/// A report a run writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// One of [`crate::report::CHECK_FORMATS`].
    pub format: String,
    /// The file, resolved against the config's directory; `-` is stdout.
    pub path: PathBuf,
}

/// One table of the config.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigTable {
    pub name: String,
    pub source: Option<SourceRef>,
    pub partitions: Vec<PartitionSelector>,
    /// Seconds; `status` uses it.
    pub expect_every: Option<u64>,
    /// A baseline for this table (`Nd`, `KEY=VALUE`, a source, `snapshot:ID`).
    pub baseline: Option<String>,
}

/// A parsed run config.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub path: PathBuf,
    pub contracts: Vec<PathBuf>,
    pub history: Option<String>,
    pub now: Option<String>,
    pub tables: Vec<ConfigTable>,
    pub outputs: Vec<Output>,
    pub memory_limit: Option<usize>,
    pub s3_endpoint: Option<String>,
    /// `--cluster`: the Ballista scheduler the scans run on, `df://HOST:PORT`.
    pub cluster: Option<String>,
    /// `--cluster-tasks`: tasks each scan is split into on the cluster.
    pub cluster_tasks: Option<usize>,
    /// `--catalog`: the URI, name and warehouse.
    pub catalog: Option<(String, String, Option<String>)>,
    /// Read contract entries' `source:` (default true).
    pub contract_sources: bool,
    pub same_weekday: bool,
    pub include_failed: bool,
    /// `quarantine:`: where the rows that broke a row-level rule are written.
    pub quarantine: Option<String>,
    /// `quarantine_limit:`: rows quarantined per check at most.
    pub quarantine_limit: Option<u64>,
}

/// Largest config file read: configs are small; anything bigger is not one.
const MAX_BYTES: u64 = 1 << 20;

/// Reads and parses a run config; every problem is reported with its position.
pub fn load(path: &Path) -> Result<Config> {
    let problem = |message: String| Error::Contract {
        problems: vec![ContractProblem {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message,
        }],
    };
    let meta = std::fs::metadata(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return Err(problem(format!(
            "not a run config: expected a YAML file of at most {MAX_BYTES} bytes"
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    parse(path, &text, &|v| std::env::var(v).ok()).map_err(|problems| Error::Contract { problems })
}

/// Parses a config's text; `env` looks up `${VAR}`.
pub fn parse(
    path: &Path,
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<Config, Vec<ContractProblem>> {
    let mut p = Reader {
        path,
        env,
        problems: Vec::new(),
    };
    let docs = Node::load_from_str(text).map_err(|e| {
        vec![ContractProblem {
            path: path.to_path_buf(),
            line: e.marker().line().max(1),
            column: e.marker().col() + 1,
            message: format!("malformed YAML: {}", e.info()),
        }]
    })?;
    let Some(doc) = docs.first() else {
        return Err(vec![ContractProblem {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: "the config is empty: expected `contracts:` and `tables:`".into(),
        }]);
    };
    let config = p.config(doc);
    match config {
        Some(c) if p.problems.is_empty() => Ok(c),
        _ => Err(p.problems),
    }
}

struct Reader<'a> {
    path: &'a Path,
    env: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<ContractProblem>,
}

impl Reader<'_> {
    fn problem(&mut self, node: &Node, message: String) {
        let m = node.span.start;
        self.problems.push(ContractProblem {
            path: self.path.to_path_buf(),
            line: m.line().max(1),
            column: m.col() + 1,
            message,
        });
    }

    /// A mapping's entries by key, reporting unknown keys.
    fn mapping<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        allowed: &[&str],
    ) -> Option<Vec<(String, &'n Node, &'n Node)>> {
        let YamlDataOwned::Mapping(map) = &node.data else {
            self.problem(node, format!("{what} must be a mapping"));
            return None;
        };
        let mut out = Vec::new();
        for (k, v) in map.iter() {
            let Some(key) = self.text(k) else { continue };
            if !allowed.is_empty() && !allowed.contains(&key.as_str()) {
                let expected: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
                self.problem(
                    k,
                    format!(
                        "unknown key `{key}` in {what}; expected one of {}",
                        expected.join(", ")
                    ),
                );
                continue;
            }
            out.push((key, k, v));
        }
        Some(out)
    }

    /// A scalar as written (a plain `007` stays `007`), with `${VAR}` expanded.
    fn text(&mut self, node: &Node) -> Option<String> {
        let raw = match &node.data {
            YamlDataOwned::Representation(s, _, _) => s.clone(),
            YamlDataOwned::Value(ScalarOwned::String(s)) => s.clone(),
            YamlDataOwned::Value(ScalarOwned::Integer(i)) => i.to_string(),
            YamlDataOwned::Value(ScalarOwned::Boolean(b)) => b.to_string(),
            YamlDataOwned::Value(ScalarOwned::FloatingPoint(f)) => f.to_string(),
            YamlDataOwned::Tagged(_, inner) => return self.text(inner),
            _ => {
                self.problem(node, "expected a single value (a string)".into());
                return None;
            }
        };
        self.expand(node, &raw)
    }

    fn expand(&mut self, node: &Node, raw: &str) -> Option<String> {
        let mut out = String::new();
        let mut rest = raw;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let Some(j) = rest[i..].find('}') else {
                self.problem(node, format!("unclosed `${{` in `{raw}`"));
                return None;
            };
            let var = &rest[i + 2..i + j];
            match (self.env)(var) {
                Some(v) => out.push_str(&v),
                None => {
                    self.problem(node, format!("`${{{var}}}` is not set in the environment"));
                    return None;
                }
            }
            rest = &rest[i + j + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    /// A string or a list of strings.
    fn list(&mut self, node: &Node) -> Vec<(String, Node)> {
        match &node.data {
            YamlDataOwned::Sequence(items) => items
                .iter()
                .filter_map(|i| self.text(i).map(|t| (t, i.clone())))
                .collect(),
            _ => self
                .text(node)
                .map(|t| (t, node.clone()))
                .into_iter()
                .collect(),
        }
    }

    fn flag(&mut self, node: &Node, key: &str) -> bool {
        match self.text(node).as_deref() {
            Some("true") => true,
            Some("false") => false,
            Some(other) => {
                self.problem(
                    node,
                    format!("`{key}` must be `true` or `false`, found `{other}`"),
                );
                false
            }
            None => false,
        }
    }

    /// A source: relative paths against the config's directory (catalog names kept).
    fn local(&self, p: &str) -> String {
        resolve_against(self.path, p)
    }

    /// A file or directory path: relative to the config's directory, URLs kept.
    fn file(&self, p: &str) -> String {
        match self.path.parent() {
            Some(dir) if !p.contains("://") && !Path::new(p).is_absolute() => {
                super::plan::normalize(&dir.join(p))
            }
            _ => p.to_string(),
        }
    }

    fn config(&mut self, doc: &Node) -> Option<Config> {
        const KEYS: [&str; 15] = [
            "contracts",
            "history",
            "now",
            "tables",
            "outputs",
            "memory_limit",
            "s3_endpoint",
            "cluster",
            "cluster_tasks",
            "catalog",
            "contract_sources",
            "same_weekday",
            "include_failed",
            "quarantine",
            "quarantine_limit",
        ];
        let entries = self.mapping(doc, "the run config", &KEYS)?;
        let mut c = Config {
            path: self.path.to_path_buf(),
            contracts: Vec::new(),
            history: None,
            now: None,
            tables: Vec::new(),
            outputs: Vec::new(),
            memory_limit: None,
            s3_endpoint: None,
            cluster: None,
            cluster_tasks: None,
            catalog: None,
            contract_sources: true,
            same_weekday: false,
            include_failed: false,
            quarantine: None,
            quarantine_limit: None,
        };
        for (key, _, v) in &entries {
            match key.as_str() {
                "contracts" => {
                    for (t, _) in self.list(v) {
                        c.contracts.push(PathBuf::from(self.file(&t)));
                    }
                }
                "history" => c.history = self.text(v).map(|h| self.file(&h)),
                "now" => c.now = self.text(v),
                "tables" => c.tables = self.tables(v),
                "outputs" => c.outputs = self.outputs(v),
                "memory_limit" => {
                    if let Some(t) = self.text(v) {
                        match parse_size(&t) {
                            Ok(b) => c.memory_limit = Some(b as usize),
                            Err(e) => self.problem(v, e),
                        }
                    }
                }
                "s3_endpoint" => c.s3_endpoint = self.text(v),
                "cluster" => {
                    c.cluster = self.text(v);
                    if let Some(Err(e)) =
                        c.cluster.as_deref().map(crate::cluster::ClusterUrl::parse)
                    {
                        self.problem(v, e.to_string());
                    }
                }
                "catalog" => c.catalog = self.catalog(v),
                "contract_sources" => c.contract_sources = self.flag(v, key),
                "same_weekday" => c.same_weekday = self.flag(v, key),
                "include_failed" => c.include_failed = self.flag(v, key),
                "quarantine" => c.quarantine = self.text(v).map(|q| self.file(&q)),
                "cluster_tasks" => {
                    if let Some(t) = self.text(v) {
                        match t.replace('_', "").parse::<usize>() {
                            Ok(n) if n > 0 => c.cluster_tasks = Some(n),
                            _ => self.problem(
                                v,
                                format!("`cluster_tasks` must be a positive number of tasks, found `{t}`"),
                            ),
                        }
                    }
                }
                "quarantine_limit" => {
                    if let Some(t) = self.text(v) {
                        match t.replace('_', "").parse::<u64>() {
                            Ok(n) if n > 0 => c.quarantine_limit = Some(n),
                            _ => self.problem(
                                v,
                                format!("`quarantine_limit` must be a positive number of rows, found `{t}`"),
                            ),
                        }
                    }
                }
                _ => unreachable!("filtered by mapping()"),
            }
        }
        if c.contracts.is_empty() {
            self.problem(
                doc,
                "missing required key `contracts`: the contract files or directories to check"
                    .into(),
            );
        }
        Some(c)
    }

    fn tables(&mut self, node: &Node) -> Vec<ConfigTable> {
        let Some(entries) = self.mapping(node, "`tables`", &[]) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, _, v) in entries {
            const KEYS: [&str; 6] = [
                "source",
                "partition",
                "expect_every",
                "baseline",
                "snapshot",
                "as_of",
            ];
            let Some(fields) = self.mapping(v, &format!("table `{name}`"), &KEYS) else {
                continue;
            };
            let mut t = ConfigTable {
                name: name.clone(),
                source: None,
                partitions: Vec::new(),
                expect_every: None,
                baseline: None,
            };
            let mut suffix = String::new();
            for (key, _, fv) in &fields {
                match key.as_str() {
                    "source" => {
                        if let Some(s) = self.text(fv) {
                            match SourceRef::parse(&self.local(&s)) {
                                Ok(r) => t.source = Some(r),
                                Err(e) => self.problem(fv, e.to_string()),
                            }
                        }
                    }
                    "partition" => {
                        for (p, pn) in self.list(fv) {
                            match p.parse::<PartitionSelector>() {
                                Ok(s) => t.partitions.push(s),
                                Err(e) => self.problem(&pn, e),
                            }
                        }
                    }
                    "expect_every" => {
                        if let Some(d) = self.text(fv) {
                            match parse_duration(&d) {
                                Ok(s) => t.expect_every = Some(s),
                                Err(e) => self.problem(fv, e),
                            }
                        }
                    }
                    "baseline" => t.baseline = self.text(fv),
                    "snapshot" => {
                        if let Some(id) = self.text(fv) {
                            suffix = format!("@snapshot:{id}");
                        }
                    }
                    "as_of" => {
                        if let Some(at) = self.text(fv) {
                            suffix = format!("@as-of:{at}");
                        }
                    }
                    _ => unreachable!("filtered by mapping()"),
                }
            }
            if !suffix.is_empty() {
                match &t.source {
                    Some(s) => match SourceRef::parse(&format!("{}{suffix}", s.location)) {
                        Ok(r) => t.source = Some(r),
                        Err(e) => self.problem(v, e.to_string()),
                    },
                    None => self.problem(
                        v,
                        format!("table `{name}` selects a snapshot but gives no `source`"),
                    ),
                }
            }
            out.push(t);
        }
        out
    }

    fn outputs(&mut self, node: &Node) -> Vec<Output> {
        let YamlDataOwned::Sequence(items) = &node.data else {
            self.problem(
                node,
                "`outputs` must be a list of `{ format, path }`".into(),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut stdout_seen = false;
        for item in items {
            let Some(fields) = self.mapping(item, "an output", &["format", "path"]) else {
                continue;
            };
            let (mut format, mut path) = (None, None);
            for (key, _, v) in &fields {
                match key.as_str() {
                    "format" => match self.text(v) {
                        Some(f) if crate::report::CHECK_FORMATS.contains(&f.as_str()) => {
                            format = Some(f)
                        }
                        Some(f) => {
                            let expected: Vec<String> = crate::report::CHECK_FORMATS
                                .iter()
                                .map(|f| format!("`{f}`"))
                                .collect();
                            self.problem(
                                v,
                                format!(
                                    "unknown output format `{f}`; expected one of {}",
                                    expected.join(", ")
                                ),
                            )
                        }
                        None => {}
                    },
                    "path" => match self.text(v) {
                        Some(p) if p == "-" => {
                            if stdout_seen {
                                self.problem(v, "only one output can be `-` (stdout)".into());
                            }
                            stdout_seen = true;
                            path = Some(p);
                        }
                        Some(p) => path = Some(self.file(&p)),
                        None => {}
                    },
                    _ => unreachable!("filtered by mapping()"),
                }
            }
            let has = |k: &str| fields.iter().any(|f| f.0 == k);
            if !has("format") || !has("path") {
                self.problem(item, "an output needs both `format` and `path`".into());
            }
            if let (Some(format), Some(path)) = (format, path) {
                out.push(Output {
                    format,
                    path: PathBuf::from(path),
                });
            }
        }
        out
    }

    fn catalog(&mut self, node: &Node) -> Option<(String, String, Option<String>)> {
        let fields = self.mapping(node, "`catalog`", &["uri", "name", "warehouse"])?;
        let (mut uri, mut name, mut warehouse) = (None, "default".to_string(), None);
        for (key, _, v) in &fields {
            match key.as_str() {
                "uri" => uri = self.text(v),
                "name" => name = self.text(v).unwrap_or(name),
                "warehouse" => warehouse = self.text(v),
                _ => unreachable!("filtered by mapping()"),
            }
        }
        match uri {
            Some(u) => Some((u, name, warehouse)),
            None => {
                self.problem(node, "`catalog` needs a `uri`".into());
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> std::result::Result<Config, Vec<ContractProblem>> {
        let env = |v: &str| (v == "PLIMSOLL_NOW").then(|| "2024-03-11T00:30:00Z".to_string());
        parse(Path::new("/etc/plimsoll/plimsoll.yaml"), text, &env)
    }

    #[test]
    fn a_config_with_two_tables_and_two_outputs() {
        let c = parse_text(
            "contracts: [contracts/]\nhistory: s3://lake/h\nnow: ${PLIMSOLL_NOW}\ntables:\n  order-events: { source: ../data/orders, partition: date=latest, expect_every: 24h }\n  customers: { source: s3://lake/customers@snapshot:42 }\noutputs:\n  - { format: junit, path: reports/p.xml }\n",
        )
        .unwrap();
        assert_eq!(c.contracts, [PathBuf::from("/etc/plimsoll/contracts/")]);
        assert_eq!(c.now.as_deref(), Some("2024-03-11T00:30:00Z"));
        assert_eq!(c.tables[0].expect_every, Some(86_400));
        assert_eq!(
            c.tables[0].source.as_ref().unwrap().location,
            "/etc/data/orders"
        );
        assert_eq!(
            c.tables[1].source.as_ref().unwrap().snapshot,
            crate::source::iceberg::SnapshotSelect::Id(42)
        );
        assert_eq!(
            c.outputs[0].path,
            PathBuf::from("/etc/plimsoll/reports/p.xml")
        );
    }

    #[test]
    fn outputs_in_every_check_format_and_one_to_stdout() {
        let c = parse_text(
            "contracts: [c/]\noutputs:\n  - { format: github, path: \"-\" }\n  - { format: markdown, path: summary.md }\n",
        )
        .unwrap();
        assert_eq!(c.outputs[0].format, "github");
        assert_eq!(c.outputs[0].path, PathBuf::from("-"));
        assert_eq!(c.outputs[1].format, "markdown");
        assert_eq!(c.outputs[1].path, PathBuf::from("/etc/plimsoll/summary.md"));
        let problems = parse_text(
            "contracts: [c/]\noutputs:\n  - { format: github, path: \"-\" }\n  - { format: json, path: \"-\" }\n",
        )
        .unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 4);
        assert!(problems[0].message.contains("only one output can be `-`"));
    }

    #[test]
    fn quarantine_and_its_limit() {
        let c =
            parse_text("contracts: [c/]\ncluster: df://sched:50050\ncluster_tasks: 64\n").unwrap();
        assert_eq!(c.cluster.as_deref(), Some("df://sched:50050"));
        assert_eq!(c.cluster_tasks, Some(64));
        for bad in [
            "cluster: http://sched:50050",
            "cluster_tasks: 0",
            "cluster_tasks: many",
        ] {
            let e = format!(
                "{:?}",
                parse_text(&format!("contracts: [c/]\n{bad}\n")).unwrap_err()
            );
            assert!(e.contains("cluster"), "{bad}: {e}");
        }
        let c = parse_text("contracts: [c/]\nquarantine: q\nquarantine_limit: 1_000\n").unwrap();
        assert_eq!(c.quarantine.as_deref(), Some("/etc/plimsoll/q"));
        assert_eq!(c.quarantine_limit, Some(1_000));
        let c = parse_text("contracts: [c/]\nquarantine: s3://lake/q\n").unwrap();
        assert_eq!(c.quarantine.as_deref(), Some("s3://lake/q"));
        let problems = parse_text("contracts: [c/]\nquarantine_limit: 0\n").unwrap_err();
        assert!(problems[0].message.contains("positive"), "{problems:?}");
    }

    #[test]
    fn every_problem_has_a_position() {
        let problems = parse_text(
            "contracts: [c/]\ntables:\n  t: { source: x/y, expect_evry: 1d }\noutputs:\n  - { format: xml, path: r }\nnow: ${NOT_SET}\n",
        )
        .unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 3, "{text:#?}");
        assert!(text[0].contains(":3:") && text[0].contains("unknown key `expect_evry`"));
        assert!(text[1].contains(":5:") && text[1].contains("unknown output format `xml`"));
        assert!(text[2].contains(":6:") && text[2].contains("`${NOT_SET}` is not set"));
    }
}
