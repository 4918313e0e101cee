//! The only module that speaks polars (pinned `=0.55.2`). An upgrade is one reviewed change
//! here, with the golden tests as its safety net.
//!
//! Decision: polars reads and writes every Parquet file (one Arrow implementation in the hot
//! path). Inputs are read one row group at a time (`Chunk`), so memory is bounded by the row
//! group size the producer chose, not by the file size; callers run chunks in parallel.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use crate::model::money::decimal_to_fen;
use crate::model::Fen;

/// The Arrow type of an input column, as sifund sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColType {
    Utf8,
    Int32,
    Date,
    Decimal { precision: usize, scale: usize },
    Float,
    Other(String),
}

impl std::fmt::Display for ColType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ColType::Utf8 => write!(f, "Utf8"),
            ColType::Int32 => write!(f, "Int32"),
            ColType::Date => write!(f, "Date"),
            ColType::Decimal { precision, scale } => write!(f, "Decimal({precision},{scale})"),
            ColType::Float => write!(f, "floating point"),
            ColType::Other(s) => write!(f, "{s}"),
        }
    }
}

fn col_type(dt: &DataType) -> ColType {
    match dt {
        // Dictionary-typed strings (polars Enum/Categorical) are strings to sifund.
        DataType::String | DataType::Enum(..) | DataType::Categorical(..) => ColType::Utf8,
        DataType::Int32 => ColType::Int32,
        DataType::Date => ColType::Date,
        DataType::Decimal(p, s) => ColType::Decimal {
            precision: *p,
            scale: *s,
        },
        DataType::Float32 | DataType::Float64 => ColType::Float,
        other => ColType::Other(other.to_string()),
    }
}

/// What the footer of a Parquet file says: its columns and its row groups.
pub struct FileInfo {
    pub columns: Vec<(String, ColType)>,
    /// `(first row, row count)` of each row group.
    pub row_groups: Vec<(usize, usize)>,
    pub rows: usize,
    metadata: FileMetadataRef,
}

/// Reads a file's footer. Fails (with polars' reason) on a truncated or non-Parquet file.
pub fn file_info(path: &Path) -> Result<FileInfo, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut reader = ParquetReader::new(file);
    let schema = reader.schema().map_err(|e| e.to_string())?;
    let metadata = reader.get_metadata().map_err(|e| e.to_string())?.clone();
    let columns = schema
        .iter()
        .map(|(name, field)| {
            (
                name.to_string(),
                col_type(&DataType::from_arrow_dtype(field.dtype())),
            )
        })
        .collect();
    let mut row_groups = Vec::with_capacity(metadata.row_groups.len());
    let mut start = 0;
    for rg in &metadata.row_groups {
        row_groups.push((start, rg.num_rows()));
        start += rg.num_rows();
    }
    Ok(FileInfo {
        columns,
        row_groups,
        rows: metadata.num_rows,
        metadata,
    })
}

/// A slice of rows of one input file, with typed access to its columns.
pub struct Chunk {
    df: DataFrame,
    /// Row number (0-based, within the file) of the chunk's first row.
    pub first_row: usize,
}

/// Reads rows `[offset, offset + len)` of `columns` from a file; `constants` supplies
/// columns that live in Hive partition folder names instead of the file.
pub fn read_chunk(
    path: &Path,
    info: &FileInfo,
    columns: &[&str],
    constants: &[(String, String)],
    offset: usize,
    len: usize,
) -> Result<Chunk, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let in_file: Vec<String> = columns
        .iter()
        .filter(|c| info.columns.iter().any(|(n, _)| n == *c))
        .map(|c| c.to_string())
        .collect();
    let mut reader = ParquetReader::new(file)
        .with_columns(Some(in_file))
        .with_slice(Some((offset, len)))
        .read_parallel(ParallelStrategy::None);
    reader.set_metadata(info.metadata.clone());
    let mut df = reader.finish().map_err(|e| e.to_string())?;
    let height = df.height();
    for (name, value) in constants {
        if columns.contains(&name.as_str()) && df.column(name).is_err() {
            let col = Column::new_scalar(
                name.as_str().into(),
                Scalar::from(PlSmallStr::from(value.as_str())),
                height,
            );
            df.with_column(col).map_err(|e| e.to_string())?;
        }
    }
    let mut df = categories_as_strings(df);
    df.rechunk_mut();
    Ok(Chunk {
        df,
        first_row: offset,
    })
}

/// A string column of a chunk, read in place (no copy per slice).
#[derive(Clone, Copy)]
pub struct StrCol<'a>(&'a <StringType as PolarsDataType>::Array);

impl<'a> StrCol<'a> {
    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a str> {
        self.0.get(i)
    }
}

