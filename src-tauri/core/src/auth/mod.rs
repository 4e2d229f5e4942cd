//! OAuth 2.0 with ServiceNow: the authorization code flow with `state` and PKCE (S256) in the
//! system browser, the one-shot loopback listener, the token exchange, refresh and revoke.
//! Owns no storage (tokens go to [`crate::secrets`]) and no UI.

pub mod loopback;
pub mod pkce;
pub mod session;
pub mod token;
