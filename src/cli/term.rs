//! The terminal: `--color`, `-q`/`--quiet` and `-v`/`--verbose`; which streams are painted; and
//! the observer that draws the progress of a run on stderr (a spinner while listing, a bar while
//! scanning, a summary line after) and says, with `-v`, what was read and how long each phase
//! took. Nothing is drawn unless stderr is a terminal, and nothing at all with `--quiet`.

use super::{Command, Outcome};
use crate::progress::{Observer, Phase, Progress, ScanDone, ScanStats, ScanTotals};
use crate::report::style::Palette;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set
    #[default]
    Auto,
    /// Always, even into a pipe or a file
    Always,
    /// Never
    Never,
}

/// The flags of every command about the terminal.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TermArgs {
    /// Colour the table reports and stderr: `auto` (when the stream is a terminal and `NO_COLOR`
    /// is not set), `always` or `never`. Machine formats and `--output` files are never coloured
    #[arg(long, value_enum, value_name = "WHEN", global = true, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only the report: no notes, warnings or progress (errors are still printed)
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also say on stderr what was read (files, bytes, row groups pruned, answers taken from
    /// metadata) and how long each phase took, as `verbose:` lines
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// What the terminal allows, decided once per run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Terminal {
    /// Paint the table report on stdout.
    pub color_stdout: bool,
    /// Paint stderr.
    pub color_stderr: bool,
    /// Draw progress on stderr.
    pub progress: bool,
    pub quiet: bool,
    pub verbose: bool,
}

impl Terminal {
    /// The flags over the environment (`NO_COLOR`) and what stdout and stderr are.
    pub fn detect(a: &TermArgs) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self::decide(
            a,
            no_color,
            std::io::stdout().is_terminal(),
            std::io::stderr().is_terminal(),
        )
    }

    /// As [`Terminal::detect`], given the environment.
    pub fn decide(a: &TermArgs, no_color: bool, stdout_tty: bool, stderr_tty: bool) -> Self {
        let color = |tty: bool| match a.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        Terminal {
            color_stdout: color(stdout_tty),
            color_stderr: color(stderr_tty),
            progress: stderr_tty && !a.quiet,
            quiet: a.quiet,
            verbose: a.verbose && !a.quiet,
        }
    }

    pub fn stderr_palette(self) -> Palette {
        Palette::new(self.color_stderr)
    }

    /// stderr text (an error) as this terminal shows it.
    pub fn stderr_text(self, text: &str) -> String {
        self.stderr_palette().stderr(text)
    }

    /// The outcome as printed: the table report painted, notes dropped with `--quiet`, the
    /// phase times of `-v` after them, stderr painted.
    pub fn finish(self, mut o: Outcome, observer: &TermProgress) -> Outcome {
        if o.table && self.color_stdout {
            o.stdout = Palette::new(true).table(&o.stdout);
        }
        if !self.quiet {
            for n in std::mem::take(&mut o.notes) {
                o.stderr.push_str(&n);
                o.stderr.push('\n');
            }
        }
        o.stderr.push_str(&observer.closing());
        o.stderr = self.stderr_text(&o.stderr);
        o
    }
}

/// Parses the command line, clap's own errors and help coloured as `--color` says (clap would
/// otherwise decide alone, before the flag is read).
pub fn parse() -> Result<super::Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut choice = clap::ColorChoice::Auto;
    for (i, a) in args.iter().enumerate() {
        let value = match a.to_str() {
            Some("--color") => args.get(i + 1).and_then(|v| v.to_str()),
            Some(a) => a.strip_prefix("--color="),
            None => None,
        };
        match value {
            Some("always") => choice = clap::ColorChoice::Always,
            Some("never") => choice = clap::ColorChoice::Never,
            Some("auto") => choice = clap::ColorChoice::Auto,
            _ => {}
        }
    }
    let mut command = super::Cli::command().color(choice);
    let matches = command.try_get_matches_from_mut(args)?;
    super::Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))
}

