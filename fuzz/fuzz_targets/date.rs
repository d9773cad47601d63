//! Date parsing on any text: no panic, a found range is a real slice of the
//! text, and the year is within the accepted bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
#[allow(dead_code)] // each target uses one of the checks
mod checks;

fuzz_target!(|data: &[u8]| checks::date(data));
