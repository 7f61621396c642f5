//! Errors of iceberg-rust (and the OpenDAL storage under it) said plainly, with a hint.

use crate::error::Error;
use crate::source::errors::{Fault, from_text, hint};
use crate::source::s3::S3Location;

/// An error of iceberg-rust for `location`, with a hint.
pub fn iceberg_error(location: &str, e: iceberg::Error) -> Error {
    describe_error(location, &e)
}

/// The whole chain of an error as text, and its innermost cause. Storage failures come wrapped
/// (iceberg, then OpenDAL, then the S3 answer): the chain says what happened, the innermost
/// cause most plainly.
pub(super) fn chain(e: &iceberg::Error) -> (String, String) {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut detail = e.message().to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        detail = c.to_string();
        text.push('\n');
        text.push_str(&detail);
        cause = c.source();
    }
    (text, detail)
}

/// What an iceberg-rust error was: its kind first, then the text of its chain.
fn fault(e: &iceberg::Error, text: &str) -> Fault {
    match e.kind() {
        iceberg::ErrorKind::TableNotFound | iceberg::ErrorKind::NamespaceNotFound => {
            Fault::NotFound
        }
        _ => from_text(text),
    }
}

/// As [`iceberg_error`], for an error held by reference (inside a scan error).
pub fn describe_error(location: &str, e: &iceberg::Error) -> Error {
    let (text, detail) = chain(e);
    // The object OpenDAL was reading (`path: KEY,` in its context), as a URL.
    let object = text
        .split("path: ")
        .nth(1)
        .and_then(|r| r.split([',', ' ']).next())
        .map(|key| match S3Location::parse(location) {
            Some(Ok(loc)) => loc.url_of(key.trim_start_matches('/')),
            _ => key.to_string(),
        });
    let object = object.as_deref().unwrap_or(location);
    let bucket = match S3Location::parse(location) {
        Some(Ok(loc)) => loc.bucket,
        _ => String::new(),
    };
    let fault = fault(e, &text);
    let (message, hint) = match fault {
        Fault::Archived => (
            format!("`{object}` is in an archived storage class (GLACIER or DEEP_ARCHIVE)"),
            hint(fault, &bucket),
        ),
        Fault::Credentials => (
            format!("the credentials were refused reading Iceberg table `{location}`"),
            hint(fault, &bucket),
        ),
        Fault::AccessDenied { .. } => (format!("access denied to `{object}`"), hint(fault, &bucket)),
        Fault::Unreachable => (
            format!("cannot reach the object store reading Iceberg table `{location}`"),
            "check the network and `AWS_ENDPOINT_URL`; Iceberg reads are retried and time out"
                .to_string(),
        ),
        Fault::NotFound | Fault::NoSuchBucket => (
            format!("cannot read Iceberg table `{location}`: `{object}` is missing: {detail}"),
            match e.kind() {
                iceberg::ErrorKind::TableNotFound | iceberg::ErrorKind::NamespaceNotFound => {
                    "check the table name (`NAMESPACE.TABLE`) and `--catalog-name`".to_string()
                }
                _ => "a file the table's metadata names is missing: the table may have been expired, moved or copied without its files; check the location".to_string(),
            },
        ),
        Fault::Other if e.kind() == iceberg::ErrorKind::FeatureUnsupported => (
            format!("cannot read Iceberg table `{location}`: {detail}"),
            "iceberg-rust cannot read this table feature; compact the table or profile another snapshot".to_string(),
        ),
        Fault::Other => (
            if detail == e.message() {
                format!("cannot read Iceberg table `{location}`: {detail}")
            } else {
                format!(
                    "cannot read Iceberg table `{location}`: {}: {detail}",
                    e.message()
                )
            },
            "check that the location is an Iceberg table and that its files are readable"
                .to_string(),
        ),
    };
    Error::Storage {
        location: location.to_string(),
        message,
        hint,
    }
}
