//! Page extraction: decoding, auto-detection and configured selectors on any
//! bytes. Every harvested link is http(s) and its key is stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../checks.rs"]
#[allow(dead_code)] // each target uses one of the checks
mod checks;

fuzz_target!(|data: &[u8]| checks::extract_html(data));
