//! The Telegram message builder on any strings: only b/i/a tags, balanced;
//! every `&` an entity; visible text and the plain form within 4096 UTF-16
//! units; the link intact in the href.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
#[allow(dead_code)] // each target uses one of the checks
mod checks;

fuzz_target!(|data: &[u8]| checks::message(data));
