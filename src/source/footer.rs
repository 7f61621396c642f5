//! Parquet footers, local or on S3, decoded in one place and checked before the Parquet crate
//! sees them.
//!
//! A footer is bytes written by someone else. The Parquet crate decodes it well but trusts a few
//! things that a truncated, corrupted or hostile file can break: list lengths (it reserves
//! memory for as many elements as a list claims), the schema's child counts (it builds the
//! schema tree by recursion, so a schema nested hundreds of levels deep overflows the stack and
//! aborts the process) and column chunk offsets (a negative one trips an assertion during the
//! scan). So the footer is walked first, without recursion beyond a small fixed depth, and
//! refused with the file's name when any of these is out of bounds; a panic the Parquet crate
//! still raises while decoding is caught and reported the same way.

use super::panics;
use crate::error::{Error, Result};
use arrow::datatypes::Schema;
use parquet::file::metadata::ParquetMetaData;

/// Deepest schema nesting read: groups (structs, lists, maps) below the root. Real tables stay
/// far below it (a list of structs is three levels); the decoders recurse once per level.
pub const MAX_NESTING: usize = 64;

/// Bytes of the footer's tail: the metadata length and the magic.
pub const TAIL: u64 = 8;

/// The metadata length the tail (the last 8 bytes) announces, checked against the file size.
pub fn metadata_len(path: &str, size: u64, tail: &[u8]) -> Result<u64> {
    let corrupt = |reason: String| corrupt(path, reason);
    if size == 0 {
        return Err(corrupt("the file is empty (0 bytes)".into()));
    }
    if size < 12 || tail.len() < 8 {
        return Err(corrupt(format!(
            "no Parquet footer: the file is {size} bytes, shorter than Parquet's 12-byte frame; the file is truncated or is not Parquet"
        )));
    }
    let tail = &tail[tail.len() - 8..];
    match &tail[4..] {
        b"PAR1" => {}
        b"PARE" => {
            return Err(corrupt(
                "the footer is encrypted (Parquet modular encryption), which Plimsoll does not read"
                    .into(),
            ));
        }
        _ => {
            return Err(corrupt(
                "no Parquet footer (the file does not end in `PAR1`); the file is truncated or is not Parquet"
                    .into(),
            ));
        }
    }
    let len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    // The file is `PAR1`, data, metadata, length, `PAR1`.
    if len + 12 > size {
        return Err(corrupt(format!(
            "the footer claims {len} bytes of metadata but the file has {size} bytes; the file is truncated or its footer is corrupt"
        )));
    }
    if len == 0 {
        return Err(corrupt("the footer's metadata is empty (0 bytes)".into()));
    }
    Ok(len)
}

/// Decodes a footer's metadata (the `len` bytes before the tail) of a file of `size` bytes:
/// checked, then decoded by the Parquet crate, then its offsets checked against the file.
/// Returns the metadata and the file's Arrow schema.
pub fn decode(path: &str, size: u64, metadata: &[u8]) -> Result<(ParquetMetaData, Schema)> {
    validate(metadata).map_err(|reason| corrupt(path, reason))?;
    let decoded = panics::catch(|| {
        let meta = parquet::file::metadata::ParquetMetaDataReader::decode_metadata(metadata)
            .map_err(|e| reason_of(&e))?;
        let fm = meta.file_metadata();
        let schema =
            parquet::arrow::parquet_to_arrow_schema(fm.schema_descr(), fm.key_value_metadata())
                .map_err(|e| format!("unsupported schema: {e}"))?;
        Ok::<_, String>((meta, schema))
    });
    let (meta, schema) = match decoded {
        Ok(Ok(ok)) => ok,
        Ok(Err(reason)) => return Err(corrupt(path, reason)),
        Err(panic) => {
            return Err(corrupt(
                path,
                format!("the footer could not be decoded: {panic}"),
            ));
        }
    };
    check_offsets(&meta, size - TAIL - metadata.len() as u64).map_err(|r| corrupt(path, r))?;
    Ok((meta, schema))
}

fn corrupt(path: &str, reason: String) -> Error {
    Error::CorruptParquet {
        path: path.to_string(),
        reason,
    }
}

/// The Parquet crate's error, said for a user.
pub fn reason_of(e: &parquet::errors::ParquetError) -> String {
    let text = e.to_string();
    if text.contains("magic") || text.contains("Invalid Parquet file") {
        format!("no Parquet footer ({text}); the file is truncated or is not Parquet")
    } else {
        format!("corrupt footer: {text}")
    }
}

