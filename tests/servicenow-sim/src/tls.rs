//! HTTPS for the simulator: [`SimConfig::tls`](crate::SimConfig::tls) serves the same routes over
//! TLS (rustls, HTTP/1.1) with the certificate chain and key it is given, and [`TestCa`] makes
//! them: a certificate authority of a test's own (a company's root, or a proxy's inspection CA)
//! and a server certificate it signs for `localhost` and `127.0.0.1`.
//!
//! Which CA a client trusts is the client's business: a test points the trust store at
//! [`TestCa::pem`] (on Linux, `SSL_CERT_FILE` for rustls' platform verifier) or does not.
//!
//! Handshakes run beside the accept loop, so a client that never finishes one (or refuses the
//! certificate, which is what the tests of an untrusted CA do) holds up no one else.

use crate::http::{ConnAddr, KillableListener, KillableStream};
use axum::serve::{IncomingStream, Listener};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::server::TlsStream;

/// What the simulator presents over TLS: its certificate chain (the server's certificate first,
/// then any intermediates, in PEM) and the server certificate's private key (PKCS#8 PEM).
#[derive(Clone)]
pub struct TlsIdentity {
    pub cert_chain_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("cert_chain_pem", &self.cert_chain_pem)
            .field("key_pem", &"***")
            .finish()
    }
}

/// A certificate authority made for a test: a root, or an intermediate under another one.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    /// The certificates between this CA and its root, this one first (empty for a root).
    chain: Vec<String>,
}

fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("no names");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Ticket Bridge tests");
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

impl TestCa {
    /// A self-signed root named `common_name` (CN), with O "Ticket Bridge tests".
    pub fn new(common_name: &str) -> TestCa {
        let key = KeyPair::generate().expect("a key");
        let issuer = CertifiedIssuer::self_signed(ca_params(common_name), key).expect("a CA");
        TestCa {
            issuer,
            chain: Vec::new(),
        }
    }

    /// An intermediate CA named `common_name`, signed by this one.
    pub fn intermediate(&self, common_name: &str) -> TestCa {
        let key = KeyPair::generate().expect("a key");
        let issuer = CertifiedIssuer::signed_by(ca_params(common_name), key, &self.issuer)
            .expect("an intermediate CA");
        let mut chain = vec![issuer.pem()];
        chain.extend(self.chain.iter().cloned());
        TestCa { issuer, chain }
    }

    /// This CA's own certificate in PEM, for a trust store.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for `names` (host names or IP addresses) signed by this CA, with
    /// the intermediates up to (not including) the root after it.
    pub fn server_identity(&self, names: &[&str]) -> TlsIdentity {
        let key = KeyPair::generate().expect("a key");
        let mut params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .expect("valid names");
        if let Some(first) = names.first() {
            params.distinguished_name.push(DnType::CommonName, *first);
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("a server certificate");
        let mut cert_chain_pem = cert.pem();
        for c in &self.chain {
            cert_chain_pem.push_str(c);
        }
        TlsIdentity {
            cert_chain_pem,
            key_pem: key.serialize_pem(),
        }
    }

    /// A server certificate for this computer's loopback names: `localhost` and `127.0.0.1`.
    pub fn localhost(&self) -> TlsIdentity {
        self.server_identity(&["localhost", "127.0.0.1"])
    }
}

/// The TLS side of the server: the chain and key checked once, at start.
pub(crate) fn acceptor(identity: &TlsIdentity) -> io::Result<TlsAcceptor> {
    let bad = |what: &str, e: &dyn std::fmt::Display| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {e}"))
    };
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(identity.cert_chain_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| bad("the certificate chain", &e))?;
    if chain.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the certificate chain has no certificate",
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(identity.key_pem.as_bytes())
        .map_err(|e| bad("the private key", &e))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad("TLS versions", &e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| bad("the certificate and key", &e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Connections whose TLS handshake is done, each with its kill switch.
pub(crate) struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<KillableStream>, ConnAddr)>,
    accepting: JoinHandle<()>,
}

impl TlsListener {
    pub(crate) fn new(mut tcp: KillableListener, acceptor: TlsAcceptor) -> Self {
        let (tx, ready) = mpsc::channel(16);
        let accepting = tokio::spawn(async move {
            loop {
                let (io, conn) = tcp.accept().await;
                if tx.is_closed() {
                    return;
                }
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(io)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, conn)).await;
                        }
                        Ok(Err(e)) => log::info!("servicenow-sim: a TLS handshake failed: {e}"),
                        Err(_) => log::info!("servicenow-sim: a TLS handshake took too long"),
                    }
                });
            }
        });
        TlsListener { ready, accepting }
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<KillableStream>;
    type Addr = ConnAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept loop ended (it only does when the server stops).
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(ConnAddr::default())
    }
}

