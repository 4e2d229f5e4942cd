//! HTTPS with real parts: the simulator over TLS with certificate authorities of the test's own,
//! the app's ServiceNow client on the operating system's trust store (rustls' platform
//! verifier), the connection check, and a real forward proxy (tinyproxy) for the last test.
//!
//! The trust store is the process's: on Linux the platform verifier reads the file
//! `SSL_CERT_FILE` names (rustls-native-certs), instead of the system's roots, each time a
//! client is made. So each test writes its certificates to a folder and runs its body in a
//! child process: this test binary, that one test only, with `SSL_CERT_FILE` naming the CA the
//! test trusts and `TB_TLS_TEST_DIR` the folder. The parent fails when the child does, or when
//! the child ran no test.

mod common;

use common::World;
use servicenow_sim::{SimConfig, TestCa, TlsIdentity};
use std::path::{Path, PathBuf};
use std::process::Command;
use ticket_bridge_core::doctor::{self, Report, Status};

const DIR: &str = "TB_TLS_TEST_DIR";
const TRUSTED: &str = "Ticket Bridge Test Root";
const INSPECTION: &str = "Contoso Inspection CA";

/// In the child: the folder of the test's certificates.
fn child_dir() -> Option<PathBuf> {
    std::env::var_os(DIR).map(PathBuf::from)
}

/// In the parent: writes the trusted root (`trusted.pem`) and what `make` writes into a new
/// folder, then runs `test` in a child that trusts that root only, and checks that it passed.
fn in_child(test: &str, make: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    let trusted = TestCa::new(TRUSTED);
    std::fs::write(dir.path().join("trusted.pem"), trusted.pem()).unwrap();
    std::fs::write(
        dir.path().join("trusted-identity.json"),
        identity_json(&trusted.localhost()),
    )
    .unwrap();
    make(dir.path());
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(DIR, dir.path())
        .env("SSL_CERT_FILE", dir.path().join("trusted.pem"))
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("--- child {test} ---\n{stdout}\n{stderr}");
    assert!(out.status.success(), "the child failed: {}", out.status);
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "the child ran its one test"
    );
}

fn identity_json(id: &TlsIdentity) -> String {
    serde_json::json!({"chain": id.cert_chain_pem, "key": id.key_pem}).to_string()
}

/// The identity `make` wrote as `<name>-identity.json`.
fn identity(dir: &Path, name: &str) -> TlsIdentity {
    let text = std::fs::read_to_string(dir.join(format!("{name}-identity.json"))).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    TlsIdentity {
        cert_chain_pem: v["chain"].as_str().unwrap().to_owned(),
        key_pem: v["key"].as_str().unwrap().to_owned(),
    }
}

