//! The organizations service: rules R1–R4, R15 and R16 over the store.

use serde_json::{json, Map, Value};
use shared::authz::decide::Held;
use shared::authz::{holds, org_permit};
use shared::model::catalogue::{self, Perm, PermissionSet};
use shared::model::keys::{self, ORG_SK};
use shared::model::now_ms;
use shared::model::org::{
    CreateOrgRequest, DarrylConfiguration, OrgFilterRequest, OrgItem, OrgResponse, UpdateOrgRequest,
};
use shared::policy::permit::{OrganizationsCreate, OrganizationsUpdate};
use shared::policy::reach::Reach;
use shared::policy::Permit;
use shared::store::activity::Change;
use shared::store::from_item;
use shared::store::orgs::MAX_DEPTH;
use shared::{ApiError, ApiResult, AppState, Caller, ErrorDetail};

use crate::input;
use crate::multipart::{LogoUpload, UsageType};
use shared::views::org_view::render;

/// Default and largest page of organization lists.
pub const DEFAULT_PAGE: u32 = 100;
pub const MAX_PAGE: u32 = 100;
/// Query rounds one filter request may spend filling a page.
const MAX_FILL_ROUNDS: usize = 3;
/// Attempts of a read-modify-write that is not pinned by If-Match.
const UPDATE_ATTEMPTS: usize = 3;

use shared::authz::templates::{Aspect, TemplateBook};
use shared::model::template::Visibility;

async fn render_one(state: &AppState, caller: &Caller, org: OrgItem) -> ApiResult<OrgResponse> {
    render(state, caller, vec![(org, Reach::Full)], true)
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("render returned nothing"))
}

/// R3: superadmin only, parent accessible and accepting children, unique code.
pub async fn create(state: &AppState, caller: &Caller, body: CreateOrgRequest) -> ApiResult<OrgResponse> {
    let held = holds::<OrganizationsCreate>(caller)?;
    input::check_create(&body)?;
    let parent_ident = body.parent_organization_id.clone().unwrap_or_default();
    // Creating a child is `organizations:create` in the parent, whose template governs it.
    let (parent, permit) = org_permit(state, caller, held, &parent_ident).await.map_err(|e| {
        if e.code == "organization_not_found" {
            ApiError::not_found(
                "parent_organization_not_found",
                "The parent organization does not exist or is not accessible.",
            )
        } else {
            e
        }
    })?;
    if !parent.can_have_child_organizations {
        return Err(ApiError::conflict(
            "parent_cannot_have_children",
            "The parent organization cannot have child organizations.",
        ));
    }
    if parent.depth() + 1 >= MAX_DEPTH {
        return Err(ApiError::bad_request(
            "tree_too_deep",
            format!("Organizations can be nested at most {MAX_DEPTH} levels deep."),
        ));
    }
    let now = now_ms();
    let id = uuid::Uuid::new_v4().to_string();
    let mut ancestors = parent.ancestors.clone();
    ancestors.push(parent.as_ancestor());
    let org = OrgItem {
        pk: keys::org_pk(&id),
        sk: ORG_SK.to_string(),
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
    let store = state.store();
    let mut actions = store.create_org_actions(&permit, &org, Some(&parent))?;
    let mut changes = Map::new();
    changes.insert("name".into(), json!({"to": org.name}));
    changes.insert("parent_organization_id".into(), json!({"to": parent.organization_id}));
    actions.push(store.activity_action(
        &permit,
        Change {
            kind: "organization.created",
            organization_id: &id,
            target_type: "organization",
            target_id: &id,
            changes,
        },
    )?);
    store.transact(actions).await?;
    render_one(state, caller, org).await
}

pub async fn get(state: &AppState, caller: &Caller, identifier: &str) -> ApiResult<OrgResponse> {
    let held = holds::<shared::policy::permit::OrganizationsRead>(caller)?;
    let (org, _) = org_permit(state, caller, held, identifier).await?;
    render_one(state, caller, org).await
}

/// Checks the filter's fields before any read.
fn check_filter(f: &OrgFilterRequest) -> ApiResult<u32> {
    let mut details = Vec::new();
    let limit = f.limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        details.push(ErrorDetail::field("limit", format!("must be between 1 and {MAX_PAGE}")));
    }
    if let Some(feature) = &f.feature {
        if catalogue::feature(feature).is_none() {
            details.push(ErrorDetail::field("feature", "is not a feature of the catalogue"));
        }
    }
    for (i, p) in f.user_permissions.iter().flatten().enumerate() {
        if catalogue::permission(p).is_none() {
            details.push(ErrorDetail::field(format!("user_permissions[{i}]"), "is not a permission of the catalogue"));
        }
    }
    if f.user_permissions.as_ref().is_some_and(|p| p.len() > 50) {
        details.push(ErrorDetail::field("user_permissions", "must have at most 50 entries"));
    }
    if details.is_empty() {
        Ok(limit)
    } else {
        Err(ApiError::validation(details))
    }
}

