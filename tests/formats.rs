//! The GitHub and Markdown reports of `check` and `run` end to end, and the contract's owner in
//! every format. Where an annotation points is computed from the contracts' YAML text (the line
//! of `- name: FIELD` under `- table: TABLE`), not by Plimsoll's parser.

mod common;

use arrow::array::{Float64Array, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use common::{plimsoll, plimsoll_in, plimsoll_json, root};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

const NOW: &str = "2024-03-11T00:30:00Z";

/// The failing contract on the shipped orders: every kind of result.
const FAILING: [&str; 6] = [
    "check",
    "testdata/orders",
    "--contract",
    "contracts/failing",
    "--now",
    NOW,
];

/// Both consumers' contracts on the day only 30% of the rows arrive: failures, warnings and
/// passes, of two consumers (one naming its table with `topic:`).
const DRIFTED: [&str; 10] = [
    "check",
    "--contract",
    "contracts/",
    "--table",
    "order-events=testdata/orders_drift",
    "--table",
    "customers=testdata/customers",
    "--partition",
    "date=2024-03-12",
    "--now",
];

fn args<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

fn drifted(more: &[&'static str]) -> Vec<&'static str> {
    args(&args(&DRIFTED, &["2024-03-12T23:59:59Z"]), more)
}

/// One workflow command, unescaped as GitHub's runner does (`ActionCommand.TryParseV2`).
#[derive(Debug, Clone)]
struct Command {
    name: String,
    props: BTreeMap<String, String>,
    message: String,
}

fn unescape(s: &str, property: bool) -> String {
    let mut t = s.replace("%0D", "\r").replace("%0A", "\n");
    if property {
        t = t.replace("%3A", ":").replace("%2C", ",");
    }
    t.replace("%25", "%")
}

/// `::name k=v,k=v::message`; None for a line that is not a workflow command.
fn parse_command(line: &str) -> Option<Command> {
    let rest = line.strip_prefix("::")?;
    let end = rest.find("::")?;
    let (head, message) = (&rest[..end], &rest[end + 2..]);
    let (name, props) = head.split_once(' ').unwrap_or((head, ""));
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').expect("property is k=v");
            (k.to_string(), unescape(v, true))
        })
        .collect();
    Some(Command {
        name: name.to_string(),
        props,
        message: unescape(message, false),
    })
}

fn commands(stdout: &str) -> Vec<Command> {
    stdout
        .lines()
        .map(|l| parse_command(l).unwrap_or_else(|| panic!("not a workflow command: {l}")))
        .collect()
}

/// The 1-based line of `- table: TABLE` (or `- topic: TABLE`) in a contract's text, or of
/// `- name: FIELD` under it.
fn contract_line(yaml: &str, table: &str, field: Option<&str>) -> usize {
    let value = |l: &str, key: &str| -> Option<String> {
        let l = l.trim_start().strip_prefix('-').unwrap_or(l.trim_start());
        let v = l.trim_start().strip_prefix(key)?.strip_prefix(':')?;
        let v = v.split('#').next().unwrap().trim();
        Some(v.trim_matches('"').to_string())
    };
    let mut in_table = false;
    for (i, l) in yaml.lines().enumerate() {
        if let Some(t) = value(l, "table").or_else(|| value(l, "topic")) {
            in_table = t == table;
            if in_table && field.is_none() {
                return i + 1;
            }
        } else if in_table
            && l.trim_start().starts_with('-')
            && field.is_some_and(|f| value(l, "name").as_deref() == Some(f))
        {
            return i + 1;
        }
    }
    panic!("{table}.{field:?} not in the contract:\n{yaml}");
}

/// The contract file of a consumer in a directory, found by its `consumer:` line.
fn contract_of(dir: &Path, consumer: &str) -> std::path::PathBuf {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file()
            && std::fs::read_to_string(&p)
                .unwrap()
                .lines()
                .any(|l| l.trim() == format!("consumer: {consumer}"))
        {
            return p;
        }
    }
    panic!("no contract of {consumer} in {}", dir.display());
}

