//! The HTTP client every ServiceNow call uses: HTTPS only (plain HTTP for a loopback test
//! instance), the operating system's trust store (rustls with the platform verifier), no
//! redirects followed (a token call must never be replayed elsewhere), bounded timeouts, the
//! app's proxy setting ([`crate::network`]).

use super::InstanceUrl;
use crate::error::{Error, Result};
use std::time::Duration;

pub const USER_AGENT: &str = concat!("TicketBridge/", env!("CARGO_PKG_VERSION"));

pub fn client_for(instance: &InstanceUrl) -> Result<reqwest::Client> {
    crate::network::client_builder()
        .https_only(!instance.is_loopback())
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| Error::internal(format_args!("the HTTP client could not start ({e})")))
}
