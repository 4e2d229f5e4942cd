//! The connection doctor: one line per check, each failure with its fix.
//!
//! Checks, in order: the instance answers over HTTPS; its OAuth endpoints answer; the token is
//! valid; who it belongs to, against the expected integration user; read and create rights on
//! `incident` and `change_request`; the release. Rights are read, never tried: reading one
//! record shows read rights, and the integration user's roles show create rights (a default
//! instance lets `itil` create both), so the doctor never leaves a junk record behind.
//!
//! When the instance's certificate is not trusted, the first line names who issued it (a proxy
//! that inspects HTTPS re-signs with its own CA): a second TLS handshake by the same route reads
//! the chain and sends nothing ([`crate::network::tls_probe`]); the line is then the error
//! `net_tls_untrusted_issuer`, else the generic `net_tls_untrusted`.

use crate::connection::ConnectionSettings;
use crate::error::{Error, ErrorKind};
use crate::servicenow::TicketKind;
use crate::servicenow::client::{ServiceNow, release_supported};
use crate::servicenow::errors::{self, Doing};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

/// Words of a line for the UI: a key of `ui/locales/*.json` (`doctor.details.*`, `doctor.fixes.*`)
/// and the values of its `{name}`s. A param whose name ends in `At` is an RFC 3339 time, which
/// the UI writes in the admin's locale and time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub key: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

impl Text {
    fn new(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            params: BTreeMap::new(),
        }
    }

    fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.params.insert(name.to_owned(), value.into());
        self
    }

    /// The English words, for logs and the `detail` and `fix` strings.
    pub fn english(&self) -> String {
        let args: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        crate::i18n::format("en", &self.key, &args)
    }
}

/// One line of the report. It crosses IPC as `{ id, status, detail, fix, detailText, fixText,
/// error }`: the UI words the line from `detailText` and `fixText`, or, for a call that failed,
/// from `error` as it words any error; `detail` and `fix` are the same in English, for logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub id: &'static str,
    pub status: Status,
    /// English, for logs.
    pub detail: String,
    /// English, for logs.
    pub fix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_text: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_text: Option<Text>,
    /// The error of a call that failed: its reason and params word the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }
}

fn line(id: &'static str, status: Status, detail: Text, fix: Option<Text>) -> Check {
    Check {
        id,
        status,
        detail: detail.english(),
        fix: fix.as_ref().map(Text::english),
        detail_text: Some(detail),
        fix_text: fix,
        error: None,
    }
}

fn ok(id: &'static str, detail: Text) -> Check {
    line(id, Status::Ok, detail, None)
}

fn warn(id: &'static str, detail: Text, fix: Text) -> Check {
    line(id, Status::Warn, detail, Some(fix))
}

fn fail(id: &'static str, detail: Text, fix: Text) -> Check {
    line(id, Status::Fail, detail, Some(fix))
}

fn fail_with(id: &'static str, e: &Error) -> Check {
    Check {
        id,
        status: Status::Fail,
        detail: e.message.clone(),
        fix: Some(e.hint.clone()),
        detail_text: None,
        fix_text: None,
        error: Some(e.clone()),
    }
}

fn not_checked(id: &'static str, because: Text) -> Check {
    warn(id, because, Text::new("doctor.fixes.not_checked"))
}

/// Every line of the report, in order.
pub fn check_ids() -> Vec<&'static str> {
    let mut ids = vec!["https", "oauth", "token", "identity"];
    ids.extend(TicketKind::ALL.iter().map(|k| k.spec().rights_check));
    ids.push("lookup");
    ids.push("release");
    ids
}

/// The lines after `id`.
fn after(id: &str) -> Vec<&'static str> {
    let ids = check_ids();
    let at = ids
        .iter()
        .position(|i| *i == id)
        .map_or(ids.len(), |i| i + 1);
    ids[at..].to_vec()
}

