//! The HTML reports (`--format html`, `--output html=PATH`) of `profile`, `drift` and `check`
//! on the shipped testdata: well-formed, self-contained (nothing fetched), a card and a chart
//! for every field of the Parquet schema (read with the `parquet` crate, not Plimsoll), the
//! numbers shown equal to what arrow kernels count in the files and to the JSON report of the
//! same run, failures listed first. Then the same pages in headless Chromium: a full-page
//! screenshot of each (kept under the target directory's `html-screenshots/`), no console
//! error, every chart laid out with a size, and a PDF printed.

mod common;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Int32Type};
use common::{parquet, parquet_files, plimsoll, root};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use roxmltree::{Document, Node, ParsingOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const NOW: &str = "2024-03-11T00:30:00Z";

fn parse(html: &str) -> Document<'_> {
    Document::parse_with_options(
        html,
        ParsingOptions {
            allow_dtd: true,
            ..ParsingOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("the HTML is not well-formed XML: {e}"))
}

fn has_class(n: &Node<'_, '_>, class: &str) -> bool {
    n.attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|x| x == class))
}

fn elements<'a, 'i>(doc: &'a Document<'i>, tag: &str, class: &str) -> Vec<Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == tag && has_class(n, class))
        .collect()
}

/// The text of a node and its descendants.
fn text(n: &Node<'_, '_>) -> String {
    n.descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect()
}

/// The `<dd>` of the statistic `key` (`data-k`) in a card.
fn stat(card: &Node<'_, '_>, key: &str) -> Option<String> {
    card.descendants()
        .find(|n| n.attribute("data-k") == Some(key))
        .map(|n| {
            n.descendants()
                .find(|d| d.tag_name().name() == "dd")
                .map_or_else(|| text(&n), |d| text(&d))
        })
}

/// The first number in a text shown to people (`3,512 (0.31%)` is 3512).
fn first_number(s: &str) -> f64 {
    let t: String = s
        .trim_start_matches(|c: char| !(c.is_ascii_digit() || c == '-'))
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | 'e'))
        .filter(|c| *c != ',')
        .collect();
    t.parse()
        .unwrap_or_else(|_| panic!("no number in `{s}` ({t})"))
}

/// Close enough for a number printed with about four significant digits.
fn close(shown: f64, exact: f64) -> bool {
    (shown - exact).abs() <= 1e-3 * exact.abs().max(1.0)
}

/// No `src=`, `href=` or `url(` reaches out of the page.
fn assert_self_contained(html: &str) {
    let re = regex::Regex::new(
        r#"(?i)(src|href)\s*=\s*["']?\s*(https?:|//)|url\(\s*["']?\s*(https?:|//)"#,
    )
    .unwrap();
    assert!(
        !re.is_match(html),
        "an external reference: {:?}",
        re.find(html)
    );
    let lower = html.to_lowercase();
    for bad in ["<script", "<link", "<img", "@import", "<iframe"] {
        assert!(!lower.contains(bad), "the page has `{bad}`");
    }
}

/// What arrow reads from a partition's files: the schema's fields with their types, the row
/// count, each field's null count, and the batches.
struct Facts {
    fields: Vec<(String, DataType)>,
    rows: usize,
    nulls: BTreeMap<String, usize>,
    batches: Vec<arrow::array::RecordBatch>,
}

