//! `plimsoll scheduler` and `plimsoll executor`: Ballista's scheduler and executor processes
//! (`ballista-scheduler`, `ballista-executor`) with Plimsoll's aggregates in their function
//! registries, Plimsoll's codecs for the plans they exchange, and object stores built from their
//! own environment ([`super::registry`]). No scheduling of Plimsoll's own: Ballista plans the
//! stages, places the tasks, and reruns those of an executor that stops answering.

use super::ClusterUrl;
use super::codec::{self, LogicalCodec, PhysicalCodec};
use super::registry::EnvRegistry;
use crate::error::{Error, Result};
use ballista::extension::SessionConfigExt;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::prelude::SessionConfig;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How `plimsoll scheduler` runs.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Where its gRPC service listens (clients and executors connect there).
    pub bind: SocketAddr,
    /// The host name executors and clients know it by, when not the bind address.
    pub advertise: Option<String>,
    /// An executor whose heartbeat is this late is dead: its tasks run again elsewhere.
    pub executor_timeout: Duration,
}

/// How `plimsoll executor` runs.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    pub scheduler: ClusterUrl,
    /// Where its Arrow Flight service listens (shuffle reads and results are fetched there).
    pub bind: SocketAddr,
    /// Its gRPC port for the tasks the scheduler pushes (default: the bind port + 1).
    pub grpc_port: Option<u16>,
    /// The host name the scheduler, the other executors and clients reach it by.
    pub advertise: Option<String>,
    /// Tasks run at once (default: the cores).
    pub concurrency: Option<usize>,
    /// Where shuffle files are written (default: a new temporary directory).
    pub work_dir: Option<PathBuf>,
    /// The memory pool shared by its tasks, in bytes.
    pub memory_limit: Option<u64>,
    /// How often it tells the scheduler it is alive.
    pub heartbeat: Duration,
}

fn ballista_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Cluster {
        message: format!("{what}: {e}"),
        hint: "see the log lines above; `PLIMSOLL_LOG=debug` shows more".into(),
    }
}

/// Fails unless `addr` can be listened on now. Ballista's executor logs a port it cannot bind and
/// runs on without that service, so the ports are tried first and a taken one is an error.
fn check_port(addr: SocketAddr, what: &str) -> Result<()> {
    std::net::TcpListener::bind(addr).map(drop).map_err(|e| Error::Cluster {
        message: format!("cannot listen on {addr} for the {what}: {e}"),
        hint: "another process holds the port: stop it, or choose another with `--bind` (executors: `--grpc-port` too)".into(),
    })
}

/// The session settings of the cluster's processes: Ballista's, with Plimsoll's codecs.
fn config() -> SessionConfig {
    SessionConfig::new_with_ballista()
        .with_ballista_grpc_client_max_message_size(super::MAX_MESSAGE)
        .with_ballista_logical_extension_codec(Arc::new(LogicalCodec::default()))
        .with_ballista_physical_extension_codec(Arc::new(PhysicalCodec::default()))
}

/// A runtime whose object stores come from this process's environment.
fn runtime(
    registry: &Arc<EnvRegistry>,
    temp: Option<&PathBuf>,
) -> datafusion::common::Result<Arc<RuntimeEnv>> {
    let mut builder = RuntimeEnvBuilder::new().with_object_store_registry(registry.clone());
    if let Some(dir) = temp {
        builder = builder.with_temp_file_path(dir.clone());
    }
    Ok(Arc::new(builder.build()?))
}

/// Runs the scheduler until the process is stopped.
pub async fn run_scheduler(opts: SchedulerOptions) -> Result<()> {
    use ballista_scheduler::cluster::BallistaCluster;
    use ballista_scheduler::config::SchedulerConfig;
    let registry = Arc::new(EnvRegistry::new());
    let session_builder = move |config: SessionConfig| -> datafusion::common::Result<SessionState> {
        let mut aggregates = ballista_core::extension::ballista_aggregate_functions();
        aggregates.extend(codec::aggregates());
        Ok(SessionStateBuilder::new()
            .with_default_features()
            .with_config(config)
            .with_runtime_env(runtime(&registry, None)?)
            .with_scalar_functions(ballista_core::extension::ballista_scalar_functions())
            .with_aggregate_functions(aggregates)
            .with_window_functions(ballista_core::extension::ballista_window_functions())
            .build())
    };
    check_port(opts.bind, "scheduler")?;
    let timeout = opts.executor_timeout.as_secs().max(1);
    let config = SchedulerConfig {
        bind_host: opts.bind.ip().to_string(),
        bind_port: opts.bind.port(),
        external_host: opts
            .advertise
            .clone()
            .unwrap_or_else(|| opts.bind.ip().to_string()),
        executor_timeout_seconds: timeout,
        grpc_server_max_decoding_message_size: super::MAX_MESSAGE as u32,
        grpc_server_max_encoding_message_size: super::MAX_MESSAGE as u32,
        expire_dead_executor_interval_seconds: (timeout / 3).clamp(1, 15),
        override_config_producer: Some(Arc::new(config)),
        override_session_builder: Some(Arc::new(session_builder)),
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..SchedulerConfig::default()
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| ballista_error("cannot start the scheduler", e))?;
    log::info!(
        "Plimsoll {} scheduler listening on {} (executors are dead after {timeout} s without a heartbeat)",
        env!("CARGO_PKG_VERSION"),
        opts.bind
    );
    let scheduler = ballista_scheduler::scheduler_process::create_scheduler::<
        LogicalPlanNode,
        PhysicalPlanNode,
    >(cluster, Arc::new(config))
    .await
    .map_err(|e| ballista_error("cannot start the scheduler", e))?;
    tokio::spawn(revive_offers(scheduler.clone()));
    ballista_scheduler::scheduler_process::start_grpc_service(opts.bind, scheduler)
        .await
        .map_err(|e| ballista_error(&format!("the scheduler on {} stopped", opts.bind), e))
}

