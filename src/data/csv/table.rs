//! The cells of a CSV file, read as a stream into one store per column: numbers as `f64`
//! while every present cell of the column is a number, text dictionary-coded otherwise. The
//! text of the file is never held whole, so loading takes memory about the size of the
//! matrix it produces.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use super::{CsvLoader, csv_err};
use crate::{Error, Result};

/// The code of a missing cell in a text column.
pub(super) const MISSING: u32 = u32::MAX;

/// The cells of one column.
pub(super) enum Cells {
    /// Every present cell so far parsed as a number (not NaN); a missing cell is NaN.
    Numbers(Vec<f64>),
    /// Text: each row's index into `values` (`MISSING` for a missing cell).
    Text(TextCells),
}

/// A dictionary-coded text column.
#[derive(Default)]
pub(super) struct TextCells {
    /// Whether numbers are stored in their shortest spelling (`1.0` as `1`): a column read
    /// as numbers until a text cell came, whose earlier cells kept no spelling.
    canonical_numbers: bool,
    pub(super) codes: Vec<u32>,
    /// The distinct present values, in order of first appearance.
    pub(super) values: Vec<String>,
    /// How many rows hold each value.
    pub(super) counts: Vec<usize>,
    index: HashMap<String, u32>,
}

/// What a column holds, counted.
pub(super) struct Summary {
    /// Present (not missing) cells.
    pub(super) present: usize,
    /// Distinct present values.
    pub(super) distinct: usize,
    /// Present cells that read as numbers.
    pub(super) numbers: usize,
    /// Missing cells.
    pub(super) missing: usize,
    /// The row of the first missing cell.
    pub(super) first_missing: Option<usize>,
}

impl TextCells {
    fn push(&mut self, cell: &str) {
        if self.canonical_numbers
            && let Some(v) = cell.parse::<f64>().ok().filter(|v| !v.is_nan())
        {
            return self.push_spelled(&v.to_string());
        }
        self.push_spelled(cell);
    }

    fn push_spelled(&mut self, cell: &str) {
        let code = match self.index.get(cell) {
            Some(&c) => c,
            None => {
                let c = self.values.len() as u32;
                self.values.push(cell.to_string());
                self.counts.push(0);
                self.index.insert(cell.to_string(), c);
                c
            }
        };
        self.counts[code as usize] += 1;
        self.codes.push(code);
    }

    fn push_missing(&mut self) {
        self.codes.push(MISSING);
    }
}

impl Cells {
    fn new(text: bool) -> Self {
        if text {
            Cells::Text(TextCells::default())
        } else {
            Cells::Numbers(Vec::new())
        }
    }

    /// Append a present cell; a cell that is not a number turns a number column into text.
    fn push(&mut self, cell: &str) {
        if let Cells::Numbers(numbers) = self {
            match cell.parse::<f64>() {
                Ok(v) if !v.is_nan() => return numbers.push(v),
                _ => {
                    let mut text = TextCells {
                        canonical_numbers: true,
                        ..TextCells::default()
                    };
                    for &v in numbers.iter() {
                        if v.is_nan() {
                            text.push_missing();
                        } else {
                            text.push_spelled(&v.to_string());
                        }
                    }
                    *self = Cells::Text(text);
                }
            }
        }
        if let Cells::Text(text) = self {
            text.push(cell);
        }
    }

    fn push_missing(&mut self) {
        match self {
            Cells::Numbers(numbers) => numbers.push(f64::NAN),
            Cells::Text(text) => text.push_missing(),
        }
    }

    /// Whether row `i`'s cell is missing.
    pub(super) fn is_missing(&self, i: usize) -> bool {
        match self {
            Cells::Numbers(v) => v[i].is_nan(),
            Cells::Text(t) => t.codes[i] == MISSING,
        }
    }

