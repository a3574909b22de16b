//! The integration tests, in one binary: fixtures (snapshots and reference values), properties,
//! the exact route, and the command line.

mod common;

mod cli;
mod enumerate;
mod exact_route;
mod fixtures;
mod properties;
