//! The engine as a library and its first new front end, `plimsoll run` over a config of many
//! tables: the same results as `check`, from any working directory, with every output written,
//! and a run that cannot be completed recorded for `status`.

mod common;

use common::root;
use serde_json::Value;
use std::path::{Path, PathBuf};

const NOW: &str = "2024-03-11T00:30:00Z";

/// Runs the binary in `cwd`.
fn plimsoll_in(cwd: &Path, args: &[&str]) -> common::Run {
    common::plimsoll_in(cwd, args, &[])
}

/// A project directory as a scheduled job sees it: the config next to its contracts and data,
/// every path in it relative to the config.
fn project(dir: &Path) -> PathBuf {
    let p = dir.join("project");
    std::fs::create_dir_all(p.join("contracts")).unwrap();
    for c in ["analytics-platform.yaml", "finance-reporting.yaml"] {
        std::fs::copy(
            root().join("contracts").join(c),
            p.join("contracts").join(c),
        )
        .unwrap();
    }
    std::os::unix::fs::symlink(root().join("testdata"), p.join("testdata")).unwrap();
    std::fs::write(
        p.join("plimsoll.yaml"),
        format!(
            "contracts: [contracts/]\nhistory: history\nnow: {NOW}\ntables:\n  order-events: {{ source: testdata/orders, partition: date=latest, expect_every: 24h }}\n  customers: {{ source: testdata/customers, expect_every: 7d }}\noutputs:\n  - {{ format: junit, path: reports/plimsoll.xml }}\n  - {{ format: json, path: reports/plimsoll.json }}\n"
        ),
    )
    .unwrap();
    p
}

/// Results without what differs from run to run.
fn results(v: &Value) -> Vec<Value> {
    v["results"].as_array().unwrap().to_vec()
}