/// The filter's own choices, fixed per request.
struct Keep<'a> {
    caller: &'a Caller,
    f: &'a OrgFilterRequest,
    include_listed: bool,
    include_desc_blockers: bool,
    /// `user_permissions`, validated.
    wanted: PermissionSet,
}

impl Keep<'_> {
    fn reach_ok(&self, r: Reach) -> bool {
        r == Reach::Full || (self.include_listed && r == Reach::Listed)
    }

    /// `user_permissions`: the caller's effective permissions there (the same function every
    /// permit and every `permissions` field uses) hold all of them.
    fn org_ok(&self, org: &OrgItem, reach: Reach, templates: &TemplateBook) -> bool {
        // Subtrees being deleted are gone from every list at once.
        !self.caller.hides(&org.path())
            && self.f.can_have_child_organizations.is_none_or(|c| c == org.can_have_child_organizations)
            && (self.include_desc_blockers || org.parent_has_access_to_descendants)
            && (self.wanted.is_empty()
                || (reach == Reach::Full
                    && shared::authz::effective(
                        self.caller,
                        &org.organization_id,
                        &templates.get(&org.rbac_template_id),
                    )
                    .covers(self.wanted)))
    }

    /// Loads `candidates` (one BatchGetItem per 100) and keeps those the filter accepts, in order.
    async fn load(&self, state: &AppState, candidates: Vec<(String, Reach)>) -> ApiResult<Vec<(OrgItem, Reach)>> {
        let candidates: Vec<(String, Reach)> = candidates.into_iter().filter(|(_, r)| self.reach_ok(*r)).collect();
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<(String, String)> =
            candidates.iter().map(|(id, _)| (keys::org_pk(id), ORG_SK.to_string())).collect();
        let mut items: std::collections::HashMap<String, OrgItem> = state
            .store()
            .batch_get_raw(keys, false)
            .await?
            .into_iter()
            .map(from_item::<OrgItem>)
            .map(|r| r.map(|o| (o.organization_id.clone(), o)))
            .collect::<ApiResult<_>>()?;
        // Organization data the templates hide from the caller is not listed (shared::authz::templates).
        let templates = TemplateBook::load(state, items.values().map(|o| o.rbac_template_id.as_str())).await?;
        let seen = |o: &OrgItem| templates.level_at(self.caller, o, Aspect::OrgData) != Visibility::NoAccess;
        Ok(candidates
            .into_iter()
            .filter_map(|(id, reach)| items.remove(&id).map(|o| (o, reach)))
            .filter(|(o, reach)| self.org_ok(o, *reach, &templates) && seen(o))
            .collect())
    }
}

/// GET /organizations and POST /organizations/filter (R2, R10, R12, R15): one page of the
/// organizations the caller reaches below the root (default: their own organization, included).
pub async fn filter(
    state: &AppState,
    caller: &Caller,
    f: OrgFilterRequest,
) -> ApiResult<(Vec<OrgResponse>, Option<String>)> {
    let limit = check_filter(&f)? as usize;
    let keep = Keep {
        caller,
        f: &f,
        include_listed: f.include_organizations_with_no_access.unwrap_or(false),
        include_desc_blockers: f.include_organizations_with_inaccessible_descendants.unwrap_or(true),
        wanted: PermissionSet::of(f.user_permissions.iter().flatten().filter_map(|p| Perm::parse(p))),
    };
    let root = match f.root_organization_id.as_deref() {
        None => None,
        Some(ident) => {
            let held = holds::<shared::policy::permit::OrganizationsRead>(caller)?;
            Some(org_permit(state, caller, held, ident).await?.0)
        }
    };
    let (out, cursor) = if caller.grants.is_empty() {
        page_from_edges(state, caller, &keep, root.as_ref(), limit).await?
    } else {
        page_with_grants(state, caller, &keep, root.as_ref(), limit).await?
    };
    // `feature` is validated above; every catalogue feature is enabled for every organization
    // until per-organization feature switches exist, so it selects nothing away.
    let with_config = f.include_organization_configuration.unwrap_or(false);
    let rendered = render(state, caller, out, with_config).await?;
    Ok((rendered, cursor))
}