/// An `Int32` or `Date` (days since 1970-01-01) column of a chunk, read in place.
#[derive(Clone, Copy)]
pub struct IntCol<'a>(&'a <Int32Type as PolarsDataType>::Array);

impl IntCol<'_> {
    #[inline]
    pub fn get(&self, i: usize) -> Option<i32> {
        self.0.get(i)
    }
}

/// A decimal column of a chunk read as fen through its unscaled integer (never a cast, which
/// truncates): `None` for null; `Err(())` for a value too large for i64 fen.
#[derive(Clone, Copy)]
pub struct FenCol<'a> {
    values: &'a <Int128Type as PolarsDataType>::Array,
    scale: usize,
}

impl FenCol<'_> {
    #[inline]
    pub fn get(&self, i: usize) -> Option<Result<Fen, ()>> {
        self.values
            .get(i)
            .map(|u| decimal_to_fen(u, self.scale).ok_or(()))
    }
}

impl Chunk {
    pub fn height(&self) -> usize {
        self.df.height()
    }

    fn column(&self, name: &str) -> &Column {
        self.df
            .column(name)
            .expect("column checked by the schema stage")
    }

    pub fn strs(&self, name: &str) -> StrCol<'_> {
        StrCol(
            self.column(name)
                .str()
                .expect("Utf8 checked by the schema stage")
                .downcast_as_array(),
        )
    }

    pub fn i32s(&self, name: &str) -> IntCol<'_> {
        IntCol(
            self.column(name)
                .i32()
                .expect("Int32 checked by the schema stage")
                .downcast_as_array(),
        )
    }

    /// Dates as days since 1970-01-01.
    pub fn dates(&self, name: &str) -> IntCol<'_> {
        IntCol(
            self.column(name)
                .date()
                .expect("Date checked by the schema stage")
                .physical()
                .downcast_as_array(),
        )
    }

    /// A decimal column scaled to fen.
    pub fn fens(&self, name: &str) -> FenCol<'_> {
        let ca = self
            .column(name)
            .decimal()
            .expect("Decimal checked by the schema stage");
        FenCol {
            values: ca.physical().downcast_as_array(),
            scale: ca.scale(),
        }
    }
}

/// How a column of a rejects file is typed: as the input's, money at one scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typed {
    Text,
    Int32,
    Date,
    /// `DECIMAL(38,2)`: any input decimal of scale 0–2 fits once scaled to fen, up to 10³⁶
    /// yuan; a value beyond that is null (its row's reason says `implausible`).
    Money,
}

impl Chunk {
    /// The rows `rows` (sorted, chunk-relative) of `cols`, typed, taken column-wise from the
    /// decoded arrays (no value is formatted or copied one by one).
    pub fn take_rows(&self, rows: &[u32], cols: &[(&str, Typed)]) -> Result<Vec<Column>, String> {
        cols.iter()
            .map(|&(name, kind)| match kind {
                Typed::Money => {
                    let f = self.fens(name);
                    if f.scale == 2 {
                        // Already in fen: the unscaled values gathered as they are (< 10³⁸).
                        let ca = self.column(name).decimal().expect("Decimal");
                        let values: Int128Chunked = ca
                            .physical()
                            .take(rows)
                            .map_err(|e| format!("{name}: {e}"))?;
                        return Ok(values
                            .with_name(name.into())
                            .into_decimal_unchecked(38, 2)
                            .into_column());
                    }
                    let factor = 10i128.pow(2 - f.scale.min(2) as u32);
                    let limit = 10i128.pow(38);
                    let ca: Int128Chunked = rows
                        .iter()
                        .map(|&i| {
                            f.values
                                .get(i as usize)
                                .and_then(|u| u.checked_mul(factor))
                                .filter(|v| v.abs() < limit)
                        })
                        .collect();
                    Ok(ca
                        .with_name(name.into())
                        .into_decimal_unchecked(38, 2)
                        .into_column())
                }
                _ => self
                    .column(name)
                    .take_slice(rows)
                    .map_err(|e| e.to_string()),
            })
            .collect()
    }
}

/// Column builders for frames that sifund writes.
pub mod build {
    use super::*;

    pub fn utf8<S: AsRef<str>>(name: &str, v: &[Option<S>]) -> Column {
        let ca: StringChunked = v.iter().map(|o| o.as_ref().map(|s| s.as_ref())).collect();
        ca.with_name(name.into()).into_column()
    }

    /// A string column of few distinct values, given as indices into `categories`: an
    /// `Enum` column, written to Parquet as a dictionary without hashing each value.
    pub fn enumerated(name: &str, codes: Vec<Option<u8>>, categories: &[&str]) -> Column {
        let cats = FrozenCategories::new(categories.iter().copied()).expect("unique categories");
        let dtype = DataType::from_frozen_categories(cats);
        let phys: UInt8Chunked = codes.into_iter().collect();
        Series::from_cats_and_dtype(&phys.with_name(name.into()).into_series(), &dtype, true)
            .expect("codes within the categories")
            .into_column()
    }

