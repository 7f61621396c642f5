//! Plimsoll's aggregates in a Ballista plan: `plimsoll_profile` and `plimsoll_bins` travel with
//! their parameters (the frozen bin edges), so a scheduler or executor rebuilds exactly the
//! aggregate the client planned. Everything else is Ballista's own codec.

use crate::profile::bins::BinsUdaf;
use crate::profile::udaf::ProfileUdaf;
use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::{DataFusionError, Result, TableReference};
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{AggregateUDF, Extension, LogicalPlan, ScalarUDF, WindowUDF};
use datafusion::physical_plan::{ExecutionPlan, PhysicalExpr};
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::PhysicalExtensionCodec;
use std::sync::Arc;

/// The version byte of the encoding below.
const VERSION: u8 = 1;

/// The aggregates Plimsoll plans, as a scheduler's or executor's function registry holds them
/// (parameters come with each plan through the codecs).
pub fn aggregates() -> Vec<Arc<AggregateUDF>> {
    vec![
        Arc::new(AggregateUDF::from(ProfileUdaf::default())),
        Arc::new(AggregateUDF::from(BinsUdaf::new(&[]))),
    ]
}

/// `[VERSION, has_edges, count (u32 LE), edges (f64 LE)...]`.
fn encode_edges(edges: Option<&[f64]>, buf: &mut Vec<u8>) {
    buf.push(VERSION);
    match edges {
        None => buf.push(0),
        Some(edges) => {
            buf.push(1);
            buf.extend_from_slice(&(edges.len() as u32).to_le_bytes());
            for e in edges {
                buf.extend_from_slice(&e.to_le_bytes());
            }
        }
    }
}

fn decode_edges(name: &str, buf: &[u8]) -> Result<Option<Vec<f64>>> {
    let bad = || DataFusionError::Internal(format!("malformed parameters of `{name}` in the plan"));
    match buf {
        [VERSION, 0] => Ok(None),
        [VERSION, 1, rest @ ..] if rest.len() >= 4 => {
            let (count, values) = rest.split_at(4);
            let count = u32::from_le_bytes(count.try_into().map_err(|_| bad())?) as usize;
            if values.len() != count * 8 {
                return Err(bad());
            }
            Ok(Some(
                values
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().unwrap_or_default()))
                    .collect(),
            ))
        }
        [v, ..] if *v != VERSION => Err(DataFusionError::Plan(format!(
            "the plan's `{name}` was encoded by another version of Plimsoll (encoding {v}, this one reads {VERSION}): run the same Plimsoll version on the client, the scheduler and the executors"
        ))),
        _ => Err(bad()),
    }
}

/// Encodes a Plimsoll aggregate; `false` for any other (left to the inner codec).
fn encode_udaf(node: &AggregateUDF, buf: &mut Vec<u8>) -> bool {
    let inner = node.inner().as_any();
    if let Some(p) = inner.downcast_ref::<ProfileUdaf>() {
        encode_edges(p.edges().as_deref(), buf);
        true
    } else if let Some(b) = inner.downcast_ref::<BinsUdaf>() {
        encode_edges(Some(&b.edges()), buf);
        true
    } else {
        false
    }
}

/// Decodes a Plimsoll aggregate by name; `None` for any other.
fn decode_udaf(name: &str, buf: &[u8]) -> Result<Option<Arc<AggregateUDF>>> {
    let udaf = match name {
        "plimsoll_profile" => match decode_edges(name, buf)? {
            Some(edges) => AggregateUDF::from(ProfileUdaf::with_edges(&edges)),
            None => AggregateUDF::from(ProfileUdaf::default()),
        },
        "plimsoll_bins" => {
            AggregateUDF::from(BinsUdaf::new(&decode_edges(name, buf)?.unwrap_or_default()))
        }
        _ => return Ok(None),
    };
    Ok(Some(Arc::new(udaf)))
}

/// The logical codec: Ballista's, plus Plimsoll's aggregates.
#[derive(Debug, Default)]
pub struct LogicalCodec {
    inner: BallistaLogicalExtensionCodec,
}

