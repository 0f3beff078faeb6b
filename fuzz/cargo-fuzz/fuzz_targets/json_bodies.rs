#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| orgs_fuzz_harness::json_bodies(data));
