//! The event-time slicing a table's contract entries ask for (`slice: { column, every }`).

use super::plan::{CheckPlan, TablePlan};
use crate::error::{Error, Result};
use crate::source::slices::{EventSlicing, Unit};

/// The `slice:` of the table's contract entries; entries that slice it by different columns or
/// lengths are an error naming both.
pub fn event_slicing(plan: &CheckPlan, t: &TablePlan) -> Result<Option<EventSlicing>> {
    let mut found: Option<(EventSlicing, String)> = None;
    for (c, e) in &t.entries {
        let contract = &plan.contracts[*c];
        let Some(s) = &contract.tables[*e].slice else {
            continue;
        };
        let unit = if s.every == 3600 {
            Unit::Hour
        } else {
            Unit::Day
        };
        let at = format!("{}:{}", contract.path.display(), s.line);
        let this = EventSlicing {
            column: s.column.clone(),
            unit,
            declared_at: Some(at.clone()),
        };
        match &found {
            Some((prev, prev_at)) if prev.column != this.column || prev.unit != this.unit => {
                return Err(Error::usage(
                    format!(
                        "table `{}` is sliced two ways: by {} of `{}` ({prev_at}) and by {} of `{}` ({at})",
                        t.name,
                        prev.unit.as_str(),
                        prev.column,
                        this.unit.as_str(),
                        this.column
                    ),
                    "give every contract entry of the table the same `slice:`",
                ));
            }
            Some(_) => {}
            None => found = Some((this, at)),
        }
    }
    Ok(found.map(|f| f.0))
}
