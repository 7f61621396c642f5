//! S3 (and S3-compatible stores) through object_store: locations and the store of a bucket.
//!
//! Credentials come from the context's S3 settings (keys taken from the environment when the run
//! starts) or, without keys, from the standard chain object_store implements: web identity
//! (`AWS_WEB_IDENTITY_TOKEN_FILE`), the ECS container endpoint and the EC2 instance metadata
//! service. `--s3-endpoint` or `AWS_ENDPOINT_URL` for S3-compatible stores; plain HTTP is allowed
//! for a loopback endpoint or when `AWS_ALLOW_HTTP=true`. Requests time out (connect 5 s, request
//! 30 s: `PLIMSOLL_S3_TIMEOUT`) and are retried with backoff on 5xx, 429 and connection errors
//! for at most 5 retries and 60 s (`PLIMSOLL_S3_RETRY_TIMEOUT`), so a dead endpoint fails
//! instead of hanging. 4xx answers (403, 404) are not retried.

use crate::context::S3Config;
use crate::error::{Error, Result};
use object_store::aws::AmazonS3Builder;
use object_store::{ClientOptions, ObjectStore, RetryConfig};
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
    /// Parses an `s3://` location; None for anything else. Credentials written into the URL
    /// (`s3://KEY:SECRET@bucket/...`) are refused, and never repeated in the message.
    pub fn parse(location: &str) -> Option<Result<S3Location>> {
        let rest = location.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.contains('@') {
            return Some(Err(Error::usage(
                format!(
                    "`{}` has credentials written into it",
                    crate::source::redact(location)
                ),
                "remove them from the location and give them in `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (or another source of the AWS credential chain)",
            )));
        }
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

/// Checks an S3 endpoint given by the user: an http(s) URL, plain HTTP only when allowed.
pub fn check_endpoint(cfg: &S3Config, url: &str) -> Result<()> {
    let parsed = url::Url::parse(url).map_err(|e| {
        Error::usage(
            format!("invalid S3 endpoint `{}`: {e}", crate::source::redact(url)),
            "give a URL such as `https://s3.eu-west-1.amazonaws.com` or `http://127.0.0.1:9000`",
        )
    })?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if cfg.http_allowed(url) => Ok(()),
        "http" => Err(Error::usage(
            format!(
                "the S3 endpoint `{}` is plain HTTP to a host that is not this machine",
                crate::source::redact(url)
            ),
            "use https, or set `AWS_ALLOW_HTTP=true` if the network to it is trusted",
        )),
        _ => Err(Error::usage(
            format!(
                "invalid S3 endpoint `{}`: the scheme must be http or https",
                crate::source::redact(url)
            ),
            "give a URL such as `https://minio.internal:9000`",
        )),
    }
}

/// An object store for the bucket, from the context's S3 settings.
pub fn store(cfg: &S3Config, loc: &S3Location) -> Result<Arc<dyn ObjectStore>> {
    // object_store's HTTP client needs a TLS crypto provider installed by the application (once;
    // a second install is refused harmlessly).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(&loc.bucket)
        .with_region(&cfg.region);
    if let Some(k) = &cfg.access_key_id {
        builder = builder.with_access_key_id(k.expose());
    }
    if let Some(k) = &cfg.secret_access_key {
        builder = builder.with_secret_access_key(k.expose());
    }
    if let Some(t) = &cfg.session_token {
        builder = builder.with_token(t.expose());
    }
    let mut allow_http = false;
    if let Some(e) = &cfg.endpoint {
        check_endpoint(cfg, e)?;
        allow_http = e.starts_with("http://");
        builder = builder.with_endpoint(e);
    }
    // The client options replace the builder's, so plain HTTP is decided here.
    let client = ClientOptions::new()
        .with_allow_http(allow_http)
        .with_connect_timeout(Duration::from_secs(5).min(cfg.timeout))
        .with_timeout(cfg.timeout);
    let retry = RetryConfig {
        max_retries: 5,
        retry_timeout: cfg.retry_timeout,
        ..RetryConfig::default()
    };
    let built = builder
        .with_client_options(client)
        .with_retry(retry)
        .build()
        .map_err(|e| Error::Storage {
            location: loc.bucket_url(),
            message: format!("cannot use bucket `{}`: {e}", loc.bucket),
            hint: "check `AWS_REGION`, the endpoint (`--s3-endpoint`, `AWS_ENDPOINT_URL`) and the credentials in the environment"
                .into(),
        })?;
    Ok(Arc::new(built))
}
