//! The contract fuzzer, kept as a test: a seeded corpus of mutants of the shipped contracts
//! (byte flips, deletions, duplicated and swapped lines, indentation changes, renamed keys, odd
//! scalars, tags, anchors and aliases, nesting 10,000 deep) goes through the library parser
//! in-process. For every mutant the parser must return, without panicking, either a contract or
//! problems that each carry a non-empty message and a 1-based line and column inside the file.
//!
//! The corpus is deterministic (a fixed seed), so a failure names a mutant that can be replayed:
//! set `PLIMSOLL_FUZZ_SEED` to try other seeds and `PLIMSOLL_FUZZ_CASES` for more mutants.

use plimsoll::contract::parse::parse_contract_bytes;
use std::path::{Path, PathBuf};

/// SplitMix64: small, seedable, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const ODD_SCALARS: &[&str] = &[
    ".nan",
    ".NaN",
    "-.inf",
    ".inf",
    "nan",
    "~",
    "null",
    "",
    "''",
    "\"\"",
    "!!binary aGVsbG8=",
    "!!str 007",
    "!!int 5",
    "!!float .nan",
    "!custom {a: 1}",
    "!!map [1]",
    "&a x",
    "&b [1, 2, {c: d}]",
    "*a",
    "*b",
    "*undefined",
    "0x1F",
    "0o17",
    "02139",
    "1.50",
    "1_000",
    "9223372036854775807",
    "-9223372036854775809",
    "1e400",
    "-0",
    "true",
    "FALSE",
    "yes",
    "2024-02-30",
    "|\n  block\n  text",
    ">-\n  folded",
    "[",
    "]",
    "{",
    "}",
    "'",
    "\"",
    "\"\\u12\"",
    "- a\n- b",
    "? complex\n: key",
    "<<: *a",
    "{ a: 1, a: 2 }",
    "[a, [b, [c, [d]]]]",
    "{ ? [k]: v }",
    "@",
    "`",
    "%",
    "\t",
    "\u{feff}",
    "\u{0}",
    "é",
    "\r",
    "---",
    "...",
    "%YAML 1.2\n---",
];

const KEYS: &[&str] = &[
    "consumer",
    "owner",
    "depends_on",
    "table",
    "topic",
    "source",
    "freshness",
    "column",
    "max_lag",
    "row_count",
    "baseline_days",
    "min_ratio",
    "max_ratio",
    "files",
    "min_mean_size",
    "max_null_rate",
    "drift",
    "max_psi",
    "warn_psi",
    "fields",
    "name",
    "type",
    "required",
    "unique",
    "constraints",
    "min",
    "max",
    "min_length",
    "max_length",
    "allowed_values",
    "skew",
    "max_top_share",
    "references",
    "field",
    "max_unmatched_rate",
    "description",
    "colour",
    "",
    "1",
    "~",
    "? x",
    "\"quoted\"",
];

/// A structure nested `n` deep in one of several shapes.
fn deep(rng: &mut Rng, n: usize) -> String {
    match rng.below(6) {
        0 => "[".repeat(n) + &"]".repeat(n),
        1 => "[".repeat(n),
        2 => "{a: ".repeat(n) + "x" + &"}".repeat(n),
        3 => "- ".repeat(n) + "x",
        4 => (0..n.min(200))
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect(),
        _ => "&x [".repeat(n) + &"]".repeat(n),
    }
}

