//! What RBAC templates change in access decisions (issue 6; docs/DECISIONS.md "RBAC visibility").
//!
//! Templates only ever narrow what R1–R16 allow; they never give access R2/R12 do not. For an
//! organization O on template T and a caller whose own organization is H:
//! - H = O: O's own members. `org_visibility.org_data` caps what they may do with O's
//!   organization data; their user management in O is decided by roles alone.
//! - H above O (O reached by R2 or a group grant): `parent_visibility.org_data` caps O's
//!   organization data and `parent_visibility.user_mgmt` O's users and user groups.
//! - H below O (O is an ancestor): `child_visibility.org_data` decides whether O's SSO and
//!   Darryl configuration reach its descendants (R16 inheritance, `crate::views::org_summary`).
//!
//! `full_access` leaves the role's rights as they are, `read_only` refuses every write (403
//! `rbac_read_only`), `no_access` hides: organizations and users hidden from a parent are 404 and
//! missing from lists, exactly like unreachable ones; an organization hidden from its own members
//! is 403 `rbac_no_access` (they know it exists).

use crate::error::ErrorCode;
use std::collections::HashMap;

use crate::authz::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::model::org::OrgItem;
use crate::model::template::{builtin_visibility, TemplateItem, Visibility, VisibilitySet};
use crate::runtime::config::AppState;
use crate::store::from_item;
use crate::store::keys;

pub use crate::policy::Aspect;

/// The visibility values of the templates a request needs, by template id. Built-in templates
/// cost nothing; the others are read in one consistent BatchGetItem.
#[derive(Debug, Default, Clone)]
pub struct TemplateBook {
    sets: HashMap<String, VisibilitySet>,
}

impl TemplateBook {
    pub async fn load<'a>(state: &AppState, ids: impl IntoIterator<Item = &'a str>) -> ApiResult<TemplateBook> {
        let mut book = TemplateBook::default();
        book.add(state, ids).await?;
        Ok(book)
    }

    /// Adds the templates of `ids` not in the book yet.
    pub async fn add<'a>(&mut self, state: &AppState, ids: impl IntoIterator<Item = &'a str>) -> ApiResult<()> {
        let mut wanted = Vec::new();
        for id in ids {
            if self.sets.contains_key(id) {
                continue;
            }
            match builtin_visibility(id) {
                Some(v) => {
                    self.sets.insert(id.to_string(), v.clone());
                }
                None => {
                    let key = (keys::template_pk(id), keys::TEMPLATE_SK.to_string());
                    if !wanted.contains(&key) {
                        wanted.push(key);
                    }
                }
            }
        }
        if wanted.is_empty() {
            return Ok(());
        }
        for item in state.store().batch_get_raw(wanted, true).await? {
            let t: TemplateItem = from_item(item)?;
            self.sets.insert(t.template_id.clone(), t.visibility());
        }
        Ok(())
    }

    /// The value deciding `caller`'s `aspect` of `org` (see [`level`]), from `org`'s template.
    pub fn level_at(&self, caller: &Caller, org: &OrgItem, aspect: Aspect) -> Visibility {
        level(caller, &org.organization_id, &self.get(&org.rbac_template_id), aspect)
    }

    /// The values of `template_id`; a template that does not exist shows nothing (fail closed).
    pub fn get(&self, template_id: &str) -> VisibilitySet {
        self.sets.get(template_id).cloned().unwrap_or_else(VisibilitySet::none)
    }
}

/// The value that decides `caller`'s `aspect` of organization `org_id` (on a template with
/// values `set`), which the caller reaches (R2/R12), so it is their own or below it.
pub fn level(caller: &Caller, org_id: &str, set: &VisibilitySet, aspect: Aspect) -> Visibility {
    match (org_id == caller.home_org(), aspect) {
        (true, Aspect::OrgData) => set.org_visibility.org_data,
        (true, Aspect::UserMgmt) => Visibility::FullAccess,
        (false, Aspect::OrgData) => set.parent_visibility.org_data,
        (false, Aspect::UserMgmt) => set.parent_visibility.user_mgmt,
    }
}

fn what(aspect: Aspect) -> &'static str {
    match aspect {
        Aspect::OrgData => "organization data",
        Aspect::UserMgmt => "user management",
    }
}

pub fn read_only_error(aspect: Aspect) -> ApiError {
    ApiError::forbidden(
        ErrorCode::RbacReadOnly,
        format!("The organization's RBAC template makes its {} read-only for you.", what(aspect)),
    )
}

pub fn no_access_error(aspect: Aspect) -> ApiError {
    ApiError::forbidden(
        ErrorCode::RbacNoAccess,
        format!("The organization's RBAC template gives you no access to its {}.", what(aspect)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use Visibility::*;

    #[test]
    fn builtins_need_no_read() {
        assert_eq!(builtin_visibility("default").unwrap().parent_visibility.org_data, FullAccess);
        assert_eq!(builtin_visibility("parent_read_only").unwrap().parent_visibility.user_mgmt, ReadOnly);
        assert!(builtin_visibility("custom").is_none());
        assert_eq!(TemplateBook::default().get("missing"), VisibilitySet::none());
    }
}
