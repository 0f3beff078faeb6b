//! The organizations service: rules R1–R4, R15 and R16 over the store.

use serde_json::{json, Map, Value};
use shared::authz::decide::Held;
use shared::authz::{holds, org_permit};
use shared::error::ErrorCode;
use shared::model::activity::ActivityKind;
use shared::model::now_ms;
use shared::model::org::{CreateOrgRequest, DarrylConfiguration, OrgItem, OrgResponse, UpdateOrgRequest};
use shared::policy::permit::{OrganizationsCreate, OrganizationsUpdate};
use shared::policy::reach::Reach;
use shared::store::activity::Change;
use shared::store::orgs::MAX_DEPTH;
use shared::{ApiError, ApiResult, AppState, Caller};

use crate::input;
use crate::multipart::{LogoUpload, UsageType};
use crate::patch::{apply_patch, diff};
use shared::views::org_view::{render, OrgEntry};

/// Default and largest page of organization lists.
pub const DEFAULT_PAGE: u32 = 100;
pub const MAX_PAGE: u32 = 100;
/// Attempts of a read-modify-write that is not pinned by If-Match.
const UPDATE_ATTEMPTS: usize = 3;

async fn render_one(state: &AppState, caller: &Caller, org: OrgItem) -> ApiResult<OrgResponse> {
    render(state, caller, vec![(org, Reach::Full)], true)
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("render returned nothing"))
}

/// R3: superadmin only, parent accessible and accepting children, unique code.
pub async fn create(state: &AppState, caller: &Caller, body: CreateOrgRequest) -> ApiResult<OrgResponse> {
    let held = holds::<OrganizationsCreate>(caller)?;
    let (org, _, actions) = prepare_create(state, caller, held, body).await?;
    // The answer reads only what existed before the write (the ancestors, the template).
    state.store().transact_alongside(actions, render_one(state, caller, org)).await
}

/// Everything of R3 but the write: the checks, the new organization, the permit in its parent
/// and the transaction's actions (with the activity item). An approved organization request
/// (R23) adds its own action to the same transaction.
pub async fn prepare_create(
    state: &AppState,
    caller: &Caller,
    held: Held<OrganizationsCreate>,
    body: CreateOrgRequest,
) -> ApiResult<(OrgItem, shared::policy::Permit<OrganizationsCreate>, Vec<shared::store::TxAction>)> {
    input::check_create(&body)?;
    let parent_ident = body.parent_organization_id.clone().unwrap_or_default();
    // Creating a child is `organizations:create` in the parent, whose template governs it.
    let (parent, permit) = org_permit(state, caller, held, &parent_ident).await.map_err(|e| {
        if e.code == ErrorCode::OrganizationNotFound {
            ApiError::not_found(
                ErrorCode::ParentOrganizationNotFound,
                "The parent organization does not exist or is not accessible.",
            )
        } else {
            e
        }
    })?;
    prepare_create_in(state, caller, parent, permit, body)
}

