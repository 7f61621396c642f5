//! Storage failures said plainly: what went wrong (from the error's variant first, its text only
//! as a last resort, in [`from_text`]) and what the user can do about it.

use crate::error::Error;

/// What a storage call ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The object or prefix does not exist.
    NotFound,
    /// An object in GLACIER or DEEP_ARCHIVE.
    Archived,
    /// The caller may not read it; `kms` when a KMS key is involved.
    AccessDenied {
        kms: bool,
    },
    /// Invalid or expired credentials.
    Credentials,
    NoSuchBucket,
    /// No answer: DNS, refused connection, timeout.
    Unreachable,
    Other,
}

/// The one place where a storage error's text is read, for what its type does not say (S3
/// error codes inside a generic HTTP error, OpenDAL's wrapped answers).
pub fn from_text(text: &str) -> Fault {
    let has = |s: &str| text.contains(s);
    // A 403 answer, said as a status (a bare "403" may be digits of a duration or a port).
    let forbidden = has("403 Forbidden") || has("status 403") || has("Forbidden");
    if has("InvalidObjectState") || has("GLACIER") || has("DEEP_ARCHIVE") {
        Fault::Archived
    } else if has("NoSuchBucket") {
        Fault::NoSuchBucket
    } else if has("InvalidAccessKeyId")
        || has("SignatureDoesNotMatch")
        || has("ExpiredToken")
        || has("invalid_client")
        || has("unauthorized")
        || has("Unauthorized")
        || has("status 401")
        || forbidden && has("credentials")
    {
        Fault::Credentials
    } else if has("AccessDenied") || has("PermissionDenied") || forbidden {
        Fault::AccessDenied {
            kms: has("KMS") || has("kms"),
        }
    } else if has("timed out")
        || has("timeout")
        || has("Timeout")
        || has("error sending request")
        || has("onnection refused")
        || has("dns error")
        || has("connect")
        || has("Connection")
    {
        Fault::Unreachable
    } else if has("NotFound") || has("No such file") || has("not found") || has("does not exist") {
        Fault::NotFound
    } else {
        Fault::Other
    }
}

/// What an object_store error was: its variant, then its text.
pub fn of_object_store(e: &object_store::Error) -> Fault {
    let text = e.to_string();
    match e {
        object_store::Error::NotFound { .. } => Fault::NotFound,
        object_store::Error::Unauthenticated { .. } => Fault::Credentials,
        object_store::Error::PermissionDenied { .. } => match from_text(&text) {
            Fault::Archived => Fault::Archived,
            _ => Fault::AccessDenied {
                kms: text.contains("KMS") || text.contains("kms"),
            },
        },
        _ => from_text(&text),
    }
}

/// The hint for a fault reading `bucket`.
pub fn hint(fault: Fault, bucket: &str) -> String {
    let perms = format!(
        "the credentials need `s3:ListBucket` on bucket `{bucket}` and `s3:GetObject` on its objects"
    );
    match fault {
        Fault::Archived => "restore the object first (`aws s3api restore-object`) and run again once it is readable".into(),
        Fault::AccessDenied { kms: true } => format!(
            "the object is encrypted with KMS: the caller needs `kms:Decrypt` (and `kms:GenerateDataKey` to write) on its key, besides `s3:GetObject` and `s3:ListBucket` on bucket `{bucket}`"
        ),
        Fault::AccessDenied { kms: false } => perms,
        Fault::Credentials => "they are invalid or expired: refresh them (e.g. `aws sso login`) or check `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`".into(),
        Fault::NoSuchBucket => "check the bucket name and the region or endpoint (`AWS_REGION`, `AWS_ENDPOINT_URL`)".into(),
        Fault::Unreachable => "check the network and the endpoint (`--s3-endpoint`, `AWS_ENDPOINT_URL`); each request times out (`PLIMSOLL_S3_TIMEOUT`, 30s) and is retried for at most `PLIMSOLL_S3_RETRY_TIMEOUT` (60s)".into(),
        Fault::NotFound => "check the location".into(),
        Fault::Other => "see the cause above".into(),
    }
}

/// A one-paragraph error for a failed object-store call about `location` in `bucket`.
pub fn storage_error(location: &str, bucket: &str, e: &object_store::Error) -> Error {
    let fault = of_object_store(e);
    let message = match fault {
        Fault::NotFound => {
            return Error::SourceNotFound {
                path: location.to_string(),
            };
        }
        Fault::Archived => {
            format!("`{location}` is in an archived storage class (GLACIER or DEEP_ARCHIVE)")
        }
        Fault::AccessDenied { .. } => format!("access denied to `{location}`"),
        Fault::Credentials => format!("the credentials were refused for `{location}`"),
        Fault::NoSuchBucket => format!("bucket `{bucket}` does not exist"),
        Fault::Unreachable => format!("cannot reach the object store for `{location}`"),
        Fault::Other => format!("cannot read `{location}`"),
    };
    let text = e.to_string();
    Error::Storage {
        location: location.to_string(),
        message: format!("{message}: {}", text.lines().next().unwrap_or(&text)),
        hint: hint(fault, bucket),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_403_in_a_duration_are_not_a_403() {
        let e = object_store::Error::Generic {
            store: "S3",
            source: "Error performing GET http://127.0.0.1:35413/lake in 6.284039593s, after 2 retries - HTTP error: error sending request".into(),
        };
        let rendered = storage_error("s3://lake/t", "lake", &e).render();
        assert!(
            rendered.contains("cannot reach the object store"),
            "{rendered}"
        );
    }

    #[test]
    fn variants_before_text() {
        let e = object_store::Error::NotFound {
            path: "x".into(),
            source: "AccessDenied in the text".into(),
        };
        assert_eq!(of_object_store(&e), Fault::NotFound);
    }
}
