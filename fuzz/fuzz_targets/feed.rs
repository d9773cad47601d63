//! Feed ingestion on any bytes: an error or items, never a panic; every link
//! is http(s).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
#[allow(dead_code)] // each target uses one of the checks
mod checks;

fuzz_target!(|data: &[u8]| checks::feed(data));
