//! Every function of the service with its routes and router, for the local gateway and tests.

use axum::Router;
use shared::AppState;

pub struct Function {
    /// The binary / crate name.
    pub name: &'static str,
    pub routes: &'static [shared::policy::route::Route],
    pub router: fn(AppState) -> Router,
}

pub const FUNCTIONS: &[Function] = &[
    Function { name: "organizations", routes: organizations::ROUTES, router: organizations::router },
    Function { name: "users", routes: users::ROUTES, router: users::router },
    Function { name: "api-tokens", routes: api_tokens::ROUTES, router: api_tokens::router },
    Function { name: "user-groups", routes: user_groups::ROUTES, router: user_groups::router },
    Function { name: "permissions", routes: permissions::ROUTES, router: permissions::router },
    Function { name: "rbac-templates", routes: rbac_templates::ROUTES, router: rbac_templates::router },
    Function { name: "roles", routes: roles::ROUTES, router: roles::router },
    Function { name: "activities", routes: activities::ROUTES, router: activities::router },
    Function {
        name: "organization-requests",
        routes: organization_requests::ROUTES,
        router: organization_requests::router,
    },
];

/// Does `path` match the route pattern `pattern` (`{param}` matches one non-empty segment)?
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let s: Vec<&str> = path.trim_matches('/').split('/').collect();
    p.len() == s.len()
        && p.iter().zip(&s).all(|(p, s)| if p.starts_with('{') && p.ends_with('}') { !s.is_empty() } else { p == s })
}

/// The function serving `path`: an exact pattern beats one with parameters (as in API Gateway).
pub fn function_for(path: &str) -> Option<&'static Function> {
    let exact = FUNCTIONS.iter().find(|f| f.routes.iter().any(|r| !r.path.contains('{') && path_matches(r.path, path)));
    exact.or_else(|| FUNCTIONS.iter().find(|f| f.routes.iter().any(|r| path_matches(r.path, path))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching() {
        assert!(path_matches("/organizations/{id}", "/organizations/abc"));
        assert!(!path_matches("/organizations/{id}", "/organizations/abc/logo"));
        assert!(path_matches("/organizations/filter", "/organizations/filter"));
        assert_eq!(function_for("/organizations/x/logo").map(|f| f.name), Some("organizations"));
        assert!(function_for("/nothing").is_none());
    }
}
