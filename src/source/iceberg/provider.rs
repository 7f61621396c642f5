//! The scan of an Iceberg snapshot as a DataFusion table provider.

use super::IcebergTable;
use arrow::datatypes::SchemaRef as ArrowSchemaRef;
use datafusion::catalog::Session;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result as DFResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::EquivalenceProperties;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
};
use futures::{StreamExt, TryStreamExt};
use iceberg::scan::FileScanTask;
use iceberg::table::Table;
use std::any::Any;
use std::collections::HashSet;
use std::sync::Arc;

/// The scan of an Iceberg snapshot as a DataFusion table: files planned by iceberg-rust (with
/// the projection), read by its Arrow reader, spread over the session's partitions.
#[derive(Debug, Clone)]
pub struct IcebergProvider {
    table: Table,
    snapshot_id: Option<i64>,
    schema: ArrowSchemaRef,
    /// The data files to read: the snapshot's, or those added since an earlier run.
    files: Arc<HashSet<String>>,
    /// The selected partitions as a predicate, so planning prunes manifests.
    filter: Option<iceberg::expr::Predicate>,
}

impl IcebergProvider {
    pub fn new(t: &IcebergTable, files: HashSet<String>) -> Self {
        Self {
            table: t.table.clone(),
            snapshot_id: t.snapshot_id(),
            schema: t.arrow_schema.clone(),
            files: Arc::new(files),
            filter: t.scan_filter.clone(),
        }
    }
}

fn df_error(e: iceberg::Error) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

#[async_trait::async_trait]
impl TableProvider for IcebergProvider {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn schema(&self) -> ArrowSchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        let schema = match projection {
            Some(p) => Arc::new(self.schema.project(p)?),
            None => self.schema.clone(),
        };
        let partitions = state.config().target_partitions().max(1);
        let mut tasks: Vec<FileScanTask> = Vec::new();
        if let Some(id) = self.snapshot_id {
            let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
            let builder = self.table.scan().snapshot_id(id);
            let builder = if names.is_empty() {
                builder.select_empty()
            } else {
                builder.select(names)
            };
            let builder = match &self.filter {
                Some(p) => builder.with_filter(p.clone()),
                None => builder,
            };
            tasks = builder
                .build()
                .map_err(df_error)?
                .plan_files()
                .await
                .map_err(df_error)?
                .try_collect()
                .await
                .map_err(df_error)?;
            tasks.retain(|t| self.files.contains(&t.data_file_path));
        }
        // Largest first onto the least loaded partition.
        tasks.sort_by_key(|t| std::cmp::Reverse(t.length));
        let mut groups: Vec<(u64, Vec<FileScanTask>)> = vec![(0, Vec::new()); partitions];
        for t in tasks {
            let g = groups
                .iter_mut()
                .min_by_key(|g| g.0)
                .expect("at least one partition");
            g.0 += t.length;
            g.1.push(t);
        }
        let groups: Vec<Vec<FileScanTask>> = groups
            .into_iter()
            .map(|g| g.1)
            .filter(|g| !g.is_empty())
            .collect();
        let n = groups.len().max(1);
        let properties = Arc::new(PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(n),
            EmissionType::Incremental,
            Boundedness::Bounded,
        ));
        Ok(Arc::new(IcebergExec {
            table: self.table.clone(),
            groups,
            schema,
            properties,
            metrics: Default::default(),
        }))
    }
}

/// Reads groups of planned file tasks, one group per output partition.
#[derive(Debug)]
struct IcebergExec {
    table: Table,
    groups: Vec<Vec<FileScanTask>>,
    schema: ArrowSchemaRef,
    properties: Arc<PlanProperties>,
    /// Rows read, for the progress of a scan (`progress::read_metrics`).
    metrics: datafusion::physical_plan::metrics::ExecutionPlanMetricsSet,
}

impl DisplayAs for IcebergExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "IcebergExec: {} file(s) in {} group(s)",
            self.groups.iter().map(Vec::len).sum::<usize>(),
            self.groups.len()
        )
    }
}

impl ExecutionPlan for IcebergExec {
    fn name(&self) -> &str {
        "IcebergExec"
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn with_new_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DFResult<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn metrics(&self) -> Option<datafusion::physical_plan::metrics::MetricsSet> {
        Some(self.metrics.clone_inner())
    }

    fn execute(
        &self,
        partition: usize,
        _context: Arc<TaskContext>,
    ) -> DFResult<SendableRecordBatchStream> {
        let tasks = self.groups.get(partition).cloned().unwrap_or_default();
        let reader = self
            .table
            .reader_builder()
            .with_batch_size(8192)
            .with_data_file_concurrency_limit(1)
            .build();
        let tasks = futures::stream::iter(tasks.into_iter().map(Ok)).boxed();
        let rows = datafusion::physical_plan::metrics::MetricBuilder::new(&self.metrics)
            .output_rows(partition);
        let stream = reader
            .read(tasks)
            .map_err(df_error)?
            .stream()
            .map_err(df_error)
            .inspect_ok(move |b| rows.add(b.num_rows()));
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            stream,
        )))
    }
}