    /// Row `i`'s cell as text (`None` when missing).
    pub(super) fn text(&self, i: usize) -> Option<Cow<'_, str>> {
        match self {
            Cells::Numbers(v) => (!v[i].is_nan()).then(|| Cow::Owned(v[i].to_string())),
            Cells::Text(t) => (t.codes[i] != MISSING)
                .then(|| Cow::Borrowed(t.values[t.codes[i] as usize].as_str())),
        }
    }

    /// The counts that decide the column's kind. With `exact` false, the distinct values of
    /// a number column are counted only up to 2 (all that its kind depends on; counting them
    /// all takes a sort).
    pub(super) fn summary(&self, exact: bool) -> Summary {
        let first_missing = (0..self.len()).find(|&i| self.is_missing(i));
        match self {
            Cells::Numbers(v) => {
                let mut present = v.iter().copied().filter(|x| !x.is_nan());
                let distinct = if exact {
                    let mut sorted: Vec<f64> = present.collect();
                    sorted.sort_unstable_by(f64::total_cmp);
                    sorted.dedup();
                    sorted.len()
                } else {
                    match present.next() {
                        None => 0,
                        Some(first) => 1 + usize::from(present.any(|x| x != first)),
                    }
                };
                let count = v.iter().filter(|x| !x.is_nan()).count();
                Summary {
                    present: count,
                    distinct,
                    numbers: count,
                    missing: v.len() - count,
                    first_missing,
                }
            }
            Cells::Text(t) => {
                let present: usize = t.counts.iter().sum();
                let numbers = t
                    .values
                    .iter()
                    .zip(&t.counts)
                    .filter(|(v, _)| v.parse::<f64>().is_ok())
                    .map(|(_, c)| c)
                    .sum();
                Summary {
                    present,
                    distinct: t.values.len(),
                    numbers,
                    missing: t.codes.len() - present,
                    first_missing,
                }
            }
        }
    }

    /// The number of rows.
    pub(super) fn len(&self) -> usize {
        match self {
            Cells::Numbers(v) => v.len(),
            Cells::Text(t) => t.codes.len(),
        }
    }
}

/// The cells of a file, column by column.
pub(super) struct Table {
    pub(super) header: Vec<String>,
    /// The 1-based line of each row.
    pub(super) lines: Vec<u64>,
    pub(super) columns: Vec<Cells>,
    /// The target's column (`usize::MAX` when the file has none).
    pub(super) target: usize,
}

impl Table {
    /// The number of rows.
    pub(super) fn n_rows(&self) -> usize {
        self.lines.len()
    }
}

/// A reader that records where its line breaks are, so that a record's byte offset gives its
/// line (the csv crate's own line count leaves out blank lines).
struct LineIndex<R> {
    inner: R,
    offset: u64,
    /// Offsets of every `\n`.
    newlines: Vec<u64>,
    /// Offsets of every `\r`.
    returns: Vec<u64>,
}

