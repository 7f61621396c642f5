//! Parquet on S3 (and S3-compatible stores) through object_store: listing, footers, errors.
//!
//! Credentials come from the standard chain object_store implements: `AWS_ACCESS_KEY_ID` /
//! `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, web identity (`AWS_WEB_IDENTITY_TOKEN_FILE`),
//! the ECS container endpoint and the EC2 instance metadata service. `AWS_REGION` (default
//! `us-east-1`), `--s3-endpoint` or `AWS_ENDPOINT_URL` for S3-compatible stores; plain HTTP is allowed for a
//! loopback endpoint or when `AWS_ALLOW_HTTP=true`. Requests time out (connect 5 s, request
//! 30 s: `PLIMSOLL_S3_TIMEOUT`) and are retried with backoff on 5xx, 429 and connection errors
//! for at most 5 retries and 60 s (`PLIMSOLL_S3_RETRY_TIMEOUT`), so a dead endpoint fails
//! instead of hanging. 4xx answers (403, 404) are not retried.

use super::footer;
use super::local::FileInfo;
use crate::error::{Error, Result};
use arrow::datatypes::Schema;
use futures::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, RetryConfig};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// The key prefix, without leading or trailing `/`.
    pub prefix: String,
}

impl S3Location {
    /// Parses an `s3://` location; None for anything else.
    pub fn parse(location: &str) -> Option<Result<S3Location>> {
        let rest = location.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Some(Err(Error::usage(
                format!("`{location}` names no bucket"),
                "write `s3://BUCKET/PREFIX`",
            )));
        }
        Some(Ok(S3Location {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
        }))
    }

    /// `s3://bucket/` (the URL DataFusion registers the store under).
    pub fn bucket_url(&self) -> String {
        format!("s3://{}/", self.bucket)
    }

    pub fn url_of(&self, key: &str) -> String {
        format!("s3://{}/{key}", self.bucket)
    }
}

fn loopback(endpoint: &str) -> bool {
    url::Url::parse(endpoint)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .is_some_and(|h| {
            h == "localhost"
                || h.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
                || h == "[::1]"
        })
}

fn env_duration(name: &str, default: Duration) -> Duration {
    std::env::var(name)
        .ok()
        .and_then(|v| crate::contract::units::parse_duration(&v).ok())
        .map_or(default, Duration::from_secs)
}

/// Per-request timeout: `PLIMSOLL_S3_TIMEOUT` (default 30s).
fn timeout() -> Duration {
    env_duration("PLIMSOLL_S3_TIMEOUT", Duration::from_secs(30))
}

/// Total time spent retrying one request: `PLIMSOLL_S3_RETRY_TIMEOUT` (default 60s).
fn retry_timeout() -> Duration {
    env_duration("PLIMSOLL_S3_RETRY_TIMEOUT", Duration::from_secs(60))
}

