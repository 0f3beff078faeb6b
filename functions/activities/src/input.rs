//! The log's query: ISO-8601 date-times (or epoch milliseconds), a known type, an actor id, a
//! page size and the cursor of the previous page. Every bad value is a 400 naming it.

use serde::Deserialize;
use shared::model::activity::ActivityKind;
use shared::validate::{is_identifier, Validator};
use shared::ApiResult;
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

pub const DEFAULT_LIMIT: i32 = 100;
pub const MAX_LIMIT: i32 = 500;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ActivitiesQuery {
    /// From this instant (inclusive): an ISO-8601 date-time (`2026-12-01T10:00:00Z`; without an
    /// offset it is UTC), a date (its first millisecond), or epoch milliseconds.
    #[cfg_attr(feature = "openapi", param(max_length = 64))]
    pub from_date: Option<String>,
    /// Up to this instant (inclusive), as `from_date` (a date: its last millisecond).
    #[cfg_attr(feature = "openapi", param(max_length = 64))]
    pub to_date: Option<String>,
    /// Only activities of this type (`user.created`, `role.member_added`, …).
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", param(rename = "type", max_length = 64))]
    pub kind: Option<String>,
    /// Only activities by this actor (a user id).
    #[cfg_attr(feature = "openapi", param(max_length = 64))]
    pub actor_id: Option<String>,
    /// The `next_cursor` of the previous page.
    #[cfg_attr(feature = "openapi", param(max_length = 512))]
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 100).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<i32>,
}

/// The checked query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub kind: Option<String>,
    pub actor_id: Option<String>,
    pub cursor: Option<String>,
    pub limit: i32,
}

/// An instant in epoch milliseconds; a bare date is its first (or, `end`, last) millisecond.
pub fn parse_instant(s: &str, end: bool) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.len() <= 15 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let ms = |t: OffsetDateTime| (t.unix_timestamp_nanos() / 1_000_000) as i64;
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339).or_else(|_| OffsetDateTime::parse(s, &Iso8601::DEFAULT)) {
        return Some(ms(t));
    }
    if let Ok(t) = PrimitiveDateTime::parse(s, &Iso8601::DEFAULT) {
        return Some(ms(t.assume_utc()));
    }
    let d = Date::parse(s, &Iso8601::DEFAULT).ok()?;
    let t = if end { Time::from_hms_milli(23, 59, 59, 999).ok()? } else { Time::MIDNIGHT };
    Some(ms(PrimitiveDateTime::new(d, t).assume_utc()))
}

pub fn check(q: &ActivitiesQuery) -> ApiResult<Checked> {
    let mut v = Validator::new();
    let mut instant = |field: &str, s: &Option<String>, end: bool| {
        let s = s.as_deref()?;
        let parsed = parse_instant(s, end);
        if parsed.is_none() {
            v.add(field, "must be an ISO-8601 date-time (e.g. 2026-12-01T10:00:00Z), a date or epoch milliseconds");
        }
        parsed
    };
    let from_ms = instant("from_date", &q.from_date, false);
    let to_ms = instant("to_date", &q.to_date, true);
    if let (Some(f), Some(t)) = (from_ms, to_ms) {
        if t < f {
            v.add("to_date", "must not be before from_date");
        }
    }
    if let Some(k) = q.kind.as_deref().filter(|k| ActivityKind::parse(k).is_none()) {
        let known: Vec<&str> = ActivityKind::ALL.iter().map(|k| k.as_str()).collect();
        v.add("type", format!("'{k}' is not an activity type; one of: {}", known.join(", ")));
    }
    if let Some(a) = q.actor_id.as_deref().filter(|a| !is_identifier(a)) {
        v.add("actor_id", format!("'{}' is not an identifier", a.chars().take(64).collect::<String>()));
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        v.add("limit", format!("must be between 1 and {MAX_LIMIT}"));
    }
    let cursor = match q.cursor.as_deref() {
        None => None,
        Some(c) => match shared::store::cursor::decode(c, "") {
            Ok(id) if uuid::Uuid::parse_str(&id).is_ok() => Some(id),
            _ => {
                v.add("cursor", "is not a cursor this list returned");
                None
            }
        },
    };
    v.finish()?;
    Ok(Checked { from_ms, to_ms, kind: q.kind.clone(), actor_id: q.actor_id.clone(), cursor, limit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants() {
        assert_eq!(parse_instant("1764583200000", false), Some(1_764_583_200_000));
        assert_eq!(parse_instant("2025-12-01T10:00:00Z", false), Some(1_764_583_200_000));
        assert_eq!(parse_instant("2025-12-01T11:00:00+01:00", false), Some(1_764_583_200_000));
        assert_eq!(parse_instant("2025-12-01T10:00:00.000Z", false), Some(1_764_583_200_000));
        assert_eq!(parse_instant("2025-12-01T10:00:00", false), Some(1_764_583_200_000));
        assert_eq!(parse_instant("2025-12-01", false), Some(1_764_547_200_000));
        assert_eq!(parse_instant("2025-12-01", true), Some(1_764_633_599_999));
        for bad in ["", "yesterday", "2025-13-01", "12/01/2025", "1e9", "2025-12-01T25:00:00Z"] {
            assert_eq!(parse_instant(bad, false), None, "{bad}");
        }
    }

    #[test]
    fn every_bad_field_is_named() {
        let q = ActivitiesQuery {
            from_date: Some("2025-12-02".into()),
            to_date: Some("2025-12-01".into()),
            kind: Some("user.flew".into()),
            actor_id: Some("a b".into()),
            cursor: Some("!!".into()),
            limit: Some(501),
        };
        let e = check(&q).unwrap_err();
        let fields: Vec<_> = e.details.iter().filter_map(|d| d.field.clone()).collect();
        assert_eq!(fields, ["to_date", "type", "actor_id", "limit", "cursor"]);
        assert!(check(&ActivitiesQuery::default()).is_ok());
    }
}