fn lines_of(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// One mutation of `bytes`.
fn mutate(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let len = bytes.len();
    match rng.below(14) {
        // Flip a bit, or set a byte.
        0 if len > 0 => {
            let i = rng.below(len);
            if rng.below(2) == 0 {
                bytes[i] ^= 1 << rng.below(8);
            } else {
                bytes[i] = rng.next() as u8;
            }
        }
        // Delete a range of bytes.
        1 if len > 0 => {
            let i = rng.below(len);
            let n = 1 + rng.below(20);
            bytes.drain(i..(i + n).min(len));
        }
        // Truncate.
        2 => bytes.truncate(rng.below(len + 1)),
        // Duplicate, delete or swap lines.
        3..=5 => {
            let mut lines = lines_of(bytes);
            if lines.is_empty() {
                return;
            }
            let i = rng.below(lines.len());
            match rng.below(3) {
                0 => {
                    let l = lines[i].clone();
                    let at = rng.below(lines.len() + 1);
                    lines.insert(at, l);
                }
                1 => {
                    lines.remove(i);
                }
                _ => {
                    let j = rng.below(lines.len());
                    lines.swap(i, j);
                }
            }
            *bytes = lines.concat();
        }
        // Change a line's indentation.
        6 => {
            let mut lines = lines_of(bytes);
            if lines.is_empty() {
                return;
            }
            let i = rng.below(lines.len());
            let l = &mut lines[i];
            match rng.below(4) {
                0 => l
                    .splice(0..0, std::iter::repeat_n(b' ', 1 + rng.below(4)))
                    .for_each(drop),
                1 => {
                    let spaces = l.iter().take_while(|b| **b == b' ').count();
                    l.drain(0..spaces.min(1 + rng.below(4)));
                }
                2 => l.insert(0, b'\t'),
                _ => {
                    let spaces = l.iter().take_while(|b| **b == b' ').count();
                    l.drain(0..spaces);
                }
            }
            *bytes = lines.concat();
        }
        // Rename a key.
        7 => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let keys: Vec<usize> = text.match_indices(':').map(|(i, _)| i).collect();
            if keys.is_empty() {
                return;
            }
            let colon = *rng.pick(&keys);
            let start = text[..colon]
                .char_indices()
                .rev()
                .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
                .map_or(0, |(i, c)| i + c.len_utf8());
            let new = *rng.pick(KEYS);
            let mut out = text[..start].to_string();
            out.push_str(new);
            out.push_str(&text[colon..]);
            *bytes = out.into_bytes();
        }
        // Put an odd scalar (or a fragment of YAML syntax) where a value was, or anywhere.
        8..=10 => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let odd = *rng.pick(ODD_SCALARS);
            let values: Vec<usize> = text.match_indices(": ").map(|(i, _)| i + 2).collect();
            if rng.below(3) > 0 && !values.is_empty() {
                let at = *rng.pick(&values);
                let end = text[at..]
                    .find(['\n', ',', '}', ']'])
                    .map_or(text.len(), |e| at + e);
                *bytes = format!("{}{odd}{}", &text[..at], &text[end..]).into_bytes();
            } else {
                let at = rng.below(len + 1);
                bytes.splice(at..at, odd.bytes()).for_each(drop);
            }
        }
        // Anchor a value and alias it elsewhere.
        11 => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let values: Vec<usize> = text.match_indices(": ").map(|(i, _)| i + 2).collect();
            if values.len() < 2 {
                return;
            }
            let (a, b) = (*rng.pick(&values), *rng.pick(&values));
            let (first, second) = (a.min(b), a.max(b));
            let end = text[second..].find('\n').map_or(text.len(), |e| second + e);
            *bytes = format!(
                "{}&anchor {}*anchor{}",
                &text[..first],
                &text[first..second],
                &text[end..]
            )
            .into_bytes();
        }
        // Nest 10,000 deep where a value was.
        12 => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let values: Vec<usize> = text.match_indices(": ").map(|(i, _)| i + 2).collect();
            let at = if values.is_empty() {
                0
            } else {
                *rng.pick(&values)
            };
            let nest = deep(rng, 10_000);
            *bytes = format!("{}{nest}\n{}", &text[..at], &text[at..]).into_bytes();
        }
        // Anchors and aliases ahead of the contract, some of them nested.
        _ => {
            let s =
                "defaults: &d { max_psi: 0.2 }\nlist: &l [a, *d, [*d, *d]]\nagain: [*l, *l, *d]\n";
            bytes.splice(0..0, s.bytes()).for_each(drop);
        }
    }
}

/// Line lengths in characters, breaking lines as YAML does (`\r\n`, `\r`, `\n`).
fn yaml_lines(text: &str) -> Vec<usize> {
    let mut out = vec![0];
    let mut prev_cr = false;
    for c in text.chars() {
        match c {
            '\n' if prev_cr => {}
            '\n' | '\r' => out.push(0),
            _ => *out.last_mut().unwrap() += 1,
        }
        prev_cr = c == '\r';
    }
    out
}

