//! The corporate network's TLS inspection, in the real app: the simulator serves HTTPS with a
//! chain from "Contoso Inspection CA". While this computer trusts that CA (`SSL_CERT_FILE`, read
//! by the platform verifier's native roots on Linux), the admin connects as usual; once it no
//! longer does (the app started again trusting only another root, as when a proxy re-signs
//! traffic with a CA IT never installed), the connection check names the issuer and says to
//! ask IT for that root certificate, instead of a generic TLS error.

use servicenow_sim::{Seed, SimConfig, TestCa};
use ticket_bridge_e2e::steps::connect_integration_user;
use ticket_bridge_e2e::{AppOptions, Harness, output_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_inspection_ca_is_named_by_the_connection_check() {
    let inspection = TestCa::new("Contoso Inspection CA");
    let other = TestCa::new("Fabrikam Root CA");
    let roots = output_dir("tls-roots");
    let trusted = roots.join("inspection-ca.pem");
    let untrusted = roots.join("other-root.pem");
    std::fs::write(&trusted, inspection.pem()).unwrap();
    std::fs::write(&untrusted, other.pem()).unwrap();

    let mut h = Harness::start(
        "an_untrusted_inspection_ca",
        SimConfig {
            seed: Seed::Empty,
            tls: Some(inspection.localhost()),
            ..SimConfig::default()
        },
        AppOptions {
            env: vec![("SSL_CERT_FILE".into(), trusted.display().to_string())],
            ..AppOptions::default()
        },
    )
    .await;
    assert!(
        h.sim.base_url().starts_with("https://"),
        "{}",
        h.sim.base_url()
    );
    h.wait_visible("#connection-card:not([aria-busy])").await;
    // Trusted: the sign-in and every check pass over HTTPS.
    connect_integration_user(&mut h).await;

    // The same instance, now re-signed by a CA this computer does not trust.
    h.options_mut().env = vec![("SSL_CERT_FILE".into(), untrusted.display().to_string())];
    h.restart_app().await;
    h.go("#/manage").await;
    h.click("#check-connection").await;
    let line = h
        .wait_text("#doctor-https[data-status='fail']", "Contoso Inspection CA")
        .await;
    assert!(line.contains("localhost"), "{line}");
    assert!(line.contains("does not trust"), "{line}");
    assert!(
        line.contains("Ask IT to install the root certificate"),
        "{line}"
    );
    h.scroll_to("#doctor-https").await;
    h.doc_shot("check-tls-issuer").await;
    h.finish().await;
}
