//! Contract parsing: values kept as written, every problem in one pass and in file order, and
//! messages that quote what the user wrote. Positions and values are written by hand.

mod common;

use common::plimsoll;
use plimsoll::contract::parse::parse_contract;
use plimsoll::contract::{Contract, load_file};
use plimsoll::error::ContractProblem;
use std::path::Path;

fn parse(text: &str) -> Result<Contract, Vec<ContractProblem>> {
    parse_contract(Path::new("c.yaml"), text)
}

/// The problems as (line, column, message).
fn problems(text: &str) -> Vec<(usize, usize, String)> {
    match parse(text) {
        Ok(c) => panic!("expected problems, the contract parsed: {c:?}"),
        Err(ps) => ps
            .into_iter()
            .map(|p| {
                assert_eq!(p.path, Path::new("c.yaml"));
                (p.line, p.column, p.message)
            })
            .collect(),
    }
}

/// Asserts the problems' positions in order, and that each message contains its needle.
fn assert_problems(text: &str, want: &[(usize, usize, &str)]) {
    let got = problems(text);
    let positions: Vec<(usize, usize)> = got.iter().map(|p| (p.0, p.1)).collect();
    let wanted: Vec<(usize, usize)> = want.iter().map(|w| (w.0, w.1)).collect();
    assert_eq!(positions, wanted, "{got:#?}");
    for (g, w) in got.iter().zip(want) {
        assert!(g.2.contains(w.2), "`{}` not in {:?}", w.2, g.2);
    }
}

fn allowed(text: &str) -> Vec<String> {
    let c = parse(text).unwrap_or_else(|p| panic!("{p:#?}"));
    c.tables[0].fields[0]
        .allowed_values
        .clone()
        .expect("allowed values")
}

fn field(lines: &str) -> String {
    format!("consumer: c\ndepends_on:\n  - table: t\n    fields:\n      - name: n\n{lines}")
}

// Item 1: YAML does not retype what the user wrote.

#[test]
fn string_allowed_values_are_kept_as_written() {
    let text = field(
        "        type: string\n        allowed_values: [02139, 1.50, 0x1F, 1_000, 007, True, yes, 1e3, .5, \"quoted\", '0x10']\n",
    );
    assert_eq!(
        allowed(&text),
        [
            "02139", "1.50", "0x1F", "1_000", "007", "True", "yes", "1e3", ".5", "quoted", "0x10"
        ]
    );
}

#[test]
fn untyped_allowed_values_are_kept_as_written() {
    // Without `type:` values are compared as text with the column's values, whatever it holds.
    let text = field(
        "        allowed_values:\n          - 02139\n          - 1.50\n          - 0x1F\n          - false\n",
    );
    assert_eq!(allowed(&text), ["02139", "1.50", "0x1F", "false"]);
}

#[test]
fn integer_allowed_values_that_could_never_match_are_problems() {
    // An integer column's values read `1000`, `31`, `2139`, `5`: these spellings never match.
    let text = field(
        "        type: integer\n        allowed_values: [1, 1_000, 1.50, 0x1F, 02139, -3, +5]\n",
    );
    assert_problems(
        &text,
        &[
            (7, 36, "allowed value `1.50` is not a whole number"),
            (7, 42, "write `31`"),
            (7, 48, "write `2139`, or declare the field `type: string`"),
            (7, 59, "write `5`"),
        ],
    );
    let ok = field("        type: integer\n        allowed_values: [1, 1_000, -3, 0]\n");
    assert_eq!(allowed(&ok), ["1", "1000", "-3", "0"]);
    // `number` columns are counted only when they are integers.
    let number = field("        type: number\n        allowed_values: [2, 2.5]\n");
    assert_problems(
        &number,
        &[(
            7,
            29,
            "`2.5` is not a whole number, so it can never equal a value of the integer column behind a `number` field",
        )],
    );
}

#[test]
fn boolean_and_date_allowed_values_match_the_column_text() {
    let b = field("        type: boolean\n        allowed_values: [true, FALSE]\n");
    assert_eq!(allowed(&b), ["true", "false"]);
    let b = field("        type: boolean\n        allowed_values: [true, yes, 1]\n");
    assert_problems(
        &b,
        &[
            (7, 32, "allowed value `yes` can never match"),
            (7, 37, "allowed value `1` can never match"),
        ],
    );
    let d = field(
        "        type: date\n        allowed_values: [2024-03-01, 2024-3-1, 2024-02-30, '2024-12-31']\n",
    );
    assert_problems(
        &d,
        &[
            (7, 38, "write `2024-03-01`"),
            (7, 48, "dates written `YYYY-MM-DD`"),
        ],
    );
    let d = field("        type: date\n        allowed_values: [2024-03-01, '2024-12-31']\n");
    assert_eq!(allowed(&d), ["2024-03-01", "2024-12-31"]);
}

