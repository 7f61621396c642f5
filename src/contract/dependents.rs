//! Who depends on what: an index of every consumer contract line that names a table or a field,
//! with the checks that line asks for. The blast radius of a change (`plimsoll impact`) and the
//! consumers a schema change breaks (`plimsoll compat --contract`) are both read from it.

use super::{Contract, FieldContract, TableContract, TypeName};
use crate::check::{self, CheckId};
use serde::Serialize;

/// Why a contract line depends on a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The field is listed in the table entry's `fields`.
    Field,
    /// The table entry's `freshness` reads the column.
    Freshness,
    /// Another table's field `references` this one.
    Reference,
    /// The table entry itself (table-level checks: row count, small files).
    Table,
    /// The table entry's `unique` key reads the column (the `duplicates` check).
    Key,
}

/// One contract line that depends on a table or one of its fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dependency {
    pub consumer: String,
    pub owner: Option<String>,
    /// The contract file, as given.
    pub file: String,
    pub line: usize,
    /// The table as the contract names it.
    pub table: String,
    /// The field depended on; `None` for the table entry itself.
    pub field: Option<String>,
    pub via: Via,
    /// The checks this line asks for, in the order `check` runs them.
    pub checks: Vec<CheckId>,
    /// What the consumer declares about the field (for judging a change against it).
    #[serde(skip)]
    pub expects: Option<FieldContract>,
    /// For `Via::Reference`: the referencing table and field.
    pub from: Option<(String, String)>,
}

impl Dependency {
    /// The declared type, when the line declares one.
    pub fn declared_type(&self) -> Option<TypeName> {
        self.expects.as_ref().and_then(|f| f.r#type)
    }
}

/// Every dependency of a set of contracts.
#[derive(Debug, Clone, Default)]
pub struct Dependents {
    all: Vec<Dependency>,
}

impl Dependents {
    pub fn of(contracts: &[Contract]) -> Self {
        let mut all = Vec::new();
        for c in contracts {
            for t in &c.tables {
                let dep =
                    |field: Option<&str>, line: usize, via: Via, checks: Vec<CheckId>| Dependency {
                        consumer: c.consumer.clone(),
                        owner: c.owner.clone(),
                        file: c.path.display().to_string(),
                        line,
                        table: t.table.clone(),
                        field: field.map(str::to_string),
                        via,
                        checks,
                        expects: None,
                        from: None,
                    };
                all.push(dep(None, t.line, Via::Table, table_checks(t)));
                if let Some(column) = t.freshness.as_ref().and_then(|f| f.column.as_ref()) {
                    all.push(dep(
                        Some(column),
                        t.line,
                        Via::Freshness,
                        vec![CheckId::Freshness],
                    ));
                }
                for k in &t.unique {
                    for c in &k.columns {
                        all.push(dep(Some(c), k.line, Via::Key, vec![CheckId::Duplicates]));
                    }
                }
                for f in &t.fields {
                    let mut d = dep(Some(&f.name), f.line, Via::Field, check::planned(t, f));
                    d.expects = Some(f.clone());
                    all.push(d);
                    if let Some(r) = &f.references {
                        // The referenced table's field is depended on too, by this line.
                        let mut d = dep(Some(&r.field), f.line, Via::Reference, vec![]);
                        d.table = r.table.clone();
                        d.checks = vec![CheckId::References];
                        d.from = Some((t.table.clone(), f.name.clone()));
                        all.push(d);
                    }
                }
            }
        }
        Dependents { all }
    }

    /// Every table name the contracts mention, sorted, without duplicates.
    pub fn tables(&self) -> Vec<&str> {
        let mut t: Vec<&str> = self.all.iter().map(|d| d.table.as_str()).collect();
        t.sort_unstable();
        t.dedup();
        t
    }

    /// The dependencies on a table: its entries and every field of it any contract names.
    pub fn of_table<'a>(&'a self, table: &'a str) -> impl Iterator<Item = &'a Dependency> + 'a {
        self.all.iter().filter(move |d| d.table == table)
    }

    /// The dependencies on one field of a table.
    pub fn of_field<'a>(
        &'a self,
        table: &'a str,
        field: &'a str,
    ) -> impl Iterator<Item = &'a Dependency> + 'a {
        self.of_table(table)
            .filter(move |d| d.field.as_deref() == Some(field))
    }
}

/// The table-level checks of a table entry.
fn table_checks(t: &TableContract) -> Vec<CheckId> {
    let mut out = Vec::new();
    if t.freshness.is_some() {
        out.push(CheckId::Freshness);
    }
    if t.arrival.is_some() {
        out.push(CheckId::Arrival);
    }
    if t.files.is_some() {
        out.push(CheckId::SmallFiles);
    }
    if t.row_count.is_some() || !t.row_bounds.is_empty() {
        out.push(CheckId::RowCount);
    }
    if !t.unique.is_empty() {
        out.push(CheckId::Duplicates);
    }
    if t.schema.is_some() {
        out.push(CheckId::SchemaDrift);
    }
    out
}