/// Offers the pending tasks of running jobs to the executors every second.
///
/// Ballista 53's push scheduling offers tasks only on events (a job submitted, a task status
/// received, an executor registered). When an executor is lost, its tasks are reset to pending
/// but no offer follows: if the other executors have already finished their own tasks, nothing
/// ever hands them the reset ones and the job waits forever (seen here with an executor killed
/// mid-scan). An empty task-status update from a live executor is such an event, and changes
/// nothing else, so one is sent while jobs run.
async fn revive_offers(
    scheduler: ballista_scheduler::scheduler_server::SchedulerServer<
        LogicalPlanNode,
        PhysicalPlanNode,
    >,
) {
    use ballista_core::serde::protobuf::UpdateTaskStatusParams;
    use ballista_core::serde::protobuf::scheduler_grpc_server::SchedulerGrpc;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        if scheduler.running_job_number() == 0 {
            continue;
        }
        let Ok(executors) = scheduler.state.executor_manager.get_executors_state().await else {
            continue;
        };
        // The executor heard from last: the update of one thought dead would be ignored.
        let Some(live) = executors
            .iter()
            .filter_map(|(m, beat, _)| beat.map(|b| (b, m.id.clone())))
            .max()
            .map(|(_, id)| id)
        else {
            continue;
        };
        let nudge = UpdateTaskStatusParams {
            executor_id: live,
            task_status: Vec::new(),
        };
        if let Err(e) =
            SchedulerGrpc::update_task_status(&scheduler, tonic::Request::new(nudge)).await
        {
            log::debug!("offering pending tasks: {e}");
        }
    }
}

/// Runs an executor until the process is stopped (SIGTERM or Ctrl-C: it finishes its tasks
/// and tells the scheduler it leaves).
pub async fn run_executor(opts: ExecutorOptions) -> Result<()> {
    use ballista_core::registry::BallistaFunctionRegistry;
    use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
    super::check_reachable(&opts.scheduler, Duration::from_secs(10)).await?;
    let grpc_port = opts
        .grpc_port
        .unwrap_or_else(|| opts.bind.port().wrapping_add(1));
    check_port(opts.bind, "executor's Flight service")?;
    check_port(
        SocketAddr::new(opts.bind.ip(), grpc_port),
        "executor's gRPC service",
    )?;
    let registry = Arc::new(EnvRegistry::new());
    let temp = opts.work_dir.clone();
    let runtime_producer = move |_: &SessionConfig| runtime(&registry, temp.as_ref());
    let mut functions = BallistaFunctionRegistry::default();
    for udaf in codec::aggregates() {
        functions
            .aggregate_functions
            .insert(udaf.name().to_string(), udaf);
    }
    let host = opts.bind.ip().to_string();
    let advertise = opts
        .advertise
        .clone()
        .or_else(|| (!opts.bind.ip().is_unspecified()).then(|| host.clone()));
    let config = ExecutorProcessConfig {
        bind_host: host,
        external_host: advertise,
        port: opts.bind.port(),
        grpc_port,
        scheduler_host: opts.scheduler.host.clone(),
        scheduler_port: opts.scheduler.port,
        concurrent_tasks: opts.concurrency.unwrap_or(0),
        work_dir: opts
            .work_dir
            .as_ref()
            .map(|d| d.to_string_lossy().into_owned()),
        executor_heartbeat_interval_seconds: opts.heartbeat.as_secs().max(1),
        memory_pool_size: opts.memory_limit,
        grpc_max_decoding_message_size: super::MAX_MESSAGE as u32,
        grpc_max_encoding_message_size: super::MAX_MESSAGE as u32,
        print_thread_info: false,
        override_function_registry: Some(Arc::new(functions)),
        override_runtime_producer: Some(Arc::new(runtime_producer)),
        override_config_producer: Some(Arc::new(config)),
        override_logical_codec: Some(Arc::new(LogicalCodec::default())),
        override_physical_codec: Some(Arc::new(PhysicalCodec::default())),
        ..ExecutorProcessConfig::default()
    };
    log::info!(
        "Plimsoll {} executor on {}, scheduler {}",
        env!("CARGO_PKG_VERSION"),
        opts.bind,
        opts.scheduler
    );
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| ballista_error(&format!("the executor on {} stopped", opts.bind), e))
}
