//! Every key format of the single table, in one place.
//!
//! | item                      | PK                      | SK                   |
//! |---------------------------|-------------------------|----------------------|
//! | organization              | `ORG#<org_id>`          | `ORG`                |
//! | closure edge (A above D)  | `ORG#<A>`               | `DESC#<D>`           |
//! | user                      | `USER#<user_id>`        | `USER`               |
//! | user entry in its org     | `ORG#<org_id>`          | `USER#<user_id>`     |
//! | organization code guard   | `ORGCODE#<code lower>`  | `GUARD`              |
//! | user email guard          | `EMAIL#<email lower>`   | `GUARD`              |
//! | organization domain guard | `DOMAIN#<domain lower>` | `GUARD`              |
//! | RBAC template             | `RBAC#<template_id>`    | `TEMPLATE`           |
//! | activity                  | `ACT#<org_id>`          | `<activity uuid v7>` |
//! | … by type (GSI1)          | `ACTTYPE#<org>#<type>`  | `<activity uuid v7>` |
//! | … by actor (GSI2)         | `ACTACTOR#<org>#<actor>`| `<activity uuid v7>` |
//! | … by type and actor (GSI3)| `ACTTA#<org>#<type>#<actor>` | `<activity uuid v7>` |
//! | API token                 | `USER#<user_id>`        | `TOKEN#<token_id>`   |
//! | API token by secret hash  | `TOKENHASH#<sha256>`    | `TOKEN`              |
//! | bootstrap marker          | `BOOTSTRAP`             | `BOOTSTRAP`          |
//! | user group                | `GROUP#<group_id>`      | `GROUP`              |
//! | group entry in its org    | `ORG#<org_id>`          | `GROUP#<group_id>`   |
//! | grant entry in granted org| `ORG#<org_id>`          | `GRANT#<group_id>`   |
//! | deletions registry shard  | `DELETIONS`             | `SHARD#<n>`          |
//! | deletion job              | `DELETION#<org_id>`     | `JOB`                |
//! | idempotency record        | `IDEMP#<user_id>#<x-request-id>` | `IDEMP`     |
//! | organization request      | `ORGREQ#<request_id>`   | `REQUEST`            |
//! | … its entry in the parent | `ORG#<parent_id>`       | `ORGREQ#<request_id>`|
//! | custom role               | `ORG#<org_id>`          | `ROLE#<role_id>`     |
//! | role name guard           | `ORG#<org_id>`          | `ROLENAME#<name lower>` |
//! | role member (assignment)  | `ORG#<org_id>`          | `ROLEMEM#<role_id>#<user_id>` |
//! | what each role grants     | `ORG#<org_id>`          | `ROLES`              |
//!
//! Everything of custom roles lives in its organization's partition under sort keys starting
//! with `ROLE`, so the purge of an organization takes it with one prefix.
//!
//! Activity ids are UUID v7, so an organization's activity partition sorts by time.
//!
//! `GSI1` lists an organization's users: a user item carries `GSI1PK = ORGUSERS#<org_id>`,
//! `GSI1SK = <user_id>`.

pub const PK: &str = "PK";
pub const SK: &str = "SK";

pub const ORG_SK: &str = "ORG";
pub const DESC_PREFIX: &str = "DESC#";
pub const USER_SK: &str = "USER";
pub const GUARD_SK: &str = "GUARD";
pub const TEMPLATE_SK: &str = "TEMPLATE";
pub const TOKEN_PREFIX: &str = "TOKEN#";
pub const TOKEN_SK: &str = "TOKEN";
pub const USER_PREFIX: &str = "USER#";
pub const DELETIONS_PK: &str = "DELETIONS";
pub const JOB_SK: &str = "JOB";
/// Copies of the deletions registry (each a full copy; reads spread over them).
pub const DELETION_SHARDS: u32 = 4;

/// The marker written by the bootstrap transaction (root org and first superadmin).
pub const BOOTSTRAP_KEY: &str = "BOOTSTRAP";

