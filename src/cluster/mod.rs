//! The profile plan on an Apache Ballista cluster (`--cluster df://HOST:PORT`).
//!
//! The client builds the same DataFusion plan as a local run and hands it to Ballista's query
//! planner, which sends it to the scheduler; the scheduler splits it into stages and the
//! executors run them. Plimsoll's aggregates travel in the plan through [`codec`], with their
//! parameters (frozen PSI edges); everything after the profile (baselines, checks, history,
//! reports) stays in the client. `plimsoll scheduler` and `plimsoll executor` ([`server`]) are
//! Ballista's own scheduler and executor with Plimsoll's aggregates and codecs registered.
//!
//! Object storage is never configured through the plan: the scheduler and each executor build
//! their S3 stores from their own environment ([`registry`]), so no credential is sent.

//!
//! Built with the `cluster` cargo feature (on by default); without it, `--cluster` is refused
//! with a message saying so.

#[cfg(feature = "cluster")]
pub mod codec;
#[cfg(feature = "cluster")]
pub mod logger;
#[cfg(feature = "cluster")]
pub mod registry;
#[cfg(feature = "cluster")]
pub mod server;

use crate::error::{Error, Result};
#[cfg(feature = "cluster")]
use ballista::extension::{SessionConfigExt, SessionStateExt};
#[cfg(feature = "cluster")]
use datafusion::execution::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
#[cfg(feature = "cluster")]
use std::sync::Arc;
use std::time::Duration;

/// Ballista's scheduler port when the URL names none.
pub const DEFAULT_PORT: u16 = 50050;

/// The largest gRPC or Flight message the client, scheduler and executors send or accept.
/// Ballista's default (16 MiB) is smaller than one row of a wide table's profile states (each
/// field's sketches travel in one cell: 200 fields came to 23 MB).
pub const MAX_MESSAGE: usize = 1 << 30;

/// Tasks a scan is split into on a cluster when `--cluster-tasks` is not given.
pub const DEFAULT_TASKS: usize = 16;

/// The cluster a run's scans go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub url: ClusterUrl,
    /// Tasks each scan is split into (DataFusion's `target_partitions` on the cluster): its
    /// files, and row groups of large files, are spread over this many partial aggregates,
    /// merged by one final task. About the executors' total `--concurrency`, or a few times it.
    pub tasks: usize,
}

/// A scheduler's address, `df://HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterUrl {
    pub host: String,
    pub port: u16,
}

impl ClusterUrl {
    /// Parses `df://HOST[:PORT]`.
    pub fn parse(text: &str) -> Result<ClusterUrl> {
        let bad = |why: &str| {
            Error::usage(
                format!("invalid cluster address `{text}`: {why}"),
                "give the scheduler as `df://HOST:PORT`, e.g. `df://127.0.0.1:50050` (start one with `plimsoll scheduler`)",
            )
        };
        let rest = text
            .strip_prefix("df://")
            .ok_or_else(|| bad("it must start with `df://`"))?;
        let url = url::Url::parse(&format!("http://{rest}")).map_err(|e| bad(&e.to_string()))?;
        if url.path() != "/" || url.query().is_some() || !url.username().is_empty() {
            return Err(bad("only a host and a port may follow `df://`"));
        }
        let host = url.host_str().ok_or_else(|| bad("it names no host"))?;
        Ok(ClusterUrl {
            host: host.to_string(),
            port: url.port().unwrap_or(DEFAULT_PORT),
        })
    }

    /// The scheduler's gRPC endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }
}

impl std::fmt::Display for ClusterUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "df://{}:{}", self.host, self.port)
    }
}

/// A scan that failed on the cluster, as one clear error: Ballista reports a failed job as text
/// (`Job ID failed: CAUSE`, the executor's error flattened), so the cause is cut out of it and
/// told with what can be done. `None` for any other error.
fn job_failure(location: &str, e: &datafusion::error::DataFusionError) -> Option<Error> {
    let text = e.to_string();
    let start = text.find("Job ")?;
    let cause = text[start..].split_once(" failed: ")?.1;
    let mut cause = cause.trim();
    while let Some(rest) = cause.strip_prefix("DataFusion error: ") {
        cause = rest.trim();
    }
    let storage = ["Object Store", "S3", "403", "credential", "Forbidden"]
        .iter()
        .any(|w| cause.contains(w));
    let hint = if storage {
        format!(
            "on a cluster the scheduler (which lists the files) and every executor read `{location}` with their own environment, never the client's credentials: give each of them `AWS_*` variables (or an instance role) and an endpoint that can read it, then run again"
        )
    } else {
        "see the scheduler's and executors' logs (`PLIMSOLL_LOG=debug` for more); the same run without `--cluster` tells whether the data or the cluster is at fault".to_string()
    };
    Some(Error::Cluster {
        message: format!("the cluster failed to scan `{location}`: {cause}"),
        hint,
    })
}

/// The error of a scan that ran on the cluster: a failed job by its cause ([`job_failure`]), any
/// other as the client's Ballista connection told it, with where to look.
pub fn remote_error(location: &str, e: &datafusion::error::DataFusionError) -> Error {
    if let Some(failed) = job_failure(location, e) {
        return failed;
    }
    let mut cause = e.to_string();
    let mut inner: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(c) = inner {
        cause = c.to_string();
        inner = c.source();
    }
    Error::Cluster {
        message: format!("the scan of `{location}` on the cluster failed: {cause}"),
        hint: "see the scheduler's and executors' logs (`PLIMSOLL_LOG=debug` for more); the same run without `--cluster` tells whether the data or the cluster is at fault".into(),
    }
}

