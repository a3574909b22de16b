//! The integration tests, in one binary: fixtures (snapshots and reference values), properties,
//! the exact route, and the command line.

mod common;

mod architecture;
mod cli;
mod enumerate;
mod enumerate_fast;
mod error_kinds;
mod exact_route;
mod experiments;
mod fixtures;
mod hostile;
mod mean_square;
mod mean_square_more;
mod models;
mod proof;
mod proof_properties;
mod proof_regressions;
mod properties;
mod real_scale;
mod reduction;
mod report;
mod reshuffling;
mod section4;
mod serialization;
mod simulate;
mod verdict;