fn results(v: &Value) -> &Vec<Value> {
    v["results"].as_array().expect("results array")
}

/// Every annotation is at its result's contract entry, titled with its check, and says what was
/// measured against what; one per result that did not pass, errors and failures first.
fn annotations_point_at_contract_lines(run: &[&str], contracts: &str) {
    let (code, v, stderr) = plimsoll_json(&args(run, &["--format", "json"]));
    let r = plimsoll(&args(run, &["--format", "github"]));
    assert_eq!(r.code, code, "{}", r.stderr);
    assert!(code == 1, "{stderr}");
    let cmds = commands(&r.stdout);
    let (notices, annotations): (Vec<&Command>, Vec<&Command>) =
        cmds.iter().partition(|c| c.name == "notice");
    assert_eq!(notices.len(), 1, "{}", r.stdout);
    let s = &v["summary"];
    assert!(
        notices[0].message.contains(&format!(
            "{} failed, {} error(s), {} warning(s), {} passed",
            s["fail"], s["error"], s["warn"], s["pass"]
        )),
        "{}",
        notices[0].message
    );
    // Expected: from the JSON results, each placed by reading the YAML text.
    let mut expected: Vec<(String, String, usize, String)> = Vec::new();
    for res in results(&v) {
        let level = match res["status"].as_str().unwrap() {
            "pass" => continue,
            "warn" => "warning",
            _ => "error",
        };
        let file = contract_of(&root().join(contracts), res["consumer"].as_str().unwrap());
        let yaml = std::fs::read_to_string(&file).unwrap();
        let line = contract_line(&yaml, res["table"].as_str().unwrap(), res["field"].as_str());
        let rel = file
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        expected.push((
            level.into(),
            rel,
            line,
            res["check"].as_str().unwrap().to_string(),
        ));
    }
    assert!(!expected.is_empty());
    let mut actual: Vec<(String, String, usize, String)> = annotations
        .iter()
        .map(|c| {
            let file = c.props["file"].clone();
            let line: usize = c.props["line"].parse().unwrap();
            let title = &c.props["title"];
            let check = title.split(' ').next().unwrap().to_string();
            // The line holds the field's (or table's) entry.
            let text = std::fs::read_to_string(root().join(&file)).unwrap();
            let at = text.lines().nth(line - 1).unwrap();
            assert!(
                at.contains("name: ") || at.contains("table: ") || at.contains("topic: "),
                "{file}:{line} is `{at}`"
            );
            assert!(c.message.contains("\nmeasured: "), "{}", c.message);
            assert!(c.message.contains("\nthreshold: "), "{}", c.message);
            (c.name.clone(), file, line, check)
        })
        .collect();
    // Errors before warnings.
    let first_warning = actual
        .iter()
        .position(|a| a.0 == "warning")
        .unwrap_or(actual.len());
    assert!(actual[first_warning..].iter().all(|a| a.0 == "warning"));
    actual.sort();
    expected.sort();
    assert_eq!(actual, expected);
}

#[test]
fn github_annotations_of_the_failing_contract_are_on_its_lines() {
    annotations_point_at_contract_lines(&FAILING, "contracts/failing");
}

#[test]
fn github_annotations_of_drift_and_warnings_are_on_the_contract_lines() {
    let run = drifted(&[]);
    // The day's drift fails and some checks warn: both levels are exercised.
    let (_, v, _) = plimsoll_json(&args(&run, &["--format", "json"]));
    let statuses: Vec<&str> = results(&v)
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains(&"fail") && statuses.contains(&"warn"),
        "{statuses:?}"
    );
    annotations_point_at_contract_lines(&run, "contracts");
}

#[test]
fn github_titles_name_check_table_field_consumer_and_owner() {
    let r = plimsoll(&args(&FAILING, &["--format", "github"]));
    let cmds = commands(&r.stdout);
    let range = cmds
        .iter()
        .find(|c| {
            c.props
                .get("title")
                .is_some_and(|t| t.starts_with("range "))
        })
        .expect("a range annotation");
    assert_eq!(
        range.props["title"],
        "range order-events.discount: fail (consumer marketing-attribution, owner marketing@example.com)"
    );
    assert_eq!(range.props["file"], "contracts/failing/marketing.yaml");
    // The raw line escapes the title's `:` and `,`.
    let raw = r
        .stdout
        .lines()
        .find(|l| l.contains("title=range "))
        .unwrap();
    assert!(
        raw.contains("order-events.discount%3A fail (consumer marketing-attribution%2C owner"),
        "{raw}"
    );
}