/// Row counts and byte ranges the scan will trust: row groups must add up to the file's row
/// count, and every column chunk and page index must lie inside the data before the footer.
fn check_offsets(meta: &ParquetMetaData, data_end: u64) -> Result<(), String> {
    let fm = meta.file_metadata();
    if fm.num_rows() < 0 {
        return Err(format!("negative row count {}", fm.num_rows()));
    }
    let mut rows: i64 = 0;
    for (g, rg) in meta.row_groups().iter().enumerate() {
        if rg.num_rows() < 0 {
            return Err(format!("row group {g} has a negative row count"));
        }
        rows = rows.saturating_add(rg.num_rows());
        for chunk in rg.columns() {
            let within = |what: &str, start: i64, len: i64| -> Result<(), String> {
                let end = start.checked_add(len).filter(|_| start >= 0 && len >= 0);
                match end {
                    Some(end) if end as u64 <= data_end => Ok(()),
                    _ => Err(format!(
                        "row group {g}, column `{}`: {what} at bytes {start}..+{len} lies outside the file's {data_end} bytes of data",
                        chunk.column_path()
                    )),
                }
            };
            let start = chunk
                .dictionary_page_offset()
                .unwrap_or(chunk.data_page_offset());
            within("the column chunk", start, chunk.compressed_size())?;
            if let (Some(o), Some(l)) = (chunk.offset_index_offset(), chunk.offset_index_length()) {
                within("the offset index", o, i64::from(l))?;
            }
            if let (Some(o), Some(l)) = (chunk.column_index_offset(), chunk.column_index_length()) {
                within("the column index", o, i64::from(l))?;
            }
        }
    }
    if rows != fm.num_rows() {
        return Err(format!(
            "the footer says {} rows but its row groups hold {rows}",
            fm.num_rows()
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// A walk over the Thrift compact encoding of `FileMetaData`.

/// Thrift compact type ids.
mod ty {
    pub const STOP: u8 = 0;
    pub const TRUE: u8 = 1;
    pub const FALSE: u8 = 2;
    pub const BYTE: u8 = 3;
    pub const I16: u8 = 4;
    pub const I32: u8 = 5;
    pub const I64: u8 = 6;
    pub const DOUBLE: u8 = 7;
    pub const BINARY: u8 = 8;
    pub const LIST: u8 = 9;
    pub const STRUCT: u8 = 12;
}

/// Thrift structs nest this deep at most in a valid footer (FileMetaData, RowGroup, ColumnChunk,
/// ColumnMetaData, Statistics or a logical type, ...: under ten); the walk refuses deeper.
const MAX_THRIFT_DEPTH: usize = 24;

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn byte(&mut self) -> Result<u8, String> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| "the footer's metadata ends early".to_string())?;
        self.pos += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v: u64 = 0;
        for i in 0..10 {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("a number in the footer's metadata is too long".into())
    }

    fn zigzag(&mut self) -> Result<i64, String> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn skip(&mut self, n: u64) -> Result<(), String> {
        if n > self.remaining() as u64 {
            return Err(format!(
                "a value in the footer's metadata claims {n} bytes but only {} remain",
                self.remaining()
            ));
        }
        self.pos += n as usize;
        Ok(())
    }

    /// A list header: the element type and a length no larger than the bytes left (every
    /// element takes at least one byte).
    fn list(&mut self) -> Result<(u8, usize), String> {
        let header = self.byte()?;
        let elem = header & 0x0f;
        let short = u64::from(header >> 4);
        let len = if short == 15 { self.varint()? } else { short };
        if len > self.remaining() as u64 || len > i32::MAX as u64 {
            return Err(format!(
                "a list in the footer's metadata claims {len} elements but only {} bytes remain",
                self.remaining()
            ));
        }
        Ok((elem, len as usize))
    }

    /// A struct field header: `(type, id)`; `STOP` ends the struct.
    fn field(&mut self, last: i16) -> Result<(u8, i16), String> {
        let b = self.byte()?;
        let t = b & 0x0f;
        if t == ty::STOP {
            return Ok((t, 0));
        }
        let delta = i16::from(b >> 4);
        let id = if delta == 0 {
            self.zigzag()? as i16
        } else {
            last.wrapping_add(delta)
        };
        Ok((t, id))
    }

    /// Skips one value of type `t` (a field's bool lives in its header).
    fn value(&mut self, t: u8, depth: usize, in_list: bool) -> Result<(), String> {
        if depth > MAX_THRIFT_DEPTH {
            return Err(format!(
                "the footer's metadata nests deeper than {MAX_THRIFT_DEPTH} levels"
            ));
        }
        match t {
            ty::TRUE | ty::FALSE if in_list => self.skip(1),
            ty::TRUE | ty::FALSE => Ok(()),
            ty::BYTE => self.skip(1),
            ty::I16 | ty::I32 | ty::I64 => self.varint().map(|_| ()),
            ty::DOUBLE => self.skip(8),
            ty::BINARY => {
                let n = self.varint()?;
                self.skip(n)
            }
            ty::LIST => {
                let (elem, len) = self.list()?;
                for _ in 0..len {
                    self.value(elem, depth + 1, true)?;
                }
                Ok(())
            }
            ty::STRUCT => {
                let mut last = 0;
                loop {
                    let (t, id) = self.field(last)?;
                    if t == ty::STOP {
                        return Ok(());
                    }
                    self.value(t, depth + 1, false)?;
                    last = id;
                }
            }
            other => Err(format!(
                "the footer's metadata holds a value of unknown type {other}"
            )),
        }
    }

    /// A `SchemaElement`'s `num_children` (field 5), the rest skipped.
    fn schema_element(&mut self) -> Result<Option<i64>, String> {
        let mut last = 0;
        let mut children = None;
        loop {
            let (t, id) = self.field(last)?;
            if t == ty::STOP {
                return Ok(children);
            }
            if id == 5 && t == ty::I32 {
                children = Some(self.zigzag()?);
            } else {
                self.value(t, 2, false)?;
            }
            last = id;
        }
    }
}

/// Walks `FileMetaData`: every length within the bytes, nesting bounded, and the schema a
/// single tree whose child counts add up and whose nesting stays within [`MAX_NESTING`].
fn validate(buf: &[u8]) -> Result<(), String> {
    let mut r = Reader { buf, pos: 0 };
    let mut last = 0;
    let mut schema_seen = false;
    loop {
        let (t, id) = r.field(last)?;
        if t == ty::STOP {
            break;
        }
        if id == 2 && t == ty::LIST {
            let (elem, len) = r.list()?;
            if elem != ty::STRUCT {
                return Err("the footer's schema is not a list of elements".into());
            }
            let mut children = Vec::with_capacity(len);
            for _ in 0..len {
                children.push(r.schema_element()?);
            }
            schema_tree(&children)?;
            schema_seen = true;
        } else {
            r.value(t, 1, false)?;
        }
        last = id;
    }
    if !schema_seen {
        return Err("the footer has no schema".into());
    }
    Ok(())
}

/// Checks the flat schema list (each element's child count, depth first) forms one tree, without
/// recursion, and that it nests at most [`MAX_NESTING`] groups deep.
fn schema_tree(children: &[Option<i64>]) -> Result<(), String> {
    let n = children.len();
    if n == 0 {
        return Err("the footer's schema is empty".into());
    }
    // Children still expected by each open group, the root first.
    let mut open: Vec<i64> = Vec::new();
    let mut deepest = 0usize;
    for (i, c) in children.iter().enumerate() {
        let c = c.unwrap_or(0);
        if c < 0 {
            return Err(format!(
                "schema element {i} has a negative number of children ({c})"
            ));
        }
        if i > 0 {
            match open.last_mut() {
                Some(left) => *left -= 1,
                None => {
                    return Err(format!(
                        "the footer's schema has {n} elements but its root's tree ends after {i}"
                    ));
                }
            }
        }
        if c > 0 || i == 0 {
            let after = (n - i - 1) as i64;
            if c > after {
                return Err(format!(
                    "schema element {i} claims {c} children but only {after} elements follow"
                ));
            }
            open.push(c);
            // Groups below the root.
            deepest = deepest.max(open.len() - 1);
        }
        while open.last() == Some(&0) {
            open.pop();
        }
    }
    if !open.is_empty() {
        return Err("the footer's schema ends before all of its groups' children".into());
    }
    if deepest > MAX_NESTING {
        return Err(format!(
            "the schema nests {deepest} levels deep; Plimsoll reads at most {MAX_NESTING} levels of nested groups (structs, lists, maps)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_trees() {
        // root { a, b { c } }
        assert!(schema_tree(&[Some(2), None, Some(1), None]).is_ok());
        // an empty message
        assert!(schema_tree(&[Some(0)]).is_ok());
        assert!(schema_tree(&[None]).is_ok());
        // a child count beyond the list
        let e = schema_tree(&[Some(2), None]).unwrap_err();
        assert!(e.contains("claims 2 children but only 1"), "{e}");
        let e = schema_tree(&[Some(i64::from(i32::MAX)), None]).unwrap_err();
        assert!(e.contains("claims"), "{e}");
        // two roots
        let e = schema_tree(&[Some(1), None, None]).unwrap_err();
        assert!(e.contains("ends after 2"), "{e}");
        assert!(schema_tree(&[Some(-1)]).is_err());
        // nesting: root { s1 { s2 { ... { leaf } } } }
        let deep = |levels: usize| {
            let mut v = vec![Some(1); levels + 1];
            v.push(None);
            v
        };
        assert!(schema_tree(&deep(MAX_NESTING)).is_ok());
        let e = schema_tree(&deep(450)).unwrap_err();
        assert!(e.contains("nests 450 levels deep"), "{e}");
    }

    #[test]
    fn tails() {
        let ok = [10, 0, 0, 0, b'P', b'A', b'R', b'1'];
        assert_eq!(metadata_len("f", 100, &ok).unwrap(), 10);
        let e = metadata_len("f", 20, &ok).unwrap_err().to_string();
        assert!(e.contains("claims 10 bytes of metadata"), "{e}");
        let e = metadata_len("f", 100, &[0, 0, 0, 0, b'P', b'A', b'R', b'E'])
            .unwrap_err()
            .to_string();
        assert!(e.contains("encrypted"), "{e}");
        let e = metadata_len("f", 0, &[]).unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
    }

    #[test]
    fn list_lengths_are_bounded_by_the_bytes() {
        // FileMetaData { 2: list<struct> of 2^31-1 elements } and nothing after.
        let buf = [0x29, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07];
        let e = validate(&buf).unwrap_err();
        assert!(e.contains("claims 2147483647 elements"), "{e}");
    }
}
