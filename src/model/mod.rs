//! The words of the domain: schemes 险种, accounts 账户, items 收支项目, money 金额 and dates.
//!
//! Everything here is plain data with no I/O; rules that come from regulations are kept
//! as tables (one row per code, with its source) so a reader can check them line by line
//! against `DOMAIN.md`.

pub mod catalog;
pub mod date;
pub mod ids;
pub mod money;
pub mod mortality;
pub mod nearest;
pub mod retirement;
pub mod vbucket;

pub use catalog::{Account, Benefit, Scheme};
pub use money::Fen;

/// (region, scheme): one fund, an accounting entity 会计主体 of its own.
pub type FundId = (String, String);
