#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| orgs_fuzz_harness::identity_event(data));
