//! R24 in the organizations function: which PATCH bodies are template moves, and how `modify`
//! gets the organization and its permit on each attempt (docs/DECISIONS.md "R24: ancestors keep
//! the template and delete"). The decision itself is `shared::authz::permit_as_ancestor`. Other
//! fields of the same PATCH, and everyone else, stay under the template and the allowlist.

use shared::authz::decide::Held;
use shared::authz::load::load_accessible;
use shared::authz::{org_permit, permit_as_ancestor, permit_in};
use shared::model::org::{OrgItem, OrgResponse, UpdateOrgRequest};
use shared::model::template::Visibility;
use shared::policy::permit::OrganizationsUpdate;
use shared::policy::Permit;
use shared::views::org_view::OrgEntry;
use shared::{ApiResult, AppState, Caller};

/// A PATCH body whose one field is `rbac_template_id`. Any other field, even sent back unchanged,
/// puts the whole PATCH under the template: values the template hides cannot be probed.
pub fn template_only(body: &UpdateOrgRequest) -> bool {
    let UpdateOrgRequest {
        name,
        contact_email,
        updates_email,
        updates_email_for_escalations_from_parent,
        updates_email_for_escalations_from_children,
        logo_url,
        enable_metabase,
        sso_configuration,
        darryl_configuration,
        case_configuration,
        rbac_template_id,
        metadata,
        domains,
    } = body;
    matches!(rbac_template_id, Some(Some(_)))
        && name.is_none()
        && contact_email.is_none()
        && updates_email.is_none()
        && updates_email_for_escalations_from_parent.is_none()
        && updates_email_for_escalations_from_children.is_none()
        && logo_url.is_none()
        && enable_metabase.is_none()
        && sso_configuration.is_none()
        && darryl_configuration.is_none()
        && case_configuration.is_none()
        && metadata.is_none()
        && domains.is_none()
}

/// How `service::modify` gets the organization it changes on each attempt, with its permit, and
/// whether the current template's allowlist binds the move (R24: not an ancestor's).
pub struct Target {
    first: Option<(OrgItem, Permit<OrganizationsUpdate>)>,
    by_ancestor: bool,
}

/// An organization already read and decided for the first attempt (or none): later attempts
/// read and decide it again under the template.
impl From<Option<(OrgItem, Permit<OrganizationsUpdate>)>> for Target {
    fn from(first: Option<(OrgItem, Permit<OrganizationsUpdate>)>) -> Self {
        Target { first, by_ancestor: false }
    }
}

impl Target {
    /// For `PATCH /organizations/{id}`: a template-only body is decided here (R24 or the
    /// template); anything else is left to `modify`.
    pub async fn for_update(
        state: &AppState,
        caller: &Caller,
        held: Held<OrganizationsUpdate>,
        identifier: &str,
        body: &UpdateOrgRequest,
    ) -> ApiResult<Self> {
        if !template_only(body) {
            return Ok(Target { first: None, by_ancestor: false });
        }
        let (org, permit, by_ancestor) = load_for_move(state, caller, held, identifier).await?;
        Ok(Target { first: Some((org, permit)), by_ancestor })
    }

    /// The organization and permit for this attempt: the ones in hand, else read and decided again.
    pub async fn take(
        &mut self,
        state: &AppState,
        caller: &Caller,
        held: Held<OrganizationsUpdate>,
        identifier: &str,
    ) -> ApiResult<(OrgItem, Permit<OrganizationsUpdate>)> {
        match self.first.take() {
            Some(first) => Ok(first),
            None if self.by_ancestor => {
                let (org, permit, _) = load_for_move(state, caller, held, identifier).await?;
                Ok((org, permit))
            }
            None => org_permit(state, caller, held, identifier).await,
        }
    }

    /// Does the current template's allowlist bind the move? The tenant's own moves (and any
    /// other writer's), yes; an R24 ancestor's, no: it may set any existing template.
    pub fn allowlist_binds(&self) -> bool {
        !self.by_ancestor
    }

    pub fn by_ancestor(&self) -> bool {
        self.by_ancestor
    }
}

/// The organization for a template move: reached (R2 or a grant), then either R24 applies or
/// its template must let the caller write its data.
async fn load_for_move(
    state: &AppState,
    caller: &Caller,
    held: Held<OrganizationsUpdate>,
    identifier: &str,
) -> ApiResult<(OrgItem, Permit<OrganizationsUpdate>, bool)> {
    let org = load_accessible(state, caller, identifier).await?;
    if let Some(permit) = permit_as_ancestor(caller, held, &org) {
        return Ok((org, permit, true));
    }
    let permit = permit_in(state, caller, held, &org).await?;
    Ok((org, permit, false))
}

/// What an R24 ancestor is answered after a move: the record, or only its summary when the
/// template now hides the organization's data from parents (fail closed if it cannot be told).
pub fn as_seen_after_move(by_ancestor: bool, org: OrgResponse) -> OrgEntry {
    let hidden = || {
        org.configuration
            .as_ref()
            .and_then(|c| c.rbac_configuration.as_ref())
            .is_none_or(|t| t.parent_visibility.org_data == Visibility::NoAccess)
    };
    if by_ancestor && hidden() {
        OrgEntry::Summary(org.into())
    } else {
        OrgEntry::Full(org)
    }
}
