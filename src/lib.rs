//! paydrill: a load-test and scenario-verification harness for order and payment platforms.
//!
//! Data flows one way: spec → driver → exec (through target) → history → check → report.
//! The reference platform ([`platform`]) and the PG fakes ([`fakes`]) are the embedded target.

pub mod bench;
pub mod check;
pub mod cli;
pub mod direct;
pub mod drill;
pub mod exec;
pub mod exit;
pub mod fakes;
pub mod history;
pub mod input;
pub mod load;
pub mod locks;
pub mod pg;
pub mod platform;
pub mod report;
pub mod settlement;
pub mod spec;
pub mod stack;
pub mod target;
pub mod units;
