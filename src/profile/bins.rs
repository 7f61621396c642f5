//! `plimsoll_bins(column)`: exact counts of a numeric column in the bins cut by frozen edges.
//!
//! PSI compares bin proportions. The current slice is counted against the baseline's edges
//! while it is profiled; a baseline profiled in the same run is counted by this aggregate in a
//! second, light scan of its drift columns once the edges are known (they come from its own
//! quantile sketch), so neither side's proportions are read from a sketch.

use crate::error::{Error, Result};
use crate::source::Source;
use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::{DataFusionError, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};
use datafusion::prelude::SessionContext;
use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Counts per column, by partition name (`""` for the whole slice when not grouped).
pub type Counts = BTreeMap<String, BTreeMap<String, Vec<u64>>>;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct BinsUdaf {
    signature: Signature,
    /// The interior edges, as f64 bits (so the UDAF can be hashed and compared).
    edges: Vec<u64>,
}

impl BinsUdaf {
    pub fn new(edges: &[f64]) -> Self {
        Self {
            signature: Signature::any(1, Volatility::Immutable),
            edges: edges.iter().map(|e| e.to_bits()).collect(),
        }
    }

    /// The interior edges (a cluster's codec sends them with the plan).
    pub fn edges(&self) -> Vec<f64> {
        self.edges.iter().map(|b| f64::from_bits(*b)).collect()
    }
}

impl AggregateUDFImpl for BinsUdaf {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "plimsoll_bins"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> datafusion::common::Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn accumulator(
        &self,
        _args: AccumulatorArgs,
    ) -> datafusion::common::Result<Box<dyn Accumulator>> {
        let edges: Vec<f64> = self.edges.iter().map(|b| f64::from_bits(*b)).collect();
        let counts = vec![0; edges.len() + 1];
        Ok(Box::new(BinsAccumulator { edges, counts }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> datafusion::common::Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[bins]", args.name),
            DataType::Utf8,
            true,
        ))])
    }
}

#[derive(Debug)]
struct BinsAccumulator {
    edges: Vec<f64>,
    counts: Vec<u64>,
}

/// `1,2,3` -> counts.
fn parse_counts(s: &str) -> Option<Vec<u64>> {
    s.split(',').map(|c| c.parse().ok()).collect()
}

impl BinsAccumulator {
    fn text(&self) -> ScalarValue {
        let parts: Vec<String> = self.counts.iter().map(u64::to_string).collect();
        ScalarValue::Utf8(Some(parts.join(",")))
    }
}

impl Accumulator for BinsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> datafusion::common::Result<()> {
        // Numbers as the profiler reads them: integers as `v as f64`, decimals at their scale.
        let values = arrow::compute::cast(&values[0], &DataType::Float64)?;
        let values = values.as_primitive::<Float64Type>();
        let last = self.edges.len();
        for v in values.iter().flatten() {
            let bin = if v.is_nan() {
                continue;
            } else if v == f64::NEG_INFINITY {
                0
            } else if v == f64::INFINITY {
                last
            } else {
                self.edges.partition_point(|e| *e <= v)
            };
            self.counts[bin] += 1;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> datafusion::common::Result<ScalarValue> {
        Ok(self.text())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + (self.edges.capacity() + self.counts.capacity()) * 8
    }

    fn state(&mut self) -> datafusion::common::Result<Vec<ScalarValue>> {
        Ok(vec![self.text()])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> datafusion::common::Result<()> {
        let states = arrow::compute::cast(&states[0], &DataType::Utf8)?;
        for s in states.as_string::<i32>().iter().flatten() {
            let other = parse_counts(s)
                .filter(|c| c.len() == self.counts.len())
                .ok_or_else(|| DataFusionError::Execution(format!("bad bin counts `{s}`")))?;
            self.counts.iter_mut().zip(other).for_each(|(a, b)| *a += b);
        }
        Ok(())
    }
}

fn column_expr(c: &str) -> Expr {
    Expr::Column(datafusion::common::Column::new_unqualified(c))
}

/// Counts each column of `edges` in its bins over the selected slice of `source`, in one scan,
/// grouped by the partition columns when `by_partition` (keyed by `key=value/...`; otherwise
/// the one key is `""`).
pub async fn count(
    ctx: &SessionContext,
    source: &Source,
    edges: &BTreeMap<String, Vec<f64>>,
    by_partition: bool,
) -> Result<Counts> {
    let mut out = Counts::new();
    if edges.is_empty() {
        return Ok(out);
    }
    let columns: Vec<&String> = edges.keys().collect();
    let exprs: Vec<Expr> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            AggregateUDF::from(BinsUdaf::new(&edges[*c]))
                .call(vec![column_expr(c)])
                .alias(format!("b{i}"))
        })
        .collect();
    let (keys, group): (Vec<String>, Vec<Expr>) = if by_partition {
        source.group_keys().into_iter().unzip()
    } else {
        (Vec::new(), Vec::new())
    };
    let df = source.dataframe(ctx).await?;
    let df = df.aggregate(group, exprs).map_err(|e| Error::Query {
        source_name: source.location.clone(),
        source: e,
    })?;
    let batches = df.collect().await.map_err(|e| source.scan_error(e))?;
    let text = |a: &ArrayRef| -> Result<ArrayRef> {
        arrow::compute::cast(a, &DataType::Utf8).map_err(|e| Error::Internal(e.to_string()))
    };
    for batch in &batches {
        let key_cols: Vec<ArrayRef> = (0..keys.len())
            .map(|k| text(batch.column(k)))
            .collect::<Result<_>>()?;
        let value_cols: Vec<ArrayRef> = (0..columns.len())
            .map(|i| text(batch.column(keys.len() + i)))
            .collect::<Result<_>>()?;
        for row in 0..batch.num_rows() {
            let name: Vec<String> = keys
                .iter()
                .zip(&key_cols)
                .map(|(k, a)| format!("{k}={}", a.as_string::<i32>().value(row)))
                .collect();
            let entry = out.entry(name.join("/")).or_default();
            for (c, a) in columns.iter().zip(&value_cols) {
                let a = a.as_string::<i32>();
                if a.is_null(row) {
                    continue;
                }
                let counts = parse_counts(a.value(row)).ok_or_else(|| {
                    Error::Internal(format!("bin counts of `{c}`: `{}`", a.value(row)))
                })?;
                entry.insert((*c).clone(), counts);
            }
        }
    }
    Ok(out)
}
