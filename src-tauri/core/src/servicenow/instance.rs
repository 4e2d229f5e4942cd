//! The ServiceNow instance address: what the admin typed, made into one base URL.
//!
//! Accepts a bare instance name (`contoso` → `https://contoso.service-now.com`), a host name, or a
//! full `https://` URL (a custom domain is fine; a pasted page path is dropped). Plain `http://` is
//! accepted only for a loopback address with a port, which is what the simulator and the demo use.
//! Owns nothing else: no network, no settings.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use url::{Host, Url};

/// A validated instance base URL: scheme, host and optional port, no path, no trailing slash.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InstanceUrl {
    origin: String,
    loopback: bool,
}

const HINT: &str = "Type your instance name (for example contoso), or its address such as https://contoso.service-now.com.";

/// A rejection with the usual hint; the caller names the cause (`.with_reason`).
fn invalid(message: impl Into<String>) -> Error {
    Error::invalid_input(message, HINT)
}

fn is_instance_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

impl InstanceUrl {
    /// Parses what the admin typed. Never panics; every rejection says what to type instead.
    pub fn parse(input: &str) -> Result<Self> {
        let s = input.trim();
        if s.is_empty() {
            return Err(invalid("Enter your ServiceNow instance.").with_reason("instance_missing"));
        }
        if s.chars().any(char::is_whitespace) {
            return Err(
                invalid("An instance name or address cannot contain spaces.")
                    .with_reason("instance_spaces"),
            );
        }
        if is_instance_name(s) {
            return Ok(Self {
                origin: format!("https://{}.service-now.com", s.to_ascii_lowercase()),
                loopback: false,
            });
        }
        let with_scheme = if s.contains("://") {
            s.to_owned()
        } else {
            format!("https://{s}")
        };
        let url = Url::parse(&with_scheme).map_err(|_| {
            invalid(format!(
                "\u{201c}{s}\u{201d} is not an instance name or address."
            ))
            .with_reason("instance_address")
            .with_param("input", s)
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(
                invalid("Leave the user name and password out of the instance address.")
                    .with_reason("instance_credentials"),
            );
        }
        let host = url.host().ok_or_else(|| {
            invalid("The instance address has no host name.").with_reason("instance_no_host")
        })?;
        let loopback = match &host {
            Host::Ipv4(ip) => ip.is_loopback(),
            Host::Ipv6(ip) => ip.is_loopback(),
            Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {
                if url.port().is_none() {
                    return Err(invalid(
                        "A local test instance needs its port, for example http://127.0.0.1:8080.",
                    )
                    .with_reason("instance_local_port"));
                }
            }
            "http" => {
                return Err(Error::invalid_input(
                    "ServiceNow instances are reached over HTTPS only.",
                    "Use the https:// address of your instance, for example https://contoso.service-now.com.",
                )
                .with_reason("instance_not_https"));
            }
            other => {
                return Err(
                    invalid(format!("\u{201c}{other}://\u{201d} is not a web address."))
                        .with_reason("instance_scheme")
                        .with_param("scheme", other),
                );
            }
        }
        if let Host::Domain(d) = &host
            && !d.contains('.')
            && !loopback
        {
            return Err(
                invalid(format!("\u{201c}{d}\u{201d} is not a complete host name."))
                    .with_reason("instance_host_incomplete")
                    .with_param("host", d.to_string()),
            );
        }
        if let Host::Domain(d) = &host
            && !d.split('.').all(is_instance_name)
        {
            return Err(
                invalid(format!("\u{201c}{d}\u{201d} is not a valid host name."))
                    .with_reason("instance_host_invalid")
                    .with_param("host", d.to_string()),
            );
        }
        let mut origin = format!("{}://{}", url.scheme(), host);
        if let Some(port) = url.port() {
            origin.push_str(&format!(":{port}"));
        }
        Ok(Self {
            origin: origin.to_ascii_lowercase(),
            loopback,
        })
    }

    /// `https://contoso.service-now.com`, with no trailing slash.
    pub fn as_str(&self) -> &str {
        &self.origin
    }

    /// Whether this is a local test instance (plain HTTP allowed).
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// The absolute URL of `path` (which starts with `/`) on this instance.
    pub fn url(&self, path: &str) -> String {
        debug_assert!(path.starts_with('/'));
        format!("{}{}", self.origin, path)
    }
}

impl fmt::Display for InstanceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)
    }
}