/// [`prepare_create`] under a parent already loaded with the permit to create there (an
/// approved request's parent, read when the request was).
pub fn prepare_create_in(
    state: &AppState,
    caller: &Caller,
    parent: OrgItem,
    permit: shared::policy::Permit<OrganizationsCreate>,
    body: CreateOrgRequest,
) -> ApiResult<(OrgItem, shared::policy::Permit<OrganizationsCreate>, Vec<shared::store::TxAction>)> {
    input::check_create(&body)?;
    if !parent.can_have_child_organizations {
        return Err(ApiError::conflict(
            ErrorCode::ParentCannotHaveChildren,
            "The parent organization cannot have child organizations.",
        ));
    }
    if parent.depth() + 1 >= MAX_DEPTH {
        return Err(ApiError::bad_request(
            ErrorCode::TreeTooDeep,
            format!("Organizations can be nested at most {MAX_DEPTH} levels deep."),
        ));
    }
    let now = now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    let mut ancestors = parent.ancestors.clone();
    ancestors.push(parent.as_ancestor());
    let mut org = OrgItem {
        pk: String::new(),
        sk: String::new(),
        organization_id: id.clone(),
        name: body.name.unwrap_or_default().trim().to_string(),
        code: body.code,
        contact_email: body.contact_email,
        updates_email: body.updates_email,
        parent_organization_id: Some(parent.organization_id.clone()),
        updates_email_for_escalations_from_parent: body.updates_email_for_escalations_from_parent.unwrap_or_default(),
        updates_email_for_escalations_from_children: body
            .updates_email_for_escalations_from_children
            .unwrap_or_default(),
        can_have_child_organizations: body.can_have_child_organizations.unwrap_or(false),
        parent_has_access_to_descendants: body.parent_has_access_to_descendants.unwrap_or(true),
        parent_has_access: body.parent_has_access.unwrap_or(true),
        logo_url: body.logo_url,
        sso_configuration: body.sso_configuration,
        darryl_configuration: body.darryl_configuration.map(|d| DarrylConfiguration {
            logo_url: None,
            darryl_config_source: d.darryl_config_source,
            name: d.name,
            color: d.color,
        }),
        metabase_configuration: Default::default(),
        case_configuration: body.case_configuration.as_ref().map(|c| c.resolve()),
        rbac_template_id: body.rbac_template_id.unwrap_or_default(),
        metadata: body.metadata.unwrap_or_default(),
        domains: input::normalize_domains(body.domains.unwrap_or_default()),
        ancestors,
        created_at: now,
        created_by: Some(caller.user_id().to_string()),
        modified_at: now,
        modified_by: Some(caller.user_id().to_string()),
        version: 1,
        deleting: None,
    };
    shared::store::reads::fill_org_keys(&mut org);
    let store = state.store();
    let mut actions = store.create_org_actions(&permit, &org, Some(&parent))?;
    let mut changes = Map::new();
    changes.insert("name".into(), json!({"to": org.name}));
    changes.insert("parent_organization_id".into(), json!({"to": parent.organization_id}));
    actions.push(store.activity_action(
        &permit,
        Change {
            kind: ActivityKind::OrganizationCreated,
            organization_id: &id,
            target_type: "organization",
            target_id: &id,
            changes,
        },
    )?);
    Ok((org, permit, actions))
}

/// An organization as `caller` sees it (the response of POST /organizations).
pub async fn render_created(state: &AppState, caller: &Caller, org: OrgItem) -> ApiResult<OrgResponse> {
    render_one(state, caller, org).await
}

pub async fn get(state: &AppState, caller: &Caller, identifier: &str) -> ApiResult<OrgResponse> {
    let held = holds::<shared::policy::permit::OrganizationsRead>(caller)?;
    let (org, _) = org_permit(state, caller, held, identifier).await?;
    render_one(state, caller, org).await
}

