//! sifund — the year-end batch processor of a social insurance agency's finance department
//! (社会保险经办机构财务). See `ARCHITECTURE.md` for the map of stages and rules.

pub mod budget;
pub mod census;
pub mod config;
pub mod csv;
pub mod disclose;
pub mod engine;
pub mod error;
pub mod fault;
pub mod flows;
pub mod generate;
pub mod ingest;
pub mod ledger;
pub mod model;
pub mod reconcile;
pub mod report;
pub mod run;
