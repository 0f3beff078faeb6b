//! Token lifetimes (R28): `expires_at` on create, an ISO-8601 / RFC 3339 date-time, in the future
//! and at most the deployment's longest lifetime away (`TOKEN_MAX_LIFETIME_DAYS`, default 365,
//! read once per cold start). Without it a token expires after that longest lifetime, as GitHub's
//! fine-grained tokens do. Stored and shown as epoch milliseconds, like every timestamp here.

use std::sync::OnceLock;

use serde_json::Value;
use shared::validate::Validator;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The longest lifetime when `TOKEN_MAX_LIFETIME_DAYS` is unset.
pub const DEFAULT_MAX_LIFETIME_DAYS: i64 = 365;
/// No deployment may set more than this (10 years): tokens always expire.
pub const LIMIT_MAX_LIFETIME_DAYS: i64 = 3650;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The longest lifetime in days from a `TOKEN_MAX_LIFETIME_DAYS` value (unset, unparsable or out
/// of `1..=3650`: the default, logged).
pub fn parse_max_lifetime_days(raw: Option<&str>) -> i64 {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => DEFAULT_MAX_LIFETIME_DAYS,
        Some(v) => match v.parse::<i64>() {
            Ok(d) if (1..=LIMIT_MAX_LIFETIME_DAYS).contains(&d) => d,
            _ => {
                tracing::error!(value = v, "TOKEN_MAX_LIFETIME_DAYS must be 1..=3650 days: using the default");
                DEFAULT_MAX_LIFETIME_DAYS
            }
        },
    }
}

/// This deployment's longest token lifetime in milliseconds (read once per cold start).
pub fn max_lifetime_ms() -> i64 {
    static DAYS: OnceLock<i64> = OnceLock::new();
    *DAYS.get_or_init(|| parse_max_lifetime_days(std::env::var("TOKEN_MAX_LIFETIME_DAYS").ok().as_deref())) * DAY_MS
}

/// The expiry (epoch ms) for a create body's `expires_at` at `now`, or an issue on `expires_at`.
pub fn expiry(v: &mut Validator, requested: Option<&Value>, now: i64, max_lifetime_ms: i64) -> Option<i64> {
    let latest = now + max_lifetime_ms;
    let Some(value) = requested.filter(|r| !r.is_null()) else {
        return Some(latest);
    };
    let issue = "must be an ISO-8601 date-time with a time zone, e.g. 2027-01-01T00:00:00Z";
    let Some(at) = value.as_str().and_then(|s| OffsetDateTime::parse(s.trim(), &Rfc3339).ok()) else {
        v.add("expires_at", issue);
        return None;
    };
    let ms = i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    if ms <= now {
        v.add("expires_at", "must be in the future");
        None
    } else if ms > latest {
        v.add("expires_at", format!("must be at most {} days away", max_lifetime_ms / DAY_MS));
        None
    } else {
        Some(ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_800_000_000_000; // 2027-01-15T08:00:00Z

    fn check(value: Value) -> (Option<i64>, bool) {
        let mut v = Validator::new();
        let r = expiry(&mut v, Some(&value), NOW, 365 * DAY_MS);
        (r, v.is_ok())
    }

    #[test]
    fn default_is_the_longest_lifetime() {
        let mut v = Validator::new();
        assert_eq!(expiry(&mut v, None, NOW, 30 * DAY_MS), Some(NOW + 30 * DAY_MS));
        assert_eq!(expiry(&mut v, Some(&Value::Null), NOW, 30 * DAY_MS), Some(NOW + 30 * DAY_MS));
        assert!(v.is_ok());
    }

    #[test]
    fn accepted_and_refused() {
        assert_eq!(check(json!("2027-02-01T00:00:00Z")), (Some(1_801_440_000_000), true));
        assert_eq!(check(json!("2027-02-01T01:00:00+01:00")), (Some(1_801_440_000_000), true));
        for bad in [
            json!("2020-01-01T00:00:00Z"),
            json!("2099-01-01T00:00:00Z"),
            json!("2027-02-01"),
            json!("soon"),
            json!(1_801_440_000_000_i64),
            json!("2027-02-01T00:00:00"),
        ] {
            assert_eq!(check(bad.clone()), (None, false), "{bad}");
        }
    }

    #[test]
    fn max_lifetime_setting() {
        assert_eq!(parse_max_lifetime_days(None), 365);
        assert_eq!(parse_max_lifetime_days(Some(" 90 ")), 90);
        for bad in ["0", "-1", "x", "3651"] {
            assert_eq!(parse_max_lifetime_days(Some(bad)), 365, "{bad}");
        }
    }
}
