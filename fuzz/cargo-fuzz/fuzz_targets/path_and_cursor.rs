#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| orgs_fuzz_harness::path_and_cursor(data));