/// Without grants: Query pages of the closure edges below the root (a few rounds to fill a page).
async fn page_from_edges(
    state: &AppState,
    caller: &Caller,
    keep: &Keep<'_>,
    root: Option<&OrgItem>,
    limit: usize,
) -> ApiResult<(Vec<(OrgItem, Reach)>, Option<String>)> {
    let store = state.store();
    // The root's own descendant flag stands between the caller and the root's descendants.
    let (root_id, explicit_root, root_blocks_below) = match root {
        None => (caller.home_org().to_string(), false, false),
        Some(r) => (
            r.organization_id.clone(),
            true,
            r.organization_id != caller.home_org() && !r.parent_has_access_to_descendants,
        ),
    };
    let mut out = Vec::new();
    let mut cursor = keep.f.cursor.clone();
    for _ in 0..MAX_FILL_ROUNDS {
        let want = (limit - out.len()) as i32;
        let (edges, next) = store.edges_page(&root_id, want, cursor.as_deref()).await?;
        cursor = next;
        let candidates: Vec<(String, Reach)> = edges
            .into_iter()
            .filter(|e| !(explicit_root && e.descendant_id == root_id))
            .map(|e| (e.descendant_id, if root_blocks_below { Reach::None } else { e.reach }))
            .collect();
        out.extend(keep.load(state, candidates).await?);
        if cursor.is_none() || out.len() >= limit {
            break;
        }
    }
    Ok((out, cursor))
}

/// With grants (R12): the whole accessible set (own subtree and every grant), in id order,
/// paged by the last id. Linear in the accessible set; documented in docs/DATA.md.
async fn page_with_grants(
    state: &AppState,
    caller: &Caller,
    keep: &Keep<'_>,
    root: Option<&OrgItem>,
    limit: usize,
) -> ApiResult<(Vec<(OrgItem, Reach)>, Option<String>)> {
    let mut accessible = caller.accessible_orgs(state).await?;
    if let Some(r) = root {
        let below: std::collections::HashSet<String> =
            state.store().all_edges(&r.organization_id).await?.into_iter().map(|e| e.descendant_id).collect();
        accessible.retain(|id, _| *id != r.organization_id && below.contains(id));
    }
    let after = keep.f.cursor.as_deref().map(|c| shared::store::cursor::decode(c, keys::DESC_PREFIX)).transpose()?;
    let after_id = after.as_deref().map(|s| s.trim_start_matches(keys::DESC_PREFIX).to_string());
    let rest: Vec<(String, Reach)> = accessible
        .into_iter()
        .filter(|(id, _)| after_id.as_ref().is_none_or(|a| id > a))
        .map(|(id, a)| (id, a.reach))
        .collect();
    let mut out = Vec::new();
    let mut last_consumed: Option<String> = None;
    'pages: for chunk in rest.chunks(limit) {
        let kept: std::collections::HashMap<String, (OrgItem, Reach)> = keep
            .load(state, chunk.to_vec())
            .await?
            .into_iter()
            .map(|(o, r)| (o.organization_id.clone(), (o, r)))
            .collect();
        for (id, _) in chunk {
            if out.len() == limit {
                break 'pages;
            }
            last_consumed = Some(id.clone());
            if let Some(x) = kept.get(id) {
                out.push(x.clone());
            }
        }
    }
    // More remain when the last id looked at is not the last candidate.
    let cursor = match &last_consumed {
        Some(l) if rest.last().is_some_and(|(id, _)| id != l) => Some(shared::store::cursor::encode(&keys::edge_sk(l))),
        _ => None,
    };
    Ok((out, cursor))
}

fn diff(changes: &mut Map<String, Value>, field: &str, from: Value, to: Value) {
    if from != to {
        changes.insert(field.to_string(), json!({"from": from, "to": to}));
    }
}

