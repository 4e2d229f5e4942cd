//! The corporate network: which proxy every HTTP client of the app uses.
//!
//! One setting for the whole app (Settings → Network), kept in the settings file under
//! `network`: the system's proxy settings (the default: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`
//! and `NO_PROXY` everywhere, and on Windows and macOS the system's own settings), or one
//! explicit proxy (`http://host:port` or `https://host:port`, an optional user name, its
//! password only in the keychain). Every client is made with [`client_builder`], whose proxy is
//! a function asked for each new connection, so a change applies without a restart to every
//! client, old or new: at once to new connections, and to a kept-alive one (reqwest pools them
//! by destination) once it closes.
//!
//! **Loopback never goes through a proxy**: a request to `127.0.0.0/8`, `::1` or `localhost`
//! (the sign-in listeners, the simulator, a local test instance) always goes direct.
//!
//! This module keeps no secret on disk and logs none: the password is held in memory only for
//! the proxy's `Proxy-Authorization` header.
//!
//! [`tls_probe`] is the connection check's look at a certificate this computer does not trust:
//! who issued it, seen by the same route.

pub mod tls_probe;

use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;
use crate::workspace::SettingsKv;
use hyper_util::client::proxy::matcher::Matcher;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, RwLock};
use url::{Host, Url};

/// The settings key of the network setting.
pub const KEY: &str = "network";

/// How requests find the proxy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProxyMode {
    /// The operating system's proxy settings (and the proxy environment variables).
    #[default]
    System,
    /// The proxy the admin entered.
    Explicit,
}

/// The non-secret part of the setting, as the settings file keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProxySettings {
    pub mode: ProxyMode,
    /// The explicit proxy's address, as [`parse_address`] wrote it.
    pub address: Option<String>,
    pub username: Option<String>,
}

/// What the UI shows: the setting and whether a password is saved (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkState {
    pub mode: ProxyMode,
    pub address: String,
    pub username: String,
    pub password_saved: bool,
}

/// What the admin asks for in Settings → Network. `password`: `None` keeps the saved one,
/// an empty one removes it.
#[derive(Debug, Clone)]
pub struct NetworkRequest {
    pub mode: ProxyMode,
    pub address: String,
    pub username: String,
    pub password: Option<Secret>,
}

/// A refused address; each caller names its cause.
fn bad_address(message: String) -> Error {
    Error::invalid_input(
        message,
        "Enter the proxy's address, such as http://proxy.contoso.com:8080, and the user name in its own field.",
    )
}

/// Checks a proxy address and writes it the one way: `http(s)://host:port`, no path, no
/// query, no user name or password in it.
pub fn parse_address(input: &str) -> Result<Url> {
    let s = input.trim();
    if s.is_empty() {
        return Err(
            bad_address("Enter the proxy's address.".into()).with_reason("proxy_address_missing")
        );
    }
    let url = Url::parse(s).map_err(|_| {
        bad_address(format!("\u{201c}{s}\u{201d} is not a proxy address."))
            .with_reason("proxy_address")
            .with_param("input", s)
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad_address(format!(
            "A proxy address starts with http:// or https://, not {}://.",
            url.scheme()
        ))
        .with_reason("proxy_scheme")
        .with_param("scheme", url.scheme()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad_address(
            "Leave the user name and password out of the proxy address.".into(),
        )
        .with_reason("proxy_credentials"));
    }
    if url.host().is_none() || url.host_str() == Some("") {
        return Err(
            bad_address("The proxy address has no host name.".into()).with_reason("proxy_no_host")
        );
    }
    // `Url` drops the default port; the admin must have written one.
    if url.port().is_none() && !has_explicit_port(s) {
        return Err(bad_address(format!(
            "The proxy address \u{201c}{s}\u{201d} needs its port, for example :8080."
        ))
        .with_reason("proxy_port")
        .with_param("input", s));
    }
    if (url.path() != "/" && !url.path().is_empty())
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(bad_address(
            "A proxy address has no path, only a host name and a port.".into(),
        )
        .with_reason("proxy_path"));
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let host = url.host_str().unwrap_or_default();
    Url::parse(&format!("{}://{host}:{port}", url.scheme())).map_err(|_| {
        bad_address(format!("\u{201c}{s}\u{201d} is not a proxy address."))
            .with_reason("proxy_address")
            .with_param("input", s)
    })
}

fn has_explicit_port(s: &str) -> bool {
    let rest = s.split_once("://").map_or(s, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let after_host = authority.rsplit_once(']').map_or(authority, |(_, r)| r);
    after_host
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `url` is on this computer: `127.0.0.0/8`, `::1`, `localhost` (and names under it).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => false,
    }
}

/// Where requests go now.
enum Route {
    System(Box<Matcher>),
    /// The proxy's URL, with the user name and password in it when there are.
    Explicit {
        proxy: Url,
        with_credentials: bool,
    },
}

fn route_for(settings: &ProxySettings, password: Option<&Secret>) -> Route {
    if settings.mode == ProxyMode::Explicit
        && let Some(mut proxy) = settings
            .address
            .as_deref()
            .and_then(|a| parse_address(a).ok())
    {
        let user = settings.username.as_deref().unwrap_or_default();
        let mut with_credentials = false;
        if !user.is_empty() {
            with_credentials = proxy.set_username(user).is_ok()
                && proxy.set_password(password.map(|p| p.expose())).is_ok();
        }
        return Route::Explicit {
            proxy,
            with_credentials,
        };
    }
    Route::System(Box::new(Matcher::from_system()))
}

static CURRENT: RwLock<Option<Arc<Route>>> = RwLock::new(None);

fn current() -> Arc<Route> {
    if let Some(r) = CURRENT.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
        return r.clone();
    }
    let mut w = CURRENT.write().unwrap_or_else(|p| p.into_inner());
    w.get_or_insert_with(|| Arc::new(Route::System(Box::new(Matcher::from_system()))))
        .clone()
}

