//! Who signed a certificate this computer does not trust: the connection check's second look,
//! after a request failed with `net_tls_untrusted`.
//!
//! The OS trust store stays the only trust (rustls with the platform verifier, in every client).
//! This probe decides nothing and sends nothing: it opens a TLS handshake to the same host and
//! port, by the same route a request takes, with a verifier that keeps the chain the server
//! presents and then fails the handshake, so no request (and no credential) ever crosses it.
//! The chain's issuer names are data from the network: each is reduced to plain text (no control
//! or direction characters, at most [`NAME_MAX`] characters).
//!
//! The route is [`super::proxy_for`], the very function every client asks
//! ([`super::client_builder`]): direct, the explicit proxy (with its user name and password), or
//! the system's settings as hyper-util reads them (`HTTPS_PROXY`/`NO_PROXY` and the others
//! everywhere; the proxy the Windows registry or macOS' network settings name). Through an
//! `http://` proxy the probe makes its own `CONNECT`. It cannot see, and then finds nothing (the
//! doctor keeps its generic line): an `https://` or SOCKS proxy (it does not speak TLS or SOCKS
//! to the proxy), and proxy auto-configuration (PAC or WPAD scripts), which no client of the
//! app follows either.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{DigitallySignedStruct, SignatureScheme};
use url::{Host, Url};

/// The longest issuer name the probe reports, in characters.
pub const NAME_MAX: usize = 100;

/// The whole probe (connect, tunnel, handshake) ends by then.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What the server (or whatever answered in its name) presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    /// The host asked for, as in the instance address.
    pub host: String,
    /// Who issued the server's certificate: its issuer's common name, else its organisation,
    /// else the whole distinguished name.
    pub issuer: String,
    /// The issuer at the top of the presented chain: the root this computer would have to
    /// trust. The same as `issuer` when the chain has one certificate.
    pub root: String,
}

/// Looks at the chain `url`'s host presents. `None` when it cannot tell: no connection, a route
/// it cannot take (see the module's doc), no certificate, or one it cannot read.
pub async fn presented(url: &Url) -> Option<Presented> {
    match tokio::time::timeout(TIMEOUT, look(url)).await {
        Ok(found) => found,
        Err(_) => {
            log::info!("tls probe: no chain within {TIMEOUT:?}");
            None
        }
    }
}

async fn look(url: &Url) -> Option<Presented> {
    let host = url.host()?.to_owned();
    let port = url.port_or_known_default()?;
    let stream = match super::proxy_for(url) {
        None => connect(&host, port).await?,
        Some(proxy) => tunnel(&proxy, &host, port).await?,
    };
    let chain = handshake(stream, &host).await?;
    let p = describe(&chain, url.host_str()?)?;
    log::info!(
        "tls probe: {} presented a certificate issued by {:?} (root {:?})",
        p.host,
        p.issuer,
        p.root
    );
    Some(p)
}

async fn connect(host: &Host<String>, port: u16) -> Option<TcpStream> {
    let r = match host {
        Host::Domain(d) => TcpStream::connect((d.as_str(), port)).await,
        Host::Ipv4(ip) => TcpStream::connect((*ip, port)).await,
        Host::Ipv6(ip) => TcpStream::connect((*ip, port)).await,
    };
    r.map_err(|e| log::info!("tls probe: no connection ({e})"))
        .ok()
}

/// A `CONNECT` tunnel through an `http://` proxy, as reqwest makes one.
async fn tunnel(proxy: &Url, host: &Host<String>, port: u16) -> Option<TcpStream> {
    if proxy.scheme() != "http" {
        log::info!(
            "tls probe: cannot look through a {}:// proxy",
            proxy.scheme()
        );
        return None;
    }
    let proxy_host = proxy.host()?.to_owned();
    let mut stream = connect(&proxy_host, proxy.port_or_known_default()?).await?;
    let request = connect_request(proxy, host, port);
    stream.write_all(request.as_bytes()).await.ok()?;
    let status = read_head(&mut stream).await?;
    if status != 200 {
        log::info!("tls probe: the proxy answered CONNECT with {status}");
        return None;
    }
    Some(stream)
}

fn connect_request(proxy: &Url, host: &Host<String>, port: u16) -> String {
    // `Host`'s Display puts an IPv6 address in brackets, as an authority needs.
    let authority = format!("{host}:{port}");
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if !proxy.username().is_empty() {
        use base64::Engine;
        let user = percent_decode(proxy.username());
        let password = percent_decode(proxy.password().unwrap_or_default());
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
    }
    request.push_str("\r\n");
    request
}

