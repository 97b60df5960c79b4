//! seqsim projects how Medicare sequestration (claim adjustment code CO-253)
//! and alternative payment policies erode healthcare practices' operating
//! margins over many years, with uncertainty.
//!
//! Layers, lowest first (see ARCHITECTURE.md): [`scenario`] reads and checks
//! scenario files and the policy files they import; [`import`] turns public
//! data (CMS cost reports) into cohort tables; [`policy`] resolves dated
//! levers into annual values; [`model`] holds the accounting of MODEL.md §2
//! once, generic over the number type; [`ledger`] evaluates it exactly in a
//! 28-digit floating decimal; [`engine`] runs it on Monte Carlo paths in
//! `f64`; [`analysis`] asks comparative questions of engine runs; `report`
//! writes tables and files; [`system`] asks the OS about memory; `cli` is
//! the command line. A lower layer never
//! imports a higher one.

#![deny(missing_docs)]

pub mod analysis;
pub mod backtest;
pub mod calendar;
pub mod calibrate;
#[cfg(feature = "cli")]
pub mod cli;
pub mod engine;
pub mod import;
pub mod ledger;
pub mod model;
pub mod numeric;
pub mod policy;
#[cfg(feature = "cli")]
#[allow(
    clippy::disallowed_methods,
    reason = "presentation only: the tile map's colour-scale ticks (tilemap.rs) use std's powf and log10; no table value does"
)]
pub mod report;
pub mod scenario;
pub mod system;
