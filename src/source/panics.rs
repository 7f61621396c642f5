//! Panics raised by a dependency on bad input, caught where Plimsoll calls it.
//!
//! The Parquet and Arrow crates panic on some corrupt files instead of returning an error.
//! Plimsoll catches those around footer decoding and around scans, and reports them as the
//! file's or source's error (exit code 2). The binary's panic hook (see [`hook`]) says
//! "internal error" only for panics nobody catches: while a guard is active it stays silent,
//! and the guard reports the panic's message and where it was raised.

use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Guards active in this process.
static GUARDS: AtomicUsize = AtomicUsize::new(0);
/// The last panic seen by the hook: message and location.
static LAST: Mutex<Option<String>> = Mutex::new(None);
/// Whether the hook printed the last panic (it does not while a guard is active).
static PRINTED: AtomicBool = AtomicBool::new(false);

struct Active;

impl Active {
    fn new() -> Self {
        GUARDS.fetch_add(1, Ordering::SeqCst);
        Active
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        GUARDS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The binary's panic hook: records the panic for a guard to report and prints it as an
/// internal error, unless a guard is active (the guard reports it).
pub fn hook(info: &std::panic::PanicHookInfo<'_>) {
    let text = describe(info);
    if let Ok(mut last) = LAST.lock() {
        *last = Some(text.clone());
    }
    let quiet = GUARDS.load(Ordering::SeqCst) > 0;
    PRINTED.store(!quiet, Ordering::SeqCst);
    if !quiet {
        print_internal(&text);
    }
}

fn print_internal(text: &str) {
    eprintln!("error: internal error: {text}\n\nhint: this is a bug in Plimsoll; please report it");
}

/// For the binary, when a panic reached it uncaught: says so, unless the hook already did (a
/// panic on another thread while a guard was active is not the guard's to report).
pub fn uncaught(payload: &(dyn std::any::Any + Send)) {
    if PRINTED.load(Ordering::SeqCst) {
        return;
    }
    let message = payload_text(payload);
    let text = LAST
        .lock()
        .ok()
        .and_then(|l| l.clone())
        .filter(|t| t.starts_with(&message))
        .unwrap_or(message);
    print_internal(&text);
}

fn describe(info: &std::panic::PanicHookInfo<'_>) -> String {
    let message = payload_text(info.payload());
    match info.location() {
        Some(l) => format!("{message} (in {}:{})", short_path(l.file()), l.line()),
        None => message,
    }
}

/// A dependency's source path without the registry prefix: `parquet-58.4.1/src/...`.
fn short_path(file: &str) -> &str {
    const REGISTRY: &str = "/registry/src/";
    match file.find(REGISTRY) {
        Some(i) => file[i + REGISTRY.len()..]
            .split_once('/')
            .map_or(file, |(_, rest)| rest),
        None => file,
    }
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

/// A caught panic: its message (with the location, when the hook saw it) and whether it was
/// raised in Plimsoll's own code (a bug) rather than in a dependency (bad input).
#[derive(Debug, Clone)]
pub struct Caught {
    pub message: String,
    pub own_code: bool,
}

impl std::fmt::Display for Caught {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn caught(payload: Box<dyn std::any::Any + Send>) -> Caught {
    let message = payload_text(payload.as_ref());
    let recorded = LAST
        .lock()
        .ok()
        .and_then(|mut l| l.take())
        .filter(|t| t.starts_with(&message));
    let message = recorded.unwrap_or(message);
    // Plimsoll's own files are reported relative to the crate (`src/...`); dependencies and the
    // standard library by absolute paths.
    let own_code = message.contains(" (in src/");
    Caught { message, own_code }
}

/// Runs `f`; a panic inside it is returned as `Err` instead of unwinding further.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Caught> {
    let _active = Active::new();
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(caught)
}

/// Awaits `fut`; a panic while polling it (including one DataFusion re-raises from a task it
/// spawned) is returned as `Err` instead of unwinding further.
pub async fn catch_async<F: std::future::Future>(fut: F) -> Result<F::Output, Caught> {
    use futures::FutureExt;
    let _active = Active::new();
    AssertUnwindSafe(fut).catch_unwind().await.map_err(caught)
}