/// Makes `settings` (and the proxy password) the route of every request from now on.
pub fn apply(settings: &ProxySettings, password: Option<&Secret>) {
    let route = Arc::new(route_for(settings, password));
    match &*route {
        Route::System(_) => log::info!("network: the system's proxy settings"),
        Route::Explicit {
            proxy,
            with_credentials,
        } => log::info!(
            "network: the proxy {}://{}:{}{}",
            proxy.scheme(),
            proxy.host_str().unwrap_or_default(),
            proxy.port_or_known_default().unwrap_or_default(),
            if *with_credentials {
                " with a user name"
            } else {
                ""
            }
        ),
    }
    *CURRENT.write().unwrap_or_else(|p| p.into_inner()) = Some(route);
}

/// Whether the explicit proxy is in use with a user name (so a 407 means it was refused).
pub fn sends_credentials() -> bool {
    matches!(
        &*current(),
        Route::Explicit {
            with_credentials: true,
            ..
        }
    )
}

/// The proxy a request to `url` goes through now, `None` for direct.
pub fn proxy_for(url: &Url) -> Option<Url> {
    if is_loopback(url) {
        return None;
    }
    match &*current() {
        Route::Explicit { proxy, .. } => Some(proxy.clone()),
        Route::System(m) => {
            let uri: http::Uri = url.as_str().parse().ok()?;
            let hit = m.intercept(&uri)?;
            let mut proxy = Url::parse(&hit.uri().to_string()).ok()?;
            if let Some(auth) = hit.basic_auth().and_then(|h| h.to_str().ok())
                && let Some((user, pass)) = decode_basic(auth)
            {
                let _ = proxy.set_username(&user);
                let _ = proxy.set_password(Some(&pass));
            }
            Some(proxy)
        }
    }
}

fn decode_basic(header: &str) -> Option<(String, String)> {
    use base64::Engine;
    let b64 = header.strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (u, p) = s.split_once(':')?;
    Some((u.to_owned(), p.to_owned()))
}

/// The start of every HTTP client the app makes: the proxy is asked at each request.
pub fn client_builder() -> reqwest::ClientBuilder {
    with_app_proxy(reqwest::Client::builder())
}

/// Gives a client builder made elsewhere (the updater's) the app's proxy setting.
pub fn with_app_proxy(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder.proxy(reqwest::Proxy::custom(proxy_for))
}

/// A proxy answered 407: it wants a user name and password, or refused the ones it got.
pub fn proxy_auth_error() -> Error {
    if sends_credentials() {
        Error::new(
            ErrorKind::InstanceUnreachable,
            "The proxy refused the user name or password.",
            "Check the proxy's user name and password in Settings → Network, or ask IT which to use.",
        )
        .with_reason("net_proxy_auth_refused")
    } else {
        Error::new(
            ErrorKind::InstanceUnreachable,
            "The proxy asks for a user name and password.",
            "Enter the proxy's user name and password in Settings → Network (Use this proxy), or ask IT which to use.",
        )
        .with_reason("net_proxy_auth_required")
    }
}

