//! The terminal: progress, colour, `--quiet` and `--verbose`, run under a real pseudo-terminal
//! (`script`, which records every byte written to the pty, and tmux, which shows the screen) and
//! in pipes. Every process runs under `timeout`; tmux runs on a server of its own per test,
//! killed at the end.

mod common;

use common::root;
use std::process::{Command, Stdio};

/// Seconds any one process may take.
const LIMIT: &str = "120";

const FAILING: [&str; 6] = [
    "check",
    "testdata/orders",
    "--contract",
    "contracts/failing/",
    "--now",
    "2024-03-11T00:30:00Z",
];

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with pipes for stdout and stderr (neither is a terminal).
fn piped(args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new("timeout")
        .args(["-k", "5", LIMIT, env!("CARGO_BIN_EXE_plimsoll")])
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run plimsoll");
    Run {
        code: out.status.code().expect("exited"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8"),
    }
}

/// Quotes an argument for `sh`.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The shell command line running the binary with `args`, then `redirect`.
fn command_line(args: &[&str], redirect: &str) -> String {
    let mut line = quote(env!("CARGO_BIN_EXE_plimsoll"));
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    line.push(' ');
    line.push_str(redirect);
    line
}

/// Runs the binary on a pseudo-terminal (`script`), stdout and stderr both on it unless
/// `redirect` sends one elsewhere: every byte written to the terminal, and the exit code.
fn on_tty(args: &[&str], redirect: &str, env: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new("timeout")
        .args(["-k", "5", LIMIT, "script", "-qfec"])
        .arg(command_line(args, redirect))
        .arg("/dev/null")
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .expect("run script");
    (
        out.status.code().expect("exited"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The colour and style sequences (SGR, `ESC [ ... m`) in `s`.
fn sgr(s: &str) -> Vec<String> {
    regex::Regex::new(r"\x1b\[[0-9;]*m")
        .unwrap()
        .find_iter(s)
        .map(|m| m.as_str().to_string())
        .collect()
}

/// `s` without its SGR sequences.
fn unpainted(s: &str) -> String {
    regex::Regex::new(r"\x1b\[[0-9;]*m")
        .unwrap()
        .replace_all(s, "")
        .into_owned()
}

/// The plain report of the failing demo, as a pipe gets it.
fn plain_report() -> String {
    let r = piped(&FAILING, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    r.stdout
}

#[test]
fn on_a_terminal_the_scan_shows_progress_then_a_summary_and_fail_is_red() {
    let (code, screen) = on_tty(&FAILING, "", &[]);
    assert_eq!(code, 1, "{screen}");
    // A frame of the bar (drawn as the scan starts), then the summary line once it is cleared.
    assert!(
        screen.contains("scanning testdata/orders date=2024-03-01..date=2024-03-10 ["),
        "no progress frame: {screen:?}"
    );
    assert!(screen.contains("/45,042 rows"), "{screen:?}");
    // 15 files and 45,042 rows: the files under testdata/orders and the report's own count.
    let files = walk(&root().join("testdata/orders"));
    assert_eq!(files.len(), 15);
    assert!(
        screen.contains("scanned 15 file(s), ") && screen.contains(", 45,042 rows in "),
        "no summary line: {screen:?}"
    );
    assert!(screen.contains("\x1b[31mFAIL\x1b[0m    marketing-attribution"));
    assert!(screen.contains("\x1b[2mPASS\x1b[0m    marketing-attribution"));
    assert!(screen.contains("\x1b[31mFAIL\x1b[0m: 9 failed"));
}

#[test]
fn the_screen_of_a_terminal_shows_red_failures_and_the_summary() {
    let tmux = Tmux::new();
    let line = format!(
        "cd {} && {}; echo EXIT=$?; sleep 60",
        quote(&root().display().to_string()),
        command_line(&FAILING, "")
    );
    tmux.run(&line);
    let screen = tmux.wait_for("EXIT=");
    assert!(screen.contains("EXIT=1"), "{screen}");
    assert!(
        screen.contains("scanned 15 file(s), "),
        "no summary line on the screen: {screen}"
    );
    assert!(
        screen.contains("\x1b[31mFAIL\x1b[39m    marketing-attribution"),
        "FAIL is not red on the screen: {screen:?}"
    );
    // The bar was cleared: no frame is left on the screen.
    assert!(!screen.contains("scanning testdata/orders"), "{screen}");
}

#[test]
fn in_a_pipe_there_is_no_escape_code_nor_progress_and_the_report_is_as_before() {
    let r = piped(&FAILING, &[]);
    assert_eq!(r.code, 1);
    assert!(!r.stdout.contains('\x1b') && !r.stderr.contains('\x1b'));
    assert!(!r.stderr.contains("scann"), "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert!(r.stdout.starts_with(
        "STATUS  CONSUMER               TABLE         CHECK           FIELD        OBSERVED                    EXPECTED\n\
         FAIL    marketing-attribution  order-events  freshness       -            lag 41m44s                  lag <= 30m\n"
    ));
    assert!(
        r.stdout
            .ends_with("\nFAIL: 9 failed, 0 error(s), 0 warning(s), 12 passed (21 checks)\n")
    );
    // Painted, the same report with its words wrapped: nothing moved.
    let always = piped(&[&FAILING[..], &["--color", "always"]].concat(), &[]);
    assert_eq!(unpainted(&always.stdout), r.stdout);
}

#[test]
fn no_color_turns_colour_off_on_a_terminal() {
    let (code, screen) = on_tty(&FAILING, "", &[("NO_COLOR", "1")]);
    assert_eq!(code, 1);
    assert_eq!(sgr(&screen), Vec::<String>::new(), "{screen:?}");
    assert!(screen.contains("FAIL    marketing-attribution"));
    // Progress is not colour: still drawn.
    assert!(screen.contains("scanned 15 file(s), "));
    // An empty NO_COLOR does not count.
    let (_, screen) = on_tty(&FAILING, "", &[("NO_COLOR", "")]);
    assert!(screen.contains("\x1b[31mFAIL"));
}

#[test]
fn color_never_on_a_terminal_and_always_in_a_pipe() {
    let (code, screen) = on_tty(&[&FAILING[..], &["--color", "never"]].concat(), "", &[]);
    assert_eq!(code, 1);
    assert_eq!(sgr(&screen), Vec::<String>::new(), "{screen:?}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.txt");
    let json = dir.path().join("report.json");
    let output = format!("table={}", file.display());
    let output_json = format!("json={}", json.display());
    let args = [
        &FAILING[..],
        &[
            "--color",
            "always",
            "--output",
            &output,
            "--output",
            &output_json,
        ],
    ]
    .concat();
    let r = piped(&args, &[]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("\x1b[31mFAIL\x1b[0m"), "{}", r.stdout);
    // Report files are never painted.
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(!written.contains('\x1b'));
    assert_eq!(written, plain_report());
    assert!(!std::fs::read_to_string(&json).unwrap().contains('\x1b'));
    // Machine formats on stdout neither.
    let r = piped(
        &[&FAILING[..], &["--color", "always", "--format", "json"]].concat(),
        &[],
    );
    assert!(!r.stdout.contains('\x1b'));
    serde_json::from_str::<serde_json::Value>(&r.stdout).expect("plain JSON");
    // stderr: `error:` red, `hint:` styled.
    let r = piped(
        &["profile", "testdata/no-such-table", "--color", "always"],
        &[],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("\x1b[1m\x1b[31merror:\x1b[0m "),
        "{:?}",
        r.stderr
    );
    assert!(
        r.stderr.contains("\x1b[1m\x1b[36mhint:\x1b[0m "),
        "{:?}",
        r.stderr
    );
    // Colour flags after or before the subcommand.
    let r = piped(
        &[
            "--color",
            "always",
            "check",
            "testdata/orders",
            "--contract",
            "contracts/failing/",
            "--now",
            "2024-03-11T00:30:00Z",
        ],
        &[],
    );
    assert!(r.stdout.contains("\x1b[31mFAIL"));
}

/// Two Parquet tables checked with `--as-of`: a note per table that it is read as it is.
const NOTES: [&str; 6] = [
    "check",
    "--contract",
    "contracts/",
    "--as-of",
    "2024-03-01",
    "--now=2024-03-11T00:30:00Z",
];

#[test]
fn quiet_prints_the_report_only() {
    let loud = piped(&NOTES, &[]);
    assert!(
        loud.stderr
            .contains("note: `--as-of` applies to Iceberg tables"),
        "{}",
        loud.stderr
    );
    let quiet = piped(&[&NOTES[..], &["-q"]].concat(), &[]);
    assert_eq!(quiet.code, loud.code);
    assert_eq!(quiet.stderr, "");
    assert_eq!(quiet.stdout, loud.stdout);
    // Nothing drawn on a terminal either.
    let (code, screen) = on_tty(&[&FAILING[..], &["--quiet"]].concat(), ">/dev/null", &[]);
    assert_eq!(code, 1);
    assert_eq!(screen, "", "{screen:?}");
    // Errors are still printed.
    let r = piped(&["profile", "testdata/no-such-table", "-q"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
}

#[test]
fn verbose_says_what_was_read_and_how_long_each_phase_took() {
    let plain = plain_report();
    let r = piped(&[&FAILING[..], &["-v"]].concat(), &[]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, plain, "-v changes stderr only");
    let err = &r.stderr;
    assert!(!err.contains('\x1b'));
    assert!(
        err.contains("verbose: listed testdata/orders: 15 file(s), "),
        "{err}"
    );
    assert!(
        err.contains(
            "verbose: scan of testdata/orders date=2024-03-01..date=2024-03-10: 15 of 15 file(s) read, "
        ),
        "{err}"
    );
    assert!(err.contains(", 45,042 rows, row groups: "), "{err}");
    // Each file under the table, named as read.
    for f in walk(&root().join("testdata/orders")) {
        let line = format!("verbose:   read {} (", f.display());
        assert!(err.contains(&line), "{line} missing from {err}");
    }
    let time = err
        .lines()
        .find(|l| l.starts_with("verbose: time: "))
        .unwrap_or_else(|| panic!("no phase times: {err}"));
    for phase in ["list ", "footers/plan ", "scan ", "checks ", "reports "] {
        assert!(time.contains(phase), "{time}");
    }
    // `--metadata-only` says where its answers came from; the global flag goes anywhere.
    let r = piped(
        &["-v", "profile", "testdata/orders", "--metadata-only"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("from parquet footers (`--metadata-only`)"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("verbose: scan of"), "{}", r.stderr);
}

#[test]
fn quiet_and_verbose_together_is_a_usage_error() {
    let r = piped(&["profile", "testdata/orders", "-q", "-v"], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--quiet") && r.stderr.contains("--verbose"));
    assert_eq!(r.stdout, "");
}

#[test]
fn drift_and_status_paint_their_status_column_only() {
    let args = [
        "drift",
        "testdata/orders_drift",
        "--partition",
        "date=2024-03-10",
    ];
    let plain = piped(&args, &[]);
    let painted = piped(&[&args[..], &["--color=always"]].concat(), &[]);
    assert_eq!(plain.code, painted.code);
    assert!(!plain.stdout.contains('\x1b'));
    assert_eq!(unpainted(&painted.stdout), plain.stdout);
    let status_line = painted
        .stdout
        .lines()
        .find(|l| l.starts_with("status "))
        .expect("the `status` field's row");
    // The field named `status` is left alone; its STATUS cell is red.
    assert!(
        status_line.contains("  \x1b[31mFAIL\x1b[0m  "),
        "{status_line:?}"
    );
}

/// The files under `dir`, recursively, in name order.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "parquet") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// A tmux server of this test's own, killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        Tmux {
            socket: format!(
                "plimsoll-test-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ),
        }
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("timeout")
            .args(["-k", "5", "30", "tmux", "-L", &self.socket])
            .args(args)
            .env_remove("NO_COLOR")
            .env_remove("TMUX")
            .stdin(Stdio::null())
            .output()
            .expect("run tmux")
    }

    fn run(&self, line: &str) {
        let out = self.tmux(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            "200",
            "-y",
            "50",
            line,
        ]);
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The screen (with its escape codes) once it shows `marker`.
    fn wait_for(&self, marker: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let out = self.tmux(&["capture-pane", "-p", "-e", "-t", "t"]);
            let screen = String::from_utf8_lossy(&out.stdout).into_owned();
            if screen.contains(marker) {
                return screen;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the screen never showed {marker:?}: {screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// What an observer was told, in order.
#[derive(Debug, Clone)]
enum Event {
    Listing(String),
    Listed(String, u64, u64),
    Started(plimsoll::progress::ScanTotals),
    Advanced(plimsoll::progress::ScanDone),
    Finished(plimsoll::progress::ScanStats),
    Metadata(String),
    Phase(plimsoll::progress::Phase),
}

#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<Event>>);

impl Recorder {
    fn push(&self, e: Event) {
        self.0.lock().unwrap().push(e);
    }
}

impl plimsoll::progress::Progress for Recorder {
    fn listing(&self, what: &str) {
        self.push(Event::Listing(what.into()));
    }
    fn listed(&self, what: &str, files: u64, bytes: u64) {
        self.push(Event::Listed(what.into(), files, bytes));
    }
    fn scan_started(&self, t: &plimsoll::progress::ScanTotals) {
        self.push(Event::Started(t.clone()));
    }
    fn advanced(&self, d: &plimsoll::progress::ScanDone) {
        self.push(Event::Advanced(*d));
    }
    fn finished(&self, s: &plimsoll::progress::ScanStats) {
        self.push(Event::Finished(s.clone()));
    }
    fn metadata_answer(&self, _table: &str, what: &str) {
        self.push(Event::Metadata(what.into()));
    }
    fn phase(&self, p: plimsoll::progress::Phase, _elapsed: std::time::Duration) {
        self.push(Event::Phase(p));
    }
}

/// Profiles `location` (all columns) with a recording observer.
fn observed(location: &str, columns: Option<&[String]>) -> Vec<Event> {
    let recorder = std::sync::Arc::new(Recorder::default());
    let ctx = plimsoll::Context {
        progress: plimsoll::progress::Observer::new(recorder.clone()),
        ..plimsoll::Context::default()
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let location = root().join(location).display().to_string();
    rt.block_on(async {
        tokio::time::timeout(
            std::time::Duration::from_secs(120),
            plimsoll::profile::profile_location(&ctx, &location, &[], columns),
        )
        .await
    })
    .expect("in time")
    .expect("profiled");
    recorder.0.lock().unwrap().clone()
}

#[test]
fn the_observer_is_told_the_listing_the_scan_and_what_it_read() {
    let files = walk(&root().join("testdata/orders"));
    // The footers' row counts and the files' sizes, read here with the parquet crate.
    let mut rows = 0u64;
    let mut bytes = 0u64;
    for f in &files {
        let reader =
            parquet::file::reader::SerializedFileReader::new(std::fs::File::open(f).unwrap())
                .unwrap();
        use parquet::file::reader::FileReader as _;
        rows += reader.metadata().file_metadata().num_rows() as u64;
        bytes += std::fs::metadata(f).unwrap().len();
    }
    let events = observed("testdata/orders", None);
    let location = root().join("testdata/orders").display().to_string();
    assert!(matches!(&events[0], Event::Listing(w) if *w == format!("listing {location}")));
    assert!(events.iter().any(
        |e| matches!(e, Event::Listed(w, n, b) if *w == format!("listed {location}") && *n == 15 && *b == bytes)
    ));
    let started = events
        .iter()
        .find_map(|e| match e {
            Event::Started(t) => Some(t.clone()),
            _ => None,
        })
        .expect("a scan started");
    assert_eq!(
        (started.files, started.bytes, started.rows),
        (15, bytes, rows)
    );
    let mut last = 0;
    for e in &events {
        if let Event::Advanced(d) = e {
            assert!(d.rows >= last && d.rows <= rows, "{d:?}");
            last = d.rows;
        }
    }
    let stats = events
        .iter()
        .find_map(|e| match e {
            Event::Finished(s) => Some(s.clone()),
            _ => None,
        })
        .expect("the scan finished");
    assert_eq!(stats.done.rows, rows);
    assert_eq!(stats.done.files, 15);
    let named: Vec<String> = stats.files.iter().map(|f| f.0.clone()).collect();
    let expected: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    assert_eq!(named, expected);
    for ((_, read), f) in stats.files.iter().zip(&files) {
        assert!(*read > 0 && *read <= std::fs::metadata(f).unwrap().len());
    }
    assert_eq!(
        stats.done.bytes,
        stats.files.iter().map(|f| f.1).sum::<u64>()
    );
    assert_eq!(stats.row_groups_pruned, 0);
    use plimsoll::progress::Phase;
    for p in [Phase::List, Phase::Footers, Phase::Scan] {
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::Phase(x) if *x == p)),
            "{p:?}"
        );
    }
}

#[test]
fn without_columns_the_footers_answer_and_nothing_is_scanned() {
    let events = observed("testdata/orders", Some(&[]));
    assert!(!events.iter().any(|e| matches!(e, Event::Started(_))));
    assert!(events.iter().any(
        |e| matches!(e, Event::Metadata(w) if w == "row count from parquet footers, no scan")
    ));
}

#[test]
fn an_iceberg_scan_counts_its_rows() {
    // 300 rows in the current snapshot, as pyarrow counted them (expected.json).
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("testdata/iceberg/pyiceberg/expected.json")).unwrap(),
    )
    .unwrap();
    let current = expected["current_snapshot_id"].as_str().unwrap();
    let rows = expected["snapshots"][current]["row_count"]
        .as_u64()
        .unwrap();
    let events = observed("testdata/iceberg/pyiceberg/orders", None);
    let stats = events
        .iter()
        .find_map(|e| match e {
            Event::Finished(s) => Some(s.clone()),
            _ => None,
        })
        .expect("the scan finished");
    assert_eq!(stats.totals.rows, rows);
    assert_eq!(stats.done.rows, rows);
}

#[test]
fn verbose_counts_the_row_groups_an_event_time_slice_pruned() {
    // The row groups whose `event_time` bounds meet 2024-03-02, from the footer, read here.
    use parquet::file::reader::FileReader as _;
    let path = root().join("testdata/slices/events.parquet");
    let reader =
        parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&path).unwrap())
            .unwrap();
    let meta = reader.metadata();
    let column = meta
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .position(|c| c.name() == "event_time")
        .unwrap();
    let day = |d: &str| {
        chrono::DateTime::parse_from_rfc3339(&format!("{d}T00:00:00Z"))
            .unwrap()
            .timestamp_micros()
    };
    let (start, end) = (day("2024-03-02"), day("2024-03-03"));
    let mut read = 0;
    for rg in meta.row_groups() {
        match rg.column(column).statistics() {
            Some(parquet::file::statistics::Statistics::Int64(s)) => {
                let (lo, hi) = (*s.min_opt().unwrap(), *s.max_opt().unwrap());
                if hi >= start && lo < end {
                    read += 1;
                }
            }
            other => panic!("event_time statistics: {other:?}"),
        }
    }
    let pruned = meta.num_row_groups() - read;
    assert!(read > 0 && pruned > 0);
    let r = piped(
        &[
            "profile",
            "testdata/slices/events.parquet",
            "--partition",
            "event_time=2024-03-02",
            "-v",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let expected = format!("row groups: {read} read, {pruned} pruned by statistics");
    assert!(r.stderr.contains(&expected), "{expected}: {}", r.stderr);
}

#[test]
fn a_long_scan_shows_frames_in_the_middle() {
    // 20 files of 100,000 rows: long enough for a debug build to draw frames between the first
    // and the last.
    use arrow::array::{Float64Array, Int64Array, RecordBatch};
    use arrow::datatypes::{DataType, Field, Schema};
    let dir = tempfile::tempdir().unwrap();
    let schema = std::sync::Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("amount", DataType::Float64, false),
    ]));
    let files = 20;
    let per_file = 100_000i64;
    for f in 0..files {
        let ids: Vec<i64> = (f * per_file..(f + 1) * per_file).collect();
        let amounts: Vec<f64> = ids.iter().map(|i| (i % 997) as f64 / 4.0).collect();
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                std::sync::Arc::new(Int64Array::from(ids)),
                std::sync::Arc::new(Float64Array::from(amounts)),
            ],
        )
        .unwrap();
        plimsoll::generate::write_parquet(
            &dir.path().join(format!("part-{f:02}.parquet")),
            &[batch],
            50_000,
        )
        .unwrap();
    }
    let table = dir.path().display().to_string();
    let (code, screen) = on_tty(&["profile", &table], ">/dev/null", &[]);
    assert_eq!(code, 0, "{screen}");
    let total = files * per_file;
    // Frames `[bar] DONE/2,000,000 rows, F/20 files`: some strictly between nothing and all.
    let frame = regex::Regex::new(r"\] ([0-9,]+)/2,000,000 rows, ([0-9]+)/20 files").unwrap();
    let done: Vec<(i64, i64)> = frame
        .captures_iter(&screen)
        .map(|c| {
            (
                c[1].replace(',', "").parse().unwrap(),
                c[2].parse().unwrap(),
            )
        })
        .collect();
    assert!(
        done.iter().any(|(rows, _)| *rows > 0 && *rows < total),
        "no frame mid-scan: {done:?}"
    );
    assert!(done.windows(2).all(|w| w[0].0 <= w[1].0), "{done:?}");
    assert!(
        screen.contains("scanned 20 file(s), ") && screen.contains("2,000,000 rows in "),
        "{screen:?}"
    );
}
