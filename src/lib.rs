//! paydrill: a load-test and scenario-verification harness for order and payment platforms.
//!
//! Data flows one way: spec → drive → exec (through target) → record → check → report, with
//! settle and measure beside check. The reference platform ([`platform`]) and the PG fakes
//! ([`fakes`]) stand apart as the embedded target ([`embedded`]), reached over HTTP and the
//! fakes' ledgers; [`pg`] is the PG vocabulary and wire formats everything shares.

pub mod check;
pub mod cli;
pub mod drive;
pub mod embedded;
pub mod exec;
pub mod exit;
pub mod fakes;
pub mod input;
pub mod locks;
pub mod measure;
pub mod pg;
pub mod platform;
pub mod record;
pub mod report;
pub mod settle;
pub mod spec;
pub mod stop;
pub mod target;
pub mod units;
