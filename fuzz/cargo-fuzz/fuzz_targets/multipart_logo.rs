#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| orgs_fuzz_harness::multipart_logo(data));
