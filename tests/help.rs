//! The command line as people meet it: the long help (what SOURCE can be, examples that run as
//! written), shell completions and manual pages, and where a table may go around `--contract`.

mod common;

use clap::Parser;
use common::{plimsoll, plimsoll_in, root};
use plimsoll::cli::{Cli, Command};
use std::path::{Path, PathBuf};
use std::process::Command as Process;

/// Every command, as the top-level help lists them (but `help`).
fn commands() -> Vec<String> {
    let r = plimsoll(&["--help"]);
    assert_eq!(r.code, 0);
    let listed = r
        .stdout
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands section")
        .split("\n\n")
        .next()
        .unwrap();
    let names: Vec<String> = listed
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .filter(|n| n != "help")
        .collect();
    assert!(names.len() >= 13, "{names:?}");
    names
}

/// The `plimsoll ...` example lines of a help text, continuation lines (`\`) joined.
fn examples(help: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = help.lines();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if !line.starts_with("plimsoll ") {
            continue;
        }
        let mut cmd = line.to_string();
        while cmd.ends_with('\\') {
            cmd.pop();
            cmd.push(' ');
            cmd.push_str(lines.next().expect("a continued line").trim());
        }
        out.push(cmd);
    }
    out
}

/// The commands whose long help says what SOURCE can be: those that read tables.
const READ_SOURCES: [&str; 6] = ["profile", "check", "run", "drift", "compat", "suggest"];

#[test]
fn every_example_in_the_long_help_runs() {
    let mut ran = 0;
    for name in commands() {
        let help = plimsoll(&[&name, "--help"]);
        assert_eq!(help.code, 0, "{name} --help");
        let found = examples(&help.stdout);
        assert!(!found.is_empty(), "`{name} --help` has no example");
        // The cluster's processes run until stopped: tests/cluster.rs starts them as its
        // examples say.
        if name == "scheduler" || name == "executor" {
            continue;
        }
        // Each command's examples share a fresh scratch directory for their `/tmp/...` paths.
        let scratch = tempfile::tempdir().unwrap();
        for example in found {
            let words: Vec<String> = example
                .split_whitespace()
                .skip(1)
                .map(|w| w.replace("/tmp/", &format!("{}/", scratch.path().display())))
                .collect();
            let args: Vec<&str> = words.iter().map(String::as_str).collect();
            let r = plimsoll(&args);
            assert!(
                r.code == 0 || r.code == 1,
                "`{example}` (from `plimsoll {name} --help`) exited {}:\n{}",
                r.code,
                r.stderr
            );
            assert!(!r.stdout.is_empty(), "`{example}` printed nothing");
            ran += 1;
        }
    }
    assert!(ran >= 25, "{ran} examples");
}

#[test]
fn long_help_says_what_source_can_be_and_short_help_stays_short() {
    for name in READ_SOURCES {
        let long = plimsoll(&[name, "--help"]).stdout;
        for form in [
            "SOURCE can be:",
            "a Parquet file",
            "a directory of Parquet files",
            "`key=value/`",
            "s3://BUCKET/PREFIX",
            "`--s3-endpoint`",
            "AWS_",
            "Iceberg table",
            "NAMESPACE.TABLE",
            "`--catalog",
            "@snapshot:ID",
            "Exit codes:",
        ] {
            assert!(
                long.contains(form),
                "`{name} --help` lacks {form:?}:\n{long}"
            );
        }
        let short = plimsoll(&[name, "-h"]).stdout;
        assert!(!short.contains("SOURCE can be:"), "`{name} -h`:\n{short}");
        assert!(!short.contains("Examples"), "`{name} -h`:\n{short}");
        assert!(short.contains("Exit codes:"), "`{name} -h`:\n{short}");
    }
    for name in ["status", "history"] {
        let long = plimsoll(&[name, "--help"]).stdout;
        assert!(long.contains("s3://BUCKET/PREFIX"), "{long}");
        assert!(long.contains("Exit codes:"), "{long}");
    }
    let top = plimsoll(&["--help"]).stdout;
    for phrase in [
        "Parquet and Iceberg tables",
        "local or on S3",
        "Shell audit:",
        "Producer CI:",
        "Scheduled job:",
    ] {
        assert!(
            top.contains(phrase),
            "`plimsoll --help` lacks {phrase:?}:\n{top}"
        );
    }
}

// --- completions ----------------------------------------------------------------------------

