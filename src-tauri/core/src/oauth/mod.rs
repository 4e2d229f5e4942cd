//! OAuth 2.0 authorization code flows in the system browser, the same for every provider, on
//! the `oauth2` crate: `state` and PKCE S256 ([`pkce`]), the one-shot loopback listener that
//! receives the browser's answer ([`loopback`]), the token calls ([`client`]), and the session
//! whose refresh every caller shares ([`session`]). What differs per provider lives beside them:
//! [`servicenow`] (its endpoints, its one refusal for every cause, revoke) and [`microsoft`]
//! (the Microsoft identity platform: authority and tenant, scopes, a public client, error codes,
//! who signed in). Owns no storage (tokens go to [`crate::secrets`]) and no UI.

pub mod client;
pub mod loopback;
pub mod microsoft;
pub mod pkce;
pub mod servicenow;
pub mod session;
