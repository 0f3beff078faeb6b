//! `orgs-openapi`: prints the OpenAPI 3.1 document generated from the code (the committed
//! `docs/openapi.json`). Regenerate with
//! `cargo run -q -p orgs-local --features openapi --bin orgs-openapi > docs/openapi.json`.

fn main() {
    print!("{}", orgs_local::openapi::to_json());
}
