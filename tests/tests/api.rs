//! Black-box tests of the whole API through the real functions and the local stack.

mod api {
    pub mod access_model;
    pub mod activities;
    pub mod bad_input;
    pub mod bootstrap;
    pub mod calls;
    pub mod case_config;
    pub mod create;
    pub mod delete;
    pub mod events;
    pub mod faults;
    pub mod groups;
    pub mod hostile;
    pub mod idempotency;
    pub mod infra;
    pub mod logo;
    pub mod matrix;
    pub mod metabase;
    pub mod oidc;
    pub mod openapi;
    pub mod org_requests;
    pub mod races;
    pub mod read;
    pub mod roles;
    pub mod rules;
    pub mod templates;
    pub mod tokens;
    pub mod tokens_r28;
    pub mod update;
    pub mod users;
    pub mod users_filter;
    pub mod visibility;
}
