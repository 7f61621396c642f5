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

fn page(cmd: clap::Command) -> (String, String) {
    let man = clap_mangen::Man::new(cmd);
    let mut out = Vec::new();
    man.render(&mut out)
        .expect("rendering into memory cannot fail");
    (
        man.get_filename(),
        String::from_utf8(out).expect("manual pages are UTF-8"),
    )
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
