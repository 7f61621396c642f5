//! `plimsoll_profile(column)`: the aggregate that profiles one column.
//!
//! One `SELECT plimsoll_profile(a), plimsoll_profile(b), ... FROM t` profiles every field in one
//! DataFusion plan (one scan). Partial states are serialised [`FieldProfile`]s, merged in the
//! final aggregation exactly as stored profiles are merged later.

use super::accumulate;
use super::model::{Bins, FieldProfile};
use arrow::array::{ArrayRef, AsArray};
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Signature, Volatility};
use std::any::Any;
use std::sync::Arc;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ProfileUdaf {
    signature: Signature,
    /// Frozen bin edges (as f64 bits) to count numeric values against exactly, if any.
    edges: Option<Vec<u64>>,
}

impl Default for ProfileUdaf {
    fn default() -> Self {
        Self {
            signature: Signature::any(1, Volatility::Immutable),
            edges: None,
        }
    }
}

impl ProfileUdaf {
    /// A profiler that also counts numeric values exactly in the bins cut by `edges`.
    pub fn with_edges(edges: &[f64]) -> Self {
        Self {
            edges: Some(edges.iter().map(|e| e.to_bits()).collect()),
            ..Self::default()
        }
    }

    /// The frozen bin edges, if any (a cluster's codec sends them with the plan).
    pub fn edges(&self) -> Option<Vec<f64>> {
        self.edges
            .as_ref()
            .map(|e| e.iter().map(|b| f64::from_bits(*b)).collect())
    }
}

impl AggregateUDFImpl for ProfileUdaf {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn name(&self) -> &str {
        "plimsoll_profile"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let field = args
            .expr_fields
            .first()
            .ok_or_else(|| DataFusionError::Plan("plimsoll_profile takes one column".into()))?;
        let mut profile = FieldProfile::new(field.name(), field.data_type());
        if let (Some(edges), Some(n)) = (&self.edges, profile.numeric.as_mut()) {
            n.bins = Some(Bins::new(
                edges.iter().map(|b| f64::from_bits(*b)).collect(),
            ));
        }
        Ok(Box::new(ProfileAccumulator {
            profile: Some(profile),
            held: accumulate::Held::default(),
            pending: Vec::new(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[profile]", args.name),
            DataType::Utf8,
            true,
        ))])
    }
}

#[derive(Debug)]
struct ProfileAccumulator {
    /// `None` once handed over by [`Accumulator::state`].
    profile: Option<FieldProfile>,
    /// What the batches hold back from the profile until it is read (see [`accumulate::Held`]).
    held: accumulate::Held,
    /// Partial states received, merged in a canonical order at the end: sketch merges depend
    /// on order, and partial states arrive in whatever order the threads finish.
    pending: Vec<String>,
}

/// The error of an accumulator used after [`Accumulator::state`] handed its profile over.
fn spent() -> DataFusionError {
    DataFusionError::Internal("a partial profile was used after its state was taken".into())
}

/// About how long the serialised form of `p` is: what [`Accumulator::state`] and
/// [`Accumulator::evaluate`] will allocate, counted before they do.
fn serialized_size(p: &FieldProfile) -> usize {
    let text = p.text.as_ref().map_or(0, |t| {
        t.min.as_ref().map_or(0, String::len) + t.max.as_ref().map_or(0, String::len)
    });
    512 + p.name.len()
        + text
        + p.distinct.serialized_size()
        + p.numeric.as_ref().map_or(0, |n| {
            n.sketch.serialized_size() + n.bins.as_ref().map_or(0, |b| b.counts.len() * 48)
        })
        + p.frequent.as_ref().map_or(0, |f| f.serialized_size())
        + p.temporal
            .as_ref()
            .and_then(|t| t.sketch.as_ref())
            .map_or(0, |k| k.serialized_size())
}

impl ProfileAccumulator {
    fn profile(&mut self) -> Result<&mut FieldProfile> {
        self.profile.as_mut().ok_or_else(spent)
    }

    fn merge_pending(&mut self) -> Result<()> {
        let profile = self.profile.as_mut().ok_or_else(spent)?;
        self.held.flush(profile);
        let mut parts: Vec<FieldProfile> = Vec::with_capacity(self.pending.len());
        for json in std::mem::take(&mut self.pending) {
            parts.push(serde_json::from_str(&json).map_err(|e| {
                DataFusionError::Execution(format!("reading a partial profile: {e}"))
            })?);
        }
        // A key of order-independent content (maps serialise in random order, so not the JSON).
        let key = |p: &FieldProfile| {
            let n = p.numeric.as_ref();
            (
                p.count,
                p.null_count,
                p.distinct.estimate(),
                n.map(|n| (n.finite_count, n.mean.to_bits(), n.m2.to_bits())),
                p.text
                    .as_ref()
                    .map(|t| (t.min.clone(), t.max.clone(), t.min_length, t.max_length)),
                p.temporal.as_ref().map(|t| (t.min, t.max)),
            )
        };
        parts.sort_by_key(key);
        for other in &parts {
            profile.merge(other);
        }
        Ok(())
    }

    fn serialise(&mut self) -> Result<ScalarValue> {
        self.merge_pending()?;
        let json = serde_json::to_string(self.profile()?)
            .map_err(|e| DataFusionError::Execution(format!("serialising a profile: {e}")))?;
        Ok(ScalarValue::Utf8(Some(json)))
    }
}

impl Accumulator for ProfileAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let profile = self.profile.as_mut().ok_or_else(spent)?;
        accumulate::update_holding(profile, &values[0], &mut self.held)?;
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        // The scan's result: the frequent values are cut to their stored capacity once, here
        // (partial states keep the larger working summary, so fewer cuts add to the bound).
        self.merge_pending()?;
        if let Some(f) = self.profile()?.frequent.as_mut() {
            f.compact();
        }
        self.serialise()
    }

    /// Everything this accumulator holds or will allocate: the sketches as allocated (HLL
    /// registers, the exact-distinct table, KLL levels, frequent values), the partial states
    /// received (and their parsed form when they are merged), and the serialised form the
    /// state or result will take, so the memory pool sees it before it exists.
    fn size(&self) -> usize {
        let pending: usize = self.pending.iter().map(String::capacity).sum();
        std::mem::size_of_val(self)
            + self.held.heap_size()
            + self.pending.capacity() * std::mem::size_of::<String>()
            + 2 * pending
            + self
                .profile
                .as_ref()
                .map_or(0, |p| p.heap_size() + serialized_size(p))
    }

    /// Hands the profile over as its serialised form and frees it: a partial aggregation asks
    /// once, at its end (DataFusion's contract: `state` consumes the state), and holding both
    /// forms of every column at once would double the peak.
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let state = self.serialise()?;
        self.profile = None;
        Ok(vec![state])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let states = arrow::compute::cast(&states[0], &DataType::Utf8)?;
        self.pending
            .extend(states.as_string::<i32>().iter().flatten().map(String::from));
        Ok(())
    }
}
