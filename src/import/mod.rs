//! Importers that turn public data files into cohort tables the scenario
//! layer reads (`src/scenario/cohort.rs`). Pure Rust, no polars: each
//! importer reads its own files, checks them and writes a cohort CSV plus a
//! machine-readable account of what it kept, dropped and estimated.

pub mod cms;
pub mod panel;