/// Whether reqwest's error is a proxy's 407 to a tunnel (`CONNECT`).
pub fn is_proxy_auth(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut src = Some(err);
    while let Some(e) = src {
        if e.to_string()
            .to_ascii_lowercase()
            .contains("proxy authorization required")
        {
            return true;
        }
        src = e.source();
    }
    false
}

/// The keychain entry of the proxy password (one for the app, not per workspace).
fn password_entry() -> Result<keyring_core::Entry> {
    keyring_core::Entry::new(crate::secrets::SERVICE, "proxy-password network")
        .map_err(crate::secrets::map_keyring_error)
}

fn read_password() -> Result<Option<Secret>> {
    match password_entry()?.get_secret() {
        Ok(bytes) => Ok(String::from_utf8(bytes).ok().map(Secret::new)),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(crate::secrets::map_keyring_error(e)),
    }
}

/// The network setting of the app: load at start, change from Settings.
pub struct Network {
    kv: Arc<dyn SettingsKv>,
    saved: RwLock<(ProxySettings, bool)>,
}

impl Network {
    /// Reads the setting (no keychain call) and applies it without a password; a value that
    /// does not parse means the system's settings.
    pub fn load(kv: Arc<dyn SettingsKv>) -> Self {
        let settings: ProxySettings = kv
            .get(KEY)
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        apply(&settings, None);
        Self {
            kv,
            saved: RwLock::new((settings, false)),
        }
    }

    /// Reads the proxy password from the keychain and applies it. Blocking.
    pub fn unlock(&self) -> Result<()> {
        let settings = self.read().0.clone();
        if settings.mode != ProxyMode::Explicit || settings.username.is_none() {
            return Ok(());
        }
        let password = read_password()?;
        self.write().1 = password.is_some();
        apply(&settings, password.as_ref());
        Ok(())
    }

    pub fn state(&self) -> NetworkState {
        let (s, password_saved) = self.read().clone();
        NetworkState {
            mode: s.mode,
            address: s.address.unwrap_or_default(),
            username: s.username.unwrap_or_default(),
            password_saved,
        }
    }