#[test]
fn the_step_summary_is_appended_when_github_is_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let before = "## An earlier step\n\nits summary\n";
    std::fs::write(&summary, before).unwrap();
    let env = [("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())];
    let r = plimsoll_in(&root(), &args(&FAILING, &["--format", "github"]), &env);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let after = std::fs::read_to_string(&summary).unwrap();
    assert!(after.starts_with(before), "{after}");
    assert!(after.contains("## Plimsoll: FAIL"), "{after}");
    assert!(
        after.contains("### marketing-attribution (owner: marketing@example.com)"),
        "{after}"
    );
    // The github report also in a file: appended once more, the first summary kept.
    let gh = dir.path().join("annotations.txt");
    let out = format!("github={}", gh.display());
    let r = plimsoll_in(&root(), &args(&FAILING, &["--output", &out]), &env);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let again = std::fs::read_to_string(&summary).unwrap();
    assert!(again.starts_with(&after));
    assert_eq!(again.matches("## Plimsoll: FAIL").count(), 2);
    assert!(
        std::fs::read_to_string(&gh)
            .unwrap()
            .starts_with("::error ")
    );
    // No github format: the step summary is left alone.
    let r = plimsoll_in(&root(), &args(&FAILING, &["--format", "json"]), &env);
    assert_eq!(r.code, 1);
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), again);
    // A step summary that cannot be written is a warning; the run's outcome stands.
    let env = [(
        "GITHUB_STEP_SUMMARY",
        dir.path().to_str().unwrap(), // a directory
    )];
    let r = plimsoll_in(&root(), &args(&FAILING, &["--format", "github"]), &env);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("GITHUB_STEP_SUMMARY"), "{}", r.stderr);
}

/// GitHub-flavoured Markdown's split of a table row: `\` escapes the next character, an
/// unescaped `|` ends a cell.
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().strip_prefix('|').unwrap();
    let mut cells = vec![String::new()];
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let cell = cells.last_mut().unwrap();
                cell.push(c);
                cell.extend(chars.next());
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().unwrap().push(c),
        }
    }
    assert_eq!(
        cells.pop().as_deref(),
        Some(""),
        "a row ends with `|`: {row}"
    );
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

/// The rows of each consumer's tables, by consumer heading, with whether they are folded.
fn markdown_rows(md: &str) -> BTreeMap<String, Vec<(Vec<String>, bool)>> {
    let mut out: BTreeMap<String, Vec<(Vec<String>, bool)>> = BTreeMap::new();
    let (mut section, mut folded) = (None::<String>, false);
    for l in md.lines() {
        if let Some(h) = l.strip_prefix("### ") {
            section = Some(h.to_string());
            folded = false;
        } else if l.starts_with("<details>") {
            folded = true;
        } else if l.starts_with("</details>") {
            folded = false;
        } else if l.starts_with('|') {
            let c = cells(l);
            if c[0] == "status" || c[0] == "---" {
                continue;
            }
            out.entry(section.clone().expect("rows under a heading"))
                .or_default()
                .push((c, folded));
        }
    }
    out
}

fn rank(status_cell: &str) -> u8 {
    match status_cell.split(' ').nth(1).unwrap() {
        "pass" => 0,
        "warn" => 1,
        "fail" | "error" => 2,
        other => panic!("status {other}"),
    }
}

