//! Settings → Network: the proxy every HTTP client of the app uses. Core checks, keeps and
//! applies the setting (`ticket_bridge_core::network`); the password goes to the keychain there
//! and never comes back.

use super::Registry;
use ticket_bridge_core::Error;
use ticket_bridge_core::network::{NetworkRequest, NetworkState, ProxyMode};
use ticket_bridge_core::secret::Secret;

#[tauri::command]
pub fn network_settings(registry: Registry<'_>) -> NetworkState {
    registry.network()
}

/// `mode` is `system` or `explicit`; `password` left out keeps the saved one, empty removes it.
#[tauri::command]
pub async fn set_network(
    registry: Registry<'_>,
    mode: ProxyMode,
    address: Option<String>,
    username: Option<String>,
    password: Option<String>,
) -> Result<NetworkState, Error> {
    registry
        .set_network(NetworkRequest {
            mode,
            address: address.unwrap_or_default(),
            username: username.unwrap_or_default(),
            password: password.map(Secret::new),
        })
        .await
}
