//! Bootstrap: on an empty table, create the built-in RBAC templates, the root organization and
//! its first superadmin in one transaction with a marker item. Idempotent: a second run changes
//! nothing and reports the same ids (the marker holds them); concurrent runs create one root.

use serde::{Deserialize, Serialize};
use shared::error::ErrorCode;
use shared::model::activity::ActivityKind;
use shared::model::activity::ActorType;
use shared::model::now_ms;
use shared::model::org::OrgItem;
use shared::model::template::{builtin_templates, DEFAULT_TEMPLATE_ID};
use shared::model::user::{Role, UserItem};
use shared::policy::{SystemJob, SystemPermit};
use shared::store::activity::{Actor, Change};
use shared::store::keys::{self, BOOTSTRAP_KEY, ORG_SK};
use shared::store::Store;
use shared::{ApiError, ApiResult};

#[derive(Debug, Clone)]
pub struct BootstrapOptions {
    pub organization_id: Option<String>,
    pub user_id: Option<String>,
    pub organization_name: String,
    pub organization_code: String,
    pub admin_email: String,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        Self {
            organization_id: None,
            user_id: None,
            organization_name: "Root".into(),
            organization_code: "root".into(),
            admin_email: "admin@example.com".into(),
        }
    }
}

/// The marker item and what bootstrap reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootstrapMarker {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub organization_id: String,
    pub user_id: String,
    pub created_at: i64,
}

async fn marker(store: &Store<'_>) -> ApiResult<Option<BootstrapMarker>> {
    store.get(BOOTSTRAP_KEY, BOOTSTRAP_KEY, true).await
}

/// Runs bootstrap; returns the marker and whether this run created it.
pub async fn bootstrap(store: &Store<'_>, opts: &BootstrapOptions) -> ApiResult<(BootstrapMarker, bool)> {
    if let Some(m) = marker(store).await? {
        return Ok((m, false));
    }
    let now = now_ms();
    let permit = SystemPermit::for_job(
        SystemJob::Bootstrap,
        Actor {
            actor_type: ActorType::System,
            actor_id: "bootstrap".into(),
            actor_organization_id: None,
            ip: None,
            details: Some("orgs-local bootstrap".into()),
            request_id: uuid::Uuid::new_v4().to_string(),
            token_id: None,
            service_id: None,
        },
    );
    // Templates first: each is written only if absent, so re-runs and later edits are kept.
    for t in builtin_templates(now) {
        match store
            .transact(vec![store.system_put_new(&permit, &t, ApiError::conflict(ErrorCode::Exists, "exists"))?])
            .await
        {
            Ok(()) => {}
            Err(e) if e.code == ErrorCode::Exists => {}
            Err(e) => return Err(e),
        }
    }
    let org_id = opts.organization_id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let user_id = opts.user_id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let org = OrgItem {
        pk: keys::org_pk(&org_id),
        sk: ORG_SK.into(),
        organization_id: org_id.clone(),
        name: opts.organization_name.clone(),
        code: Some(opts.organization_code.clone()),
        contact_email: Some(opts.admin_email.clone()),
        updates_email: None,
        parent_organization_id: None,
        updates_email_for_escalations_from_parent: vec![],
        updates_email_for_escalations_from_children: vec![],
        can_have_child_organizations: true,
        parent_has_access_to_descendants: true,
        parent_has_access: true,
        logo_url: None,
        sso_configuration: None,
        darryl_configuration: None,
        metabase_configuration: Default::default(),
        case_configuration: None,
        rbac_template_id: DEFAULT_TEMPLATE_ID.into(),
        metadata: Default::default(),
        domains: vec![],
        ancestors: vec![],
        created_at: now,
        created_by: None,
        modified_at: now,
        modified_by: None,
        version: 1,
        deleting: None,
    };
    let mut user = UserItem::new(&user_id, vec![org_id.clone()], &opts.admin_email, Role::Superadmin, now, None);
    user.first_name = Some("Admin".into());
    user.is_internal = true;
    let m = BootstrapMarker {
        pk: BOOTSTRAP_KEY.into(),
        sk: BOOTSTRAP_KEY.into(),
        organization_id: org_id.clone(),
        user_id: user_id.clone(),
        created_at: now,
    };
    let mut actions =
        vec![store.system_put_new(&permit, &m, ApiError::conflict(ErrorCode::Bootstrapped, "already bootstrapped"))?];
    actions.extend(store.create_org_actions(&permit, &org, None)?);
    actions.extend(store.create_user_actions(&permit, &user)?);
    actions.push(store.activity_action(
        &permit,
        Change {
            kind: ActivityKind::OrganizationCreated,
            organization_id: &org_id,
            target_type: "organization",
            target_id: &org_id,
            changes: Default::default(),
        },
    )?);
    match store.transact(actions).await {
        Ok(()) => Ok((m, true)),
        // Another run won the race: report its ids.
        Err(e) if e.code == ErrorCode::Bootstrapped => Ok((marker(store).await?.ok_or(e)?, false)),
        Err(e) => Err(e),
    }
}