impl fmt::Debug for InstanceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InstanceUrl({})", self.origin)
    }
}

impl TryFrom<String> for InstanceUrl {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}

impl From<InstanceUrl> for String {
    fn from(i: InstanceUrl) -> String {
        i.origin
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn ok(s: &str) -> String {
        InstanceUrl::parse(s).unwrap().to_string()
    }

    #[test]
    fn names_hosts_and_urls() {
        assert_eq!(ok("contoso"), "https://contoso.service-now.com");
        assert_eq!(
            ok("  Contoso-Dev \n"),
            "https://contoso-dev.service-now.com"
        );
        assert_eq!(
            ok("contoso.service-now.com"),
            "https://contoso.service-now.com"
        );
        assert_eq!(
            ok("https://contoso.service-now.com/now/nav/ui/home?x=1#y"),
            "https://contoso.service-now.com"
        );
        assert_eq!(
            ok("https://itsm.example.org:8443/"),
            "https://itsm.example.org:8443"
        );
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(ok("http://localhost:9000/"), "http://localhost:9000");
        assert_eq!(ok("http://[::1]:9000"), "http://[::1]:9000");
        assert!(
            InstanceUrl::parse("http://127.0.0.1:8080")
                .unwrap()
                .is_loopback()
        );
        assert!(!InstanceUrl::parse("contoso").unwrap().is_loopback());
    }

    #[test]
    fn rejections_are_invalid_input_with_a_hint() {
        for bad in [
            "",
            "   ",
            "con toso",
            "-contoso",
            "contoso-",
            "http://contoso.service-now.com",
            "http://127.0.0.1",
            "ftp://contoso.service-now.com",
            "https://user:pw@contoso.service-now.com",
            "https://intranet",
            "https://",
            "javascript:alert(1)",
            "contoso_dev",
        ] {
            let e = InstanceUrl::parse(bad).expect_err(bad);
            assert_eq!(e.kind, ErrorKind::InvalidInput, "{bad}");
            assert!(!e.hint.is_empty(), "{bad}");
            assert!(e.reason.is_some(), "{bad} has no reason");
        }
    }

    #[test]
    fn round_trips_through_serde() {
        let i = InstanceUrl::parse("contoso").unwrap();
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(json, "\"https://contoso.service-now.com\"");
        let back: InstanceUrl = serde_json::from_str(&json).unwrap();
        assert_eq!(back, i);
        assert!(serde_json::from_str::<InstanceUrl>("\"http://evil.example\"").is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever is typed: no panic, and either an error with a hint or an origin that is
        /// HTTPS, or plain HTTP on loopback only, with no path, query or credentials.
        #[test]
        fn any_input_is_parsed_safely(input in "\\PC{0,80}") {
            match InstanceUrl::parse(&input) {
                Err(e) => prop_assert!(!e.hint.is_empty() && e.reason.is_some()),
                Ok(u) => {
                    let s = u.as_str();
                    prop_assert!(s.starts_with("https://") || (s.starts_with("http://") && u.is_loopback()));
                    let rest = s.split_once("://").unwrap().1;
                    prop_assert!(!rest.contains('/') && !rest.contains('?') && !rest.contains('@'));
                    // Parsing the result again gives the same instance.
                    prop_assert_eq!(InstanceUrl::parse(s).unwrap(), u.clone());
                }
            }
        }

        #[test]
        fn url_shaped_inputs(scheme in "(https?|ftp|javascript)", host in "[a-zA-Z0-9.-]{0,30}", port in proptest::option::of(0u32..70000), path in "(/[a-z]{0,8}){0,3}") {
            let input = match port {
                Some(p) => format!("{scheme}://{host}:{p}{path}"),
                None => format!("{scheme}://{host}{path}"),
            };
            let _ = InstanceUrl::parse(&input);
        }

        #[test]
        fn bare_names_become_service_now_hosts(name in "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?") {
            let u = InstanceUrl::parse(&name).unwrap();
            prop_assert_eq!(u.as_str(), format!("https://{name}.service-now.com"));
        }
    }
}