/// Parses `bytes` and checks the outcome; true when the contract was rejected.
fn check(path: &Path, bytes: &[u8], what: &str) -> bool {
    let result = std::panic::catch_unwind(|| parse_contract_bytes(path, bytes));
    let Ok(result) = result else {
        panic!(
            "the parser panicked on {what}:\n{}",
            String::from_utf8_lossy(bytes)
        );
    };
    let Err(problems) = result else {
        return false;
    };
    assert!(!problems.is_empty(), "no contract and no problem: {what}");
    let text = String::from_utf8_lossy(bytes);
    let lines = yaml_lines(&text);
    for p in &problems {
        let ok = p.path == path
            && !p.message.trim().is_empty()
            && p.line >= 1
            && p.line <= lines.len()
            && p.column >= 1
            && p.column <= lines[p.line - 1] + 1;
        assert!(
            ok,
            "problem outside the file ({} line(s)) on {what}: {p:?}\n---\n{text}",
            lines.len()
        );
    }
    true
}

fn shipped() -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("contracts");
    let mut out = Vec::new();
    for dir in [root.clone(), root.join("failing")] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            out.push((f, bytes));
        }
    }
    assert!(out.len() >= 3, "the shipped contracts are the corpus");
    out
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn mutants_of_the_shipped_contracts_never_panic_and_point_inside_the_file() {
    let seed = env_or("PLIMSOLL_FUZZ_SEED", 0x5EED_C0DE);
    let cases = env_or("PLIMSOLL_FUZZ_CASES", 4_000);
    let corpus = shipped();
    for (path, bytes) in &corpus {
        assert!(
            parse_contract_bytes(path, bytes).is_ok(),
            "{} parses as shipped",
            path.display()
        );
    }
    let mut rng = Rng(seed);
    let mut rejected = 0;
    for case in 0..cases {
        let (path, original) = rng.pick(&corpus);
        let mut bytes = original.clone();
        let mutations = 1 + rng.below(3);
        for _ in 0..mutations {
            mutate(&mut rng, &mut bytes);
        }
        let what = format!("mutant {case} of {} (seed {seed:#x})", path.display());
        rejected += usize::from(check(path, &bytes, &what));
    }
    // The mutations reach past the YAML syntax into the contract's own checks, and some
    // mutants stay valid: both outcomes are exercised.
    assert!(
        rejected > 0 && rejected < cases as usize,
        "{rejected} of {cases}"
    );
}

#[test]
fn pathological_inputs_are_problems_not_crashes() {
    let path = Path::new("p.yaml");
    let mut rng = Rng(7);
    let mut inputs: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"---".to_vec(),
        b"---\n---\n".to_vec(),
        b"\xef\xbb\xbfconsumer: c\n".to_vec(),
        b"consumer: c\ndepends_on: [\n".to_vec(),
        b"consumer: c\r\ndepends_on:\r\n  - table: t\r\n    fields: 3\r".to_vec(),
        b"\0".to_vec(),
        b"\xff\xfe".to_vec(),
        b"consumer: &a c\ndepends_on: *a\n".to_vec(),
        b"consumer: !!binary aGk=\ndepends_on: !!seq []\n".to_vec(),
        b"? [a, b]\n: c\n".to_vec(),
        b"{[[[x]]]: 1}".to_vec(),
        "consumer: c\ndepends_on:\n".to_string().into_bytes(),
    ];
    for _ in 0..24 {
        let nest = deep(&mut rng, 10_000);
        inputs.push(format!("consumer: c\ndepends_on: {nest}\n").into_bytes());
        inputs.push(nest.into_bytes());
    }
    // Billion laughs: each anchor aliases the previous one ten times.
    let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let aliases = vec![format!("*a{}", i - 1); 10].join(", ");
        laughs.push_str(&format!("a{i}: &a{i} [{aliases}]\n"));
    }
    inputs.push(laughs.into_bytes());
    // Aliases deepen what they copy: a chain of anchors each holding the previous one.
    let mut chain = String::from("a0: &a0 [[[[[[[[[[x]]]]]]]]]]\n");
    for i in 1..40 {
        chain.push_str(&format!("a{i}: &a{i} [[[[[[[[[[*a{}]]]]]]]]]]\n", i - 1));
    }
    inputs.push(chain.into_bytes());
    for (i, input) in inputs.iter().enumerate() {
        check(path, input, &format!("input {i}"));
    }
}