#[test]
fn allowed_values_on_types_without_value_counts_are_problems() {
    let text = field("        type: timestamp\n        allowed_values: [2024-03-01T00:00:00Z]\n");
    assert_problems(
        &text,
        &[(
            7,
            25,
            "`allowed_values` cannot be checked on a `timestamp` field",
        )],
    );
    let nulls = field("        allowed_values: [a, ~, null]\n");
    assert_problems(
        &nulls,
        &[
            (6, 29, "`~` is not an allowed value"),
            (6, 32, "quote it (`'null'`) to mean the text"),
        ],
    );
}

#[test]
fn names_are_kept_as_written() {
    let text = "consumer: 007\ndepends_on:\n  - table: 2024\n    source: 0x1F\n    fields:\n      - name: 1.50\n        references: { table: 010, field: true }\n";
    let c = parse(text).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(c.consumer, "007");
    assert_eq!(c.tables[0].table, "2024");
    assert_eq!(c.tables[0].source.as_deref(), Some("0x1F"));
    let f = &c.tables[0].fields[0];
    assert_eq!(f.name, "1.50");
    let r = f.references.as_ref().expect("references");
    assert_eq!((r.table.as_str(), r.field.as_str()), ("010", "true"));
}

#[test]
fn numbers_and_sizes_are_not_read_as_hexadecimal() {
    let text = "consumer: c\ndepends_on:\n  - table: t\n    files: { min_mean_size: 0x1F }\n    fields:\n      - name: n\n        constraints: { min: 0x10, max: 0o17 }\n";
    assert_problems(
        text,
        &[
            (4, 29, "invalid size `0x1F`"),
            (
                7,
                29,
                "`constraints.min` must be a number written in decimal, found `0x10`",
            ),
            (7, 40, "found `0o17`"),
        ],
    );
    let ok = "consumer: c\ndepends_on:\n  - table: t\n    files: { min_mean_size: 1_024 }\n    fields:\n      - name: n\n        constraints: { min: -1_000.5, max: 1e3 }\n";
    let c = parse(ok).unwrap_or_else(|p| panic!("{p:#?}"));
    assert_eq!(c.tables[0].files.as_ref().unwrap().min_mean_size, 1024);
    let k = c.tables[0].fields[0].constraints.as_ref().unwrap();
    assert_eq!((k.min, k.max), (Some(-1000.5), Some(1000.0)));
}

// Item 2: every problem in one pass, in file order.

const MANY: &str = "consumer: c
depends_on:
  - table: orders
    fields:
      - name: id
        type: integer
        required: true
        colour: red
      - name: total
        max_null_rate: 1.5
      - name: id
        type: text
  - table: orders
    fields: [{ name: x }]
";

#[test]
fn every_problem_in_one_pass_in_file_order() {
    assert_problems(
        MANY,
        &[
            (8, 9, "unknown key `colour` in a field"),
            (10, 24, "`max_null_rate` must be between 0 and 1"),
            (
                11,
                15,
                "field `id` is listed twice in table `orders` (first at line 5)",
            ),
            (12, 15, "unknown type `text`"),
            (
                13,
                12,
                "table `orders` is listed twice in `depends_on` (first at line 3)",
            ),
        ],
    );
}

#[test]
fn a_duplicated_key_does_not_hide_the_other_problems() {
    let text = "consumer: c
depends_on:
  - table: orders
    fields:
      - name: id
        required: true
        required: false
        type: text
";
    assert_problems(
        text,
        &[
            (
                7,
                9,
                "duplicated key `required` (first at line 6, column 9)",
            ),
            (8, 15, "unknown type `text`"),
        ],
    );
}