fn facts(dir: &Path) -> Facts {
    let mut out = Facts {
        fields: Vec::new(),
        rows: 0,
        nulls: BTreeMap::new(),
        batches: Vec::new(),
    };
    for f in parquet_files(dir) {
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&f).unwrap()).unwrap();
        if out.fields.is_empty() {
            out.fields = builder
                .schema()
                .fields()
                .iter()
                .map(|f| (f.name().clone(), f.data_type().clone()))
                .collect();
        }
        for b in builder.build().unwrap() {
            let b = b.unwrap();
            out.rows += b.num_rows();
            for (i, (name, _)) in out.fields.iter().enumerate() {
                *out.nulls.entry(name.clone()).or_default() += b.column(i).null_count();
            }
            out.batches.push(b);
        }
    }
    out
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Every field's card holds a chart: an SVG with marks, or an explicit placeholder.
fn assert_chart(card: &Node<'_, '_>, field: &str) {
    let svg = card
        .descendants()
        .find(|n| n.tag_name().name() == "svg" && has_class(n, "chart"));
    let placeholder = card
        .descendants()
        .find(|n| n.tag_name().name() == "div" && has_class(n, "nodata"));
    match (svg, placeholder) {
        (Some(svg), None) => assert!(
            svg.descendants()
                .any(|n| n.tag_name().name() == "rect" && has_class(&n, "bar")),
            "`{field}`: the chart has no bar"
        ),
        (None, Some(p)) => assert!(!text(&p).trim().is_empty(), "`{field}`: empty placeholder"),
        other => panic!("`{field}`: expected one chart or one placeholder, got {other:?}"),
    }
}