pub fn org_pk(org_id: &str) -> String {
    format!("ORG#{org_id}")
}

pub fn edge_sk(descendant_id: &str) -> String {
    format!("{DESC_PREFIX}{descendant_id}")
}

pub fn user_pk(user_id: &str) -> String {
    format!("USER#{user_id}")
}

pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";

/// The GSI1 partition listing an organization's users.
pub fn org_users_gsi_pk(org_id: &str) -> String {
    format!("ORGUSERS#{org_id}")
}

/// Codes are unique case-insensitively: the guard key is the lower-cased code.
pub fn org_code_pk(code: &str) -> String {
    format!("ORGCODE#{}", code.to_lowercase())
}

/// Emails are unique case-insensitively: the guard key is the lower-cased email.
pub fn email_pk(email: &str) -> String {
    format!("EMAIL#{}", email.to_lowercase())
}

/// Domains are unique across organizations: the guard key is the lower-cased domain.
pub fn domain_pk(domain: &str) -> String {
    format!("DOMAIN#{}", domain.to_lowercase())
}

pub fn token_sk(token_id: &str) -> String {
    format!("{TOKEN_PREFIX}{token_id}")
}

pub fn token_hash_pk(sha256_hex: &str) -> String {
    format!("TOKENHASH#{sha256_hex}")
}

/// A user's entry in its organization's partition (strongly consistent enumeration for purges).
pub fn org_user_sk(user_id: &str) -> String {
    format!("{USER_PREFIX}{user_id}")
}

pub const GROUP_SK: &str = "GROUP";
pub const GROUP_PREFIX: &str = "GROUP#";
pub const GRANT_PREFIX: &str = "GRANT#";

pub fn group_pk(group_id: &str) -> String {
    format!("{GROUP_PREFIX}{group_id}")
}

pub fn org_group_sk(group_id: &str) -> String {
    format!("{GROUP_PREFIX}{group_id}")
}

pub fn grant_sk(group_id: &str) -> String {
    format!("{GRANT_PREFIX}{group_id}")
}

/// The GSI1 partition listing an organization's groups.
pub fn org_groups_gsi_pk(org_id: &str) -> String {
    format!("ORGGROUPS#{org_id}")
}

pub fn deletion_shard_sk(n: u32) -> String {
    format!("SHARD#{n}")
}

/// The registry shard a key reads (spreads the hot item's reads).
pub fn deletion_shard_for(key: &str) -> String {
    deletion_shard_sk(crate::token::crc32(key.as_bytes()) % DELETION_SHARDS)
}

pub fn deletion_job_pk(org_id: &str) -> String {
    format!("DELETION#{org_id}")
}

pub fn template_pk(template_id: &str) -> String {
    format!("RBAC#{template_id}")
}

pub fn activity_pk(org_id: &str) -> String {
    format!("ACT#{org_id}")
}

pub const GSI2: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";
pub const GSI3: &str = "GSI3";
pub const GSI3PK: &str = "GSI3PK";
pub const GSI3SK: &str = "GSI3SK";

/// An organization's activities of one type (GSI1; sort key: the activity id).
pub fn activity_type_pk(org_id: &str, kind: &str) -> String {
    format!("ACTTYPE#{org_id}#{kind}")
}

/// An organization's activities by one actor (GSI2).
pub fn activity_actor_pk(org_id: &str, actor_id: &str) -> String {
    format!("ACTACTOR#{org_id}#{actor_id}")
}

/// An organization's activities of one type by one actor (GSI3).
pub fn activity_type_actor_pk(org_id: &str, kind: &str, actor_id: &str) -> String {
    format!("ACTTA#{org_id}#{kind}#{actor_id}")
}

pub const IDEMPOTENCY_SK: &str = "IDEMP";

