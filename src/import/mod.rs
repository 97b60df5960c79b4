//! Importers that turn public data files into cohort tables the scenario
//! layer reads (`src/scenario/cohort.rs`). Pure Rust, no polars: each
//! importer reads its own files, checks them and writes a cohort CSV plus a
//! machine-readable account of what it kept, dropped and estimated.
//! `sheps` reads the Sheps Center's list of rural hospital closures, which
//! `seqsim backtest --closures` scores the cohort's risk against.

pub mod cms;
pub mod panel;
pub mod sheps;