impl<R: Read> Read for LineIndex<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                self.newlines.push(self.offset + i as u64);
            } else if b == b'\r' {
                self.returns.push(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R> LineIndex<R> {
    /// The 1-based line of the record that the csv crate places at `byte` (which may point at
    /// blank lines before it: they are skipped).
    fn line_at(&self, byte: u64) -> u64 {
        let mut b = byte;
        while self.newlines.binary_search(&b).is_ok() || self.returns.binary_search(&b).is_ok() {
            b += 1;
        }
        self.newlines.partition_point(|&nl| nl < b) as u64 + 1
    }
}

impl CsvLoader {
    /// The file's cells; `with_target`: the target column must be there (a file of new rows
    /// to predict need not have it). The target column of a classification is kept as text
    /// (`target_text`), so each class keeps its spelling.
    pub(super) fn read_table<R: Read>(
        &self,
        reader: R,
        with_target: bool,
        target_text: bool,
    ) -> Result<Table> {
        let mut reader = BufReader::with_capacity(1 << 16, reader);
        // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first name.
        let starts_with_bom = reader
            .fill_buf()
            .map_err(|e| csv_err(0, format!("read failed: {e}")))?
            .starts_with(b"\xEF\xBB\xBF");
        if starts_with_bom {
            reader.consume(3);
        }
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .buffer_capacity(1 << 16)
            .from_reader(LineIndex {
                inner: reader,
                offset: 0,
                newlines: Vec::new(),
                returns: Vec::new(),
            });
        if self.has_header && self.names.is_some() {
            return Err(Error::config(
                "names",
                "column names are given for a file with a header; set has_header(false)",
            ));
        }
        let mut record = csv::ByteRecord::new();
        let next = |rdr: &mut csv::Reader<LineIndex<BufReader<R>>>,
                    record: &mut csv::ByteRecord|
         -> Result<Option<u64>> {
            match rdr.read_byte_record(record) {
                Ok(false) => Ok(None),
                Ok(true) => {
                    let byte = record.position().map_or(0, csv::Position::byte);
                    Ok(Some(rdr.get_ref().line_at(byte)))
                }
                Err(e) => {
                    let byte = e.position().map_or(0, csv::Position::byte);
                    Err(csv_err(rdr.get_ref().line_at(byte), e.to_string()))
                }
            }
        };
        let first = next(&mut rdr, &mut record)?;
        let header: Vec<String> = match (first, self.has_header) {
            (None, true) => return Err(csv_err(1, "empty file: expected a header row")),
            (None, false) => return Err(csv_err(1, "empty file: expected data rows")),
            (Some(line), true) => cells(&record, line)?
                .into_iter()
                .map(str::to_string)
                .collect(),
            (Some(_), false) => match &self.names {
                Some(names) if names.len() != record.len() => {
                    return Err(csv_err(
                        1,
                        format!("{} names given for {} columns", names.len(), record.len()),
                    ));
                }
                Some(names) => names.clone(),
                None => super::super::generic_names(record.len()),
            },
        };
        super::check_header(
            &header,
            with_target.then_some(self.target.as_str()),
            self.delimiter,
            self.has_header,
        )?;
        let target = header
            .iter()
            .position(|h| *h == self.target)
            .unwrap_or(usize::MAX);
        let mut columns: Vec<Cells> = header
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let chosen_text =
                    matches!(self.kinds.get(name), Some(super::ColumnKind::Categorical));
                Cells::new(chosen_text || (j == target && target_text))
            })
            .collect();
        let mut lines = Vec::new();
        // Without a header the first record is a row.
        let mut pending = (!self.has_header).then(|| first.unwrap_or(1));
        loop {
            let line = match pending.take() {
                Some(line) => line,
                None => match next(&mut rdr, &mut record)? {
                    Some(line) => line,
                    None => break,
                },
            };
            if record.len() == 1 && record[0].trim_ascii().is_empty() {
                continue; // blank line
            }
            if record.len() != header.len() {
                return Err(csv_err(
                    line,
                    format!(
                        "expected {} fields (as in the {}), found {}",
                        header.len(),
                        if self.has_header {
                            "header"
                        } else {
                            "first row"
                        },
                        record.len()
                    ),
                ));
            }
            // the longest missing-value token: longer cells (most numbers) are never missing
            let longest = self
                .missing_tokens
                .iter()
                .map(String::len)
                .max()
                .unwrap_or(0);
            for (j, (field, column)) in record.iter().zip(&mut columns).enumerate() {
                let cell = std::str::from_utf8(field)
                    .map_err(|e| {
                        csv_err(line, format!("field {} is not valid UTF-8 ({e})", j + 1))
                    })?
                    .trim();
                if cell.len() <= longest && self.is_missing(cell) {
                    column.push_missing();
                } else {
                    column.push(cell);
                }
            }
            lines.push(line);
        }
        if lines.is_empty() {
            return Err(csv_err(2, "no data rows after the header"));
        }
        Ok(Table {
            header,
            lines,
            columns,
            target,
        })
    }
}

/// The trimmed UTF-8 cells of a record.
fn cells(record: &csv::ByteRecord, line: u64) -> Result<Vec<&str>> {
    record
        .iter()
        .enumerate()
        .map(|(j, field)| {
            std::str::from_utf8(field)
                .map(str::trim)
                .map_err(|e| csv_err(line, format!("field {} is not valid UTF-8 ({e})", j + 1)))
        })
        .collect()
}
