//! The `plimsoll` binary: parse arguments, run, map the outcome to an exit code.

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match plimsoll::cli::term::parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let terminal = plimsoll::cli::term::Terminal::detect(&cli.term);
    // Says "internal error" for a panic nobody catches; silent for a dependency's panic on bad
    // input, which the library catches and reports as that input's error.
    std::panic::set_hook(Box::new(plimsoll::source::panics::hook));
    // What the closure holds (the arguments, the run's observer) is not used after a panic.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            // Local reads run on the blocking pool, one thread per read in flight, and each
            // thread that allocates a decoded row group's bytes gets a malloc arena of its own
            // that keeps them once freed: tens of threads held 900 MB at 60M rows. A few threads
            // keep the reads as parallel as the cores allow, and the arenas few.
            .max_blocking_threads(blocking_threads())
            .build()
            .map_err(|e| {
                plimsoll::error::Error::Internal(format!("cannot start the runtime: {e}"))
            })?;
        runtime.block_on(plimsoll::cli::run(cli))
    }));
    match outcome {
        Ok(Ok(o)) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error of the run.
            let _ = stdout
                .write_all(o.stdout.as_bytes())
                .and_then(|_| stdout.flush());
            eprint!("{}", o.stderr);
            ExitCode::from(o.code)
        }
        Ok(Err(e)) => {
            eprint!("{}", terminal.stderr_text(&e.render()));
            ExitCode::from(2)
        }
        Err(panic) => {
            plimsoll::source::panics::uncaught(panic.as_ref());
            ExitCode::from(2)
        }
    }
}

/// Threads of the runtime's blocking pool: twice the cores, at least four.
fn blocking_threads() -> usize {
    std::thread::available_parallelism().map_or(4, |n| (2 * n.get()).max(4))
}