/// Applies `body` to `org`, recording what changed. Returns the template id moved to, if any.
fn apply_patch(org: &mut OrgItem, body: &UpdateOrgRequest, changes: &mut Map<String, Value>) -> Option<String> {
    macro_rules! set {
        ($field:ident, $value:expr) => {{
            let new = $value;
            diff(changes, stringify!($field), json!(org.$field), json!(new));
            org.$field = new;
        }};
    }
    if let Some(Some(n)) = &body.name {
        set!(name, n.trim().to_string());
    }
    if let Some(v) = &body.contact_email {
        set!(contact_email, v.clone());
    }
    if let Some(v) = &body.updates_email {
        set!(updates_email, v.clone());
    }
    if let Some(v) = &body.updates_email_for_escalations_from_parent {
        set!(updates_email_for_escalations_from_parent, v.clone().unwrap_or_default());
    }
    if let Some(v) = &body.updates_email_for_escalations_from_children {
        set!(updates_email_for_escalations_from_children, v.clone().unwrap_or_default());
    }
    if let Some(v) = &body.logo_url {
        set!(logo_url, v.clone());
    }
    if let Some(v) = &body.metadata {
        set!(metadata, v.clone().unwrap_or_default());
    }
    if let Some(v) = &body.domains {
        set!(domains, input::normalize_domains(v.clone().unwrap_or_default()));
    }
    if let Some(v) = &body.sso_configuration {
        let redact = |s: &Option<shared::model::org::SsoConfiguration>| {
            json!(s.as_ref().map(|s| shared::model::org::SsoConfiguration {
                certificate: s.certificate.as_ref().map(|_| "(set)".into()),
                ..s.clone()
            }))
        };
        diff(changes, "sso_configuration", redact(&org.sso_configuration), redact(v));
        org.sso_configuration = v.clone();
    }
    if let Some(v) = &body.darryl_configuration {
        let new = v.as_ref().map(|d| DarrylConfiguration {
            // An uploaded Darryl logo survives edits of name and colour.
            logo_url: org.darryl_configuration.as_ref().and_then(|o| o.logo_url.clone()),
            darryl_config_source: d.darryl_config_source,
            name: d.name.clone(),
            color: d.color.clone(),
        });
        set!(darryl_configuration, new);
    }
    if let Some(v) = &body.enable_metabase {
        let enabled = v.unwrap_or(false);
        diff(changes, "enable_metabase", json!(org.metabase_configuration.enabled), json!(enabled));
        org.metabase_configuration.enabled = enabled;
    }
    match &body.rbac_template_id {
        Some(Some(t)) if *t != org.rbac_template_id => {
            let t = t.clone();
            set!(rbac_template_id, t.clone());
            Some(t)
        }
        _ => None,
    }
}

/// Read-modify-write of one organization with optimistic locking. With `expected` (If-Match) a
/// concurrent change is a 409; without it the change is re-applied to the fresh item, decided
/// again from `held`. `loaded` is an item the caller already read, with its permit, for the
/// first attempt.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn modify(
    state: &AppState,
    caller: &Caller,
    held: Held<OrganizationsUpdate>,
    identifier: &str,
    expected: Option<u64>,
    kind: &str,
    mut loaded: Option<(OrgItem, Permit<OrganizationsUpdate>)>,
    mut apply: impl FnMut(&mut OrgItem, &mut Map<String, Value>) -> ApiResult<Option<String>>,
) -> ApiResult<OrgItem> {
    let store = state.store();
    for attempt in 1..=UPDATE_ATTEMPTS {
        let (mut org, permit) = match loaded.take() {
            Some(loaded) => loaded,
            None => org_permit(state, caller, held, identifier).await?,
        };
        let read_version = org.version;
        let old_domains = org.domains.clone();
        let old_template = org.rbac_template_id.clone();
        if expected.is_some_and(|v| v != read_version) {
            return Err(ApiError::conflict(
                "version_conflict",
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
            // Allowed movements: the current template's allowlist must name the new one.
            let from = store.get_template(&old_template).await?;
            if !from.is_some_and(|t| t.allowlist.contains(to)) {
                return Err(ApiError::conflict(
                    "rbac_move_not_allowed",
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
            Err(e) if e.code == "version_conflict" && expected.is_none() && attempt < UPDATE_ATTEMPTS => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::conflict("version_conflict", "The organization was changed by another request; reload and retry."))
}

/// R4: `organizations:update` on an accessible organization. Parent and access flags never change.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    identifier: &str,
    body: UpdateOrgRequest,
    expected: Option<u64>,
) -> ApiResult<OrgResponse> {
    let held = holds::<OrganizationsUpdate>(caller)?;
    input::check_update(&body)?;
    let org = modify(state, caller, held, identifier, expected, "organization.updated", None, |org, changes| {
        Ok(apply_patch(org, &body, changes))
    })
    .await?;
    render_one(state, caller, org).await
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
    modify(state, caller, held, &org_id, None, "organization.logo_uploaded", Some((org, permit)), |org, changes| {
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
    })
    .await?;
    Ok(url)
}