fn write_identity(dir: &Path, name: &str, id: &TlsIdentity) {
    std::fs::write(dir.join(format!("{name}-identity.json")), identity_json(id)).unwrap();
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// A connected world whose simulator serves HTTPS with `tls` on `listen`.
async fn connected(name: &str, tls: TlsIdentity, listen: Option<std::net::IpAddr>) -> World {
    let mut config = SimConfig {
        tls: Some(tls),
        ..SimConfig::default()
    };
    if let Some(ip) = listen {
        config.listen = ip;
    }
    let w = common::world_with(name, config, false).await;
    w.connect_direct().await;
    w
}

async fn report(w: &World) -> Report {
    let settings = w.manager.settings().expect("connected");
    doctor::run(&settings, &w.manager.api().unwrap()).await
}

/// The untrusted line: it names the issuer and the host, and nothing after it was checked.
fn assert_names_the_issuer(r: &Report, host: &str) {
    let c = r.get("https").unwrap();
    assert_eq!(c.status, Status::Fail, "{c:?}");
    let e = c.error.as_ref().expect("worded by its error");
    assert_eq!(
        e.reason.as_deref(),
        Some("net_tls_untrusted_issuer"),
        "{e:?}"
    );
    assert_eq!(e.params["issuer"], INSPECTION);
    assert_eq!(e.params["root"], INSPECTION);
    assert_eq!(e.params["host"], host);
    assert_eq!(
        c.detail,
        format!(
            "The certificate for {host} was issued by \u{201c}{INSPECTION}\u{201d}, which this computer does not trust."
        )
    );
    assert!(
        c.fix
            .as_deref()
            .unwrap()
            .contains("Ask IT to install the root certificate")
    );
    for other in &r.checks[1..] {
        assert_eq!(other.status, Status::Warn, "{other:?}");
        assert!(other.detail.starts_with("Not checked"), "{other:?}");
    }
}

#[test]
fn a_trusted_ca_reaches_the_instance_over_https_and_every_check_passes() {
    let Some(dir) = child_dir() else {
        return in_child(
            "a_trusted_ca_reaches_the_instance_over_https_and_every_check_passes",
            |_| {},
        );
    };
    block_on(async {
        let w = connected("tls-ok", identity(&dir, "trusted"), None).await;
        assert!(w.sim.base_url().starts_with("https://localhost:"));
        let r = report(&w).await;
        for c in &r.checks {
            assert_eq!(c.status, Status::Ok, "{c:?}");
        }
        let first = r.get("https").unwrap();
        assert_eq!(
            first.detail_text.as_ref().unwrap().key,
            "doctor.details.https.ok",
            "over HTTPS, not the plain-HTTP test instance's words"
        );
        // The client went over TLS to the simulator: it answered the doctor's reads.
        let api_reads = w
            .sim
            .handle()
            .requests()
            .iter()
            .filter(|q| q.path.starts_with("/api/"))
            .count();
        assert!(api_reads >= 3, "{api_reads}");
    });
}

#[test]
fn a_certificate_from_an_untrusted_ca_is_named_with_its_issuer() {
    let Some(dir) = child_dir() else {
        return in_child(
            "a_certificate_from_an_untrusted_ca_is_named_with_its_issuer",
            |dir| write_identity(dir, "inspection", &TestCa::new(INSPECTION).localhost()),
        );
    };
    block_on(async {
        let w = connected("tls-untrusted", identity(&dir, "inspection"), None).await;
        let r = report(&w).await;
        assert_names_the_issuer(&r, "localhost");
        // Neither the refused request nor the look at the chain reached the simulator.
        assert!(w.sim.handle().requests().is_empty());

        // The same computer trusts the test root: a sim it signed is fine.
        let ok = connected("tls-trusted", identity(&dir, "trusted"), None).await;
        assert_eq!(report(&ok).await.get("https").unwrap().status, Status::Ok);
    });
}

#[test]
fn through_a_proxy_the_issuer_is_seen_by_the_same_route() {
    let Some(dir) = child_dir() else {
        let ip = common::tinyproxy::own_address()
            .expect("this computer has a non-loopback IPv4 address for the simulator");
        return in_child(
            "through_a_proxy_the_issuer_is_seen_by_the_same_route",
            |dir| {
                let id = TestCa::new(INSPECTION).server_identity(&[&ip.to_string()]);
                write_identity(dir, "inspection", &id);
                std::fs::write(dir.join("ip"), ip.to_string()).unwrap();
            },
        );
    };
    let ip: std::net::IpAddr = std::fs::read_to_string(dir.join("ip"))
        .unwrap()
        .parse()
        .unwrap();
    let proxy = common::tinyproxy::Proxy::start(&dir, "proxy", "");
    // Loopback never goes through a proxy: the simulator listens on this computer's own
    // address, and the app's explicit proxy setting names tinyproxy.
    ticket_bridge_core::network::apply(
        &ticket_bridge_core::network::ProxySettings {
            mode: ticket_bridge_core::network::ProxyMode::Explicit,
            address: Some(proxy.address()),
            username: None,
        },
        None,
    );
    block_on(async {
        let w = connected("tls-proxy", identity(&dir, "inspection"), Some(ip)).await;
        let port = w.sim.base_url().rsplit(':').next().unwrap().to_owned();
        let r = report(&w).await;
        assert_names_the_issuer(&r, &ip.to_string());
        // Both the client's request and the probe went through the proxy's tunnel.
        let tunnels = proxy
            .requests()
            .into_iter()
            .filter(|q| q.starts_with(&format!("CONNECT {ip}:{port} ")))
            .count();
        assert_eq!(tunnels, 2, "{}", proxy.log());
    });
}
