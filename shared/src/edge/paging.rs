//! Page-numbered lists (`?page=&size=` and `sort`, as the seed's filter routes take them).

use serde::{Deserialize, Serialize};

use crate::validate::Validator;

pub const MAX_PAGE_SIZE: u32 = 100;

/// `?page=&size=` (both required; `page` counts from 0, as in Auth0's Management API).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct PageQuery {
    /// Page number, from 0.
    #[cfg_attr(feature = "openapi", param(maximum = 100_000))]
    pub page: u32,
    /// Page size, 1 to 100.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    pub size: u32,
}

/// One sort key: `sort_order` 1 ascending, -1 descending.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SortField {
    pub field: String,
    pub sort_order: i32,
}

pub fn check_page(v: &mut Validator, p: &PageQuery) {
    if p.size == 0 || p.size > MAX_PAGE_SIZE {
        v.add("size", format!("must be between 1 and {MAX_PAGE_SIZE}"));
    }
    if p.page > 100_000 {
        v.add("page", "is too large");
    }
}

/// `page` (from 0, default 0) and `size` (1 to 100, default 100) where both are optional (the
/// roles and organization-requests lists), checked into `v`.
pub fn page_and_size(v: &mut Validator, page: Option<u32>, size: Option<u32>) -> (u32, u32) {
    let p = PageQuery { page: page.unwrap_or(0), size: size.unwrap_or(MAX_PAGE_SIZE) };
    check_page(v, &p);
    (p.page, p.size)
}

pub fn check_sort(v: &mut Validator, sort: &[SortField], allowed: &[&str]) {
    if sort.len() > allowed.len() {
        v.add("sort", "has too many keys");
    }
    for (i, s) in sort.iter().enumerate() {
        if !allowed.contains(&s.field.as_str()) {
            v.add(&format!("sort[{i}].field"), format!("must be one of: {}", allowed.join(", ")));
        }
        if s.sort_order != 1 && s.sort_order != -1 {
            v.add(&format!("sort[{i}].sort_order"), "must be 1 (ascending) or -1 (descending)");
        }
    }
}

/// Sorts by the keys in order (ties by `tie`), then returns the requested page and the total.
pub fn sorted_page<T>(
    mut items: Vec<T>,
    sort: &[SortField],
    page: &PageQuery,
    compare: impl Fn(&T, &T, &str) -> std::cmp::Ordering,
    tie: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> (Vec<T>, u64) {
    items.sort_by(|a, b| {
        sort.iter()
            .map(|s| {
                let o = compare(a, b, &s.field);
                if s.sort_order < 0 {
                    o.reverse()
                } else {
                    o
                }
            })
            .find(|o| o.is_ne())
            .unwrap_or_else(|| tie(a, b))
    });
    let total = items.len() as u64;
    let start = (page.page as usize).saturating_mul(page.size as usize);
    (items.into_iter().skip(start).take(page.size as usize).collect(), total)
}