/// The error of a build without the `cluster` feature.
#[cfg(not(feature = "cluster"))]
fn not_built() -> Error {
    Error::usage(
        "this build of Plimsoll has no cluster support",
        "build it with the `cluster` feature (`cargo install --locked --path . --features cluster`; it is on by default), or run without `--cluster`",
    )
}

#[cfg(not(feature = "cluster"))]
pub async fn check_reachable(_url: &ClusterUrl, _timeout: Duration) -> Result<()> {
    Err(not_built())
}

#[cfg(not(feature = "cluster"))]
pub fn session(_cluster: &Cluster, _config: SessionConfig) -> Result<SessionContext> {
    Err(not_built())
}

#[cfg(not(feature = "cluster"))]
pub fn is_remote(_ctx: &SessionContext) -> bool {
    false
}

#[cfg(not(feature = "cluster"))]
pub fn is_remote_config(_config: &SessionConfig) -> bool {
    false
}

/// The error of a scheduler that does not answer.
#[cfg(feature = "cluster")]
fn unreachable(url: &ClusterUrl, why: &str) -> Error {
    Error::Cluster {
        message: format!("cannot reach the cluster at {url}: {why}"),
        hint: format!(
            "start a scheduler there (`plimsoll scheduler --bind {}:{}`) and at least one executor (`plimsoll executor --scheduler {url}`), or run without `--cluster` to profile on this machine",
            url.host, url.port
        ),
    }
}

#[cfg(feature = "cluster")]
/// Connects to the scheduler's gRPC service once, within `timeout`: a run against a cluster
/// that is not there fails at once with a clear error instead of when its first query runs.
pub async fn check_reachable(url: &ClusterUrl, timeout: Duration) -> Result<()> {
    let endpoint = ballista_core::utils::create_grpc_client_endpoint(url.endpoint(), None)
        .map_err(|e| unreachable(url, &e.to_string()))?
        .connect_timeout(timeout);
    match tokio::time::timeout(timeout, endpoint.connect()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => {
            let mut why = e.to_string();
            let mut cause = std::error::Error::source(&e);
            while let Some(c) = cause {
                why = c.to_string();
                cause = c.source();
            }
            Err(unreachable(url, &why))
        }
        Err(_) => Err(unreachable(
            url,
            &format!("no answer within {} s", timeout.as_secs()),
        )),
    }
}

#[cfg(feature = "cluster")]
/// A client session whose queries run on the cluster: the same session settings as a local
/// run, Ballista's query planner, and Plimsoll's codecs for the plan it sends.
pub fn session(cluster: &Cluster, config: SessionConfig) -> Result<SessionContext> {
    let url = &cluster.url;
    let config = config
        .with_target_partitions(cluster.tasks.max(1))
        .with_ballista_grpc_client_max_message_size(MAX_MESSAGE)
        .with_ballista_logical_extension_codec(Arc::new(codec::LogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(codec::PhysicalCodec::default()));
    let state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .build()
        .upgrade_for_ballista(url.endpoint())
        .map_err(|e| unreachable(url, &e.to_string()))?;
    Ok(SessionContext::new_with_state(state))
}

/// Whether a session runs its queries on a Ballista cluster.
#[cfg(feature = "cluster")]
pub fn is_remote(ctx: &SessionContext) -> bool {
    is_remote_config(ctx.state().config())
}

/// Whether a session's settings are a Ballista cluster's.
#[cfg(feature = "cluster")]
pub fn is_remote_config(config: &SessionConfig) -> bool {
    config
        .options()
        .extensions
        .get::<ballista_core::config::BallistaConfig>()
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_failures_are_told_by_their_cause() {
        use datafusion::error::DataFusionError;
        let e = DataFusionError::External(Box::new(DataFusionError::Execution(
            "Job a1B failed: DataFusion error: Object Store error: 403 Forbidden".into(),
        )));
        let Some(Error::Cluster { message, hint }) = job_failure("s3://lake/t", &e) else {
            panic!("a job failure")
        };
        assert_eq!(
            message,
            "the cluster failed to scan `s3://lake/t`: Object Store error: 403 Forbidden"
        );
        assert!(hint.contains("their own environment"), "{hint}");
        let e = DataFusionError::Execution("Job x failed: Parquet error: bad page".into());
        let Some(Error::Cluster { hint, .. }) = job_failure("t", &e) else {
            panic!()
        };
        assert!(hint.contains("without `--cluster`"), "{hint}");
        assert!(job_failure("t", &DataFusionError::Execution("Parquet error".into())).is_none());
        let e = DataFusionError::External(Box::new(std::io::Error::other("message too large")));
        let Error::Cluster { message, .. } = remote_error("t", &e) else {
            panic!("a cluster error")
        };
        assert_eq!(
            message,
            "the scan of `t` on the cluster failed: message too large"
        );
    }

    #[test]
    fn cluster_urls() {
        let u = ClusterUrl::parse("df://127.0.0.1:50050").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("127.0.0.1", 50050));
        assert_eq!(u.to_string(), "df://127.0.0.1:50050");
        assert_eq!(u.endpoint(), "http://127.0.0.1:50050");
        assert_eq!(ClusterUrl::parse("df://sched").unwrap().port, DEFAULT_PORT);
        for bad in [
            "http://x:1",
            "df://",
            "df://x:1/path",
            "df://u:p@x:1",
            "x:1",
        ] {
            let e = ClusterUrl::parse(bad).unwrap_err().to_string();
            assert!(e.contains("invalid cluster address"), "{bad}: {e}");
        }
    }
}
