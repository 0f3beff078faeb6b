//! Rendering organization items into responses: parent summaries, features and the caller's
//! permissions, and the `configuration` object (R16 resolution lives in `shared::views::org_summary`).

use std::collections::HashMap;

use serde::Serialize;

use crate::model::catalogue::{all_features, PermissionSet};
use crate::model::org::{OrgConfiguration, OrgItem, OrgResponse, ParentSummary, RbacConfiguration};
use crate::model::template::VisibilitySet;
use crate::policy::reach::Reach;
use crate::views::org_summary::{resolve_case, resolve_darryl, resolve_sso, summary, OrgBook};
use crate::{ApiError, ApiResult, AppState, Caller};

pub fn host_url(state: &AppState, org: &OrgItem) -> Option<String> {
    org.code.as_ref().map(|c| format!("https://{}.{}", c.to_lowercase(), state.config.public_host_domain))
}

/// What an organization's response says besides its own fields, read from the book.
struct Derived {
    parent_organization: Option<ParentSummary>,
    permissions: PermissionSet,
    /// The `configuration` object without `metabase_configuration`, which is the organization's own.
    configuration: Option<OrgConfiguration>,
}

/// Renders `orgs` (each with the caller's reach over it) in order. One BatchGetItem per 100
/// distinct ancestors and templates not already in hand.
pub async fn render(
    state: &AppState,
    caller: &Caller,
    orgs: Vec<(OrgItem, Reach)>,
    with_config: bool,
) -> ApiResult<Vec<OrgResponse>> {
    let ids: Vec<String> = orgs.iter().map(|(o, _)| o.organization_id.clone()).collect();
    let templates: Vec<String> =
        if with_config { orgs.iter().map(|(o, _)| o.rbac_template_id.clone()).collect() } else { Vec::new() };
    let mut reaches = Vec::with_capacity(orgs.len());
    let mut book = OrgBook::default();
    for (o, reach) in orgs {
        reaches.push(reach);
        book.insert(o);
    }
    // Through the caller's store: what a lookup by code read ahead is not read again.
    book.load(&caller.store(state), &ids, &templates).await?;
    // First what each organization shows from the book (parents, ancestors, templates) ...
    let derived: Vec<Derived> = ids
        .iter()
        .zip(&reaches)
        .map(|(id, reach)| {
            let o = book.get(id).ok_or_else(|| ApiError::internal("rendered organization not in the book"))?;
            Ok(derive(caller, o, *reach, &book, with_config))
        })
        .collect::<ApiResult<_>>()?;
    // ... then each organization's own fields, moved out of the book (copied only for an
    // organization listed twice, before its last place).
    let last: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let mut out = Vec::with_capacity(ids.len());
    for (i, (id, d)) in ids.iter().zip(derived).enumerate() {
        let o = if last.get(id.as_str()) == Some(&i) { book.take(id) } else { book.get(id).cloned() };
        let o = o.ok_or_else(|| ApiError::internal("rendered organization not in the book"))?;
        out.push(response(state, o, d));
    }
    Ok(out)
}

fn derive(caller: &Caller, o: &OrgItem, reach: Reach, book: &OrgBook, with_config: bool) -> Derived {
    let parent_organization = o.parent_organization_id.as_deref().and_then(|p| book.get(p)).map(|p| summary(p, book));
    // The caller's effective permissions here (crate::authz::effective, what every permit
    // decides from). Listed-only organizations (R15) show that they exist, never what the
    // caller may do there.
    let permissions = if reach == Reach::Full {
        let set = book.visibility(&o.rbac_template_id).unwrap_or_else(VisibilitySet::none);
        crate::authz::effective(caller, &o.organization_id, &set)
    } else {
        PermissionSet::EMPTY
    };
    let configuration = with_config.then(|| OrgConfiguration {
        case_configuration: resolve_case(o, book),
        sso_configuration: resolve_sso(o, book),
        darryl_configuration: resolve_darryl(o, book),
        metabase_configuration: Default::default(),
        rbac_configuration: book.templates.get(&o.rbac_template_id).map(|t| RbacConfiguration {
            template_id: t.template_id.clone(),
            parent_visibility: t.parent_visibility.clone(),
            child_visibility: t.child_visibility.clone(),
            org_visibility: t.org_visibility.clone(),
        }),
    });
    Derived { parent_organization, permissions, configuration }
}