/// The user name and password as `Url` keeps them (percent-encoded), as they were set.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads the proxy's answer to `CONNECT` up to its blank line (no further: the tunnel's bytes
/// follow) and returns its status.
async fn read_head(stream: &mut (impl AsyncRead + Unpin)) -> Option<u16> {
    let mut head = Vec::with_capacity(256);
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= 8 * 1024 {
            return None;
        }
        head.push(stream.read_u8().await.ok()?);
    }
    let line = std::str::from_utf8(&head).ok()?.lines().next()?;
    let mut parts = line.split_whitespace();
    parts.next().filter(|v| v.starts_with("HTTP/1."))?;
    parts.next()?.parse().ok()
}

/// Keeps the chain the server presents and fails the handshake: nothing is trusted here.
#[derive(Debug)]
struct Recorder {
    chain: Mutex<Vec<CertificateDer<'static>>>,
    schemes: Vec<SignatureScheme>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .take(16)
            .map(|c| c.clone().into_owned())
            .collect();
        *self.chain.lock().unwrap_or_else(|p| p.into_inner()) = chain;
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ))
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("the probe trusts nothing".into()))
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("the probe trusts nothing".into()))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

async fn handshake<S>(stream: S, host: &Host<String>) -> Option<Vec<CertificateDer<'static>>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let recorder = Arc::new(Recorder {
        chain: Mutex::new(Vec::new()),
        schemes: provider
            .signature_verification_algorithms
            .supported_schemes(),
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let name = match host {
        Host::Domain(d) => ServerName::try_from(d.clone()).ok()?,
        Host::Ipv4(ip) => ServerName::IpAddress(std::net::IpAddr::V4(*ip).into()),
        Host::Ipv6(ip) => ServerName::IpAddress(std::net::IpAddr::V6(*ip).into()),
    };
    match TlsConnector::from(Arc::new(config))
        .connect(name, stream)
        .await
    {
        // Cannot happen (the recorder fails every chain); never used if it did.
        Ok(_) => return None,
        Err(e) => log::debug!("tls probe: handshake ended as it should ({e})"),
    }
    let chain = std::mem::take(&mut *recorder.chain.lock().unwrap_or_else(|p| p.into_inner()));
    (!chain.is_empty()).then_some(chain)
}

/// The names of a presented chain (the server's certificate first).
fn describe(chain: &[CertificateDer<'_>], host: &str) -> Option<Presented> {
    let leaf = issuer_of(chain.first()?)?;
    let root = chain
        .last()
        .filter(|_| chain.len() > 1)
        .and_then(issuer_of)
        .unwrap_or_else(|| leaf.clone());
    let issuer = leaf;
    Some(Presented {
        host: plain(host).unwrap_or_default(),
        issuer,
        root,
    })
}

/// The name of who issued `cert`, if it parses.
fn issuer_of(cert: &CertificateDer<'_>) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    name_of(cert.issuer())
}

/// A name to show: the common name, else the organisation, else the whole DN.
fn name_of(name: &x509_parser::x509::X509Name<'_>) -> Option<String> {
    name.iter_common_name()
        .find_map(|a| a.as_str().ok().and_then(plain))
        .or_else(|| {
            name.iter_organization()
                .find_map(|a| a.as_str().ok().and_then(plain))
        })
        .or_else(|| plain(&name.to_string()))
}

/// `s` as plain text: no control, invisible or direction characters, each run of white space
/// one space, at most [`NAME_MAX`] characters (cut with "…"). `None` when nothing is left.
fn plain(s: &str) -> Option<String> {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
    };
    let cleaned: String = s
        .chars()
        .filter_map(|c| match c {
            c if c.is_whitespace() => Some(' '),
            c if hidden(c) => None,
            c => Some(c),
        })
        .collect();
    let text = cleaned
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        return None;
    }
    if text.chars().count() <= NAME_MAX {
        return Some(text);
    }
    let mut cut: String = text.chars().take(NAME_MAX - 1).collect();
    cut.push('…');
    Some(cut)
}

#[cfg(test)]
mod tests {
    use super::*;
    use servicenow_sim::{SimConfig, TestCa, TlsIdentity};

