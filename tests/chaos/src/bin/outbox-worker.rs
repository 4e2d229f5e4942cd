//! The sender of the chaos run, as a process of its own so that it can be killed (SIGKILL) in
//! the middle of anything: it opens the outbox file it is given, connects to the instance with
//! the tokens in its environment (the way the app restores a saved connection), and sends what
//! is due until nothing is left. Time is not what is tested: each round is asked as if an hour
//! had passed, so backoffs do not slow the run down (a new process starts its clock at the real
//! time again, and what waits past it waits for a later round).
//!
//! Exit code 0: the outbox is empty. 2: only tasks that wait for the admin are left.

use std::sync::Arc;
use ticket_bridge_core::Secret;
use ticket_bridge_core::connection::{
    ConnectionManager, ConnectionSettings, MemorySettings, SettingsStore,
};
use ticket_bridge_core::secrets::{Keychain, SecretKind};
use ticket_bridge_core::servicenow::InstanceUrl;
use ticket_bridge_core::servicenow::client::SignedInUser;
use ticket_bridge_core::tickets::outbox::{EntryState, Outbox};

const WORKSPACE: &str = "ws-00chaos";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: outbox-worker <outbox.json>");
    keyring_core::set_default_store(keyring_core::mock::Store::new().expect("a keychain"));
    let instance = InstanceUrl::parse(&env("CHAOS_INSTANCE")).expect("an instance");
    let client_id = env("CHAOS_CLIENT_ID");
    let kc = Keychain::for_workspace(WORKSPACE, &instance, &client_id);
    kc.set(
        SecretKind::ClientSecret,
        &Secret::new(env("CHAOS_CLIENT_SECRET")),
    )
    .expect("the secret");
    kc.set(
        SecretKind::AccessToken,
        &Secret::new(env("CHAOS_ACCESS_TOKEN")),
    )
    .expect("the access token");
    kc.set(
        SecretKind::RefreshToken,
        &Secret::new(env("CHAOS_REFRESH_TOKEN")),
    )
    .expect("the refresh token");
    let settings = Arc::new(MemorySettings::default());
    settings
        .save(&ConnectionSettings {
            instance: instance.clone(),
            client_id,
            integration_user: servicenow_sim::INTEGRATION_USER.into(),
            port: 8765,
            public_client: false,
            signed_in: SignedInUser {
                sys_id: env("CHAOS_USER_SYS_ID"),
                user_name: servicenow_sim::INTEGRATION_USER.into(),
                display_name: String::new(),
            },
            release: None,
            access_token_expires_at: chrono::Utc::now() + chrono::Duration::minutes(25),
        })
        .expect("the settings");
    let manager = ConnectionManager::new(WORKSPACE, settings);
    manager
        .restore()
        .await
        .expect("the connection restores")
        .expect("a saved connection");
    let api = manager.api().expect("connected");
    let outbox = Outbox::open(&path).expect("the outbox opens");
    let started = std::time::Instant::now();
    // Each round is asked as if an hour had passed since the last one (the longest backoff is
    // 15 minutes), so that what waits is due again at once.
    let mut virtual_now = chrono::Utc::now();
    loop {
        virtual_now += chrono::Duration::hours(1);
        let report = outbox.send_due(&api, virtual_now).await;
        for s in &report.sent {
            eprintln!(
                "{:>6} ms sent {} as {}{}",
                started.elapsed().as_millis(),
                s.id,
                s.number,
                if s.found_existing { " (found)" } else { "" }
            );
        }
        for w in &report.waiting {
            eprintln!(
                "{:>6} ms waits {}: {}",
                started.elapsed().as_millis(),
                w.id,
                w.error.message
            );
        }
        let left = outbox.list();
        if left.is_empty() {
            std::process::exit(0);
        }
        if left
            .iter()
            .all(|e| matches!(e.state, EntryState::Blocked { .. }))
        {
            for e in &left {
                eprintln!(
                    "blocked {}: {:?}",
                    e.id,
                    e.last_error.as_ref().map(|x| &x.message)
                );
            }
            std::process::exit(2);
        }
    }
}
