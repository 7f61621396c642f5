//! `plimsoll_profile(column)`: the aggregate that profiles one column.
//!
//! One `SELECT plimsoll_profile(a), plimsoll_profile(b), ... FROM t` profiles every field in one
//! DataFusion plan (one scan). Partial states are serialised [`FieldProfile`]s, merged in the
//! final aggregation exactly as stored profiles are merged later.

use super::accumulate;
use super::model::FieldProfile;
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
}

impl Default for ProfileUdaf {
    fn default() -> Self {
        Self {
            signature: Signature::any(1, Volatility::Immutable),
        }
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
        Ok(Box::new(ProfileAccumulator {
            profile: FieldProfile::new(field.name(), field.data_type()),
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
    profile: FieldProfile,
}

impl ProfileAccumulator {
    fn serialise(&self) -> Result<ScalarValue> {
        let json = serde_json::to_string(&self.profile)
            .map_err(|e| DataFusionError::Execution(format!("serialising a profile: {e}")))?;
        Ok(ScalarValue::Utf8(Some(json)))
    }
}

impl Accumulator for ProfileAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        accumulate::update(&mut self.profile, &values[0])?;
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.serialise()
    }

    fn size(&self) -> usize {
        // Sketches dominate: HLL registers, the exact-distinct set, KLL levels, frequent values.
        std::mem::size_of_val(self) + 16 * 1024 + 64 * 1024
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.serialise()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let states = arrow::compute::cast(&states[0], &DataType::Utf8)?;
        for json in states.as_string::<i32>().iter().flatten() {
            let other: FieldProfile = serde_json::from_str(json).map_err(|e| {
                DataFusionError::Execution(format!("reading a partial profile: {e}"))
            })?;
            self.profile.merge(&other);
        }
        Ok(())
    }
}
