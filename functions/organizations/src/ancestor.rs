//! R24: no RBAC template ever stops a superadmin of a strict ancestor that reaches an
//! organization by R2 from moving it to another template or deleting it (docs/DECISIONS.md "R24:
//! ancestors keep the template and delete"). Other fields of the same PATCH, and everyone else,
//! stay under the template and the allowlist.

use shared::access::{edges_for_new_org, Reach};
use shared::model::org::{OrgItem, OrgResponse, UpdateOrgRequest};
use shared::model::template::Visibility;
use shared::org_access::{check_org, load_accessible, load_org};
use shared::org_view::OrgEntry;
use shared::visibility::{Aspect, Intent};
use shared::{ApiResult, AppState, Caller};

/// May `caller` move `org`'s template, or delete it, whatever the template says (R24)? Only a
/// superadmin whose own organization is a strict ancestor of `org` and reaches it by R2. The R2
/// verdict is the closure edge's, recomputed from the immutable flags `org` carries (no read). A
/// group grant never counts: it is a delegation of day-to-day access to the group's members, not
/// the structural place above `org` that R5 lets delete it.
pub fn ancestor_may_override_template(caller: &Caller, org: &OrgItem) -> bool {
    caller.role().manages_organizations()
        && org.organization_id != caller.home_org()
        && edges_for_new_org(&org.organization_id, &org.ancestors, org.parent_has_access)
            .iter()
            .any(|e| e.ancestor_id == caller.home_org() && e.reach == Reach::Full)
}

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
        && metadata.is_none()
        && domains.is_none()
}

/// How `service::modify` gets the organization it changes on each attempt, and whether the
/// current template's allowlist binds the move (R24: not an ancestor's).
pub struct Target {
    first: Option<OrgItem>,
    by_ancestor: bool,
}

/// An organization already read and checked for the first attempt (or none): later attempts
/// read it again under the template, as before R24.
impl From<Option<OrgItem>> for Target {
    fn from(first: Option<OrgItem>) -> Self {
        Target { first, by_ancestor: false }
    }
}

impl Target {
    /// For `PATCH /organizations/{id}`: a template-only body by a superadmin is checked here
    /// (R24 or the template); anything else is left to `modify` as before. Calls: those of
    /// `load_org`.
    pub async fn for_update(
        state: &AppState,
        caller: &Caller,
        identifier: &str,
        body: &UpdateOrgRequest,
    ) -> ApiResult<Self> {
        if !template_only(body) {
            return Ok(Target { first: None, by_ancestor: false });
        }
        let (org, by_ancestor) = load_for_move(state, caller, identifier).await?;
        Ok(Target { first: Some(org), by_ancestor })
    }

    /// The organization for this attempt: the one in hand, else read (and checked) again.
    pub async fn take(&mut self, state: &AppState, caller: &Caller, identifier: &str) -> ApiResult<OrgItem> {
        match self.first.take() {
            Some(org) => Ok(org),
            None if self.by_ancestor => Ok(load_for_move(state, caller, identifier).await?.0),
            None => load_org(state, caller, identifier, Aspect::OrgData, Intent::Write).await,
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
async fn load_for_move(state: &AppState, caller: &Caller, identifier: &str) -> ApiResult<(OrgItem, bool)> {
    let org = load_accessible(state, caller, identifier).await?;
    if ancestor_may_override_template(caller, &org) {
        return Ok((org, true));
    }
    check_org(state, caller, &org, Aspect::OrgData, Intent::Write).await?;
    Ok((org, false))
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
