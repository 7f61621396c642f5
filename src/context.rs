//! The explicit context of a run: the settings every part of the engine reads (memory, object
//! storage, the Iceberg catalog), built once by a front end and passed down. Nothing in the
//! library keeps configuration in process globals, so two runs with different settings can share
//! a process (a test, a scheduler running many tables).

use std::time::Duration;

/// A secret (a key, a token): shown as `***` in `Debug` and `Display`, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself, for the client that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// How S3 (and S3-compatible stores) are reached.
#[derive(Debug, Clone, PartialEq)]
pub struct S3Config {
    /// An S3-compatible endpoint (`--s3-endpoint`, else `AWS_ENDPOINT_URL`).
    pub endpoint: Option<String>,
    /// `AWS_REGION` (default `us-east-1`).
    pub region: String,
    /// Plain HTTP to a non-loopback endpoint (`AWS_ALLOW_HTTP=true`).
    pub allow_http: bool,
    /// Explicit keys; without them the standard AWS chain of the environment applies (web
    /// identity, container and instance credentials).
    pub access_key_id: Option<Secret>,
    pub secret_access_key: Option<Secret>,
    pub session_token: Option<Secret>,
    /// Each request's timeout (`PLIMSOLL_S3_TIMEOUT`, default 30 s).
    pub timeout: Duration,
    /// Total time spent retrying one request (`PLIMSOLL_S3_RETRY_TIMEOUT`, default 60 s).
    pub retry_timeout: Duration,
}

impl Default for S3Config {
    fn default() -> Self {
        Self {
            endpoint: None,
            region: "us-east-1".into(),
            allow_http: false,
            access_key_id: None,
            secret_access_key: None,
            session_token: None,
            timeout: Duration::from_secs(30),
            retry_timeout: Duration::from_secs(60),
        }
    }
}

impl S3Config {
    /// The settings of the environment (`AWS_*`, `PLIMSOLL_S3_*`).
    pub fn from_env() -> Self {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        let duration = |n: &str, default: Duration| {
            var(n)
                .and_then(|v| crate::contract::units::parse_duration(&v).ok())
                .map_or(default, Duration::from_secs)
        };
        let d = S3Config::default();
        S3Config {
            endpoint: var("AWS_ENDPOINT_URL").or_else(|| var("AWS_ENDPOINT")),
            region: var("AWS_REGION")
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .unwrap_or(d.region),
            allow_http: var("AWS_ALLOW_HTTP").is_some_and(|v| v.eq_ignore_ascii_case("true")),
            access_key_id: var("AWS_ACCESS_KEY_ID").map(Secret::new),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY").map(Secret::new),
            session_token: var("AWS_SESSION_TOKEN").map(Secret::new),
            timeout: duration("PLIMSOLL_S3_TIMEOUT", d.timeout),
            retry_timeout: duration("PLIMSOLL_S3_RETRY_TIMEOUT", d.retry_timeout),
        }
    }

    /// Whether plain HTTP may be used for `url`: a loopback host, or `AWS_ALLOW_HTTP=true`.
    pub fn http_allowed(&self, url: &str) -> bool {
        self.allow_http || loopback(url)
    }
}

/// Whether the URL's host is a loopback address.
pub fn loopback(url: &str) -> bool {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .is_some_and(|h| {
            h == "localhost"
                || h == "[::1]"
                || h.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        })
}

/// The Iceberg catalog tables are named in (`--catalog`).
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogConfig {
    /// `sqlite:PATH` or `http(s)://...`.
    pub uri: String,
    /// The catalog's name (the SQL catalog's rows are keyed by it).
    pub name: String,
    /// The warehouse a REST catalog should serve.
    pub warehouse: Option<String>,
    /// OAuth2 client credentials `CLIENT_ID:SECRET` (`PLIMSOLL_CATALOG_CREDENTIAL`).
    pub credential: Option<Secret>,
    /// A bearer token (`PLIMSOLL_CATALOG_TOKEN`).
    pub token: Option<Secret>,
}

impl CatalogConfig {
    /// A catalog at `uri`, with credentials from the environment.
    pub fn new(uri: &str, name: &str, warehouse: Option<&str>) -> Self {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        CatalogConfig {
            uri: uri.to_string(),
            name: name.to_string(),
            warehouse: warehouse.map(str::to_string),
            credential: var("PLIMSOLL_CATALOG_CREDENTIAL").map(Secret::new),
            token: var("PLIMSOLL_CATALOG_TOKEN").map(Secret::new),
        }
    }
}

/// The context of a run.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The memory pool of each scan, in bytes (`--memory-limit`): exceeding it is an error, never
    /// an out-of-memory kill.
    pub memory_limit: Option<usize>,
    pub s3: S3Config,
    pub catalog: Option<CatalogConfig>,
    /// Who is told how the run advances (nobody by default).
    pub progress: crate::progress::Observer,
    /// The Ballista cluster scans run on (`--cluster df://HOST:PORT`); `None` runs them here.
    pub cluster: Option<crate::cluster::Cluster>,
}

impl Context {
    /// A context with the environment's S3 settings and nothing else set.
    pub fn from_env() -> Self {
        Context {
            s3: S3Config::from_env(),
            ..Context::default()
        }
    }

    /// A DataFusion session for the scans of a run: on the context's cluster when it has one,
    /// else on this machine under the memory limit ([`Context::local_session`]).
    pub fn session(&self) -> crate::error::Result<datafusion::prelude::SessionContext> {
        match &self.cluster {
            Some(cluster) => crate::cluster::session(cluster, Self::config()),
            None => Ok(self.local_session()),
        }
    }

    /// The settings of every scan's session.
    fn config() -> datafusion::prelude::SessionConfig {
        datafusion::prelude::SessionConfig::new().with_batch_size(8192)
    }

    /// A DataFusion session on this machine, under this context's memory limit (for what must
    /// run where the client is, such as writing quarantine files).
    pub fn local_session(&self) -> datafusion::prelude::SessionContext {
        use datafusion::prelude::SessionContext;
        let config = Self::config();
        match self.memory_limit {
            Some(limit) => {
                let runtime = datafusion::execution::runtime_env::RuntimeEnvBuilder::new()
                    .with_memory_limit(limit, 1.0)
                    .build_arc();
                match runtime {
                    Ok(rt) => SessionContext::new_with_config_rt(config, rt),
                    Err(_) => SessionContext::new_with_config(config),
                }
            }
            None => SessionContext::new_with_config(config),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show() {
        let s = S3Config {
            secret_access_key: Some(Secret::new("hunter2")),
            ..S3Config::default()
        };
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(Secret::new("x").to_string(), "***");
    }

    #[test]
    fn loopback_hosts() {
        assert!(loopback("http://127.0.0.1:8333"));
        assert!(loopback("http://localhost:9000"));
        assert!(loopback("http://[::1]:9000"));
        assert!(!loopback("http://10.0.0.5:9000"));
        assert!(!loopback("not a url"));
    }
}