#[test]
fn profile_html_has_a_card_and_chart_per_field_with_the_counts_arrow_reads() {
    let r = plimsoll(&[
        "profile",
        "testdata/orders",
        "--partition",
        "date=latest",
        "--format",
        "html",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_self_contained(&r.stdout);
    let doc = parse(&r.stdout);
    let data = facts(&root().join("testdata/orders/date=2024-03-10"));

    // The header's row count is the files' row count.
    let rows = doc
        .descendants()
        .find(|n| n.attribute("data-k") == Some("row_count"))
        .expect("the row count in the header");
    assert_eq!(first_number(&text(&rows)) as usize, data.rows);

    let cards = elements(&doc, "section", "field");
    let by_name: BTreeMap<&str, Node> = cards
        .iter()
        .map(|c| (c.attribute("data-field").unwrap(), *c))
        .collect();
    for (name, _) in &data.fields {
        let card = by_name
            .get(name.as_str())
            .unwrap_or_else(|| panic!("no card for `{name}`"));
        assert_chart(card, name);
        // Nulls as arrow counts them in the files.
        let nulls = stat(card, "nulls").unwrap_or_else(|| panic!("`{name}`: no null count"));
        assert_eq!(
            first_number(&nulls) as usize,
            data.nulls[name],
            "`{name}` nulls: {nulls}"
        );
        let non_null = stat(card, "rows").unwrap();
        assert_eq!(
            first_number(&non_null) as usize,
            data.rows - data.nulls[name],
            "`{name}` non-null"
        );
    }

    // `quantity` (10 values): a bar per value, each with the count arrow finds.
    let mut counts: BTreeMap<i32, u64> = BTreeMap::new();
    let qi = data.fields.iter().position(|f| f.0 == "quantity").unwrap();
    for b in &data.batches {
        let a = b.column(qi).as_primitive::<Int32Type>();
        for v in a.iter().flatten() {
            *counts.entry(v).or_default() += 1;
        }
    }
    let bars: Vec<(i32, u64)> = by_name["quantity"]
        .descendants()
        .filter(|n| n.tag_name().name() == "rect" && has_class(n, "bar"))
        .map(|n| {
            let title = text(&n);
            let (v, _) = title.split_once(':').unwrap();
            (
                v.trim().parse().unwrap(),
                n.attribute("data-count").unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(bars, counts.into_iter().collect::<Vec<_>>());

    // The same figures as the JSON report of the profile.
    let (code, json, _) = common::plimsoll_json(&[
        "profile",
        "testdata/orders",
        "--partition",
        "date=latest",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    for f in json["fields"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let card = by_name[name];
        let distinct = stat(&card, "distinct").unwrap();
        assert_eq!(
            first_number(&distinct) as u64,
            f["distinct"].as_u64().unwrap(),
            "`{name}` distinct"
        );
        if f["distinct_exact"] == false {
            assert!(distinct.contains("approx"), "`{name}`: {distinct}");
        }
    }
    for name in ["total_usd", "discount"] {
        let f = json["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap();
        let card = by_name[name];
        for (k, v) in [
            ("mean", &f["mean"]),
            ("stddev", &f["stddev"]),
            ("min", &f["min"]),
            ("max", &f["max"]),
        ] {
            let shown = first_number(&stat(&card, k).unwrap());
            assert!(
                close(shown, v.as_f64().unwrap()),
                "`{name}` {k}: {shown} vs {v}"
            );
        }
        for q in ["p01", "p50", "p99"] {
            let cell = card
                .descendants()
                .find(|n| n.attribute("data-q") == Some(q))
                .unwrap();
            let shown = first_number(&text(&cell));
            let v = f["quantiles"][q].as_f64().unwrap();
            assert!(close(shown, v), "`{name}` {q}: {shown} vs {v}");
        }
        // The histogram's bins are the JSON's bins.
        let bars: Vec<u64> = card
            .descendants()
            .filter(|n| n.tag_name().name() == "rect" && has_class(n, "bar"))
            .map(|n| n.attribute("data-count").unwrap().parse().unwrap())
            .collect();
        let bins: Vec<u64> = f["histogram"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["count"].as_u64().unwrap())
            .collect();
        assert_eq!(bars, bins, "`{name}` histogram");
    }
    // `event_time`: a histogram with bars, the JSON's bins, adding up to the rows; the
    // quantiles as times (their full value in each cell's title) at the JSON's instants.
    let f = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "event_time")
        .unwrap();
    let card = by_name["event_time"];
    let chart = card
        .descendants()
        .find(|n| n.attribute("data-chart") == Some("histogram"))
        .expect("`event_time` has a histogram");
    let bars: Vec<u64> = chart
        .descendants()
        .filter(|n| n.tag_name().name() == "rect" && has_class(n, "bar"))
        .map(|n| n.attribute("data-count").unwrap().parse().unwrap())
        .collect();
    let bins: Vec<u64> = f["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .collect();
    assert_eq!(bars.len(), 10);
    assert_eq!(bars, bins, "`event_time` histogram");
    assert_eq!(bars.iter().sum::<u64>() as usize, data.rows);
    let ticks: Vec<String> = chart
        .descendants()
        .filter(|n| n.tag_name().name() == "text" && has_class(n, "tick"))
        .map(|n| text(&n))
        .collect();
    assert!(
        ticks.iter().any(|t| t.starts_with("2024-03-10 06:06")),
        "the first tick is the first value's time: {ticks:?}"
    );
    let instant = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    for q in ["p01", "p50", "p99"] {
        let cell = card
            .descendants()
            .find(|n| n.attribute("data-q") == Some(q))
            .unwrap();
        let json_q = instant(f["quantiles"][q].as_str().unwrap());
        assert_eq!(instant(cell.attribute("title").unwrap()), json_q, "{q}");
        assert_eq!(text(&cell), json_q.format("%H:%M").to_string(), "{q}");
    }
    // The top value of `status`, with its count.
    let top = json["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "status")
        .unwrap();
    let first_bar = by_name["status"]
        .descendants()
        .find(|n| n.tag_name().name() == "rect" && has_class(n, "bar"))
        .unwrap();
    assert_eq!(
        first_bar.attribute("data-count").unwrap(),
        top["top_values"][0]["count"].to_string()
    );
}

#[test]
fn user_strings_are_escaped() {
    use arrow::array::{Float64Array, StringArray};
    use arrow::datatypes::{Field, Schema};
    let dir = tmp();
    let evil = "<script>alert(1)</script>";
    let schema = Arc::new(Schema::new(vec![
        Field::new("a<b&c\"", DataType::Utf8, true),
        Field::new("x'&y", DataType::Float64, true),
    ]));
    let batch = arrow::array::RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(vec![
                Some(evil),
                Some(evil),
                Some("Tom & Jerry"),
                None,
            ])),
            Arc::new(Float64Array::from(vec![None, None, None, None])),
        ],
    )
    .unwrap();
    let file = parquet(dir.path(), "t<&>/part.parquet", &[batch]);
    let r = plimsoll(&[
        "profile",
        file.parent().unwrap().to_str().unwrap(),
        "--format",
        "html",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("<script>"), "unescaped markup");
    assert!(r.stdout.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(r.stdout.contains("Tom &amp; Jerry"));
    assert_self_contained(&r.stdout);
    // Well-formed, and the strings read back as they were.
    let doc = parse(&r.stdout);
    let cards = elements(&doc, "section", "field");
    let names: Vec<&str> = cards
        .iter()
        .filter_map(|c| c.attribute("data-field"))
        .collect();
    assert_eq!(names, ["a<b&c\"", "x'&y"]);
    let all = text(&doc.root());
    assert!(all.contains(evil), "the value is shown as text");
    assert!(all.contains("t<&>"), "the table path is shown as text");
    // The all-null field says so.
    let placeholder = cards[1]
        .descendants()
        .find(|n| has_class(n, "nodata"))
        .expect("a placeholder for the all-null field");
    assert!(text(&placeholder).contains("all null"));
    assert_chart(&cards[0], "a<b&c\"");
}

/// Severity for ordering: fail and error first, then warn, then pass, then not judged.
fn rank(status: &str) -> u8 {
    match status {
        "error" | "fail" => 3,
        "warn" => 2,
        "pass" => 1,
        _ => 0,
    }
}

#[test]
fn drift_html_shows_every_field_worst_first_with_the_json_figures() {
    let dir = tmp();
    let out = dir.path().join("reports/drift.html");
    let r = plimsoll(&[
        "drift",
        "testdata/orders_drift",
        "--partition",
        "date=2024-03-09",
        "--baseline",
        "7d",
        "--format",
        "json",
        "--output",
        &format!("html={}", out.display()),
    ]);
    // `total_usd` drifted (a unit change): exit 1, and both reports written.
    assert_eq!(r.code, 1, "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let html = std::fs::read_to_string(&out).unwrap();
    assert_self_contained(&html);
    let doc = parse(&html);
    let data = facts(&root().join("testdata/orders_drift/date=2024-03-09"));

    let cards = elements(&doc, "section", "drift");
    let by_name: BTreeMap<&str, Node> = cards
        .iter()
        .map(|c| (c.attribute("data-field").unwrap(), *c))
        .collect();
    for (name, _) in &data.fields {
        let card = by_name
            .get(name.as_str())
            .unwrap_or_else(|| panic!("no drift card for `{name}`"));
        assert_chart(card, name);
    }
    // Worst first.
    let statuses: Vec<u8> = cards
        .iter()
        .map(|c| rank(c.attribute("data-status").unwrap()))
        .collect();
    assert!(
        statuses.windows(2).all(|w| w[0] >= w[1]),
        "not worst first: {statuses:?}"
    );
    assert_eq!(cards[0].attribute("data-field"), Some("total_usd"));
    assert_eq!(cards[0].attribute("data-status"), Some("fail"));

    for f in json["fields"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let card = by_name[name];
        assert_eq!(card.attribute("data-status"), f["status"].as_str());
        let Some(psi) = f["psi"].as_f64() else {
            continue;
        };
        let shown = first_number(&stat(&card, "psi").unwrap());
        assert!((shown - psi).abs() <= 5e-5, "`{name}` PSI {shown} vs {psi}");
        // One baseline and one current bar per bin, one PSI term per bin.
        let bins = f["baseline_proportions"].as_array().unwrap().len();
        let count = |class: &str| {
            card.descendants()
                .filter(|n| n.tag_name().name() == "rect" && has_class(n, class))
                .count()
        };
        if bins <= 24 {
            assert_eq!(count("baseline"), bins, "`{name}`");
            assert_eq!(count("current"), bins, "`{name}`");
            assert_eq!(count("psi-term"), bins, "`{name}`");
        }
        if let Some(ks) = f["ks"]["statistic"].as_f64() {
            let shown = first_number(&stat(&card, "ks").unwrap());
            assert!((shown - ks).abs() <= 5e-5, "`{name}` KS");
        }
        if let Some(p) = f["chi_square"]["p_value"].as_f64() {
            let shown = first_number(&stat(&card, "chi2_p").unwrap());
            assert!(close(shown, p), "`{name}` chi-square p {shown} vs {p}");
        }
    }
    // The current side's values: the non-null values arrow counts in the partition.
    for name in ["total_usd", "status"] {
        let shown = first_number(&stat(&by_name[name], "n_current").unwrap());
        assert_eq!(
            shown as usize,
            data.rows - data.nulls[name],
            "`{name}` current values"
        );
    }
}

/// Rows of each partition of `testdata/orders`, from the Parquet footers.
fn partition_rows(name: &str) -> u64 {
    parquet_files(&root().join("testdata/orders").join(name))
        .iter()
        .map(|f| {
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(f).unwrap())
                .unwrap()
                .metadata()
                .file_metadata()
                .num_rows() as u64
        })
        .sum()
}

#[test]
fn check_html_counts_results_and_draws_the_row_counts() {
    let dir = tmp();
    let out = dir.path().join("check.html");
    let r = plimsoll(&[
        "check",
        "--contract",
        "contracts/",
        "--partition",
        "date=latest",
        "--now",
        NOW,
        "--format",
        "json",
        "--output",
        &format!("html={}", out.display()),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let html = std::fs::read_to_string(&out).unwrap();
    assert_self_contained(&html);
    let doc = parse(&html);
    for k in ["pass", "warn", "fail", "error"] {
        let n = doc
            .descendants()
            .find(|n| n.attribute("data-k") == Some(k))
            .unwrap();
        assert_eq!(
            first_number(&text(&n)) as u64,
            json["summary"][k].as_u64().unwrap(),
            "{k}"
        );
    }
    let rows = elements(&doc, "tr", "result");
    assert_eq!(
        rows.len() as u64,
        json["summary"]["total"].as_u64().unwrap()
    );

    // `order-events`: a bar per baseline slice and today, each the rows its files hold.
    let card = elements(&doc, "section", "table-card")
        .into_iter()
        .find(|c| c.attribute("data-table") == Some("order-events"))
        .unwrap();
    let bars: Vec<(bool, u64)> = card
        .descendants()
        .filter(|n| n.tag_name().name() == "rect" && n.attribute("data-rows").is_some())
        .map(|n| {
            (
                has_class(&n, "today"),
                n.attribute("data-rows").unwrap().parse().unwrap(),
            )
        })
        .collect();
    let table = json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "order-events")
        .unwrap();
    let slices = table["baseline"]["slices"].as_array().unwrap();
    assert_eq!(bars.len(), slices.len() + 1);
    for (bar, slice) in bars.iter().zip(slices) {
        assert!(!bar.0);
        assert_eq!(bar.1, slice["rows"].as_u64().unwrap());
        assert_eq!(bar.1, partition_rows(slice["name"].as_str().unwrap()));
    }
    assert_eq!(
        *bars.last().unwrap(),
        (true, partition_rows("date=2024-03-10"))
    );
    // The band the row_count check allows is drawn.
    assert!(
        card.descendants()
            .any(|n| n.tag_name().name() == "rect" && has_class(&n, "band"))
    );
}

#[test]
fn failing_check_html_lists_failures_first() {
    let r = plimsoll(&[
        "check",
        "testdata/orders",
        "--contract",
        "contracts/failing/",
        "--now",
        NOW,
        "--format",
        "html",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_self_contained(&r.stdout);
    let doc = parse(&r.stdout);
    let statuses: Vec<&str> = elements(&doc, "tr", "result")
        .iter()
        .map(|n| n.attribute("data-status").unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "fail").count(), 9);
    assert_eq!(statuses.iter().filter(|s| **s == "pass").count(), 12);
    assert!(
        statuses.windows(2).all(|w| rank(w[0]) >= rank(w[1])),
        "failures first: {statuses:?}"
    );
    // Each failure says what was measured against what.
    let first = elements(&doc, "tr", "result")[0];
    let observed = first
        .descendants()
        .find(|n| has_class(n, "observed"))
        .unwrap();
    let expected = first
        .descendants()
        .find(|n| has_class(n, "expected"))
        .unwrap();
    assert!(!text(&observed).is_empty() && !text(&expected).is_empty());
    assert!(r.stdout.contains("badge fail"));
    // More than ten passes of a consumer fold into a closed `<details>`; failures stay open.
    let mut folded = 0;
    for section in elements(&doc, "section", "consumer") {
        let rows: Vec<Node> = section
            .descendants()
            .filter(|n| n.tag_name().name() == "tr" && has_class(n, "result"))
            .collect();
        let passes = rows
            .iter()
            .filter(|n| n.attribute("data-status") == Some("pass"))
            .count();
        for row in &rows {
            let details = row.ancestors().find(|n| n.tag_name().name() == "details");
            let pass = row.attribute("data-status") == Some("pass");
            assert_eq!(details.is_some(), pass && passes > 10, "{passes} passes");
            if let Some(d) = details {
                assert!(has_class(&d, "passes") && d.attribute("open").is_none());
            }
        }
        if passes > 10 {
            folded += 1;
        }
    }
    assert!(folded > 0, "the 12 passes fold");
}

#[test]
fn output_flags_are_checked() {
    let r = plimsoll(&["profile", "testdata/orders", "--output", "pdf=x.pdf"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("invalid `--output pdf=x.pdf`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("`html`"), "{}", r.stderr);
    // `--output html=-` is the report on stdout.
    let r = plimsoll(&[
        "profile",
        "testdata/orders",
        "--partition",
        "date=latest",
        "--columns",
        "status",
        "--output",
        "html=-",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("<!DOCTYPE html>"));
    // A check that cannot be completed: the HTML report carries the error, exit 2.
    let r = plimsoll(&["check", "--contract", "no/such/dir", "--format", "html"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let doc = parse(&r.stdout);
    let all = text(&doc.root());
    assert!(all.contains("cannot read `no/such/dir`"), "{all}");
    assert!(r.stdout.contains("badge error"));
    // `profile --metadata-only`: the footers' counts, no distribution.
    let r = plimsoll(&[
        "profile",
        "testdata/orders",
        "--partition",
        "date=latest",
        "--metadata-only",
        "--format",
        "html",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = parse(&r.stdout);
    let data = facts(&root().join("testdata/orders/date=2024-03-10"));
    let cards = elements(&doc, "section", "field");
    assert!(!cards.is_empty());
    for card in cards {
        let name = card.attribute("data-field").unwrap();
        if let Some(nulls) = data.nulls.get(name) {
            assert_eq!(
                first_number(&stat(&card, "nulls").unwrap()) as usize,
                *nulls
            );
        }
        assert!(card.descendants().any(|n| has_class(&n, "nodata")));
    }
}

// ---- In a browser -------------------------------------------------------------------------

/// Debian's Chromium, installed when missing; None (the test says why) when it cannot be.
fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from("/usr/bin/chromium");
    if path.exists() {
        return Some(path);
    }
    let installed = std::process::Command::new("apt-get")
        .args(["install", "-y", "chromium"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if installed && path.exists() {
        return Some(path);
    }
    eprintln!(
        "SKIPPED: the browser test needs Chromium at /usr/bin/chromium, which is missing and `apt-get install -y chromium` could not install"
    );
    None
}

/// What a Chromium run left: its stdout and stderr.
struct Browser {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium on `page` with `args`, killed after 60 seconds.
fn run_chromium(bin: &Path, page: &Path, args: &[String]) -> Browser {
    let dir = tmp();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let profile = dir.path().join("profile");
    let mut child = std::process::Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("start chromium");
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let stderr = std::fs::read_to_string(&err).unwrap_or_default();
            assert!(status.success(), "chromium failed ({status}):\n{stderr}");
            break;
        }
        if start.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 60 s on {}", page.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Browser {
        stdout: String::from_utf8_lossy(&std::fs::read(&out).unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&err).unwrap()).into_owned(),
    }
}

/// The console messages in Chromium's log. The pages have no script, so any is an error.
fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("Uncaught")
                || l.contains("Failed to load resource")
        })
        .collect()
}

/// A probe appended to a copy of the page (the page itself has no script): records load
/// errors, the page's height, and how many charts were laid out with a size, in the DOM.
const PROBE: &str = r#"<script>
var errors = [];
window.addEventListener('error', function (e) {
  errors.push(e.message || ('resource ' + (e.target && (e.target.src || e.target.href))));
}, true);
window.addEventListener('load', function () {
  var charts = document.querySelectorAll('svg.chart');
  var sized = 0;
  for (var i = 0; i < charts.length; i++) {
    var r = charts[i].getBoundingClientRect();
    if (r.width > 50 && r.height > 10) sized++;
  }
  var root = document.documentElement;
  root.setAttribute('data-height', Math.ceil(root.scrollHeight));
  root.setAttribute('data-charts', charts.length);
  root.setAttribute('data-sized', sized);
  root.setAttribute('data-errors', errors.join('|'));
});
</script></body>"#;

fn attr(dom: &str, name: &str) -> String {
    let key = format!("{name}=\"");
    let at = dom
        .find(&key)
        .unwrap_or_else(|| panic!("`{name}` not in the DOM (did the probe run?)"));
    dom[at + key.len()..].split('"').next().unwrap().to_string()
}

/// Renders `html` in Chromium: a full-page screenshot kept as `NAME.png`, a PDF, and the
/// checks that nothing failed and every chart (and field card) was laid out.
fn in_browser(bin: &Path, name: &str, html: &str, card_class: &str) {
    let shots = PathBuf::from(concat!(env!("CARGO_TARGET_TMPDIR"), "/html-screenshots"));
    std::fs::create_dir_all(&shots).unwrap();
    let page = shots.join(format!("{name}.html"));
    std::fs::write(&page, html).unwrap();
    let probe_page = shots.join(format!("{name}.probe.html"));
    std::fs::write(&probe_page, html.replacen("</body>", PROBE, 1)).unwrap();

    let probe = run_chromium(
        bin,
        &probe_page,
        &[
            "--window-size=1280,900".into(),
            "--virtual-time-budget=5000".into(),
            "--dump-dom".into(),
        ],
    );
    let dom = &probe.stdout;
    assert_eq!(attr(dom, "data-errors"), "", "{name}: errors on the page");
    let charts: usize = attr(dom, "data-charts").parse().unwrap();
    let sized: usize = attr(dom, "data-sized").parse().unwrap();
    assert!(charts > 0, "{name}: no chart");
    assert_eq!(sized, charts, "{name}: a chart was not laid out");
    // Every card of the DOM Chromium built holds an SVG chart or a placeholder.
    let cards: Vec<&str> = dom
        .split(&format!("<section class=\"card {card_class}"))
        .skip(1)
        .collect();
    assert!(!cards.is_empty(), "{name}: no card in the DOM");
    for c in &cards {
        let c = c.split("</section>").next().unwrap();
        assert!(
            c.contains("<svg") || c.contains("class=\"nodata"),
            "{name}: a card without chart: {}",
            &c[..c.len().min(200)]
        );
    }
    let height: u32 = attr(dom, "data-height").parse().unwrap();

    // The page itself: a full-page screenshot, with nothing on the console.
    let png = shots.join(format!("{name}.png"));
    let shot = run_chromium(
        bin,
        &page,
        &[
            format!("--window-size=1280,{}", height.clamp(600, 16_000) + 20),
            format!("--screenshot={}", png.display()),
        ],
    );
    assert!(
        console_errors(&shot.stderr).is_empty(),
        "{name}: console: {:?}",
        console_errors(&shot.stderr)
    );
    let bytes = std::fs::read(&png).expect("the screenshot");
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "{name}: empty screenshot"
    );

    // Printable: a PDF with pages.
    let pdf = shots.join(format!("{name}.pdf"));
    let printed = run_chromium(
        bin,
        &page,
        &[
            "--no-pdf-header-footer".into(),
            format!("--print-to-pdf={}", pdf.display()),
        ],
    );
    assert!(
        console_errors(&printed.stderr).is_empty(),
        "{name}: console when printing"
    );
    let bytes = std::fs::read(&pdf).expect("the PDF");
    assert!(
        bytes.starts_with(b"%PDF") && bytes.len() > 5_000,
        "{name}: empty PDF"
    );
}

#[test]
fn the_reports_render_in_chromium() {
    let Some(bin) = chromium() else {
        return;
    };
    // The detector sees errors: a page that throws and misses an image.
    let dir = tmp();
    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<html><body><script>throw new Error('boom')</script></body></html>",
    )
    .unwrap();
    let b = run_chromium(&bin, &bad, &["--dump-dom".into()]);
    assert!(
        !console_errors(&b.stderr).is_empty(),
        "the console detector saw nothing"
    );

    let profile = plimsoll(&[
        "profile",
        "testdata/orders",
        "--partition",
        "date=latest",
        "--format",
        "html",
    ]);
    assert_eq!(profile.code, 0, "{}", profile.stderr);
    in_browser(&bin, "profile", &profile.stdout, "field");

    let drift = plimsoll(&[
        "drift",
        "testdata/orders_drift",
        "--partition",
        "date=2024-03-09",
        "--baseline",
        "7d",
        "--format",
        "html",
    ]);
    assert_eq!(drift.code, 1, "{}", drift.stderr);
    in_browser(&bin, "drift", &drift.stdout, "drift");

    let check = plimsoll(&[
        "check",
        "--contract",
        "contracts/",
        "--partition",
        "date=latest",
        "--now",
        NOW,
        "--format",
        "html",
    ]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    in_browser(&bin, "check", &check.stdout, "table-card");

    let failing = plimsoll(&[
        "check",
        "testdata/orders",
        "--contract",
        "contracts/failing/",
        "--now",
        NOW,
        "--format",
        "html",
    ]);
    assert_eq!(failing.code, 1, "{}", failing.stderr);
    in_browser(&bin, "check-failing", &failing.stdout, "table-card");
}

#[test]
fn a_run_config_writes_the_html_report() {
    let dir = tmp();
    let p = dir.path();
    std::os::unix::fs::symlink(root().join("testdata"), p.join("testdata")).unwrap();
    std::os::unix::fs::symlink(root().join("contracts"), p.join("contracts")).unwrap();
    std::fs::write(
        p.join("plimsoll.yaml"),
        format!(
            "contracts: [contracts/failing/]\nnow: {NOW}\ntables:\n  order-events: {{ source: testdata/orders }}\noutputs:\n  - {{ format: html, path: reports/check.html }}\n  - {{ format: json, path: reports/check.json }}\n"
        ),
    )
    .unwrap();
    let config = p.join("plimsoll.yaml");
    let r = plimsoll(&["run", "--config", config.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let html = std::fs::read_to_string(p.join("reports/check.html")).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.join("reports/check.json")).unwrap())
            .unwrap();
    assert_self_contained(&html);
    let doc = parse(&html);
    let fails = elements(&doc, "tr", "result")
        .iter()
        .filter(|n| n.attribute("data-status") == Some("fail"))
        .count() as u64;
    assert_eq!(fails, json["summary"]["fail"].as_u64().unwrap());
}