    /// A fixed list of categories for `coded` columns: built once, so that every frame of a
    /// file has the very same `Enum` type (any number of categories).
    #[derive(Clone)]
    pub struct Categories(DataType);

    impl Categories {
        pub fn new<S: AsRef<str>>(categories: &[S]) -> Categories {
            let cats = FrozenCategories::new(categories.iter().map(|c| c.as_ref()))
                .expect("unique categories");
            Categories(DataType::from_frozen_categories(cats))
        }
    }

    /// A string column given as indices into `cats` (no nulls): an `Enum` column, written to
    /// Parquet as a dictionary without building or hashing a string per row.
    pub fn coded(name: &str, codes: Vec<u32>, cats: &Categories) -> Column {
        let phys = DataType::from(cats.0.cat_physical().expect("an enum type"));
        let ids = UInt32Chunked::from_vec(name.into(), codes)
            .into_series()
            .strict_cast(&phys)
            .expect("codes within the categories' width");
        Series::from_cats_and_dtype(&ids, &cats.0, true)
            .expect("codes within the categories")
            .into_column()
    }

    /// An empty `coded` column.
    pub fn coded_empty(name: &str, cats: &Categories) -> Column {
        Column::new_empty(name.into(), &cats.0)
    }

    /// A column of `df` read back as strings, coded again as `cats` (its `Enum` type).
    pub fn recode(df: &mut DataFrame, name: &str, cats: &Categories) -> Result<(), String> {
        let c = df
            .column(name)
            .map_err(|e| e.to_string())?
            .strict_cast(&cats.0)
            .map_err(|e| format!("{name}: {e}"))?;
        df.with_column(c).map_err(|e| e.to_string())?;
        Ok(())
    }

    pub fn i32(name: &str, v: Vec<Option<i32>>) -> Column {
        let ca: Int32Chunked = v.into_iter().collect();
        ca.with_name(name.into()).into_column()
    }

    pub fn u32(name: &str, v: Vec<u32>) -> Column {
        Column::new(name.into(), v)
    }

    pub fn u64(name: &str, v: Vec<u64>) -> Column {
        Column::new(name.into(), v)
    }

    pub fn date(name: &str, v: Vec<Option<i32>>) -> Column {
        let ca: Int32Chunked = v.into_iter().collect();
        ca.with_name(name.into()).into_date().into_column()
    }

    /// An empty column of a rejects file's type (see [`Typed`]).
    pub fn empty(name: &str, kind: Typed) -> Column {
        let dtype = match kind {
            Typed::Text => DataType::String,
            Typed::Int32 => DataType::Int32,
            Typed::Date => DataType::Date,
            Typed::Money => DataType::Decimal(38, 2),
        };
        Column::new_empty(name.into(), &dtype)
    }

    /// Fen as Parquet `DECIMAL(18,2)`: the fen are the unscaled value.
    pub fn money(name: &str, v: Vec<Option<Fen>>) -> Column {
        let ca: Int128Chunked = v.into_iter().map(|o| o.map(i128::from)).collect();
        ca.with_name(name.into())
            .into_decimal_unchecked(18, 2)
            .into_column()
    }

    pub fn frame(cols: Vec<Column>) -> DataFrame {
        DataFrame::new_infer_height(cols).expect("columns of equal length")
    }
}

pub use polars::prelude::{Column, DataFrame};

/// A Parquet file written batch by batch (zstd, statistics on); bounded memory.
pub struct ParquetSink {
    writer: polars::io::parquet::write::BatchedWriter<std::io::BufWriter<File>>,
    pub rows: usize,
}

impl ParquetSink {
    pub fn create(path: &Path, first: &DataFrame) -> Result<ParquetSink, String> {
        Self::create_as(path, first, false)
    }

    /// `scratch`: a file only sifund reads back, soon (the partitioned run's work folder): LZ4,
    /// no statistics — cheaper to write than the zstd and min/max of an output.
    pub fn create_as(path: &Path, first: &DataFrame, scratch: bool) -> Result<ParquetSink, String> {
        let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut w = ParquetWriter::new(std::io::BufWriter::new(file));
        w = match scratch {
            false => w.with_compression(ParquetCompression::Zstd(None)),
            true => w
                .with_compression(ParquetCompression::Lz4Raw)
                .with_statistics(StatisticsOptions::empty()),
        };
        let writer = w
            .batched(first.schema().as_ref())
            .map_err(|e| e.to_string())?;
        Ok(ParquetSink { writer, rows: 0 })
    }

