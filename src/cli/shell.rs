//! Shell integration: `completions SHELL` (a completion script generated from the clap
//! definitions, on stdout) and `man` (the manual pages: the main page on stdout, or
//! `plimsoll.1` and a `plimsoll-COMMAND.1` per command written into a directory).

use super::{Cli, Outcome};
use crate::error::{Error, Result};
use clap::CommandFactory;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write `plimsoll.1` and one `plimsoll-COMMAND.1` per command into DIR (created if
    /// missing) and list the files written, instead of printing the main page
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The completion script of `shell` for the `plimsoll` binary.
pub fn completion_script(shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "plimsoll", &mut out);
    String::from_utf8(out).expect("completion scripts are UTF-8")
}

pub fn completions(a: CompletionsArgs) -> Result<Outcome> {
    Ok(Outcome::new(completion_script(a.shell), 0))
}

/// Every manual page, as (file name, roff): `plimsoll.1` first, then one per command.
pub fn man_pages() -> Vec<(String, String)> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = vec![page(cmd.clone())];
    pages.extend(
        cmd.get_subcommands()
            .filter(|s| !s.is_hide_set())
            .cloned()
            .map(page),
    );
    pages
}

/// One command's page: clap_mangen's title, name, synopsis, options, commands and version, with
/// the description and the long help's blocks (SOURCE, examples, exit codes) as sections of
/// their own, tables and examples kept line by line.
fn page(cmd: clap::Command) -> (String, String) {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut out = Vec::new();
    let text = |s: Option<&clap::builder::StyledStr>| s.map(|s| s.to_string());
    let description = text(cmd.get_long_about())
        .or_else(|| text(cmd.get_about()))
        .unwrap_or_default();
    let extra = text(cmd.get_after_long_help()).or_else(|| text(cmd.get_after_help()));
    let render = |w: &mut Vec<u8>| -> std::io::Result<()> {
        man.render_title(w)?;
        man.render_name_section(w)?;
        man.render_synopsis_section(w)?;
        let mut roff = roff::Roff::new();
        roff.control("SH", ["DESCRIPTION"]);
        sections(&mut roff, &description, false);
        roff.to_writer(w)?;
        if cmd.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(w)?;
        }
        if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
            man.render_subcommands_section(w)?;
        }
        if let Some(extra) = &extra {
            let mut roff = roff::Roff::new();
            sections(&mut roff, extra, true);
            roff.to_writer(w)?;
        }
        if cmd.get_version().is_some() {
            man.render_version_section(w)?;
        }
        Ok(())
    };
    render(&mut out).expect("rendering into memory cannot fail");
    (
        man.get_filename(),
        String::from_utf8(out).expect("manual pages are UTF-8"),
    )
}

/// Help text as roff: paragraphs a blank line apart; a paragraph with indented lines (a table,
/// examples) kept line by line, others filled. With `headed`, a paragraph whose first line is a
/// title (`Exit codes:`) opens a section.
fn sections(roff: &mut roff::Roff, text: &str, headed: bool) {
    let mut in_section = !headed;
    for para in text.split("\n\n") {
        let lines: Vec<&str> = para.lines().filter(|l| !l.trim().is_empty()).collect();
        let Some(first) = lines.first() else { continue };
        let mut body = &lines[..];
        if headed && !first.starts_with(' ') && first.ends_with(':') {
            let title = match first.trim_end_matches(':') {
                t if t.starts_with("SOURCE can be") => "SOURCE".to_string(),
                t if t.starts_with("Examples") => "EXAMPLES".to_string(),
                "Exit codes" => "EXIT STATUS".to_string(),
                t => t.to_uppercase(),
            };
            roff.control("SH", [title.as_str()]);
            in_section = true;
            // A qualified title (`Examples (from the repository root...)`) keeps its words.
            if !first.starts_with("SOURCE can be") && first.contains(' ') && first != &"Exit codes:"
            {
                roff.text([roff::roman(first.trim_end_matches(':'))]);
            }
            body = &lines[1..];
        } else {
            if !in_section {
                roff.control("SH", ["NOTES"]);
                in_section = true;
            }
            roff.control("PP", []);
        }
        if body.iter().any(|l| l.starts_with(' ')) {
            roff.control("nf", []);
            for l in body {
                roff.text([roff::roman(*l)]);
            }
            roff.control("fi", []);
        } else if !body.is_empty() {
            roff.text([roff::roman(body.join(" "))]);
        }
    }
}

pub fn man(a: ManArgs) -> Result<Outcome> {
    let pages = man_pages();
    let Some(dir) = a.dir else {
        let (_, main) = pages.into_iter().next().expect("the main page");
        return Ok(Outcome::new(main, 0));
    };
    let io = |path: &std::path::Path| {
        let path = path.display().to_string();
        move |source| Error::Io { path, source }
    };
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let mut written = String::new();
    for (name, roff) in pages {
        let path = dir.join(name);
        std::fs::write(&path, roff).map_err(io(&path))?;
        written.push_str(&format!("{}\n", path.display()));
    }
    Ok(Outcome::new(written, 0))
}
