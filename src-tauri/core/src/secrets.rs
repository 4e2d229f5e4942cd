//! The OS keychain: the only place a secret is kept.
//!
//! One entry per secret (client secret, access token, refresh token), stored as UTF-8 bytes
//! with `set_secret`, under the service name of the app and an account name that says which
//! secret, which workspace and which account it is. The code is written against `keyring_core::Entry`, so the
//! store is whatever [`use_platform_store`] installed at start (macOS Keychain, Windows
//! Credential Manager, the Secret Service on Linux), or `keyring_core::mock` in unit tests.
//! A missing or locked keychain is an error that says what to do: never a fallback to a file.
//!
//! Keychain calls block; async callers wrap them in `spawn_blocking`.

use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;
use crate::servicenow::InstanceUrl;

/// The service name under which every entry is filed (the app's identifier).
pub const SERVICE: &str = "com.ticketbridge.desktop";

/// Which secret of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    ClientSecret,
    AccessToken,
    RefreshToken,
}

impl SecretKind {
    pub const ALL: [SecretKind; 3] = [Self::ClientSecret, Self::AccessToken, Self::RefreshToken];

    fn label(self) -> &'static str {
        match self {
            Self::ClientSecret => "client-secret",
            Self::AccessToken => "access-token",
            Self::RefreshToken => "refresh-token",
        }
    }
}

/// Installs the operating system's credential store as the default store. Call once at start.
pub fn use_platform_store() -> Result<()> {
    #[cfg(target_os = "linux")]
    let store = zbus_secret_service_keyring_store::Store::new();
    #[cfg(target_os = "macos")]
    let store = apple_native_keyring_store::keychain::Store::new();
    #[cfg(target_os = "windows")]
    let store = windows_native_keyring_store::Store::new();
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    let store: keyring_core::Result<std::sync::Arc<keyring_core::CredentialStore>> = Err(
        keyring_core::Error::NotSupportedByStore("this operating system".into()),
    );
    let store = store.map_err(map_keyring_error)?;
    keyring_core::set_default_store(store);
    Ok(())
}

/// Turns a keychain failure into the one error type. The platform's own words go to the log
/// (they never contain the secret), the admin gets what to do.
pub fn map_keyring_error(e: keyring_core::Error) -> Error {
    log::warn!("keychain error: {e}");
    const MESSAGE: &str = "Ticket Bridge cannot use this computer's credential store, where it keeps the client secret and the sign-in tokens.";
    // One reason per platform: what to unlock has a different name on each.
    if cfg!(target_os = "macos") {
        Error::new(
            ErrorKind::KeychainUnavailable,
            MESSAGE,
            "Unlock your login keychain (Keychain Access), then try again.",
        )
        .with_reason("keychain_locked_macos")
    } else if cfg!(target_os = "windows") {
        Error::new(
            ErrorKind::KeychainUnavailable,
            MESSAGE,
            "Check that Windows Credential Manager is available for your account, then try again.",
        )
        .with_reason("keychain_locked_windows")
    } else {
        Error::new(
            ErrorKind::KeychainUnavailable,
            MESSAGE,
            "Unlock your keyring (for example GNOME Keyring or KWallet, which provide the Secret Service), or install one, then try again.",
        )
        .with_reason("keychain_locked_linux")
    }
}

/// Keychain calls go one at a time: some platform stores do not handle concurrent access to
/// one credential well.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serialized<T>(f: impl FnOnce() -> T) -> T {
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    f()
}

/// The secrets of one account: a ServiceNow connection of one workspace, or (later) a
/// Microsoft sign-in of one workspace, tenant and user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keychain {
    account: String,
}

impl Keychain {
    /// The ServiceNow connection of `workspace`: its instance and client ID.
    pub fn for_workspace(workspace: &str, instance: &InstanceUrl, client_id: &str) -> Self {
        Self {
            account: format!("{workspace} {instance} {client_id}"),
        }
    }

    /// The Microsoft sign-in of `workspace`: filed by tenant and account (the user's object id).
    pub fn for_microsoft(workspace: &str, tenant_id: &str, object_id: &str) -> Self {
        Self {
            account: format!("{workspace} microsoft {tenant_id} {object_id}"),
        }
    }

    /// Where the single connection of versions before workspaces kept its secrets (read once,
    /// to move them into the first workspace).
    pub fn legacy(instance: &InstanceUrl, client_id: &str) -> Self {
        Self {
            account: format!("{instance} {client_id}"),
        }
    }

    fn entry(&self, kind: SecretKind) -> Result<keyring_core::Entry> {
        keyring_core::Entry::new(SERVICE, &format!("{} {}", kind.label(), self.account))
            .map_err(map_keyring_error)
    }

    pub fn set(&self, kind: SecretKind, secret: &Secret) -> Result<()> {
        serialized(|| {
            self.entry(kind)?
                .set_secret(secret.expose().as_bytes())
                .map_err(map_keyring_error)
        })
    }

    pub fn get(&self, kind: SecretKind) -> Result<Option<Secret>> {
        match serialized(|| self.entry(kind).map(|e| e.get_secret()))? {
            Ok(bytes) => String::from_utf8(bytes)
                .map(|s| Some(Secret::new(s)))
                .map_err(|_| {
                    Error::new(
                        ErrorKind::KeychainUnavailable,
                        "A Ticket Bridge entry in the credential store is damaged.",
                        "Remove the connection and connect again.",
                    )
                    .with_reason("keychain_entry_damaged")
                }),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        }
    }

    /// Deletes one secret; deleting what is not there is fine.
    pub fn delete(&self, kind: SecretKind) -> Result<()> {
        match serialized(|| self.entry(kind).map(|e| e.delete_credential()))? {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(e)),
        }
    }

    pub fn delete_all(&self) -> Result<()> {
        for kind in SecretKind::ALL {
            self.delete(kind)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Once;

    fn mock_store() {
        static INIT: Once = Once::new();
        INIT.call_once(|| {
            keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
        });
    }

    #[test]
    fn set_get_delete_per_connection() {
        mock_store();
        let contoso = InstanceUrl::parse("contoso").unwrap();
        let a = Keychain::for_workspace("ws-1", &contoso, "client-a");
        let b = Keychain::for_workspace("ws-1", &contoso, "client-b");
        let other = Keychain::for_workspace("ws-2", &contoso, "client-a");
        assert_ne!(a, other);
        assert_ne!(Keychain::legacy(&contoso, "client-a"), a);
        assert_eq!(a.get(SecretKind::AccessToken).unwrap(), None);
        a.set(SecretKind::AccessToken, &Secret::new("tok-ä"))
            .unwrap();
        a.set(SecretKind::ClientSecret, &Secret::new("sec"))
            .unwrap();
        assert_eq!(
            a.get(SecretKind::AccessToken).unwrap().unwrap().expose(),
            "tok-ä"
        );
        assert_eq!(b.get(SecretKind::AccessToken).unwrap(), None);
        assert_eq!(other.get(SecretKind::AccessToken).unwrap(), None);
        a.delete_all().unwrap();
        for k in SecretKind::ALL {
            assert_eq!(a.get(k).unwrap(), None);
        }
        a.delete(SecretKind::RefreshToken).unwrap();
    }

    #[test]
    fn keychain_failures_say_what_to_do() {
        let e = map_keyring_error(keyring_core::Error::NoDefaultStore);
        assert_eq!(e.kind, ErrorKind::KeychainUnavailable);
        assert!(!e.hint.is_empty());
    }
}
