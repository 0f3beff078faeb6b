//! `POST /users/verify`: for each email, the user and the organization owning its domain, each
//! only if the caller may read it.

use std::collections::HashMap;

use shared::authz::also_holds;
use shared::authz::templates::{Aspect, TemplateBook};
use shared::model::org::OrgItem;
use shared::model::template::Visibility;
use shared::model::user::UserItem;
use shared::policy::permit::{OrganizationsRead, UsersRead};
use shared::policy::reach::Reach;
use shared::store::from_item;
use shared::store::keys::{self, USER_SK};
use shared::store::users::EmailGuard;
use shared::validate::Validator;
use shared::views::org_view::render as render_orgs;
use shared::{ApiResult, AppState, Caller};

use crate::input::MAX_VERIFY;
use crate::view::{render, UserResponse};

/// One entry of `POST /users/verify`.
#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyEntry {
    pub email_id: String,
    pub user: Option<UserResponse>,
    pub organization: Option<shared::model::org::OrgResponse>,
}

/// For each email: the user with that email and the organization owning its domain, each only
/// if the caller may read it (otherwise null: existence never leaks across tenants).
pub async fn verify(state: &AppState, caller: &Caller, emails: Option<Vec<String>>) -> ApiResult<Vec<VerifyEntry>> {
    let mut v = Validator::new();
    let emails = match v.required("email_ids", &emails) {
        Some(l) if l.is_empty() || l.len() > MAX_VERIFY => {
            v.add("email_ids", format!("must have 1 to {MAX_VERIFY} entries"));
            Vec::new()
        }
        Some(l) => l.clone(),
        None => Vec::new(),
    };
    for (i, e) in emails.iter().enumerate() {
        v.email(&format!("email_ids[{i}]"), e.trim());
    }
    v.finish()?;
    let store = state.store();
    let norm: Vec<String> = emails.iter().map(|e| e.trim().to_lowercase()).collect();
    let domains: Vec<String> = norm.iter().filter_map(|e| e.rsplit_once('@').map(|(_, d)| d.to_string())).collect();
    // One BatchGet for every email guard and domain guard.
    let mut wanted: Vec<(String, String)> =
        norm.iter().map(|e| (keys::email_pk(e), keys::GUARD_SK.to_string())).collect();
    wanted.extend(domains.iter().map(|d| (keys::domain_pk(d), keys::GUARD_SK.to_string())));
    let mut user_of_email: HashMap<String, String> = HashMap::new();
    let mut org_of_domain: HashMap<String, String> = HashMap::new();
    for item in store.batch_get_raw(wanted, false).await? {
        let pk = item.get(keys::PK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        if pk.starts_with("EMAIL#") {
            let g: EmailGuard = from_item(item)?;
            user_of_email.insert(pk.trim_start_matches("EMAIL#").to_string(), g.user_id);
        } else {
            let g: shared::store::orgs::DomainGuard = from_item(item)?;
            org_of_domain.insert(pk.trim_start_matches("DOMAIN#").to_string(), g.organization_id);
        }
    }
    // Users and organizations, then what the caller reaches of them.
    let mut wanted: Vec<(String, String)> =
        user_of_email.values().map(|u| (keys::user_pk(u), USER_SK.to_string())).collect();
    wanted.extend(org_of_domain.values().map(|o| (keys::org_pk(o), keys::ORG_SK.to_string())));
    let mut users: HashMap<String, UserItem> = HashMap::new();
    let mut orgs: HashMap<String, OrgItem> = HashMap::new();
    for item in store.batch_get_raw(wanted, true).await? {
        let sk = item.get(keys::SK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        if sk == USER_SK {
            let u: UserItem = from_item(item)?;
            users.insert(u.user_id.clone(), u);
        } else {
            let o: OrgItem = from_item(item)?;
            orgs.insert(o.organization_id.clone(), o);
        }
    }
    let mut org_ids: Vec<String> = users.values().map(|u| u.organization_id.clone()).collect();
    org_ids.extend(orgs.keys().cloned());
    org_ids.sort();
    org_ids.dedup();
    let reach = caller.reaches(state, &org_ids).await?;
    let users_seen = caller.user_mgmt_of(state, &reach).await?;
    let full = |org: &str| reach.get(org).is_some_and(|a| a.reach == Reach::Full);
    let may_read_user = |u: &UserItem| {
        u.user_id == caller.user_id()
            || (also_holds::<UsersRead>(caller).is_ok()
                && users_seen.get(&u.organization_id).is_some_and(|l| *l != Visibility::NoAccess))
    };
    let readable_users: Vec<UserItem> = users.values().filter(|u| may_read_user(u)).cloned().collect();
    let rendered_users: HashMap<String, UserResponse> =
        render(state, readable_users).await?.into_iter().map(|u| (u.user_id.clone(), u)).collect();
    let templates = TemplateBook::load(state, orgs.values().map(|o| o.rbac_template_id.as_str())).await?;
    let org_data_seen = |o: &OrgItem| templates.level_at(caller, o, Aspect::OrgData) != Visibility::NoAccess;
    let readable_orgs: Vec<(OrgItem, Reach)> = orgs
        .values()
        .filter(|_| also_holds::<OrganizationsRead>(caller).is_ok())
        .filter(|o| full(&o.organization_id) && !caller.hides(&o.path()) && org_data_seen(o))
        .map(|o| (o.clone(), Reach::Full))
        .collect();
    let rendered_orgs: HashMap<String, shared::model::org::OrgResponse> =
        render_orgs(state, caller, readable_orgs, false)
            .await?
            .into_iter()
            .map(|o| (o.organization_id.clone(), o))
            .collect();
    Ok(emails
        .iter()
        .zip(&norm)
        .map(|(original, e)| {
            let domain = e.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
            VerifyEntry {
                email_id: original.clone(),
                user: user_of_email.get(e).and_then(|id| rendered_users.get(id)).cloned(),
                organization: org_of_domain.get(domain).and_then(|id| rendered_orgs.get(id)).cloned(),
            }
        })
        .collect())
}