#[test]
fn lint_prints_every_problem_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("many.yaml");
    std::fs::write(&f, MANY).unwrap();
    std::fs::copy(
        common::root().join("contracts/analytics-platform.yaml"),
        dir.path().join("ok.yaml"),
    )
    .unwrap();
    let r = plimsoll(&["lint", dir.path().to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let p = f.display().to_string();
    let lines: Vec<&str> = r.stdout.lines().collect();
    let prefixes = [
        format!("{p}:8:9: unknown key `colour`"),
        format!("{p}:10:24: `max_null_rate` must be between 0 and 1"),
        format!("{p}:11:15: field `id` is listed twice"),
        format!("{p}:12:15: unknown type `text`"),
        format!("{p}:13:12: table `orders` is listed twice"),
    ];
    assert_eq!(lines.len(), prefixes.len() + 2, "{}", r.stdout);
    for (line, prefix) in lines.iter().zip(&prefixes) {
        assert!(line.starts_with(prefix.as_str()), "{line:?} vs {prefix:?}");
    }
    assert_eq!(lines[5], "");
    assert_eq!(lines[6], "5 problem(s) in 1 of 2 contract file(s)");
}

// Item 3: messages say what is wrong and quote what was written; reading is bounded.

#[test]
fn non_finite_thresholds_say_so() {
    let text = "consumer: c\ndepends_on:\n  - table: t\n    max_null_rate: .nan\n    drift: { max_psi: -.inf }\n    fields:\n      - name: n\n        skew: { max_top_share: nan }\n        constraints: { max: 1e400 }\n";
    assert_problems(
        text,
        &[
            (
                4,
                20,
                "`max_null_rate` must be a finite number, found `.nan`",
            ),
            (
                5,
                23,
                "`drift.max_psi` must be a finite number, found `-.inf`",
            ),
            (
                8,
                32,
                "`skew.max_top_share` must be a finite number, found `nan`",
            ),
            (
                9,
                29,
                "`constraints.max` must be a finite number, found `1e400`",
            ),
        ],
    );
}

#[test]
fn numbers_in_messages_are_printed_as_written() {
    let text = "consumer: c\ndepends_on:\n  - table: t\n    max_null_rate: 9223372036854775807\n    row_count: { min_ratio: 3, max_ratio: 2.50 }\n    fields:\n      - name: n\n        constraints: { min: 9223372036854775807, max: 1_000 }\n";
    assert_eq!(
        problems(text),
        [
            (
                4,
                20,
                "`max_null_rate` must be between 0 and 1 (a fraction, not a percentage), found 9223372036854775807".to_string()
            ),
            (
                5,
                16,
                "`row_count.min_ratio` (3) is above `max_ratio` (2.50)".to_string()
            ),
            (
                8,
                22,
                "`constraints.min` (9223372036854775807) is above `constraints.max` (1_000)"
                    .to_string()
            ),
        ]
    );
}

fn only_problem(path: &Path) -> ContractProblem {
    let mut ps = load_file(path).expect_err("the file is refused");
    assert_eq!(ps.len(), 1, "{ps:#?}");
    ps.remove(0)
}

#[test]
fn devices_are_refused_without_reading() {
    let p = only_problem(Path::new("/dev/zero"));
    assert_eq!((p.line, p.column), (1, 1));
    assert_eq!(
        p.message,
        "not a regular file (a device, FIFO or socket): contracts are read from regular files only"
    );
    let r = plimsoll(&["lint", "/dev/zero"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("/dev/zero:1:1: not a regular file"),
        "{}",
        r.stdout
    );
}

#[test]
fn fifos_are_refused_without_opening() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("c.yaml");
    // Opening a FIFO waits for a writer; the loader must not open it at all.
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available; skipped");
        return;
    }
    let p = only_problem(&fifo);
    assert!(p.message.starts_with("not a regular file"), "{p:?}");
}

#[test]
fn oversized_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("huge.yaml");
    let mut text = b"consumer: c\n".to_vec();
    text.resize(16_000_001, b'#');
    std::fs::write(&f, &text).unwrap();
    let p = only_problem(&f);
    assert_eq!((p.line, p.column), (1, 1));
    assert_eq!(
        p.message,
        "the file is 16000001 bytes; contracts larger than 16.0 MB are refused"
    );
}

#[test]
fn invalid_utf8_is_reported_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("latin1.yaml");
    std::fs::write(&f, b"consumer: c\ndepends_on: caf\xe9\n").unwrap();
    let p = only_problem(&f);
    assert_eq!((p.line, p.column), (2, 16));
    assert_eq!(
        p.message,
        "the file is not UTF-8 text (byte 0xE9 at offset 27)"
    );
}

// Deep nesting is refused before it reaches any recursion (the fuzzer covers more shapes).

#[test]
fn deep_nesting_is_refused() {
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let text = format!("consumer: c\ndepends_on: {deep}\n");
    // The scanner refuses flow nesting at its 256th level, before any event reaches the parser.
    assert_problems(&text, &[(2, 268, "the YAML is nested too deep")]);
    let text = format!("consumer: c\ndepends_on:\n{}x\n", "- ".repeat(10_000));
    assert_problems(&text, &[(3, 127, "nested more than 64 levels deep")]);
}

#[test]
fn shipped_contracts_still_parse() {
    for name in [
        "contracts/analytics-platform.yaml",
        "contracts/finance-reporting.yaml",
        "contracts/failing/marketing.yaml",
    ] {
        let c = load_file(&common::root().join(name)).unwrap_or_else(|p| panic!("{p:#?}"));
        assert!(!c.tables.is_empty());
    }
    let c = load_file(&common::root().join("contracts/finance-reporting.yaml")).unwrap();
    assert_eq!(
        c.tables[1].fields[1].allowed_values.as_deref(),
        Some(&["free".to_string(), "plus".into(), "pro".into()][..])
    );
}

#[test]
fn tags_other_than_str_are_refused() {
    let text =
        "consumer: !!str 007\ndepends_on:\n  - table: !!binary aGk=\n    fields: !custom []\n";
    assert_problems(
        text,
        &[
            (
                3,
                12,
                "`table` must be a string, found a value tagged `!!binary`",
            ),
            (
                4,
                13,
                "`fields` must be a list, found a value tagged `!custom`",
            ),
        ],
    );
    let ok = "consumer: !!str 007\ndepends_on:\n  - table: t\n";
    assert_eq!(parse(ok).unwrap().consumer, "007");
}