/// An idempotent POST's record: the caller's user id (never contains `#`) and the client's
/// `X-Request-ID`, so equal ids of different users are different keys.
pub fn idempotency_pk(user_id: &str, request_id: &str) -> String {
    format!("IDEMP#{user_id}#{request_id}")
}

pub const ORG_REQUEST_SK: &str = "REQUEST";
/// Entries of the requests addressed to an organization, in its partition.
pub const ORG_REQUEST_ENTRY_PREFIX: &str = "ORGREQ#";

pub fn org_request_pk(request_id: &str) -> String {
    format!("ORGREQ#{request_id}")
}

pub fn org_request_entry_sk(request_id: &str) -> String {
    format!("{ORG_REQUEST_ENTRY_PREFIX}{request_id}")
}

/// The GSI1 partition listing one requester's requests.
pub fn org_requests_by_gsi_pk(user_id: &str) -> String {
    format!("ORGREQBY#{user_id}")
}

/// Every sort key of custom roles in an organization's partition starts with this.
pub const ROLE_ITEMS_PREFIX: &str = "ROLE";
pub const ROLE_PREFIX: &str = "ROLE#";
/// The item saying what each role of the organization grants (read with every caller).
pub const ROLES_SK: &str = "ROLES";

pub fn role_sk(role_id: &str) -> String {
    format!("{ROLE_PREFIX}{role_id}")
}

/// Role names are unique per organization case-insensitively.
pub fn role_name_sk(name: &str) -> String {
    format!("ROLENAME#{}", name.to_lowercase())
}

/// The members of one role (role ids never contain `#`).
pub fn role_members_prefix(role_id: &str) -> String {
    format!("ROLEMEM#{role_id}#")
}

pub fn role_member_sk(role_id: &str, user_id: &str) -> String {
    format!("ROLEMEM#{role_id}#{user_id}")
}

/// The attribute of the `ROLES` item holding what role `role_id` grants.
pub fn role_grant_attr(role_id: &str) -> String {
    format!("R#{role_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_shapes_are_pinned() {
        assert_eq!(org_pk("o1"), "ORG#o1");
        assert_eq!(edge_sk("o2"), "DESC#o2");
        assert_eq!(user_pk("u1"), "USER#u1");
        assert_eq!(org_users_gsi_pk("o1"), "ORGUSERS#o1");
        assert_eq!(org_code_pk("AcMe"), "ORGCODE#acme");
        assert_eq!(email_pk("A@B.io"), "EMAIL#a@b.io");
        assert_eq!(template_pk("default"), "RBAC#default");
        assert_eq!(domain_pk("Acme.IO"), "DOMAIN#acme.io");
        assert_eq!(activity_pk("o1"), "ACT#o1");
        assert_eq!(token_sk("t1"), "TOKEN#t1");
        assert_eq!(org_user_sk("u1"), "USER#u1");
        assert_eq!(group_pk("g"), "GROUP#g");
        assert_eq!(grant_sk("g"), "GRANT#g");
        assert_eq!(org_groups_gsi_pk("o"), "ORGGROUPS#o");
        assert_eq!(deletion_job_pk("o1"), "DELETION#o1");
        assert!(deletion_shard_for("x").starts_with("SHARD#"));
        assert_eq!(token_hash_pk("ab"), "TOKENHASH#ab");
        assert_eq!(idempotency_pk("u1", "req-1"), "IDEMP#u1#req-1");
        assert_eq!(role_sk("r1"), "ROLE#r1");
        assert_eq!(role_name_sk("Viewer"), "ROLENAME#viewer");
        assert_eq!(role_member_sk("r1", "u1"), "ROLEMEM#r1#u1");
        assert!(role_member_sk("r1", "u1").starts_with(&role_members_prefix("r1")));
        for sk in [role_sk("r"), role_name_sk("n"), role_member_sk("r", "u"), ROLES_SK.to_string()] {
            assert!(sk.starts_with(ROLE_ITEMS_PREFIX), "{sk}");
        }
    }
}
