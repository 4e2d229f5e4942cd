//! The corporate network with real parts: a real forward proxy (tinyproxy, started here on a
//! free 127.0.0.1 port), the simulator, the real keychain (run inside tests/e2e/session.sh).
//!
//! Loopback never goes through a proxy, so the simulator listens on this computer's own
//! non-loopback address for these tests: a request reaches it through the proxy only when the
//! setting says so, and tinyproxy's log shows each one. The ServiceNow client itself refuses
//! plain HTTP off loopback, so these requests use the builder every client of the app starts
//! from (`network::client_builder`), and the app's own error mapping.
//!
//! One test function: the proxy setting is the whole process's, like in the app.

mod common;

use common::tinyproxy::{Proxy, own_address};
use std::sync::Arc;
use ticket_bridge_core::Secret;
use ticket_bridge_core::network::{Network, NetworkRequest, ProxyMode};
use ticket_bridge_core::servicenow::errors::{Doing, map_api_error, map_transport_error};
use ticket_bridge_core::workspace::{FileKv, SettingsKv};

fn explicit(address: &str, user: &str, password: Option<&str>) -> NetworkRequest {
    NetworkRequest {
        mode: ProxyMode::Explicit,
        address: address.into(),
        username: user.into(),
        password: password.map(Secret::new),
    }
}

async fn get(client: &reqwest::Client, url: &str) -> reqwest::Result<u16> {
    client.get(url).send().await.map(|r| r.status().as_u16())
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_go_through_the_proxy_the_setting_names_and_a_407_says_why() {
    if !common::keychain_session() {
        eprintln!("skipped: no D-Bus session; run through tests/e2e/session.sh cargo test");
        return;
    }
    let Some(ip) = own_address() else {
        panic!("this computer has no non-loopback IPv4 address for the simulator to listen on");
    };
    ticket_bridge_core::secrets::use_platform_store().expect("the Secret Service is reachable");
    let dir = tempfile::tempdir().unwrap();
    let sim = servicenow_sim::start(servicenow_sim::SimConfig {
        listen: ip,
        ..Default::default()
    })
    .await
    .unwrap();
    let local = servicenow_sim::start(Default::default()).await.unwrap();
    let remote = format!("{}/api/now/table/incident?sysparm_limit=1", sim.base_url());
    let loopback = format!(
        "{}/api/now/table/incident?sysparm_limit=2",
        local.base_url()
    );
    assert!(sim.base_url().starts_with(&format!("http://{ip}:")));

    let kv: Arc<dyn SettingsKv> = Arc::new(FileKv::open(dir.path().join("settings.json")));
    let network = Network::load(kv.clone());
    // Each step's client is made before the change it follows: a new connection asks the
    // setting again. (A kept-alive connection is reused for its destination until it closes,
    // so each step has its own client.)
    let new_client = || {
        ticket_bridge_core::network::client_builder()
            .build()
            .unwrap()
    };

    // 1. The system's settings, with no proxy variables here: straight to the simulator.
    let open = Proxy::start(dir.path(), "open", "");
    let client = new_client();
    assert_eq!(
        get(&client, &remote).await.unwrap(),
        401,
        "the sim's own 401"
    );
    assert!(open.requests().is_empty(), "{}", open.log());

    // 2. This proxy: a client made before the change goes through it; loopback still direct.
    let client = new_client();
    network.set(explicit(&open.address(), "", None)).unwrap();
    assert_eq!(get(&client, &remote).await.unwrap(), 401);
    assert_eq!(get(&client, &loopback).await.unwrap(), 401);
    let seen = open.requests();
    assert_eq!(
        seen,
        vec![format!("GET {remote} HTTP/1.1")],
        "{}",
        open.log()
    );
    eprintln!("tinyproxy (open) saw: {seen:?}");

    assert_eq!(
        local.handle().requests().len(),
        1,
        "the loopback sim answered directly"
    );
    let answered = || sim.handle().requests().len();
    assert_eq!(answered(), 2, "the sim answered both");

    // 3. A proxy that wants a user name and password (BasicAuth).
    let guarded = Proxy::start(dir.path(), "guarded", "BasicAuth ann s3cret");
    let client = new_client();
    network.set(explicit(&guarded.address(), "", None)).unwrap();
    let status = get(&client, &remote).await.unwrap();
    assert_eq!(status, 407, "{}", guarded.log());
    let e = map_api_error(status, None, None, b"", Doing::ReadRelease);
    assert_eq!(
        e.reason.as_deref(),
        Some("net_proxy_auth_required"),
        "{e:?}"
    );
    // The same through a tunnel (CONNECT, as every https:// instance): no answer but the 407.
    let https = format!(
        "https://{ip}:{}/",
        sim.base_url().rsplit(':').next().unwrap()
    );
    let err = get(&client, &https).await.unwrap_err();
    let e = map_transport_error(&err, &ip.to_string());
    assert_eq!(
        e.reason.as_deref(),
        Some("net_proxy_auth_required"),
        "{err:?}"
    );
    assert_eq!(answered(), 2, "the proxy answered, not the sim");

    // The wrong password: tinyproxy answers it with 401 (not the 407 Squid and others send
    // again, which the app words as "refused": see network.rs's unit tests), so here only:
    // the request does not get through.
    let client = new_client();
    network
        .set(explicit(&guarded.address(), "ann", Some("wrong")))
        .unwrap();
    assert!(get(&client, &https).await.is_err());
    assert_eq!(answered(), 2);

    // The right one, saved in the keychain; a fresh start reads it back from there.
    let state = network
        .set(explicit(&guarded.address(), "ann", Some("s3cret")))
        .unwrap();
    assert!(state.password_saved);
    let file = std::fs::read_to_string(dir.path().join("settings.json")).unwrap();
    assert!(
        !file.contains("s3cret"),
        "no password in the settings file: {file}"
    );
    let restarted = Network::load(kv.clone());
    assert!(
        !restarted.state().password_saved,
        "no keychain call before unlock"
    );
    restarted.unlock().unwrap();
    assert!(restarted.state().password_saved);
    let client = new_client();
    assert_eq!(
        get(&client, &remote).await.unwrap(),
        401,
        "{}",
        guarded.log()
    );
    assert_eq!(answered(), 3, "through the proxy to the sim");
    let seen = guarded.requests();
    assert!(
        seen.iter().filter(|r| r.starts_with("GET ")).count() == 2
            && seen.iter().any(|r| r.starts_with("CONNECT ")),
        "{seen:?}"
    );
    eprintln!("tinyproxy (guarded) saw: {seen:?}");

    // Back to the system's settings: direct again, and the password is gone from the keychain.
    let state = network
        .set(NetworkRequest {
            mode: ProxyMode::System,
            address: guarded.address(),
            username: String::new(),
            password: None,
        })
        .unwrap();
    assert!(!state.password_saved);
    let before = guarded.requests().len();
    let client = new_client();
    assert_eq!(get(&client, &remote).await.unwrap(), 401);
    assert_eq!(guarded.requests().len(), before);
    assert_eq!(answered(), 4);
}
