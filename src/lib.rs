//! cxsim: executable customer-journey maps.
//!
//! Data flows one way: RON text → [`scenario::Scenario`] → validated [`model::Model`] →
//! compiled [`engine::Engine`] → [`engine::Acc`] accumulators → [`results::RunResults`] →
//! reports ([`report`]) or the terminal app.

pub mod analysis;
pub mod cli;
pub mod engine;
pub mod fmt;
pub mod format;
pub mod fsutil;
pub mod model;
pub mod report;
pub mod results;
pub mod run;
pub mod tui;

/// The journey `cargo run --release` opens when given no file.
pub const BUILTIN_EXAMPLE: &str = include_str!("../scenarios/ecommerce-retailer.ron");
pub const BUILTIN_EXAMPLE_NAME: &str = "builtin:ecommerce-retailer.ron";