impl LogicalExtensionCodec for LogicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> Result<Extension> {
        self.inner.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        self.inner
            .try_decode_table_provider(buf, table_ref, schema, ctx)
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        self.inner.try_encode_table_provider(table_ref, node, buf)
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn FileFormatFactory>> {
        self.inner.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn FileFormatFactory>,
    ) -> Result<()> {
        self.inner.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        self.inner.try_decode_udf(name, buf)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udf(node, buf)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        match decode_udaf(name, buf)? {
            Some(udaf) => Ok(udaf),
            None => self.inner.try_decode_udaf(name, buf),
        }
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        if encode_udaf(node, buf) {
            return Ok(());
        }
        self.inner.try_encode_udaf(node, buf)
    }

    fn try_decode_udwf(&self, name: &str, buf: &[u8]) -> Result<Arc<WindowUDF>> {
        self.inner.try_decode_udwf(name, buf)
    }

    fn try_encode_udwf(&self, node: &WindowUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udwf(node, buf)
    }
}

/// The physical codec: Ballista's (shuffle readers and writers), plus Plimsoll's aggregates.
#[derive(Debug, Default)]
pub struct PhysicalCodec {
    inner: BallistaPhysicalExtensionCodec,
}

impl PhysicalExtensionCodec for PhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.inner.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: Arc<dyn ExecutionPlan>, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode(node, buf)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        self.inner.try_decode_udf(name, buf)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udf(node, buf)
    }

    fn try_decode_expr(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn PhysicalExpr>],
    ) -> Result<Arc<dyn PhysicalExpr>> {
        self.inner.try_decode_expr(buf, inputs)
    }

    fn try_encode_expr(&self, node: &Arc<dyn PhysicalExpr>, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_expr(node, buf)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        match decode_udaf(name, buf)? {
            Some(udaf) => Ok(udaf),
            None => self.inner.try_decode_udaf(name, buf),
        }
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        if encode_udaf(node, buf) {
            return Ok(());
        }
        self.inner.try_encode_udaf(node, buf)
    }

    fn try_decode_udwf(&self, name: &str, buf: &[u8]) -> Result<Arc<WindowUDF>> {
        self.inner.try_decode_udwf(name, buf)
    }

    fn try_encode_udwf(&self, node: &WindowUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udwf(node, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(udaf: AggregateUDF) -> Arc<AggregateUDF> {
        let codec = PhysicalCodec::default();
        let mut buf = Vec::new();
        codec.try_encode_udaf(&udaf, &mut buf).unwrap();
        assert!(
            !buf.is_empty(),
            "Plimsoll's aggregates always carry their parameters"
        );
        let back = codec.try_decode_udaf(udaf.name(), &buf).unwrap();
        let logical = LogicalCodec::default();
        let mut again = Vec::new();
        logical.try_encode_udaf(&back, &mut again).unwrap();
        assert_eq!(buf, again);
        back
    }

    #[test]
    fn aggregates_keep_their_edges() {
        let edges = [-1.5, 0.0, 2.25, f64::MAX];
        let back = round_trip(AggregateUDF::from(ProfileUdaf::with_edges(&edges)));
        let p = back.inner().as_any().downcast_ref::<ProfileUdaf>().unwrap();
        assert_eq!(p.edges(), Some(edges.to_vec()));
        let back = round_trip(AggregateUDF::from(ProfileUdaf::default()));
        let p = back.inner().as_any().downcast_ref::<ProfileUdaf>().unwrap();
        assert_eq!(p.edges(), None);
        let back = round_trip(AggregateUDF::from(BinsUdaf::new(&edges)));
        let b = back.inner().as_any().downcast_ref::<BinsUdaf>().unwrap();
        assert_eq!(b.edges(), edges.to_vec());
    }

    #[test]
    fn malformed_or_foreign_parameters_are_refused() {
        let codec = PhysicalCodec::default();
        for buf in [&[][..], &[1, 1, 9, 0, 0, 0][..], &[1, 2][..]] {
            assert!(
                codec.try_decode_udaf("plimsoll_profile", buf).is_err(),
                "{buf:?}"
            );
        }
        let e = codec.try_decode_udaf("plimsoll_bins", &[7, 0]).unwrap_err();
        assert!(e.to_string().contains("another version of Plimsoll"), "{e}");
    }
}
