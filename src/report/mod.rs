//! Writers for machine-readable outputs: CSV (UTF-8, header, amounts in yuan with two decimals)
//! and Parquet through `engine`. Only `report/` and `run/` write files.

pub mod rejects;
pub mod xlsx;