/// Gives the observer to the command's context.
pub fn attach(command: &mut Command, observer: &Observer) {
    let context = match command {
        Command::Profile(a) => &mut a.context,
        Command::Check(a) => &mut a.context,
        Command::Run(a) => &mut a.context,
        Command::Drift(a) => &mut a.context,
        Command::Compat(a) => &mut a.context,
        Command::Suggest(a) => &mut a.context,
        _ => return,
    };
    context.progress = observer.clone();
}

/// Draws the progress of a run on stderr and gathers the facts of `-v`.
pub struct TermProgress {
    terminal: Terminal,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    bar: Option<ProgressBar>,
    totals: ScanTotals,
    phases: BTreeMap<Phase, Duration>,
}

/// Files named one by one in `-v` per scan; the rest are counted.
const FILES_NAMED: usize = 20;

impl TermProgress {
    pub fn new(terminal: Terminal) -> Self {
        TermProgress {
            terminal,
            state: Mutex::new(State::default()),
        }
    }

    /// The observer of the run: this one when it draws or speaks, else the silent default.
    pub fn observer(self: &Arc<Self>) -> Observer {
        if self.terminal.progress || self.terminal.verbose {
            Observer::new(self.clone())
        } else {
            Observer::default()
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Clears whatever is drawn (a run that ended in an error leaves no spinner behind).
    pub fn clear(&self) {
        if let Some(bar) = self.state().bar.take() {
            bar.finish_and_clear();
        }
    }

    /// A line on stderr, above whatever is drawn.
    fn say(&self, line: &str) {
        let line = self.terminal.stderr_text(&format!("{line}\n"));
        let state = self.state();
        match &state.bar {
            Some(bar) => bar.suspend(|| write_stderr(&line)),
            None => write_stderr(&line),
        }
    }

    fn verbose(&self, line: &str) {
        if self.terminal.verbose {
            self.say(&format!("verbose: {line}"));
        }
    }

    fn show(&self, bar: ProgressBar) {
        let mut state = self.state();
        if let Some(old) = state.bar.replace(bar) {
            old.finish_and_clear();
        }
    }

    /// The lines of `-v` said at the end: the time of each phase.
    pub fn closing(&self) -> String {
        if !self.terminal.verbose {
            return String::new();
        }
        let state = self.state();
        let times: Vec<String> = Phase::ALL
            .iter()
            .filter_map(|p| {
                state
                    .phases
                    .get(p)
                    .map(|d| format!("{} {}", p.as_str(), seconds(*d)))
            })
            .collect();
        if times.is_empty() {
            return String::new();
        }
        format!("verbose: time: {}\n", times.join(", "))
    }
}

/// Writes to stderr; a closed stderr is not the run's error.
fn write_stderr(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn size(bytes: u64) -> String {
    crate::contract::units::format_size(bytes)
}

impl Progress for TermProgress {
    fn listing(&self, what: &str) {
        if !self.terminal.progress {
            return;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(100));
        self.show(bar);
    }

    fn listed(&self, what: &str, files: u64, bytes: u64) {
        self.clear();
        if files > 0 {
            self.verbose(&format!("{what}: {files} file(s), {}", size(bytes)));
        } else {
            self.verbose(what);
        }
    }

    fn scan_started(&self, totals: &ScanTotals) {
        self.state().totals = totals.clone();
        if !self.terminal.progress {
            return;
        }
        let known = totals.rows > 0;
        let bar = ProgressBar::with_draw_target(
            known.then_some(totals.rows),
            ProgressDrawTarget::stderr(),
        );
        let template = if known {
            "{spinner} scanning {prefix} [{bar:20}] {human_pos}/{human_len} rows, {msg}, {rate}, ETA {eta}"
        } else {
            "{spinner} scanning {prefix}: {human_pos} rows, {msg}, {rate}"
        };
        let rate = |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let per_sec = s.per_sec();
            let _ = if per_sec.is_finite() {
                write!(
                    w,
                    "{} rows/s",
                    crate::report::table::thousands(per_sec as u64)
                )
            } else {
                write!(w, "- rows/s")
            };
        };
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("rate", rate)
                .progress_chars("=> "),
        );
        bar.set_prefix(totals.table.clone());
        bar.set_message(format!("0/{} files, 0 B read", totals.files));
        // Drawn at once and kept moving: the first frame does not wait for the first batch.
        bar.enable_steady_tick(Duration::from_millis(100));
        self.show(bar);
    }

    fn advanced(&self, done: &ScanDone) {
        let state = self.state();
        if let Some(bar) = &state.bar {
            bar.set_position(match bar.length() {
                Some(len) => done.rows.min(len),
                None => done.rows,
            });
            bar.set_message(format!(
                "{}/{} files, {} read",
                done.files.min(state.totals.files),
                state.totals.files,
                size(done.bytes)
            ));
        }
    }

    fn finished(&self, stats: &ScanStats) {
        self.clear();
        let t = &stats.totals;
        let files = if stats.done.files > 0 {
            stats.done.files
        } else {
            t.files
        };
        let bytes = if stats.done.bytes > 0 {
            stats.done.bytes
        } else {
            t.bytes
        };
        let rows = if stats.done.rows > 0 {
            stats.done.rows
        } else {
            t.rows
        };
        if self.terminal.progress {
            let line = format!(
                "scanned {} file(s), {}, {} rows in {:.1} s\n",
                crate::report::table::thousands(files),
                size(bytes),
                crate::report::table::thousands(rows),
                stats.elapsed.as_secs_f64()
            );
            write_stderr(&self.terminal.stderr_text(&line));
        }
        if !self.terminal.verbose {
            return;
        }
        let mut line = if stats.done.files > 0 {
            format!(
                "scan of {}: {} of {} file(s) read, {} fetched of {}, {} rows",
                t.table,
                stats.done.files,
                t.files,
                size(stats.done.bytes),
                size(t.bytes),
                crate::report::table::thousands(stats.done.rows)
            )
        } else {
            // A reader that keeps no count of files and bytes (Iceberg's).
            format!(
                "scan of {}: {} file(s) of {}, {} rows",
                t.table,
                t.files,
                size(t.bytes),
                crate::report::table::thousands(rows)
            )
        };
        if stats.row_groups_read + stats.row_groups_pruned > 0 {
            line.push_str(&format!(
                ", row groups: {} read, {} pruned by statistics",
                stats.row_groups_read, stats.row_groups_pruned
            ));
        } else {
            line.push_str(", row groups: none pruned");
        }
        if stats.files_pruned > 0 {
            line.push_str(&format!(
                ", {} file(s) pruned by statistics",
                stats.files_pruned
            ));
        }
        line.push_str(&format!(", in {}", seconds(stats.elapsed)));
        self.verbose(&line);
        for (file, bytes) in stats.files.iter().take(FILES_NAMED) {
            self.verbose(&format!("  read {file} ({})", size(*bytes)));
        }
        if stats.files.len() > FILES_NAMED {
            self.verbose(&format!(
                "  and {} more file(s)",
                stats.files.len() - FILES_NAMED
            ));
        }
    }

    fn metadata_answer(&self, table: &str, what: &str) {
        self.verbose(&format!("{table}: {what}"));
    }

    fn phase(&self, phase: Phase, elapsed: Duration) {
        *self.state().phases.entry(phase).or_default() += elapsed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(color: ColorChoice, quiet: bool, verbose: bool) -> TermArgs {
        TermArgs {
            color,
            quiet,
            verbose,
        }
    }

    #[test]
    fn colour_follows_the_stream_no_color_and_the_flag() {
        let auto = args(ColorChoice::Auto, false, false);
        let t = Terminal::decide(&auto, false, true, false);
        assert!(t.color_stdout && !t.color_stderr && !t.progress);
        let t = Terminal::decide(&auto, true, true, true);
        assert!(!t.color_stdout && !t.color_stderr && t.progress);
        let always = args(ColorChoice::Always, false, false);
        let t = Terminal::decide(&always, true, false, false);
        assert!(t.color_stdout && t.color_stderr);
        let never = args(ColorChoice::Never, false, false);
        let t = Terminal::decide(&never, false, true, true);
        assert!(!t.color_stdout && !t.color_stderr);
    }

    #[test]
    fn quiet_draws_nothing() {
        let t = Terminal::decide(&args(ColorChoice::Auto, true, false), false, true, true);
        assert!(!t.progress && t.quiet && !t.verbose);
    }
}