    /// Writes the frame as one row group (the caller sizes batches, ~256 k rows).
    pub fn write(&mut self, mut df: DataFrame) -> Result<(), String> {
        if df.height() == 0 {
            return Ok(());
        }
        self.rows += df.height();
        df.rechunk_mut(); // one chunk = one row group, in order
        self.writer.write_batch(&df).map_err(|e| e.to_string())?;
        crate::fault::crash_point();
        Ok(())
    }

    pub fn finish(self) -> Result<usize, String> {
        self.writer.finish().map_err(|e| e.to_string())?;
        Ok(self.rows)
    }
}

/// Writes one frame as a Parquet file.
pub fn write_parquet(path: &Path, df: DataFrame) -> Result<(), String> {
    let mut sink = ParquetSink::create(path, &df)?;
    sink.write(df)?;
    sink.finish().map(|_| ())
}

/// Reads a whole (small) Parquet file; for tests and small tables.
pub fn read_all(path: &Path) -> Result<DataFrame, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| e.to_string())?;
    Ok(categories_as_strings(df))
}

/// Rows `offset..offset + len` of a Parquet file (every column, `Enum`s as strings).
pub fn read_rows(path: &Path, offset: usize, len: usize) -> Result<DataFrame, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let df = ParquetReader::new(file)
        .with_slice(Some((offset, len)))
        .finish()
        .map_err(|e| e.to_string())?;
    Ok(categories_as_strings(df))
}

/// The (file, row) of each row of a rejects frame read back (`source_file` naming `rels`).
pub fn reject_origins(df: &DataFrame, rels: &[&str]) -> Result<Vec<(u32, u64)>, String> {
    let index: std::collections::HashMap<&str, u32> = rels
        .iter()
        .enumerate()
        .map(|(i, r)| (*r, i as u32))
        .collect();
    let files = df.column("source_file").map_err(|e| e.to_string())?;
    let rows = df.column("source_row").map_err(|e| e.to_string())?;
    let (files, rows) = (
        files.str().map_err(|e| e.to_string())?,
        rows.u64().map_err(|e| e.to_string())?,
    );
    files
        .iter()
        .zip(rows.iter())
        .map(|(f, r)| {
            let f = f
                .and_then(|f| index.get(f))
                .ok_or("a reject of an unknown file")?;
            Ok((*f, r.ok_or("a reject without a row")?))
        })
        .collect()
}

/// `Enum`/`Categorical` columns (sifund's journal writes some) read back as plain strings
/// (also for a rejects frame built in memory, to be stacked with ones read back).
pub fn categories_as_strings(mut df: DataFrame) -> DataFrame {
    let names: Vec<PlSmallStr> = df
        .columns()
        .iter()
        .filter(|c| matches!(c.dtype(), DataType::Enum(..) | DataType::Categorical(..)))
        .map(|c| c.name().clone())
        .collect();
    for n in names {
        let c = df
            .column(&n)
            .expect("listed")
            .cast(&DataType::String)
            .expect("categories cast to strings");
        df.with_column(c).expect("same height");
    }
    df
}

/// Rejects frames (read back: `source_file` as strings naming `rels`), stacked and sorted by
/// (file, row), then `recode`d; `None` when they hold no row.
pub fn sorted_rejects(
    frames: Vec<DataFrame>,
    rels: &[&str],
    recode: impl FnOnce(&mut DataFrame) -> Result<(), String>,
) -> Result<Option<DataFrame>, String> {
    let mut all: Option<DataFrame> = None;
    for f in frames.into_iter().filter(|f| f.height() > 0) {
        match all.as_mut() {
            None => all = Some(f),
            Some(a) => {
                a.vstack_mut(&f).map_err(|e| e.to_string())?;
            }
        }
    }
    let Some(mut all) = all else {
        return Ok(None);
    };
    all.rechunk_mut();
    let mut keys: Vec<(u32, u64, IdxSize)> = reject_origins(&all, rels)?
        .into_iter()
        .enumerate()
        .map(|(i, (f, r))| (f, r, i as IdxSize))
        .collect();
    keys.sort_unstable();
    let idx = IdxCa::from_vec("idx".into(), keys.into_iter().map(|k| k.2).collect());
    let mut sorted = all.take(&idx).map_err(|e| e.to_string())?;
    recode(&mut sorted)?;
    Ok(Some(sorted))
}

/// The rows of a frame in the order `order` gives (test datasets with shuffled rows).
pub fn reorder(df: &DataFrame, order: &[u32]) -> Result<DataFrame, String> {
    let idx = IdxCa::from_vec("idx".into(), order.iter().map(|&i| i as IdxSize).collect());
    df.take(&idx).map_err(|e| e.to_string())
}