    /// Checks and saves the setting, the password in the keychain; the next request of every
    /// client follows it. Blocking (keychain). Nothing changes when the address is refused.
    pub fn set(&self, req: NetworkRequest) -> Result<NetworkState> {
        let username = req.username.trim().to_owned();
        let address = match req.mode {
            ProxyMode::Explicit => Some(parse_address(&req.address)?.to_string()),
            // The address entered is kept for when the admin comes back to it.
            ProxyMode::System => parse_address(&req.address).ok().map(|u| u.to_string()),
        };
        let settings = ProxySettings {
            mode: req.mode,
            address: address.map(|a| a.trim_end_matches('/').to_owned()),
            username: (!username.is_empty()).then_some(username),
        };
        // The keychain is asked only when there is a password to keep, save or remove, so the
        // system's settings work on a computer without one.
        let had_password = self.read().1;
        let password = match (&req.password, &settings.username) {
            (Some(p), Some(_)) if !p.expose().is_empty() => {
                password_entry()?
                    .set_secret(p.expose().as_bytes())
                    .map_err(crate::secrets::map_keyring_error)?;
                Some(p.clone())
            }
            (None, Some(_)) if had_password => read_password()?,
            _ => {
                if had_password {
                    delete(&password_entry()?)?;
                }
                None
            }
        };
        let value = serde_json::to_value(&settings)
            .map_err(|e| Error::internal(format_args!("network setting ({e})")))?;
        self.kv.write(vec![(KEY, value)], &[])?;
        apply(&settings, password.as_ref());
        *self.write() = (settings, password.is_some());
        Ok(self.state())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, (ProxySettings, bool)> {
        self.saved.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, (ProxySettings, bool)> {
        self.saved.write().unwrap_or_else(|p| p.into_inner())
    }
}

fn delete(entry: &keyring_core::Entry) -> Result<()> {
    match entry.delete_credential() {
        Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
        Err(e) => Err(crate::secrets::map_keyring_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn reason(e: Error) -> String {
        e.reason.unwrap_or_default()
    }

    #[test]
    fn an_address_is_scheme_host_and_port_only() {
        assert_eq!(
            parse_address(" http://proxy.contoso.com:8080/ ")
                .unwrap()
                .as_str(),
            "http://proxy.contoso.com:8080/"
        );
        assert_eq!(
            parse_address("https://10.0.0.1:443").unwrap().as_str(),
            "https://10.0.0.1/"
        );
        assert_eq!(
            parse_address("http://[fd00::1]:3128").unwrap().as_str(),
            "http://[fd00::1]:3128/"
        );
        for (input, why) in [
            ("", "proxy_address_missing"),
            ("proxy.contoso.com:8080", "proxy_scheme"),
            ("socks5://proxy:1080", "proxy_scheme"),
            ("http://user:pw@proxy:8080", "proxy_credentials"),
            ("http://user@proxy:8080", "proxy_credentials"),
            ("http://proxy.contoso.com", "proxy_port"),
            ("http://proxy:8080/pac", "proxy_path"),
            ("http://proxy:8080?x=1", "proxy_path"),
            ("http://:8080", "proxy_address"),
            ("not a url", "proxy_address"),
        ] {
            assert_eq!(reason(parse_address(input).unwrap_err()), why, "{input:?}");
        }
    }

    #[test]
    fn loopback_is_never_proxied() {
        for url in [
            "http://127.0.0.1:8765/callback",
            "http://127.1.2.3:9/",
            "http://[::1]:80/",
            "http://localhost:3000/",
            "http://LOCALHOST./",
            "http://sim.localhost:1/",
        ] {
            assert!(is_loopback(&u(url)), "{url}");
        }
        for url in [
            "https://contoso.service-now.com/",
            "http://192.0.2.2:80/",
            "https://localhost.contoso.com/",
        ] {
            assert!(!is_loopback(&u(url)), "{url}");
        }
        // The route itself (an explicit proxy) is what a request asks; loopback short-cuts it.
        let route = route_for(
            &ProxySettings {
                mode: ProxyMode::Explicit,
                address: Some("http://proxy.contoso.com:8080".into()),
                username: Some("ann".into()),
            },
            Some(&Secret::new("p@ss:w/rd")),
        );
        let Route::Explicit {
            proxy,
            with_credentials,
        } = route
        else {
            panic!("explicit");
        };
        assert!(with_credentials);
        assert_eq!(proxy.username(), "ann");
        assert_eq!(proxy.host_str(), Some("proxy.contoso.com"));
    }

    #[test]
    fn a_bad_saved_address_means_the_system_settings() {
        let route = route_for(
            &ProxySettings {
                mode: ProxyMode::Explicit,
                address: Some("ftp://x".into()),
                username: None,
            },
            None,
        );
        assert!(matches!(route, Route::System(_)));
    }

    #[test]
    fn basic_auth_of_a_system_proxy_keeps_its_credentials() {
        use base64::Engine;
        let h = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("ann:se:cret")
        );
        assert_eq!(decode_basic(&h), Some(("ann".into(), "se:cret".into())));
    }

    #[test]
    fn a_407_says_whether_a_user_name_was_sent() {
        let explicit = |user: Option<&str>| ProxySettings {
            mode: ProxyMode::Explicit,
            address: Some("http://proxy.contoso.com:8080".into()),
            username: user.map(str::to_owned),
        };
        // The route is the process's; loopback (all other tests' traffic) never uses it.
        apply(&explicit(None), None);
        assert_eq!(reason(proxy_auth_error()), "net_proxy_auth_required");
        apply(&explicit(Some("ann")), Some(&Secret::new("pw")));
        assert_eq!(reason(proxy_auth_error()), "net_proxy_auth_refused");
        apply(&ProxySettings::default(), None);
        assert_eq!(reason(proxy_auth_error()), "net_proxy_auth_required");
    }

    #[test]
    fn a_407_in_the_error_chain_is_found() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("client error (Connect)")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = Outer(std::io::Error::other(
            "tunnel error: proxy authorization required",
        ));
        assert!(is_proxy_auth(&e));
        assert!(!is_proxy_auth(&Outer(std::io::Error::other(
            "tunnel error: unsuccessful"
        ))));
    }
}