fn bash(script: &str) -> std::process::Output {
    Process::new("bash")
        .args(["--norc", "--noprofile", "-c", script])
        .output()
        .expect("run bash")
}

#[test]
fn bash_completion_parses_names_every_command_and_completes() {
    let r = plimsoll(&["completions", "bash"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("plimsoll.bash");
    std::fs::write(&script, &r.stdout).unwrap();
    let syntax = Process::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    for name in commands() {
        assert!(
            r.stdout.contains(&name),
            "the bash script never names `{name}`"
        );
    }
    // What bash does on `plimsoll pro<TAB>` and `plimsoll check --con<TAB>`.
    let complete = |words: &str, cword: usize| {
        let out = bash(&format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{words}'; \
             COMP_POINT=${{#COMP_LINE}}; \
             _plimsoll plimsoll \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             echo \"${{COMPREPLY[@]}}\"",
            script.display()
        ));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    assert_eq!(complete("plimsoll pro", 1), "profile");
    assert_eq!(complete("plimsoll com", 1), "compat completions");
    assert_eq!(complete("plimsoll check --con", 2), "--contract");
    assert_eq!(complete("plimsoll completions z", 2), "zsh");
}

#[test]
fn completion_scripts_of_every_shell() {
    for (shell, marker) in [
        ("bash", "_plimsoll()"),
        ("zsh", "#compdef plimsoll"),
        ("fish", "complete -c plimsoll"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[plimsoll]"),
    ] {
        let r = plimsoll(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        assert!(r.stdout.contains(marker), "{shell} script lacks {marker:?}");
        assert!(
            r.stdout.contains("profile"),
            "{shell} script lacks `profile`"
        );
        // The syntax of the shells that are installed (zsh and fish are not, in CI's image).
        let check = match shell {
            "zsh" => Some(("zsh", "-n")),
            "fish" => Some(("fish", "--no-execute")),
            _ => None,
        };
        if let Some((bin, flag)) = check
            && let Ok(out) = Process::new(bin)
                .arg(flag)
                .arg("/dev/stdin")
                .stdin(std::process::Stdio::piped())
                .spawn()
                .and_then(|mut c| {
                    use std::io::Write;
                    c.stdin.take().unwrap().write_all(r.stdout.as_bytes())?;
                    c.wait_with_output()
                })
        {
            assert!(out.status.success(), "{bin} {flag}: {out:?}");
        }
    }
    let bad = plimsoll(&["completions", "tcsh"]);
    assert_eq!(bad.code, 2);
}

// --- manual pages ---------------------------------------------------------------------------

fn groff(page: &Path) -> Option<String> {
    let out = Process::new("groff")
        .args(["-man", "-Tutf8", "-rHY=0", "-P-c", "-P-b", "-P-u"])
        .arg(page)
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "groff: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Words as groff set them, the lines filled and justified joined again.
    let text = String::from_utf8(out.stdout).unwrap();
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[test]
fn man_pages_are_written_one_per_command_and_render() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let r = plimsoll_in(&root(), &["man", "--dir", out.to_str().unwrap()], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut expected: Vec<PathBuf> = vec![out.join("plimsoll.1")];
    expected.extend(
        commands()
            .iter()
            .map(|c| out.join(format!("plimsoll-{c}.1"))),
    );
    let listed: Vec<PathBuf> = r.stdout.lines().map(PathBuf::from).collect();
    let mut sorted = listed.clone();
    sorted.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(sorted, want, "the pages written");
    let mut on_disk: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    on_disk.sort();
    assert_eq!(on_disk, want);

    let main = std::fs::read_to_string(out.join("plimsoll.1")).unwrap();
    assert_eq!(
        plimsoll(&["man"]).stdout,
        main,
        "`man` prints the main page"
    );
    for page in &expected {
        let roff = std::fs::read_to_string(page).unwrap();
        assert!(roff.contains(".TH "), "{} has no .TH", page.display());
        assert!(roff.contains(".SH NAME"), "{} has no NAME", page.display());
        assert!(
            roff.contains(".SH SYNOPSIS"),
            "{} has no SYNOPSIS",
            page.display()
        );
    }
    // Rendered, where groff is installed: the main page names every command, the pages of the
    // commands that read tables say what SOURCE can be.
    let Some(text) = groff(&out.join("plimsoll.1")) else {
        eprintln!("groff is not installed: the pages' roff structure was checked only");
        return;
    };
    for c in commands() {
        assert!(
            text.contains(&format!("plimsoll-{c}(1)")),
            "the main page lacks {c}:\n{text}"
        );
    }
    assert!(text.contains("Parquet and Iceberg tables"), "{text}");
    for c in READ_SOURCES {
        let text = groff(&out.join(format!("plimsoll-{c}.1"))).unwrap();
        assert!(
            text.contains("SOURCE FILE.parquet a Parquet file"),
            "plimsoll-{c}.1:\n{text}"
        );
        assert!(
            text.contains("s3://BUCKET/PREFIX"),
            "plimsoll-{c}.1:\n{text}"
        );
        assert!(
            text.contains(&format!("plimsoll {c} ")),
            "plimsoll-{c}.1 has no example"
        );
        assert!(text.contains("EXAMPLES"), "plimsoll-{c}.1:\n{text}");
        assert!(text.contains("EXIT STATUS 0 "), "plimsoll-{c}.1:\n{text}");
    }
}

// --- where a table may go around `--contract` -----------------------------------------------

fn parse(args: &[&str]) -> Command {
    let mut argv = vec!["plimsoll"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv)
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
        .command
}

fn paths(ps: &[&str]) -> Vec<PathBuf> {
    ps.iter().map(PathBuf::from).collect()
}

#[test]
fn check_takes_the_table_on_either_side_of_contract() {
    let t = "s3://bucket/table";
    for args in [
        vec!["check", "--contract", "a.yaml", t],
        vec!["check", t, "--contract", "a.yaml"],
        vec!["check", "--contract=a.yaml", t],
        vec!["check", t, "--contract=a.yaml"],
        vec![
            "check",
            "--contract",
            "a.yaml",
            t,
            "--partition",
            "date=latest",
        ],
    ] {
        let Command::Check(a) = parse(&args) else {
            panic!("{args:?} is not check")
        };
        assert_eq!(a.source.as_deref(), Some(t), "{args:?}");
        assert_eq!(a.contracts, paths(&["a.yaml"]), "{args:?}");
    }
    for args in [
        vec![
            "check",
            "--contract",
            "contracts/",
            t,
            "--contract",
            "b.yaml",
        ],
        vec![
            "check",
            "--contract",
            "contracts/",
            "--contract",
            "b.yaml",
            t,
        ],
        vec!["check", t, "--contract", "contracts/", "--contract=b.yaml"],
    ] {
        let Command::Check(a) = parse(&args) else {
            panic!("{args:?} is not check")
        };
        assert_eq!(a.source.as_deref(), Some(t), "{args:?}");
        assert_eq!(a.contracts, paths(&["contracts/", "b.yaml"]), "{args:?}");
    }
    // No delimiter: a comma is part of the path, not a second contract.
    let Command::Check(a) = parse(&["check", "--contract", "a.yaml,b.yaml", t]) else {
        panic!()
    };
    assert_eq!(a.contracts, paths(&["a.yaml,b.yaml"]));
    // One value per flag: a second path after one `--contract` is the table, and a third is
    // refused rather than read as a contract.
    let Command::Check(a) = parse(&["check", "--contract", "a.yaml", "b.yaml"]) else {
        panic!()
    };
    assert_eq!(a.source.as_deref(), Some("b.yaml"));
    assert_eq!(a.contracts, paths(&["a.yaml"]));
    let e = Cli::try_parse_from(["plimsoll", "check", "--contract", "a.yaml", "b.yaml", t])
        .unwrap_err();
    assert_eq!(e.kind(), clap::error::ErrorKind::UnknownArgument);
    // With the table in `--table`.
    let Command::Check(a) = parse(&["check", "--contract", "a.yaml", "--table", "o=s3://b/o"])
    else {
        panic!()
    };
    assert_eq!(a.source, None);
    assert_eq!(a.tables, vec!["o=s3://b/o".to_string()]);
}

#[test]
fn compat_impact_suggest_and_run_keep_their_positionals() {
    let (old, new) = ("s3://bucket/v1", "s3://bucket/v2");
    for args in [
        vec!["compat", old, new, "--contract", "c.yaml"],
        vec!["compat", "--contract", "c.yaml", old, new],
        vec!["compat", old, "--contract", "c.yaml", new],
        vec!["compat", "--contract=c.yaml", old, new],
    ] {
        let Command::Compat(a) = parse(&args) else {
            panic!("{args:?} is not compat")
        };
        assert_eq!((a.old.as_str(), a.new.as_str()), (old, new), "{args:?}");
        assert_eq!(a.contracts, paths(&["c.yaml"]), "{args:?}");
    }
    let Command::Compat(a) = parse(&[
        "compat",
        old,
        new,
        "--contract",
        "d/",
        "--contract",
        "c.yaml",
    ]) else {
        panic!()
    };
    assert_eq!(a.contracts, paths(&["d/", "c.yaml"]));
    for args in [
        vec![
            "impact",
            "--contract",
            "contracts/",
            "order-events.total_usd",
        ],
        vec![
            "impact",
            "order-events.total_usd",
            "--contract",
            "contracts/",
        ],
        vec!["impact", "--contract=contracts/", "order-events.total_usd"],
    ] {
        let Command::Impact(a) = parse(&args) else {
            panic!("{args:?} is not impact")
        };
        assert_eq!(a.target, "order-events.total_usd", "{args:?}");
        assert_eq!(a.contracts, paths(&["contracts/"]), "{args:?}");
    }
    let Command::Suggest(a) = parse(&["suggest", "s3://bucket/t", "--partition", "date=latest"])
    else {
        panic!()
    };
    assert_eq!(a.source, "s3://bucket/t");
    // `suggest` and `run` take no contract: the flag is refused, not swallowed.
    for args in [
        ["plimsoll", "suggest", "--contract", "a.yaml"],
        ["plimsoll", "run", "--contract", "a.yaml"],
    ] {
        let e = Cli::try_parse_from(args).unwrap_err();
        assert_eq!(
            e.kind(),
            clap::error::ErrorKind::UnknownArgument,
            "{args:?}"
        );
    }
    let Command::Run(a) = parse(&["run", "--config", "testdata/plimsoll.yaml"]) else {
        panic!()
    };
    assert_eq!(a.config, PathBuf::from("testdata/plimsoll.yaml"));
}

#[test]
fn the_table_on_either_side_of_contract_gives_the_same_report() {
    let now = "2024-03-11T00:30:00Z";
    let before = plimsoll(&[
        "check",
        "--contract",
        "contracts/failing/",
        "testdata/orders",
        "--now",
        now,
    ]);
    let after = plimsoll(&[
        "check",
        "testdata/orders",
        "--contract",
        "contracts/failing/",
        "--now",
        now,
    ]);
    assert_eq!(before.code, 1, "{}", before.stderr);
    assert_eq!(after.code, 1, "{}", after.stderr);
    assert!(before.stdout.contains("FAIL"), "{}", before.stdout);
    assert_eq!(before.stdout, after.stdout);
}

#[test]
fn a_table_given_to_contract_is_refused_with_the_order_meant() {
    for (args, what) in [
        (vec!["check", "--contract", "s3://bucket/t"], "a URL"),
        (
            vec!["check", "--contract", "testdata/orders"],
            "hive `key=value/` partitions",
        ),
        (
            vec![
                "check",
                "--contract",
                "testdata/customers/customers.parquet",
            ],
            "a Parquet file",
        ),
        (
            vec!["check", "--contract", "testdata/orders/date=2024-03-01"],
            "a directory of Parquet files",
        ),
        (
            vec!["check", "--contract", "testdata/iceberg/pyiceberg/orders"],
            "an Iceberg table's directory",
        ),
        (
            vec![
                "check",
                "testdata/orders",
                "--contract",
                "contracts/",
                "--contract",
                "testdata/customers",
            ],
            "a directory of Parquet files",
        ),
        (
            vec![
                "compat",
                "testdata/producer/orders_v1",
                "--contract",
                "testdata/producer/orders_v2",
                "x",
            ],
            "a directory of Parquet files",
        ),
    ] {
        let r = plimsoll(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert!(
            r.stderr
                .contains("given to `--contract` looks like a table"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains(what), "{args:?}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("put the table before `--contract` or after the contract path"),
            "{args:?}: {}",
            r.stderr
        );
    }
    let r = plimsoll(&["impact", "order-events", "--contract", "testdata/orders"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("looks like a table"), "{}", r.stderr);
    assert!(
        r.stderr.contains("`impact` reads contracts only"),
        "{}",
        r.stderr
    );
    // A JSON report of a check that could not start carries the same error.
    let r = plimsoll(&["check", "--contract", "s3://bucket/t", "--format", "json"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("looks like a table"), "{}", r.stdout);
}
