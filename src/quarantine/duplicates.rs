//! Duplicate keys: every row whose key occurs more than once, for a key of one column
//! (`unique: true`) or several (a table-level composite `unique: [a, b]`).
//!
//! One aggregate over the key columns finds the keys that occur more than once (rows with a null
//! in any key column are not keys, as SQL's `UNIQUE` has it), and an inner join brings back their
//! whole rows, each with the key and how often it occurs as its reason:
//! ``"`order_id` = 'ord-1' occurs 2 times"``, ``"(`order_id`, `line_no`) = ('ord-1', 3) occurs 2 times"``.

use super::rules::column;
use crate::profile::Kind;
use arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::functions::expr_fn::concat;
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::logical_expr::{Expr, JoinType, cast, lit};
use datafusion::prelude::DataFrame;

/// The column the reason is carried in until the rows are written.
pub const REASON: &str = "_plimsoll_reason";

/// A DataFrame's columns with their types, in order.
pub(super) fn columns_of(df: &DataFrame) -> Vec<(String, DataType)> {
    df.schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect()
}

/// The rows of `df` whose `keys` occur more than once: `df`'s columns, then [`REASON`].
pub fn rows(df: DataFrame, keys: &[String]) -> Result<DataFrame> {
    let originals = columns_of(&df);
    let alias = |i: usize| format!("__plimsoll_key{i}");
    let not_null = keys
        .iter()
        .map(|k| column(k).is_not_null())
        .reduce(Expr::and)
        .unwrap_or(lit(true));
    let repeated = df
        .clone()
        .filter(not_null)?
        .aggregate(
            keys.iter()
                .enumerate()
                .map(|(i, k)| column(k).alias(alias(i)))
                .collect(),
            vec![count(lit(1)).alias("__plimsoll_n")],
        )?
        .filter(column("__plimsoll_n").gt(lit(1i64)))?;
    let on: Vec<Expr> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| column(k).eq(column(&alias(i))))
        .collect();
    let joined = df.join_on(repeated, JoinType::Inner, on)?;
    let kind_of = |k: &str| {
        originals
            .iter()
            .find(|(n, _)| n == k)
            .map_or(Kind::Other, |(_, t)| Kind::of(t))
    };
    let value = |k: &String| {
        let text = cast(column(k), DataType::Utf8);
        if kind_of(k) == Kind::String {
            concat(vec![lit("'"), text, lit("'")])
        } else {
            text
        }
    };
    let mut parts: Vec<Expr> = Vec::new();
    if let [k] = keys {
        parts.push(lit(format!("`{k}` = ")));
        parts.push(value(k));
    } else {
        let names: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
        parts.push(lit(format!("({}) = (", names.join(", "))));
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                parts.push(lit(", "));
            }
            parts.push(value(k));
        }
        parts.push(lit(")"));
    }
    parts.push(lit(" occurs "));
    parts.push(cast(column("__plimsoll_n"), DataType::Utf8));
    parts.push(lit(" times"));
    let mut select: Vec<Expr> = originals.iter().map(|(n, _)| column(n)).collect();
    select.push(concat(parts).alias(REASON));
    joined.select(select)
}
