//! `POST /users/verify`: for each email, the user and the organization owning its domain, each
//! only if the caller may read it.

use std::collections::HashMap;

use shared::authz::also_holds;
use shared::authz::resolve::PendingCaller;
use shared::authz::templates::{Aspect, TemplateBook};
use shared::model::org::OrgItem;
use shared::model::template::Visibility;
use shared::model::user::UserItem;
use shared::policy::permit::{OrganizationsRead, UsersRead};
use shared::policy::reach::Reach;
use shared::validate::Validator;
use shared::views::org_view::render as render_orgs;
use shared::{ApiResult, AppState};

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
pub async fn verify(
    state: &AppState,
    pending: PendingCaller,
    emails: Option<Vec<String>>,
) -> ApiResult<Vec<VerifyEntry>> {
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
    if let Err(e) = v.finish() {
        // Refused input is answered once the caller is known (401).
        pending.resolve(state).await?;
        return Err(e);
    }
    let store = state.store();
    let norm: Vec<String> = emails.iter().map(|e| e.trim().to_lowercase()).collect();
    let domains: Vec<String> = norm.iter().filter_map(|e| e.rsplit_once('@').map(|(_, d)| d.to_string())).collect();
    // One BatchGet for every email guard and domain guard, while the caller is resolved (nothing
    // of it is answered but what the caller may read, below).
    let (caller, (user_of_email, org_of_domain)) =
        tokio::try_join!(pending.resolve(state), store.owners_of_emails_and_domains(&norm, &domains))?;
    let caller = &caller;
    // Users and organizations, then what the caller reaches of them.
    let (users, orgs): (HashMap<String, UserItem>, HashMap<String, OrgItem>) =
        store.users_and_orgs(user_of_email.values(), org_of_domain.values(), true).await?;
    let mut org_ids: Vec<String> = users.values().map(|u| u.organization_id.clone()).collect();
    org_ids.extend(orgs.keys().cloned());
    org_ids.sort();
    org_ids.dedup();
    // What the caller reaches and may see, read while every candidate is rendered (and the
    // organizations' templates read); only what the caller may read is answered.
    let candidates: Vec<UserItem> = users.values().cloned().collect();
    let all_orgs: Vec<(OrgItem, Reach)> = orgs.values().map(|o| (o.clone(), Reach::Full)).collect();
    let seen = async {
        let reach = caller.reaches(state, &org_ids).await?;
        let users_seen = caller.user_mgmt_of(state, &reach).await?;
        Ok::<_, shared::ApiError>((reach, users_seen))
    };
    let ((reach, users_seen), rendered_users, templates, rendered_orgs) = tokio::try_join!(
        seen,
        render(state, candidates),
        TemplateBook::load(state, orgs.values().map(|o| o.rbac_template_id.as_str())),
        render_orgs(state, caller, all_orgs, false)
    )?;
    let full = |org: &str| reach.get(org).is_some_and(|a| a.reach == Reach::Full);
    let may_read_user = |u: &UserItem| {
        u.user_id == caller.user_id()
            || (also_holds::<UsersRead>(caller).is_ok()
                && users_seen.get(&u.organization_id).is_some_and(|l| *l != Visibility::NoAccess))
    };
    let rendered_users: HashMap<String, UserResponse> = rendered_users
        .into_iter()
        .filter(|r| users.get(&r.user_id).is_some_and(may_read_user))
        .map(|u| (u.user_id.clone(), u))
        .collect();
    let org_data_seen = |o: &OrgItem| templates.level_at(caller, o, Aspect::OrgData) != Visibility::NoAccess;
    let readable_org = |o: &OrgItem| {
        also_holds::<OrganizationsRead>(caller).is_ok()
            && full(&o.organization_id)
            && !caller.hides(&o.path())
            && org_data_seen(o)
    };
    let rendered_orgs: HashMap<String, shared::model::org::OrgResponse> = rendered_orgs
        .into_iter()
        .filter(|r| orgs.get(&r.organization_id).is_some_and(readable_org))
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