impl axum::extract::connect_info::Connected<IncomingStream<'_, TlsListener>> for ConnAddr {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        stream.remote_addr().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SimConfig, start};

    fn trusting(ca: &TestCa) -> reqwest::Client {
        let root = reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap();
        reqwest::Client::builder()
            .tls_certs_only([root])
            .no_proxy()
            .build()
            .unwrap()
    }

    async fn tls_sim(identity: TlsIdentity) -> crate::RunningSim {
        start(SimConfig {
            tls: Some(identity),
            ..SimConfig::default()
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn serves_https_to_a_client_that_trusts_its_ca_and_only_to_it() {
        let ca = TestCa::new("Sim Test Root");
        let sim = tls_sim(ca.localhost()).await;
        assert!(
            sim.base_url().starts_with("https://localhost:"),
            "{}",
            sim.base_url()
        );
        let url = format!("{}/api/now/table/incident", sim.base_url());
        let status = trusting(&ca).get(&url).send().await.unwrap().status();
        assert_eq!(status, 401, "the simulator's own answer, over TLS");
        let by_ip = url.replace("localhost", "127.0.0.1");
        assert_eq!(
            trusting(&ca).get(&by_ip).send().await.unwrap().status(),
            401
        );

        // Another CA's client refuses the certificate; the server goes on serving.
        let other = TestCa::new("Someone Else");
        let err = trusting(&other).get(&url).send().await.unwrap_err();
        assert!(err.is_connect(), "{err:?}");
        assert_eq!(trusting(&ca).get(&url).send().await.unwrap().status(), 401);
        // Plain HTTP on the TLS port gets no HTTP answer.
        let plain = url.replace("https://", "http://");
        assert!(reqwest::Client::new().get(&plain).send().await.is_err());
        assert_eq!(sim.handle().requests().len(), 3);
    }

    #[tokio::test]
    async fn an_intermediate_is_sent_after_the_server_certificate() {
        let root = TestCa::new("Sim Root");
        let issuing = root.intermediate("Sim Issuing CA");
        let identity = issuing.server_identity(&["localhost"]);
        assert_eq!(
            identity.cert_chain_pem.matches("BEGIN CERTIFICATE").count(),
            2
        );
        let sim = tls_sim(identity).await;
        let url = format!("{}/api/now/table/incident", sim.base_url());
        // Trusting the root is enough: the server sends the intermediate itself.
        assert_eq!(
            trusting(&root).get(&url).send().await.unwrap().status(),
            401
        );
    }

    #[tokio::test]
    async fn a_bad_identity_is_refused_at_start() {
        let bad = TlsIdentity {
            cert_chain_pem: String::new(),
            key_pem: TestCa::new("x").localhost().key_pem,
        };
        let e = start(SimConfig {
            tls: Some(bad),
            ..SimConfig::default()
        })
        .await
        .err()
        .expect("refused");
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(!format!("{:?}", TestCa::new("y").localhost()).contains("PRIVATE KEY"));
    }
}