    async fn tls_sim(identity: TlsIdentity) -> servicenow_sim::RunningSim {
        servicenow_sim::start(SimConfig {
            tls: Some(identity),
            seed: servicenow_sim::Seed::Empty,
            ..SimConfig::default()
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn names_the_issuer_and_the_root_of_the_chain_and_sends_no_request() {
        let root = TestCa::new("Contoso Inspection Root");
        let issuing = root.intermediate("Contoso Inspection Issuing CA");
        let sim = tls_sim(issuing.localhost()).await;
        let url = Url::parse(&format!("{}/", sim.base_url())).unwrap();
        let p = presented(&url).await.expect("a chain");
        assert_eq!(
            p,
            Presented {
                host: "localhost".into(),
                issuer: "Contoso Inspection Issuing CA".into(),
                root: "Contoso Inspection Root".into(),
            }
        );
        // By address too; one certificate: the issuer is the root.
        let single = TestCa::new("Contoso Inspection CA");
        let sim2 = tls_sim(single.localhost()).await;
        let by_ip = Url::parse(&sim2.base_url().replace("localhost", "127.0.0.1")).unwrap();
        let p = presented(&by_ip).await.expect("a chain");
        assert_eq!(
            (p.host.as_str(), p.issuer.as_str()),
            ("127.0.0.1", "Contoso Inspection CA")
        );
        assert_eq!(p.root, p.issuer);
        assert!(sim.handle().requests().is_empty() && sim2.handle().requests().is_empty());
    }

    #[tokio::test]
    async fn nothing_to_see_is_none() {
        // Plain HTTP answers no handshake; a closed port has no one.
        let sim = servicenow_sim::start(SimConfig::default()).await.unwrap();
        let plain = Url::parse(&sim.base_url().replace("http://", "https://")).unwrap();
        assert_eq!(presented(&plain).await, None);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let closed = Url::parse(&format!("https://127.0.0.1:{port}/")).unwrap();
        assert_eq!(presented(&closed).await, None);
    }

    #[test]
    fn a_name_is_plain_short_text() {
        assert_eq!(
            plain("  Contoso \n Inspection\tCA "),
            Some("Contoso Inspection CA".into())
        );
        assert_eq!(
            plain("Con\u{202E}toso\u{200B} CA\u{7}\u{1b}[31m"),
            Some("Contoso CA[31m".into())
        );
        assert_eq!(plain("\u{0}\u{202E} \n"), None);
        let long = "A".repeat(300);
        let cut = plain(&long).unwrap();
        assert_eq!(cut.chars().count(), NAME_MAX);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn common_name_else_organisation_else_the_whole_name() {
        let der = |dn: rcgen::DistinguishedName| {
            let key = rcgen::KeyPair::generate().unwrap();
            let mut params = rcgen::CertificateParams::new(vec!["x.example".to_owned()]).unwrap();
            params.distinguished_name = dn;
            params.self_signed(&key).unwrap().der().clone()
        };
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(rcgen::DnType::OrganizationName, "Fabrikam Ltd");
        dn.push(rcgen::DnType::CommonName, "Fabrikam Proxy CA");
        let p = describe(&[der(dn)], "x.example").unwrap();
        assert_eq!(p.issuer, "Fabrikam Proxy CA");
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(rcgen::DnType::CountryName, "SE");
        dn.push(rcgen::DnType::OrganizationName, "Fabrikam\u{0} Ltd");
        assert_eq!(
            describe(&[der(dn)], "x.example").unwrap().issuer,
            "Fabrikam Ltd"
        );
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(rcgen::DnType::CountryName, "SE");
        dn.push(rcgen::DnType::LocalityName, "Lund");
        let whole = describe(&[der(dn)], "x.example").unwrap().issuer;
        assert!(whole.contains("SE") && whole.contains("Lund"), "{whole}");
        // Not a certificate: nothing to name.
        assert_eq!(describe(&[CertificateDer::from(vec![1, 2, 3])], "x"), None);
    }

    #[tokio::test]
    async fn the_tunnel_asks_for_host_and_port_with_the_proxys_credentials() {
        let mut proxy = Url::parse("http://proxy.contoso.com:8080").unwrap();
        proxy.set_username("ann").unwrap();
        proxy.set_password(Some("p@ss:w/rd")).unwrap();
        let host = Host::Domain("contoso.service-now.com".to_owned());
        let r = connect_request(&proxy, &host, 443);
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD.encode("ann:p@ss:w/rd");
        assert_eq!(
            r,
            format!(
                "CONNECT contoso.service-now.com:443 HTTP/1.1\r\nHost: contoso.service-now.com:443\r\n\
                 Proxy-Authorization: Basic {token}\r\n\r\n"
            )
        );
        let v6 = connect_request(
            &Url::parse("http://proxy:3128").unwrap(),
            &Host::Ipv6("fd00::1".parse().unwrap()),
            8443,
        );
        assert!(
            v6.starts_with("CONNECT [fd00::1]:8443 HTTP/1.1\r\n"),
            "{v6}"
        );
        assert!(!v6.contains("Proxy-Authorization"));

        let mut answer: &[u8] = b"HTTP/1.1 200 Connection established\r\nX: y\r\n\r\n\x16\x03";
        assert_eq!(read_head(&mut answer).await, Some(200));
        assert_eq!(answer, b"\x16\x03", "the tunnel's bytes are left for TLS");
        let mut refused: &[u8] = b"HTTP/1.0 407 Proxy Authentication Required\r\n\r\n";
        assert_eq!(read_head(&mut refused).await, Some(407));
        let mut junk: &[u8] = b"SSH-2.0-OpenSSH\r\n";
        assert_eq!(read_head(&mut junk).await, None);
        let endless = vec![b'a'; 20_000];
        assert_eq!(read_head(&mut endless.as_slice()).await, None);
    }
}