fn response(state: &AppState, o: OrgItem, d: Derived) -> OrgResponse {
    let host_url = host_url(state, &o);
    let configuration =
        d.configuration.map(|c| OrgConfiguration { metabase_configuration: o.metabase_configuration, ..c });
    OrgResponse {
        host_url,
        organization_id: o.organization_id,
        name: o.name,
        code: o.code,
        contact_email: o.contact_email,
        updates_email: o.updates_email,
        parent_organization_id: o.parent_organization_id,
        parent_organization: d.parent_organization,
        updates_email_for_escalations_from_parent: o.updates_email_for_escalations_from_parent,
        can_have_child_organizations: o.can_have_child_organizations,
        parent_has_access_to_descendants: o.parent_has_access_to_descendants,
        parent_has_access: o.parent_has_access,
        updates_email_for_escalations_from_children: o.updates_email_for_escalations_from_children,
        logo_url: o.logo_url,
        metadata: o.metadata,
        domains: o.domains,
        features: all_features(),
        permissions: d.permissions,
        created_at: o.created_at,
        created_by: o.created_by,
        modified_at: o.modified_at,
        version: o.version,
        configuration,
    }
}

/// An organization the caller may know exists but not read (R27: listed only because of
/// `include_organizations_with_no_access`; R24: moved by an ancestor to a template that hides its
/// data from them): exactly these fields, no configuration, features, permissions, users or logo.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgSummary {
    pub organization_id: String,
    pub name: String,
    pub code: Option<String>,
    pub parent_organization_id: Option<String>,
    pub parent_organization: Option<ParentSummary>,
    pub can_have_child_organizations: bool,
    pub parent_has_access: bool,
    pub parent_has_access_to_descendants: bool,
    pub created_at: i64,
}

impl From<OrgResponse> for OrgSummary {
    fn from(o: OrgResponse) -> Self {
        OrgSummary {
            organization_id: o.organization_id,
            name: o.name,
            code: o.code,
            parent_organization_id: o.parent_organization_id,
            parent_organization: o.parent_organization,
            can_have_child_organizations: o.can_have_child_organizations,
            parent_has_access: o.parent_has_access,
            parent_has_access_to_descendants: o.parent_has_access_to_descendants,
            created_at: o.created_at,
        }
    }
}

/// An organization in a response: the full record (`OrgResponse`) or only its summary
/// (`OrgSummary`), which a client tells apart by the fields it lacks (e.g. `version`).
// Full records are the common case: boxing them would add an allocation to nearly every item.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrgEntry {
    Full(OrgResponse),
    Summary(OrgSummary),
}

impl OrgEntry {
    /// The full record, if this is one.
    pub fn full(self) -> Option<OrgResponse> {
        match self {
            OrgEntry::Full(o) => Some(o),
            OrgEntry::Summary(_) => None,
        }
    }
}

/// [`render`] for lists (R27): organizations the caller only sees listed (R15, `Reach::Listed`)
/// become summaries; the calls are those of [`render`].
pub async fn render_entries(
    state: &AppState,
    caller: &Caller,
    orgs: Vec<(OrgItem, Reach)>,
    with_config: bool,
) -> ApiResult<Vec<OrgEntry>> {
    let full: Vec<bool> = orgs.iter().map(|(_, reach)| *reach == Reach::Full).collect();
    let rendered = render(state, caller, orgs, with_config).await?;
    Ok(rendered
        .into_iter()
        .zip(full)
        .map(|(o, full)| if full { OrgEntry::Full(o) } else { OrgEntry::Summary(o.into()) })
        .collect())
}