#[test]
fn run_checks_every_table_of_its_config_from_any_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path());
    let config = p.join("plimsoll.yaml");
    // A cron job runs from `/`.
    let r = plimsoll_in(
        Path::new("/"),
        &["run", "--config", config.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("PASS: 0 failed"), "{}", r.stdout);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("reports/plimsoll.json")).unwrap())
            .unwrap();
    let xml = std::fs::read_to_string(p.join("reports/plimsoll.xml")).unwrap();
    roxmltree::Document::parse(&xml).expect("JUnit is XML");
    assert!(
        !p.join("reports").read_dir().unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".tmp")),
        "outputs are renamed into place"
    );
    // The same tables through `check`, in the project directory: the same results.
    let check_history = dir.path().join("check-history");
    let (check_json, check_xml) = (dir.path().join("c.json"), dir.path().join("c.xml"));
    let r = plimsoll_in(
        &p,
        &[
            "check",
            "--contract",
            "contracts/",
            "--table",
            "order-events=testdata/orders",
            "--table",
            "customers=testdata/customers",
            "--partition",
            "date=latest",
            "--history",
            check_history.to_str().unwrap(),
            "--now",
            NOW,
            "--output",
            &format!("json={}", check_json.display()),
            "--output",
            &format!("junit={}", check_xml.display()),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let from_check: Value =
        serde_json::from_str(&std::fs::read_to_string(&check_json).unwrap()).unwrap();
    let strip = |mut rs: Vec<Value>| {
        for r in &mut rs {
            // `check` names contracts as given on its command line, `run` as its config does.
            for key in ["contract", "contract_file"] {
                let c = r[key].as_str().unwrap().to_string();
                r[key] = Value::String(c.rsplit('/').next().unwrap().to_string());
            }
            // The same for the referenced table's location.
            if let Some(src) = r["observed"]["referenced"]["source"].as_str() {
                let name = src.rsplit('/').next().unwrap().to_string();
                r["observed"]["referenced"]["source"] = Value::String(name);
            }
        }
        rs
    };
    assert_eq!(strip(results(&json)), strip(results(&from_check)));
    assert_eq!(json["status"], from_check["status"]);
    assert_eq!(json["summary"], from_check["summary"]);
    let cases = |x: &str| x.matches("<testcase").count();
    assert_eq!(
        cases(&xml),
        cases(&std::fs::read_to_string(&check_xml).unwrap())
    );
    // The history is the config's (relative to it), and `status` takes each table's interval
    // from the config.
    assert!(p.join("history/runs").is_dir());
    let r = plimsoll_in(
        Path::new("/"),
        &[
            "status",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let st: Value = serde_json::from_str(&r.stdout).unwrap();
    let every: Vec<(String, u64)> = st["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["table"].as_str().unwrap().to_string(),
                t["expect_every_seconds"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        every.contains(&("order-events".into(), 86_400)),
        "{every:?}"
    );
    assert!(every.contains(&("customers".into(), 604_800)), "{every:?}");
}

#[test]
fn a_run_whose_source_is_missing_exits_2_writes_its_reports_and_shows_in_status() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path());
    let config = p.join("plimsoll.yaml");
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("source: testdata/orders", "source: testdata/orders-gone");
    std::fs::write(&config, text).unwrap();
    let r = plimsoll_in(
        Path::new("/"),
        &["run", "--config", config.to_str().unwrap()],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("reports/plimsoll.json")).unwrap())
            .unwrap();
    assert_eq!(json["status"], "error");
    let xml = std::fs::read_to_string(p.join("reports/plimsoll.xml")).unwrap();
    assert!(xml.contains("<error message="), "{xml}");
    // The failure is in the run log: `status` says the table errored, and why.
    let r = plimsoll_in(
        Path::new("/"),
        &["status", "--config", config.to_str().unwrap()],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("ERRORED at") && r.stdout.contains("orders-gone"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_config_is_parsed_strictly_and_linted() {
    let dir = tempfile::tempdir().unwrap();
    let p = project(dir.path());
    let config = p.join("plimsoll.yaml");
    let r = plimsoll_in(Path::new("/"), &["lint", config.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("2 contract(s) and 1 run config(s) OK"),
        "{}",
        r.stdout
    );
    std::fs::write(
        &config,
        "contracts: [contracts/]\ntables:\n  order-events: { source: testdata/orders, partiton: date=latest }\n",
    )
    .unwrap();
    let r = plimsoll_in(Path::new("/"), &["lint", config.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("plimsoll.yaml:3:") && r.stdout.contains("unknown key `partiton`"),
        "{}",
        r.stdout
    );
    let r = plimsoll_in(
        Path::new("/"),
        &["run", "--config", config.to_str().unwrap()],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown key `partiton`"), "{}", r.stderr);
}

/// The engine is a library: a plan and a context in, a report out, no command line involved.
#[test]
fn the_engine_runs_in_process() {
    use plimsoll::run::plan::{Bindings, TableBinding};
    use plimsoll::source::SourceRef;
    let bindings = Bindings {
        contracts: vec![root().join("contracts/failing")],
        tables: vec![TableBinding {
            name: "order-events".into(),
            source: Some(SourceRef::new(
                root().join("testdata/orders").to_str().unwrap(),
            )),
            ..TableBinding::default()
        }],
        contract_sources: true,
        now: chrono::DateTime::parse_from_rfc3339(NOW).unwrap().into(),
        ..Bindings::default()
    };
    let plan = plimsoll::run::plan(&bindings).expect("plan");
    assert_eq!(plan.tables.len(), 1);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ctx = plimsoll::Context::default();
    let report = rt.block_on(plimsoll::run::check(&ctx, &plan)).expect("run");
    assert_eq!(report.status(), plimsoll::check::Status::Fail);
    // The same results as the command line gives.
    let (code, v, _) = common::plimsoll_json(&[
        "check",
        "testdata/orders",
        "--contract",
        "contracts/failing",
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let cli: Vec<(String, String, String)> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["check"].as_str().unwrap().to_string(),
                r["field"].as_str().unwrap_or("-").to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let lib: Vec<(String, String, String)> = report
        .results
        .iter()
        .map(|r| {
            (
                r.check.to_string(),
                r.field.clone().unwrap_or_else(|| "-".into()),
                r.status.as_str().to_string(),
            )
        })
        .collect();
    assert_eq!(lib, cli);
}