/// `--s3-endpoint`, when given: it overrides `AWS_ENDPOINT_URL`.
static ENDPOINT: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Sets the endpoint of S3-compatible stores for this process (`--s3-endpoint`).
pub fn set_endpoint(url: &str) -> Result<()> {
    let parsed = url::Url::parse(url).map_err(|e| {
        Error::usage(
            format!("invalid `--s3-endpoint {url}`: {e}"),
            "give a URL such as `https://s3.eu-west-1.amazonaws.com` or `http://127.0.0.1:9000`",
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::usage(
            format!("invalid `--s3-endpoint {url}`: the scheme must be http or https"),
            "give a URL such as `https://minio.internal:9000`",
        ));
    }
    let _ = ENDPOINT.set(url.to_string());
    Ok(())
}

/// The endpoint of an S3-compatible store: `--s3-endpoint`, else `AWS_ENDPOINT_URL`.
pub fn endpoint() -> Option<String> {
    ENDPOINT
        .get()
        .cloned()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT").ok())
}

/// Plain HTTP is allowed for a loopback endpoint, or when `AWS_ALLOW_HTTP=true`.
pub fn http_allowed(endpoint: Option<&str>) -> bool {
    endpoint.is_some_and(loopback)
        || std::env::var("AWS_ALLOW_HTTP").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// An object store for the bucket, from the environment.
pub fn store(loc: &S3Location) -> Result<Arc<dyn ObjectStore>> {
    // object_store's HTTP client needs a TLS crypto provider installed by the application (once;
    // a second install is refused harmlessly).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(&loc.bucket);
    if std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
        builder = builder.with_region("us-east-1");
    }
    let endpoint = endpoint();
    let allow_http = http_allowed(endpoint.as_deref());
    if let Some(e) = &endpoint {
        builder = builder.with_endpoint(e);
    }
    // The client options replace the builder's, so plain HTTP is decided here.
    let client = ClientOptions::new()
        .with_allow_http(allow_http)
        .with_connect_timeout(Duration::from_secs(5).min(timeout()))
        .with_timeout(timeout());
    let retry = RetryConfig {
        max_retries: 5,
        retry_timeout: retry_timeout(),
        ..RetryConfig::default()
    };
    let built = builder
        .with_client_options(client)
        .with_retry(retry)
        .build()
        .map_err(|e| Error::Storage {
            location: loc.bucket_url(),
            message: e.to_string(),
            hint: "check `AWS_REGION`, `AWS_ENDPOINT_URL` and the credentials in the environment"
                .into(),
        })?;
    Ok(Arc::new(built))
}

/// A one-paragraph error for a failed object-store call, with a hint for what the user can do.
pub fn storage_error(location: &str, bucket: &str, e: &object_store::Error) -> Error {
    let text = e.to_string();
    let has = |s: &str| text.contains(s);
    // A 403 answer, said as a status (a bare "403" may be digits of a duration or a port).
    let forbidden = has("403 Forbidden") || has("status 403") || has("Forbidden");
    let (message, hint) = match e {
        object_store::Error::NotFound { .. } => {
            return Error::SourceNotFound {
                path: location.to_string(),
            };
        }
        _ if has("InvalidObjectState") || has("GLACIER") || has("DEEP_ARCHIVE") => (
            format!("`{location}` is in an archived storage class (GLACIER or DEEP_ARCHIVE)"),
            "restore the object first (`aws s3api restore-object`) and run again once it is readable".into(),
        ),
        object_store::Error::PermissionDenied { .. } => (
            format!("access denied to `{location}`"),
            if has("KMS") || has("kms") {
                format!("the object is encrypted with KMS: the caller needs `kms:Decrypt` (and `kms:GenerateDataKey` to write) on its key, besides `s3:GetObject` and `s3:ListBucket` on bucket `{bucket}`")
            } else {
                format!("the credentials need `s3:ListBucket` on bucket `{bucket}` and `s3:GetObject` on its objects")
            },
        ),
        object_store::Error::Unauthenticated { .. } => (
            format!("the credentials were refused for `{location}`"),
            "they are invalid or expired: refresh them (e.g. `aws sso login`) or check `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`".into(),
        ),
        _ if has("NoSuchBucket") => (
            format!("bucket `{bucket}` does not exist"),
            "check the bucket name and the region or endpoint (`AWS_REGION`, `AWS_ENDPOINT_URL`)".into(),
        ),
        _ if has("InvalidAccessKeyId") || has("SignatureDoesNotMatch") || has("ExpiredToken") || forbidden && has("credentials") => (
            format!("the credentials were refused for `{location}`"),
            "they are invalid or expired: refresh them or check `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`".into(),
        ),
        _ if has("AccessDenied") || forbidden => (
            format!("access denied to `{location}`"),
            format!("the credentials need `s3:ListBucket` on bucket `{bucket}` and `s3:GetObject` on its objects"),
        ),
        _ if has("timed out") || has("error sending request") || has("connect") || has("Connection") => (
            format!("cannot reach the object store for `{location}`"),
            "check the network and `AWS_ENDPOINT_URL`; each request times out (`PLIMSOLL_S3_TIMEOUT`, 30s) and is retried for at most `PLIMSOLL_S3_RETRY_TIMEOUT` (60s)".into(),
        ),
        _ => (
            format!("cannot read `{location}`"),
            "see the cause above".into(),
        ),
    };
    Error::Storage {
        location: location.to_string(),
        message: format!("{message}: {}", first_line(&text)),
        hint,
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// Lists the Parquet files under the location (hive `key=value` directories recognised, other
/// directories skipped, as locally). Returns whether the location is a single file.
pub async fn list(
    store: &Arc<dyn ObjectStore>,
    loc: &S3Location,
    location: &str,
) -> Result<(bool, Vec<FileInfo>)> {
    if loc.prefix.ends_with(".parquet") {
        let path = ObjectPath::from(loc.prefix.as_str());
        let meta = store
            .head(&path)
            .await
            .map_err(|e| storage_error(location, &loc.bucket, &e))?;
        return Ok((
            true,
            vec![FileInfo::new(
                PathBuf::from(loc.url_of(&loc.prefix)),
                meta.size,
                vec![],
            )],
        ));
    }
    let prefix = (!loc.prefix.is_empty()).then(|| ObjectPath::from(loc.prefix.as_str()));
    let objects: Vec<object_store::ObjectMeta> = store
        .list(prefix.as_ref())
        .try_collect()
        .await
        .map_err(|e| storage_error(location, &loc.bucket, &e))?;
    let mut files = Vec::new();
    for o in objects {
        let key = o.location.to_string();
        let rel = key
            .strip_prefix(&loc.prefix)
            .unwrap_or(&key)
            .trim_start_matches('/');
        let mut parts: Vec<&str> = rel.split('/').collect();
        let Some(name) = parts.pop() else { continue };
        if !name.ends_with(".parquet") {
            continue;
        }
        let mut partition = Vec::new();
        let mut hive = true;
        for p in parts {
            match p.split_once('=') {
                Some((k, v)) => partition.push((k.to_string(), percent_decode(v))),
                None => hive = false,
            }
        }
        if hive {
            files.push(FileInfo::new(
                PathBuf::from(loc.url_of(&key)),
                o.size,
                partition,
            ));
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((false, files))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a file's footer: its row count and Arrow schema. Checked and decoded as local footers
/// are (see [`super::footer`]); the tail is fetched in one request when the metadata is small.
pub async fn read_footer(
    store: &Arc<dyn ObjectStore>,
    loc: &S3Location,
    f: &mut FileInfo,
) -> Result<Schema> {
    /// Most footers fit in this tail, read in one request.
    const PREFETCH: u64 = 64 * 1024;
    let url = f.path.display().to_string();
    let key = url
        .strip_prefix(&loc.bucket_url())
        .unwrap_or(&url)
        .to_string();
    let path = ObjectPath::from(key.as_str());
    let size = f.size;
    if size == 0 {
        footer::metadata_len(&url, 0, &[])?;
    }
    let fetch = |range: std::ops::Range<u64>| {
        let (store, path, url) = (store.clone(), path.clone(), url.clone());
        async move {
            store.get_range(&path, range).await.map_err(|e| match e {
                object_store::Error::NotFound { .. } => Error::Vanished { path: url },
                e => storage_error(&url, &loc.bucket, &e),
            })
        }
    };
    let start = size.saturating_sub(PREFETCH);
    let tail = fetch(start..size).await?;
    let len = footer::metadata_len(&url, size, &tail)?;
    let meta_start = size - footer::TAIL - len;
    let metadata = if meta_start >= start {
        let from = (meta_start - start) as usize;
        tail.slice(from..from + len as usize)
    } else {
        fetch(meta_start..size - footer::TAIL).await?
    };
    let (meta, schema) = footer::decode(&url, size, &metadata)?;
    f.rows = meta.file_metadata().num_rows() as u64;
    f.footer = Some(Arc::new(meta));
    Ok(schema)
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
}