fn markdown_orders_failures_warnings_passes(run: &[&str]) {
    let (_, v, _) = plimsoll_json(&args(run, &["--format", "json"]));
    let r = plimsoll(&args(run, &["--format", "markdown"]));
    let s = &v["summary"];
    assert!(
        r.stdout.starts_with(&format!(
            "## Plimsoll: {}\n\n**{}**: {} failed, {} error(s), {} warning(s), {} passed ({} checks)\n",
            v["status"].as_str().unwrap().to_uppercase(),
            v["status"].as_str().unwrap().to_uppercase(),
            s["fail"],
            s["error"],
            s["warn"],
            s["pass"],
            s["total"]
        )),
        "{}",
        r.stdout
    );
    let sections = markdown_rows(&r.stdout);
    let mut total = 0;
    for (heading, rows) in &sections {
        let consumer = heading.split(' ').next().unwrap();
        let mine: Vec<&Value> = results(&v)
            .iter()
            .filter(|r| r["consumer"] == consumer)
            .collect();
        assert_eq!(rows.len(), mine.len(), "{heading}");
        total += rows.len();
        let ranks: Vec<u8> = rows.iter().map(|(c, _)| rank(&c[0])).collect();
        assert!(
            ranks.windows(2).all(|w| w[0] >= w[1]),
            "{heading}: {ranks:?}"
        );
        // Passes, and only passes, are folded.
        assert!(rows.iter().all(|(c, folded)| *folded == (rank(&c[0]) == 0)));
        for (c, _) in rows {
            assert_eq!(c.len(), 8, "{c:?}");
            // The contract cell is `file:line` of a result of this consumer and check.
            let contract = c[7].trim_matches('`');
            assert!(
                mine.iter()
                    .any(|r| r["contract"] == contract && r["check"] == c[3].as_str()),
                "{c:?}"
            );
        }
    }
    assert_eq!(total, results(&v).len());
}

#[test]
fn markdown_lists_failures_then_warnings_then_folded_passes() {
    markdown_orders_failures_warnings_passes(&FAILING);
    markdown_orders_failures_warnings_passes(&drifted(&[]));
}

#[test]
fn github_on_stdout_and_junit_in_a_file_from_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("plimsoll.xml");
    let junit = format!("junit={}", xml.display());
    let r = plimsoll(&args(
        &FAILING,
        &["--output", "github=-", "--output", &junit],
    ));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let cmds = commands(&r.stdout);
    assert!(cmds.iter().any(|c| c.name == "error"));
    let (_, v, _) = plimsoll_json(&args(&FAILING, &["--format", "json"]));
    let text = std::fs::read_to_string(&xml).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("valid XML");
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(cases, results(&v).len());
    // The same with `--format github` said too.
    let r2 = plimsoll(&args(
        &FAILING,
        &["--format", "github", "--output", "github=-"],
    ));
    assert_eq!((r2.code, r2.stdout.as_str()), (1, r.stdout.as_str()));
    // A markdown file beside them.
    let md = dir.path().join("summary.md");
    let out = format!("markdown={}", md.display());
    let r3 = plimsoll(&args(&FAILING, &["--output", "github=-", "--output", &out]));
    assert_eq!(r3.code, 1);
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .starts_with("## Plimsoll: FAIL")
    );
}