/// Runs every check against the connection.
pub async fn run(settings: &ConnectionSettings, api: &ServiceNow) -> Report {
    let mut checks = Vec::with_capacity(8);
    let instance = settings.instance.as_str();

    // 1. Reachable.
    let reach = api.http().get(settings.instance.url("/")).send().await;
    let reachable = match reach {
        Err(e) => {
            let mut error = errors::map_transport_error(&e, instance);
            if error.reason.as_deref() == Some("net_tls_untrusted") {
                error = named_issuer(settings).await.unwrap_or(error);
            }
            checks.push(fail_with("https", &error));
            false
        }
        Ok(resp) => {
            let status = resp.status().as_u16();
            let ct = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = resp.bytes().await.unwrap_or_default();
            let blocked = (status == 403)
                .then(|| {
                    errors::map_api_error(status, ct.as_deref(), None, &body, Doing::ReachInstance)
                })
                .filter(|e| e.kind == ErrorKind::IpBlocked);
            if let Some(e) = blocked {
                checks.push(fail_with("https", &e));
                false
            } else if settings.instance.is_loopback() && instance.starts_with("http://") {
                checks.push(ok(
                    "https",
                    Text::new("doctor.details.https.loopback").with("instance", instance),
                ));
                true
            } else {
                checks.push(ok(
                    "https",
                    Text::new("doctor.details.https.ok").with("instance", instance),
                ));
                true
            }
        }
    };
    if !reachable {
        for id in after("https") {
            checks.push(not_checked(
                id,
                Text::new("doctor.details.not_checked.unreachable"),
            ));
        }
        return Report { checks };
    }

    // 2. OAuth endpoints.
    checks.push(oauth_check(settings, api).await);

    // 3. Token, 4. identity.
    let me = api.current_user().await;
    match &me {
        Ok(_) => {
            let ends = api.session().expires_at().await;
            checks.push(ok(
                "token",
                Text::new("doctor.details.token.ok").with(
                    "expiresAt",
                    ends.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
            ));
        }
        Err(e) => checks.push(fail_with("token", e)),
    }
    let me = match me {
        Ok(me) => me,
        Err(_) => {
            for id in after("token") {
                checks.push(not_checked(
                    id,
                    Text::new("doctor.details.not_checked.token"),
                ));
            }
            return Report { checks };
        }
    };
    let signed_in = |key: &str| {
        Text::new(key)
            .with("name", &me.display_name)
            .with("user", &me.user_name)
    };
    if me
        .user_name
        .eq_ignore_ascii_case(&settings.integration_user)
    {
        checks.push(ok("identity", signed_in("doctor.details.identity.ok")));
    } else {
        checks.push(warn(
            "identity",
            signed_in("doctor.details.identity.someone_else")
                .with("expected", &settings.integration_user),
            Text::new("doctor.fixes.identity.someone_else")
                .with("expected", &settings.integration_user)
                .with("loginUrl", settings.instance.url("/login.do")),
        ));
    }

    // 5, 6. Rights, one line per kind.
    let roles = api.roles(&me.sys_id).await.ok();
    for kind in TicketKind::ALL {
        checks.push(rights_check(api, kind.spec().rights_check, kind, &roles).await);
    }

    // The search the outbox relies on after an unknown outcome.
    checks.push(lookup_check(api).await);

    // 7. Release.
    checks.push(match api.release().await {
        Ok(Some(name)) => {
            let release = |key: &str| Text::new(key).with("name", &name);
            match release_supported(&name) {
                Some(true) => ok("release", release("doctor.details.release.ok")),
                Some(false) => fail(
                    "release",
                    release("doctor.details.release.old"),
                    Text::new("doctor.fixes.release.old"),
                ),
                None => ok("release", release("doctor.details.release.named")),
            }
        }
        Ok(None) | Err(_) => ok("release", Text::new("doctor.details.release.unreadable")),
    });
    Report { checks }
}

/// The certificate was not trusted: who issued it, from a second, read-only handshake by the
/// same route (see [`crate::network::tls_probe`]). `None` keeps the generic line.
async fn named_issuer(settings: &ConnectionSettings) -> Option<Error> {
    let url = url::Url::parse(&settings.instance.url("/")).ok()?;
    let seen = crate::network::tls_probe::presented(&url).await?;
    Some(errors::tls_untrusted_issuer(
        settings.instance.as_str(),
        &seen.host,
        &seen.issuer,
        &seen.root,
    ))
}

async fn lookup_check(api: &ServiceNow) -> Check {
    use crate::servicenow::table::CorrelationProbe;
    let prefix = format!("{}/", crate::tickets::correlation::PREFIX);
    let absent = format!("{prefix}doctor/{:016x}", rand::random::<u64>());
    match api.correlation_probe(&prefix, &absent).await {
        Err(e) => fail_with("lookup", &e),
        Ok(CorrelationProbe::Works) => ok("lookup", Text::new("doctor.details.lookup.works")),
        Ok(CorrelationProbe::NothingYet) => {
            ok("lookup", Text::new("doctor.details.lookup.nothing_yet"))
        }
        Ok(CorrelationProbe::ConditionIgnored) => fail(
            "lookup",
            Text::new("doctor.details.lookup.ignored"),
            Text::new("doctor.fixes.lookup.ignored"),
        ),
        Ok(CorrelationProbe::FieldHidden) => fail(
            "lookup",
            Text::new("doctor.details.lookup.field_hidden"),
            Text::new("doctor.fixes.lookup.field_hidden"),
        ),
    }
}

async fn oauth_check(settings: &ConnectionSettings, api: &ServiceNow) -> Check {
    let instance = settings.instance.as_str();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &settings.client_id)
        .append_pair(
            "redirect_uri",
            &crate::oauth::loopback::redirect_uri(settings.port),
        )
        .append_pair("state", "ticketbridgedoctor")
        .finish();
    let page = api
        .http()
        .get(format!(
            "{}?{query}",
            settings.instance.url("/oauth_auth.do")
        ))
        .send()
        .await;
    let page = match page {
        Err(e) => return fail_with("oauth", &errors::map_transport_error(&e, instance)),
        Ok(r) => (r.status().as_u16(), r.text().await.unwrap_or_default()),
    };
    if page.1.contains("cross-scope access policy") {
        return fail_with(
            "oauth",
            &errors::map_api_error(
                403,
                Some("application/json"),
                None,
                serde_json::json!({"error": {"message": crate::doctor::first_line(&page.1), "detail": null}})
                    .to_string()
                    .as_bytes(),
                Doing::ReadRegistry,
            ),
        );
    }
    if page.0 == 404 {
        return fail(
            "oauth",
            Text::new("doctor.details.oauth.no_page"),
            Text::new("doctor.fixes.oauth.no_page"),
        );
    }
    // The token endpoint answers a deliberately empty request with its generic refusal.
    let token = api
        .http()
        .post(settings.instance.url("/oauth_token.do"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", settings.client_id.as_str()),
        ])
        .send()
        .await;
    match token {
        Err(e) => fail_with("oauth", &errors::map_transport_error(&e, instance)),
        Ok(r) if r.status().as_u16() == 401 || r.status().as_u16() == 400 => {
            ok("oauth", Text::new("doctor.details.oauth.ok"))
        }
        Ok(r) => warn(
            "oauth",
            Text::new("doctor.details.oauth.token_status")
                .with("status", r.status().as_u16().to_string()),
            Text::new("doctor.fixes.oauth.token_status"),
        ),
    }
}

