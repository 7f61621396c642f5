//! Colour for a terminal, as a pass over text already rendered: the renderers stay plain (and so
//! do every machine format and report file), and only what goes to a terminal is painted. The
//! status words of the `table` reports (FAIL red, WARN yellow, PASS dimmed, ERROR bold red;
//! `compat`'s BREAKS and SAFE likewise) and the labels of stderr lines (`error:`, `warning:`,
//! `hint:`, `note:`, `verbose:`). Only the words are wrapped in escape codes, after the columns
//! were padded, so alignment is what the plain text has.

use anstyle::{AnsiColor, Style};

/// Whether to paint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Palette {
    pub enabled: bool,
}

const RED: Style = AnsiColor::Red.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const CYAN: Style = AnsiColor::Cyan.on_default();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

impl Palette {
    pub fn new(enabled: bool) -> Self {
        Palette { enabled }
    }

    /// `text` in `style`, when painting.
    pub fn paint(self, style: Style, text: &str) -> String {
        if self.enabled {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    /// The style of a status word of a report, if it is one.
    fn status_style(word: &str) -> Option<Style> {
        Some(match word {
            "FAIL" | "BREAKS" | "✗" => RED,
            "ERROR" => RED.bold(),
            "WARN" => YELLOW,
            "PASS" | "SAFE" => DIM,
            _ => return None,
        })
    }

    /// A `table` report with its status words painted: in the column headed `STATUS` of each
    /// table, and at the start of the lines below the tables (a check's detail lines, the
    /// verdict, `compat`'s changes).
    pub fn table(self, text: &str) -> String {
        if !self.enabled {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len() + 64);
        let mut column: Option<usize> = None;
        for line in text.split_inclusive('\n') {
            let body = line.trim_end_matches('\n');
            let end = &line[body.len()..];
            if body.trim().is_empty() {
                column = None;
                out.push_str(line);
                continue;
            }
            if let Some(c) = status_header(body) {
                column = Some(c);
                out.push_str(line);
                continue;
            }
            let at = match column {
                Some(c) => c,
                // `compat`'s consumer lines: `        ✗ consumer (file:line): reason`.
                None => body.chars().take_while(|c| *c == ' ').count(),
            };
            out.push_str(&self.word_at(body, at));
            out.push_str(end);
        }
        out
    }

    /// `line` with the status word starting at character `at` painted (when one starts there).
    fn word_at(self, line: &str, at: usize) -> String {
        let Some((byte, _)) = line.char_indices().nth(at) else {
            return line.to_string();
        };
        if at > 0 && !line[..byte].ends_with(' ') {
            return line.to_string();
        }
        let rest = &line[byte..];
        let len = rest.find([' ', ':']).unwrap_or(rest.len());
        match Self::status_style(&rest[..len]) {
            Some(style) => format!(
                "{}{}{}",
                &line[..byte],
                self.paint(style, &rest[..len]),
                &rest[len..]
            ),
            None => line.to_string(),
        }
    }

    /// stderr with the label of each line painted: `error:` red, `warning:` yellow, `hint:`
    /// cyan, `note:` bold, `verbose:` dimmed.
    pub fn stderr(self, text: &str) -> String {
        if !self.enabled {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len() + 64);
        for line in text.split_inclusive('\n') {
            let label = [
                ("error:", RED.bold()),
                ("warning:", YELLOW.bold()),
                ("hint:", CYAN.bold()),
                ("note:", BOLD),
                ("verbose:", DIM),
            ]
            .into_iter()
            .find(|(l, _)| line.starts_with(l));
            match label {
                Some((l, style)) => {
                    out.push_str(&self.paint(style, l));
                    out.push_str(&line[l.len()..]);
                }
                None => out.push_str(line),
            }
        }
        out
    }
}

/// The character column of `STATUS` in a table's header line (a line of capitals naming the
/// columns), if it is one.
fn status_header(line: &str) -> Option<usize> {
    if line.chars().any(|c| c.is_lowercase()) {
        return None;
    }
    let mut start = 0;
    while let Some(i) = line[start..].find("STATUS") {
        let at = start + i;
        let before = at == 0 || line[..at].ends_with(' ');
        let after = line[at + 6..].is_empty() || line[at + 6..].starts_with(' ');
        if before && after {
            return Some(line[..at].chars().count());
        }
        start = at + 6;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: Palette = Palette { enabled: true };

    fn plain(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn status_column_words_are_painted_and_nothing_else_moves() {
        let text = "FIELD   TYPE    PSI  STATUS  EVIDENCE\n\
                    amount  number  0.5  FAIL    PASS of\n\
                    status  string  0.0  PASS\n\
                    \n\
                    FAIL: 1 failed\n";
        let painted = ON.table(text);
        assert_eq!(plain(&painted), text);
        assert!(painted.contains("0.5  \x1b[31mFAIL\x1b[0m    PASS of"));
        assert!(painted.contains("0.0  \x1b[2mPASS\x1b[0m\n"));
        assert!(painted.contains("\x1b[31mFAIL\x1b[0m: 1 failed"));
        // Column widths: each painted line, unpainted, is as long as before.
        for (a, b) in painted.lines().zip(text.lines()) {
            assert_eq!(plain(a).chars().count(), b.chars().count());
        }
    }

    #[test]
    fn off_is_the_text_itself() {
        let text = "STATUS  X\nFAIL    y\n";
        assert_eq!(Palette::default().table(text), text);
        assert_eq!(Palette::default().stderr("error: x\n"), "error: x\n");
    }

    #[test]
    fn words_that_only_begin_like_a_status_are_left() {
        let text = "STATUS  X\nFAILED  y\nPASSING z\n";
        assert_eq!(ON.table(text), text);
    }

    #[test]
    fn stderr_labels() {
        let painted = ON.stderr("error: bad\n  Caused by: x\n\nhint: do y\nnote: z\n");
        assert!(painted.starts_with("\x1b[1m\x1b[31merror:\x1b[0m bad\n"));
        assert!(painted.contains("\x1b[1m\x1b[36mhint:\x1b[0m do y"));
        assert!(painted.contains("  Caused by: x\n"));
        assert_eq!(
            plain(&painted),
            "error: bad\n  Caused by: x\n\nhint: do y\nnote: z\n"
        );
    }
}
