//! The real OS keychain: on Linux the Secret Service (gnome-keyring in the test session that
//! tests/e2e/session.sh provides). Entries are written, read back byte for byte, kept apart per
//! connection and deleted. Outside such a session the test says how to run it; in CI it must run.

mod common;

use ticket_bridge_core::ErrorKind;
use ticket_bridge_core::Secret;
use ticket_bridge_core::secrets::{self, Keychain, SecretKind};
use ticket_bridge_core::servicenow::InstanceUrl;

#[test]
fn secrets_round_trip_through_the_secret_service() {
    if !common::keychain_session() {
        eprintln!("skipped: no D-Bus session; run through tests/e2e/session.sh cargo test");
        return;
    }
    secrets::use_platform_store().expect("the Secret Service is reachable");
    let instance = InstanceUrl::parse("https://keychain-test.service-now.com").unwrap();
    let unique = format!("kc-{}", std::process::id());
    let a = Keychain::for_workspace("ws-keychain", &instance, &unique);
    let b = Keychain::for_workspace("ws-keychain", &instance, &format!("{unique}-other"));
    let token =
        "Zm9vYmFy-86-chars_of_base64url-like-token-ÅÄÖ-日本-0123456789abcdefghijklmnopqrstuvwxyz";

    a.set(SecretKind::AccessToken, &Secret::new(token)).unwrap();
    a.set(SecretKind::RefreshToken, &Secret::new("refresh-1"))
        .unwrap();
    a.set(SecretKind::ClientSecret, &Secret::new("client-secret-1"))
        .unwrap();
    assert_eq!(
        a.get(SecretKind::AccessToken).unwrap().unwrap().expose(),
        token
    );
    assert_eq!(
        b.get(SecretKind::AccessToken).unwrap(),
        None,
        "connections are kept apart"
    );

    // Overwrite keeps one entry per secret.
    a.set(SecretKind::RefreshToken, &Secret::new("refresh-2"))
        .unwrap();
    assert_eq!(
        a.get(SecretKind::RefreshToken).unwrap().unwrap().expose(),
        "refresh-2"
    );

    a.delete_all().unwrap();
    for kind in SecretKind::ALL {
        assert_eq!(a.get(kind).unwrap(), None, "{kind:?} survived delete_all");
    }
    a.delete_all().unwrap();
}

#[test]
fn no_keychain_is_an_error_that_says_what_to_do() {
    // A locked or missing keychain surfaces as keychain_unavailable, never a file fallback.
    let e = secrets::map_keyring_error(keyring_core::Error::NoStorageAccess(Box::new(
        std::io::Error::other("locked"),
    )));
    assert_eq!(e.kind, ErrorKind::KeychainUnavailable);
    assert!(e.hint.contains("Unlock") || e.hint.contains("unlock"));
}