fn first_line(html: &str) -> String {
    let start = html.find("Read operation").unwrap_or(0);
    html[start..]
        .split(['<', '\n'])
        .next()
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// The rights on one kind. Its words are the kind's own (`doctor.details.<id>.*`), so that each
/// language names the table in its sentence as it should.
async fn rights_check(
    api: &ServiceNow,
    id: &'static str,
    kind: TicketKind,
    roles: &Option<Vec<String>>,
) -> Check {
    let creators = kind.spec().create_roles;
    let read = api.probe_read(kind).await;
    if let Err(e) = read {
        return fail_with(id, &e);
    }
    match roles {
        Some(roles) if roles.iter().any(|r| creators.contains(&r.as_str())) => ok(
            id,
            Text::new(format!("doctor.details.{id}.ok")).with(
                "roles",
                creators
                    .iter()
                    .filter(|c| roles.iter().any(|r| r == *c))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ),
        Some(_) => fail(
            id,
            Text::new(format!("doctor.details.{id}.no_create_role"))
                .with("roles", creators.join(", ")),
            Text::new(format!("doctor.fixes.{id}.no_create_role")),
        ),
        None => warn(
            id,
            Text::new(format!("doctor.details.{id}.roles_unknown")),
            Text::new(format!("doctor.fixes.{id}.roles_unknown")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::servicenow::errors::test_catalogs;

    #[test]
    fn first_line_of_the_cross_scope_page() {
        let html = "<html><body><p>Read operation against 'oauth_entity' from scope 'x' has been refused due to the table's cross-scope access policy</p></body></html>";
        assert!(super::first_line(html).starts_with("Read operation against 'oauth_entity'"));
        assert!(super::first_line(html).ends_with("cross-scope access policy"));
    }

    /// Every `doctor.*` key this file names (outside its tests), `{id}` standing for each
    /// kind's rights line.
    fn keys_used() -> std::collections::BTreeSet<String> {
        let source = include_str!("doctor.rs");
        let code = &source[..source.find("#[cfg(test)]").unwrap()];
        let mut keys = std::collections::BTreeSet::new();
        for piece in code.split("\"doctor.").skip(1) {
            let key = format!("doctor.{}", piece.split('"').next().unwrap());
            if key.contains("{id}") {
                for kind in TicketKind::ALL {
                    keys.insert(key.replace("{id}", kind.spec().rights_check));
                }
            } else {
                keys.insert(key);
            }
        }
        keys
    }

    #[test]
    fn every_key_has_its_words_in_every_catalog_with_the_same_placeholders() {
        let keys = keys_used();
        assert!(keys.len() > 25, "{keys:?}");
        assert!(keys.contains("doctor.details.incident_rights.ok"));
        assert!(keys.contains("doctor.fixes.not_checked"));
        let (_, en) = test_catalogs::all()[0];
        for (lang, catalog) in test_catalogs::all() {
            for key in &keys {
                let text = test_catalogs::text(catalog, key)
                    .unwrap_or_else(|| panic!("{lang} lacks {key}"));
                assert!(!text.trim().is_empty(), "{lang} {key} is empty");
                let mut want = test_catalogs::placeholders(test_catalogs::text(en, key).unwrap());
                let mut got = test_catalogs::placeholders(text);
                want.sort();
                want.dedup();
                got.sort();
                got.dedup();
                assert_eq!(got, want, "{lang} {key}");
            }
        }
    }

    #[test]
    fn a_line_carries_its_key_params_and_english() {
        let c = warn(
            "identity",
            Text::new("doctor.details.identity.someone_else")
                .with("name", "Jane Doe")
                .with("user", "jane.doe")
                .with("expected", "svc_tb"),
            Text::new("doctor.fixes.identity.someone_else")
                .with("expected", "svc_tb")
                .with("loginUrl", "https://acme.service-now.com/login.do"),
        );
        assert!(
            c.detail.contains("Jane Doe") && c.detail.contains("svc_tb"),
            "{}",
            c.detail
        );
        assert!(!c.detail.contains('{'), "{}", c.detail);
        let fix = c.fix.clone().unwrap();
        assert!(fix.contains("Not You?") && fix.contains("https://acme.service-now.com/login.do"));
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "id": "identity",
                "status": "warn",
                "detail": c.detail,
                "fix": fix,
                "detailText": {
                    "key": "doctor.details.identity.someone_else",
                    "params": {"name": "Jane Doe", "user": "jane.doe", "expected": "svc_tb"}
                },
                "fixText": {
                    "key": "doctor.fixes.identity.someone_else",
                    "params": {"expected": "svc_tb", "loginUrl": "https://acme.service-now.com/login.do"}
                }
            })
        );
        // A line without params has no params object.
        let v =
            serde_json::to_value(ok("lookup", Text::new("doctor.details.lookup.works"))).unwrap();
        assert_eq!(
            v["detailText"],
            serde_json::json!({"key": "doctor.details.lookup.works"})
        );
        assert!(v.get("fixText").is_none() && v.get("error").is_none());
        assert_eq!(v["fix"], serde_json::Value::Null);
    }

    #[test]
    fn a_failed_call_is_worded_by_its_error() {
        let e = errors::map_api_error(
            403,
            Some("text/html"),
            None,
            b"<html/>",
            Doing::ReachInstance,
        );
        let c = fail_with("https", &e);
        assert_eq!(c.detail, e.message);
        assert_eq!(c.fix.as_deref(), Some(e.hint.as_str()));
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["status"], "fail");
        assert_eq!(v["error"]["kind"], "ip_blocked");
        assert_eq!(v["error"]["reason"], "sn_ip_blocked");
        assert!(v.get("detailText").is_none() && v.get("fixText").is_none());
    }

    #[test]
    fn not_checked_lines_say_why_and_what_to_do() {
        let c = not_checked("oauth", Text::new("doctor.details.not_checked.unreachable"));
        assert_eq!(c.status, Status::Warn);
        assert!(c.detail.starts_with("Not checked"), "{}", c.detail);
        assert_eq!(c.fix_text.unwrap().key, "doctor.fixes.not_checked");
    }
}