#[test]
fn stdout_carries_one_report() {
    for extra in [
        &["--format", "json", "--output", "github=-"][..],
        &["--output", "github=-", "--output", "markdown=-"][..],
    ] {
        let r = plimsoll(&args(&FAILING, extra));
        assert_eq!(r.code, 2, "{extra:?}: {}", r.stdout);
        assert!(r.stdout.is_empty());
        assert!(r.stderr.contains("stdout"), "{}", r.stderr);
        assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    }
    let r = plimsoll(&args(&FAILING, &["--output", "xml=out.xml"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`github`, `markdown`"), "{}", r.stderr);
}

#[test]
fn a_run_config_writes_github_and_markdown_and_may_name_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let contracts = root().join("contracts/failing");
    let orders = root().join("testdata/orders");
    std::fs::write(
        dir.path().join("plimsoll.yaml"),
        format!(
            "contracts: [{}]\nnow: {NOW}\ntables:\n  order-events: {{ source: {} }}\noutputs:\n  - {{ format: markdown, path: out/summary.md }}\n  - {{ format: github, path: \"-\" }}\n",
            contracts.display(),
            orders.display()
        ),
    )
    .unwrap();
    let r = plimsoll_in(dir.path(), &["run"], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(commands(&r.stdout).iter().any(|c| c.name == "error"));
    let md = std::fs::read_to_string(dir.path().join("out/summary.md")).unwrap();
    assert!(md.contains("### marketing-attribution (owner: marketing@example.com)"));
    // The command line names stdout's format over the config's.
    let r = plimsoll_in(dir.path(), &["run", "--format", "json"], &[]);
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["status"], "fail");
}

#[test]
fn a_run_that_cannot_be_completed_is_reported_in_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "consumer: c\ndepends_on:\n  - table: t\n    fields:\n      - name: x\n        tpye: string\n",
    )
    .unwrap();
    let summary = dir.path().join("summary.md");
    let env = [("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())];
    let run = [
        "check",
        "testdata/orders",
        "--contract",
        bad.to_str().unwrap(),
    ];
    let r = plimsoll_in(&root(), &args(&run, &["--format", "github"]), &env);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let cmds = commands(&r.stdout);
    // The problem at its file, line and column, then the run's error with its hint.
    let problem = &cmds[0];
    assert_eq!(problem.name, "error");
    assert_eq!(problem.props["file"], bad.to_str().unwrap());
    assert_eq!(problem.props["line"], "6");
    assert_eq!(problem.props["col"], "9");
    assert!(problem.message.contains("tpye"), "{}", problem.message);
    let last = cmds.last().unwrap();
    assert_eq!(last.name, "error");
    assert!(!last.props.contains_key("file"));
    assert!(last.message.contains("\nhint: "), "{}", last.message);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("## Plimsoll: ERROR"), "{md}");
    assert!(md.contains("tpye"), "{md}");

    let r = plimsoll(&args(&run, &["--format", "markdown"]));
    assert_eq!(r.code, 2);
    assert!(r.stdout.starts_with("## Plimsoll: ERROR\n"), "{}", r.stdout);
    assert!(r.stdout.contains(":6:9:"), "{}", r.stdout);
    assert!(r.stdout.contains("hint: "), "{}", r.stdout);

    // An unreadable source: one error with the hint.
    let r = plimsoll(&[
        "check",
        "testdata/no-such-table",
        "--contract",
        "contracts/failing",
        "--format",
        "github",
    ]);
    assert_eq!(r.code, 2);
    let cmds = commands(&r.stdout);
    assert_eq!(cmds.len(), 1, "{}", r.stdout);
    assert!(
        cmds[0].message.contains("no-such-table"),
        "{}",
        cmds[0].message
    );
    assert!(cmds[0].message.contains("\nhint: "), "{}", cmds[0].message);
}

/// The `owner:` line of a contract's text.
fn owner_in(yaml: &str) -> Option<String> {
    yaml.lines()
        .find_map(|l| l.strip_prefix("owner:"))
        .map(|o| o.split('#').next().unwrap().trim().to_string())
}

#[test]
fn the_owner_is_in_every_format() {
    let owner = owner_in(
        &std::fs::read_to_string(root().join("contracts/failing/marketing.yaml")).unwrap(),
    )
    .unwrap();
    // JSON: every result, with the contract's place apart.
    let (_, v, _) = plimsoll_json(&args(&FAILING, &["--format", "json"]));
    for r in results(&v) {
        assert_eq!(r["owner"], owner.as_str(), "{r}");
        let contract = r["contract"].as_str().unwrap();
        assert_eq!(
            contract,
            format!(
                "{}:{}",
                r["contract_file"].as_str().unwrap(),
                r["contract_line"]
            )
        );
    }
    // Table: beside each result that did not pass.
    let r = plimsoll(&FAILING);
    assert!(
        r.stdout.contains(&format!(
            "FAIL marketing-attribution (owner {owner}) order-events"
        )),
        "{}",
        r.stdout
    );
    // JUnit: a property of each suite.
    let r = plimsoll(&args(&FAILING, &["--format", "junit"]));
    let doc = roxmltree::Document::parse(&r.stdout).unwrap();
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert!(!suites.is_empty());
    for s in suites {
        let props: BTreeMap<&str, &str> = s
            .descendants()
            .filter(|n| n.has_tag_name("property"))
            .map(|n| (n.attribute("name").unwrap(), n.attribute("value").unwrap()))
            .collect();
        assert_eq!(props.get("owner"), Some(&owner.as_str()));
        assert_eq!(props.get("consumer"), Some(&"marketing-attribution"));
        // `properties` comes before the testcases, as the JUnit schema wants.
        let first = s.children().find(|n| n.is_element()).unwrap();
        assert!(first.has_tag_name("properties"));
    }
    // Markdown: the consumer's heading.
    let r = plimsoll(&args(&FAILING, &["--format", "markdown"]));
    assert!(
        r.stdout
            .contains(&format!("### marketing-attribution (owner: {owner})")),
        "{}",
        r.stdout
    );

    // A contract without an owner: null in JSON, no owner anywhere else.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("contracts/failing/marketing.yaml")).unwrap();
    let unowned: String = text
        .lines()
        .filter(|l| !l.starts_with("owner:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let path = dir.path().join("unowned.yaml");
    std::fs::write(&path, unowned).unwrap();
    let run = [
        "check",
        "testdata/orders",
        "--contract",
        path.to_str().unwrap(),
        "--now",
        NOW,
    ];
    let (_, v, _) = plimsoll_json(&args(&run, &["--format", "json"]));
    for r in results(&v) {
        assert!(r.as_object().unwrap().contains_key("owner"));
        assert_eq!(r["owner"], Value::Null);
    }
    let r = plimsoll(&args(&run, &["--format", "markdown"]));
    assert!(
        r.stdout.contains("### marketing-attribution\n"),
        "{}",
        r.stdout
    );
    let r = plimsoll(&args(&run, &["--format", "junit"]));
    assert!(!r.stdout.contains("name=\"owner\""));
}

/// A field name with every character the formats escape, in a contract file with a comma.
#[test]
fn names_with_colons_commas_percents_and_pipes_survive_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let name = "net:amount,100%|x";
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new(name, DataType::Float64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(vec![1, 2, 3, 4])),
            Arc::new(Float64Array::from(vec![Some(1.0), None, None, None])),
        ],
    )
    .unwrap();
    common::parquet(dir.path(), "t/part-0.parquet", &[batch]);
    std::fs::create_dir_all(dir.path().join("c")).unwrap();
    let yaml = format!(
        "consumer: ops\nowner: \"ops, west: 100%\"\ndepends_on:\n  - table: t\n    fields:\n      - name: \"{name}\"\n        required: true\n"
    );
    std::fs::write(dir.path().join("c/a,b.yaml"), &yaml).unwrap();
    let run = ["check", "t", "--contract", "c/a,b.yaml"];
    let r = plimsoll_in(dir.path(), &args(&run, &["--format", "github"]), &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let raw = r.stdout.lines().next().unwrap();
    assert!(
        raw.starts_with("::error file=c/a%2Cb.yaml,line=6,title="),
        "{raw}"
    );
    let c = parse_command(raw).unwrap();
    assert_eq!(
        c.props.keys().collect::<Vec<_>>(),
        ["file", "line", "title"],
        "{raw}"
    );
    assert_eq!(c.props["file"], "c/a,b.yaml");
    assert_eq!(
        c.props["title"],
        format!("null_rate t.{name}: fail (consumer ops, owner ops, west: 100%)")
    );
    assert!(c.message.contains("75"), "{}", c.message);
    assert!(c.message.contains("\nmeasured: "), "{}", c.message);

    let r = plimsoll_in(dir.path(), &args(&run, &["--format", "markdown"]), &[]);
    let rows = markdown_rows(&r.stdout);
    let rows = &rows["ops (owner: ops, west: 100%)"];
    let failed = rows
        .iter()
        .find(|(c, _)| c[3] == "null_rate")
        .expect("a null_rate row");
    assert_eq!(failed.0[2], "net:amount,100%\\|x");
}
