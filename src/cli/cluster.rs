//! `plimsoll scheduler` and `plimsoll executor`: the processes of a Ballista cluster that knows
//! Plimsoll's aggregates (see `crate::cluster::server`).

use super::Outcome;
use crate::cluster::ClusterUrl;
use crate::cluster::server::{ExecutorOptions, SchedulerOptions};
use crate::contract::units;
use crate::error::{Error, Result};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct SchedulerArgs {
    /// Address its gRPC service listens on (`0.0.0.0:50050` for every interface)
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50050")]
    pub bind: String,
    /// Host name executors and clients reach it by, when not the bind address
    #[arg(long, value_name = "HOST")]
    pub advertise: Option<String>,
    /// An executor silent this long is dead and its tasks run again on the others
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub executor_timeout: String,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ExecutorArgs {
    /// The scheduler to register with
    #[arg(long, value_name = "df://HOST:PORT")]
    pub scheduler: String,
    /// Address its Arrow Flight service listens on (results and shuffle data are read there)
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50051")]
    pub bind: String,
    /// Port of its gRPC service, which receives tasks (default: the bind port + 1)
    #[arg(long, value_name = "PORT")]
    pub grpc_port: Option<u16>,
    /// Host name the scheduler, other executors and clients reach it by
    #[arg(long, value_name = "HOST")]
    pub advertise: Option<String>,
    /// Tasks run at once (default: the machine's cores)
    #[arg(long, value_name = "N")]
    pub concurrency: Option<std::num::NonZeroUsize>,
    /// Directory for shuffle files (default: a new temporary directory)
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Memory pool shared by its tasks (e.g. `8GiB`)
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// How often it tells the scheduler it is alive
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub heartbeat: String,
}

fn address(flag: &str, text: &str) -> Result<SocketAddr> {
    let bad = || {
        Error::usage(
            format!("`--{flag}`: `{text}` is not an address to listen on"),
            "write HOST:PORT, e.g. `127.0.0.1:50050` or `0.0.0.0:50050`",
        )
    };
    text.to_socket_addrs()
        .map_err(|_| bad())?
        .next()
        .ok_or_else(bad)
}

fn duration(flag: &str, text: &str) -> Result<Duration> {
    units::parse_duration(text)
        .map(Duration::from_secs)
        .map_err(|e| {
            Error::usage(
                format!("`--{flag}`: {e}"),
                "write a duration such as `30s` or `2m`",
            )
        })
}

fn init_log() -> Result<()> {
    crate::cluster::logger::init(crate::cluster::logger::level_from_env()?);
    Ok(())
}

pub async fn run_scheduler(a: SchedulerArgs) -> Result<Outcome> {
    let opts = SchedulerOptions {
        bind: address("bind", &a.bind)?,
        advertise: a.advertise,
        executor_timeout: duration("executor-timeout", &a.executor_timeout)?,
    };
    init_log()?;
    crate::cluster::server::run_scheduler(opts).await?;
    Ok(Outcome::new(String::new(), 0))
}

pub async fn run_executor(a: ExecutorArgs) -> Result<Outcome> {
    let memory_limit = a
        .memory_limit
        .as_deref()
        .map(|s| {
            units::parse_size(s).map_err(|e| {
                Error::usage(
                    format!("`--memory-limit`: {e}"),
                    "write a size such as `8GiB`",
                )
            })
        })
        .transpose()?;
    let opts = ExecutorOptions {
        scheduler: ClusterUrl::parse(&a.scheduler)?,
        bind: address("bind", &a.bind)?,
        grpc_port: a.grpc_port,
        advertise: a.advertise,
        concurrency: a.concurrency.map(std::num::NonZeroUsize::get),
        work_dir: a.work_dir,
        memory_limit,
        heartbeat: duration("heartbeat", &a.heartbeat)?,
    };
    init_log()?;
    crate::cluster::server::run_executor(opts).await?;
    Ok(Outcome::new(String::new(), 0))
}