/// Read-modify-write of one organization with optimistic locking. With `expected` (If-Match) a
/// concurrent change is a 409; without it the change is re-applied to the fresh item, decided
/// again from `held`. `loaded` is an item the caller already read, with its permit, for the
/// first attempt, or an R24 target.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn modify(
    state: &AppState,
    caller: &Caller,
    held: Held<OrganizationsUpdate>,
    identifier: &str,
    expected: Option<u64>,
    kind: ActivityKind,
    loaded: impl Into<crate::ancestor::Target>,
    mut apply: impl FnMut(&mut OrgItem, &mut Map<String, Value>) -> ApiResult<Option<String>>,
) -> ApiResult<OrgItem> {
    let (store, mut target) = (state.store(), loaded.into());
    for attempt in 1..=UPDATE_ATTEMPTS {
        let (mut org, permit) = target.take(state, caller, held, identifier).await?;
        let read_version = org.version;
        let old_domains = org.domains.clone();
        let old_template = org.rbac_template_id.clone();
        if expected.is_some_and(|v| v != read_version) {
            return Err(ApiError::conflict(
                ErrorCode::VersionConflict,
                "The organization was changed by another request; reload and retry.",
            ));
        }
        let mut changes = Map::new();
        let moved_to = apply(&mut org, &mut changes)?;
        if changes.is_empty() {
            return Ok(org);
        }
        let mut actions = Vec::with_capacity(3);
        if let Some(to) = &moved_to {
            // Allowed movements: the current template's allowlist must name the new one (R24: not
            // for an ancestor's move; a missing template still fails the transaction below).
            let binds = target.allowlist_binds();
            if binds && !store.get_template(&old_template).await?.is_some_and(|t| t.allowlist.contains(to)) {
                return Err(ApiError::conflict(
                    ErrorCode::RbacMoveNotAllowed,
                    "The organization's RBAC template cannot move to that template.",
                ));
            }
            // The organization moves its reference and every edge into it names its template
            // (what reach checks read), in the same transaction.
            actions.extend(store.template_move_actions(&permit, &org, &old_template, to)?);
        }
        actions.extend(store.domain_change_actions(&permit, &org.organization_id, &old_domains, &org.domains)?);
        org.version = read_version + 1;
        org.modified_at = now_ms();
        org.modified_by = Some(caller.user_id().to_string());
        actions.extend(store.update_org_actions(&permit, &org, read_version)?);
        let org_id = org.organization_id.clone();
        actions.push(store.activity_action(
            &permit,
            Change { kind, organization_id: &org_id, target_type: "organization", target_id: &org_id, changes },
        )?);
        match store.transact(actions).await {
            Ok(()) => return Ok(org),
            Err(e) if e.code == ErrorCode::VersionConflict && expected.is_none() && attempt < UPDATE_ATTEMPTS => {
                continue
            }
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::conflict(
        ErrorCode::VersionConflict,
        "The organization was changed by another request; reload and retry.",
    ))
}

/// R4: `organizations:update` on an accessible organization. Parent and access flags never change.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    identifier: &str,
    body: UpdateOrgRequest,
    expected: Option<u64>,
) -> ApiResult<OrgEntry> {
    let held = holds::<OrganizationsUpdate>(caller)?;
    input::check_update(&body)?;
    let target = crate::ancestor::Target::for_update(state, caller, held, identifier, &body).await?;
    let by_ancestor = target.by_ancestor();
    let org =
        modify(state, caller, held, identifier, expected, ActivityKind::OrganizationUpdated, target, |org, changes| {
            Ok(apply_patch(org, &body, changes))
        })
        .await?;
    Ok(crate::ancestor::as_seen_after_move(by_ancestor, render_one(state, caller, org).await?))
}

/// Stores the logo under its content address and points the organization at it.
pub async fn upload_logo(state: &AppState, caller: &Caller, identifier: &str, upload: LogoUpload) -> ApiResult<String> {
    let held = holds::<OrganizationsUpdate>(caller)?;
    let img = shared::edge::logo::inspect(&upload.logo)?;
    // Check access before writing anything to S3.
    let (org, permit) = org_permit(state, caller, held, identifier).await?;
    let key = shared::edge::logo::object_key(&org.organization_id, upload.usage_type.as_str(), &img);
    state
        .s3()?
        .put_object()
        .bucket(&state.config.logo_bucket)
        .key(&key)
        .content_type(img.content_type)
        .cache_control("public, max-age=31536000, immutable")
        .body(upload.logo.clone().into())
        .send()
        .await
        .map_err(|e| {
            tracing::error!(error = ?e, "logo upload to S3 failed");
            ApiError::unavailable()
        })?;
    let url = format!("{}/{}", state.config.logo_base_url, key);
    let usage = upload.usage_type;
    let org_id = org.organization_id.clone();
    modify(
        state,
        caller,
        held,
        &org_id,
        None,
        ActivityKind::OrganizationLogoUploaded,
        Some((org, permit)),
        |org, changes| {
            match usage {
                UsageType::Login => {
                    diff(changes, "logo_url", json!(org.logo_url), json!(url));
                    org.logo_url = Some(url.clone());
                }
                UsageType::Darryl => {
                    let mut d = org.darryl_configuration.clone().unwrap_or(DarrylConfiguration {
                        logo_url: None,
                        darryl_config_source: shared::model::org::ConfigSource::Own,
                        name: None,
                        color: None,
                    });
                    diff(changes, "darryl_configuration.logo_url", json!(d.logo_url), json!(url));
                    d.logo_url = Some(url.clone());
                    org.darryl_configuration = Some(d);
                }
            }
            Ok(None)
        },
    )
    .await?;
    Ok(url)
}
