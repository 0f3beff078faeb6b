//! Stored items and API shapes.

pub mod activity;
pub mod case_config;
pub mod catalogue;
pub mod group;
pub mod org;
pub mod org_input;
pub mod org_request;
pub mod role;
pub mod template;
pub mod user;

/// Milliseconds since the Unix epoch (the seed's timestamps).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
