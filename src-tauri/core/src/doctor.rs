//! The connection doctor: one line per check, each failure with its fix.
//!
//! Checks, in order: the instance answers over HTTPS; its OAuth endpoints answer; the token is
//! valid; who it belongs to, against the expected integration user; read and create rights on
//! `incident` and `change_request`; the release. Rights are read, never tried: reading one
//! record shows read rights, and the integration user's roles show create rights (a default
//! instance lets `itil` create both), so the doctor never leaves a junk record behind.

use crate::connection::ConnectionSettings;
use crate::error::{Error, ErrorKind};
use crate::servicenow::TicketKind;
use crate::servicenow::client::{ServiceNow, release_supported};
use crate::servicenow::errors;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub status: Status,
    pub detail: String,
    pub fix: Option<String>,
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

fn ok(id: &'static str, detail: impl Into<String>) -> Check {
    Check {
        id,
        status: Status::Ok,
        detail: detail.into(),
        fix: None,
    }
}

fn warn(id: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        id,
        status: Status::Warn,
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}

fn fail_with(id: &'static str, e: &Error) -> Check {
    Check {
        id,
        status: Status::Fail,
        detail: e.message.clone(),
        fix: Some(e.hint.clone()),
    }
}

fn not_checked(id: &'static str, because: &str) -> Check {
    warn(
        id,
        format!("Not checked: {because}."),
        "Fix the first failure above, then check again.",
    )
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
    let mut checks = Vec::with_capacity(7);
    let instance = settings.instance.as_str();

    // 1. Reachable.
    let reach = api.http().get(settings.instance.url("/")).send().await;
    let reachable = match reach {
        Err(e) => {
            checks.push(fail_with(
                "https",
                &errors::map_transport_error(&e, instance),
            ));
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
            let blocked = status == 403
                && errors::map_api_error(status, ct.as_deref(), None, &body, "answer").kind
                    == ErrorKind::IpBlocked;
            if blocked {
                checks.push(fail_with(
                    "https",
                    &errors::map_api_error(status, ct.as_deref(), None, &body, "answer"),
                ));
                false
            } else if settings.instance.is_loopback() {
                checks.push(ok(
                    "https",
                    format!("{instance} answers. It is a local test instance, reached over plain HTTP on this computer only."),
                ));
                true
            } else {
                checks.push(ok("https", format!("{instance} answers over HTTPS.")));
                true
            }
        }
    };
    if !reachable {
        for id in after("https") {
            checks.push(not_checked(id, "the instance cannot be reached"));
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
                format!(
                    "The access token is valid until {} (UTC); Ticket Bridge renews it before then.",
                    ends.format("%Y-%m-%d %H:%M")
                ),
            ));
        }
        Err(e) => checks.push(fail_with("token", e)),
    }
    let me = match me {
        Ok(me) => me,
        Err(_) => {
            for id in after("token") {
                checks.push(not_checked(id, "ServiceNow does not accept the token"));
            }
            return Report { checks };
        }
    };
    if me
        .user_name
        .eq_ignore_ascii_case(&settings.integration_user)
    {
        checks.push(ok(
            "identity",
            format!(
                "Signed in as {} ({}), the integration user.",
                me.display_name, me.user_name
            ),
        ));
    } else {
        checks.push(warn(
            "identity",
            format!(
                "Signed in as {} ({}), not as the integration user {}. Tickets are created in {}'s name.",
                me.display_name, me.user_name, settings.integration_user, me.display_name
            ),
            format!(
                "Select Re-authorize. On ServiceNow's page, select Not You? in the upper-right corner and sign in as {}. If single sign-on brings you back as yourself, first sign in at {} as {}, then re-authorize.",
                settings.integration_user,
                settings.instance.url("/login.do"),
                settings.integration_user
            ),
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
        Ok(Some(name)) => match release_supported(&name) {
            Some(true) => ok("release", format!("Release: {name} (Kingston or later).")),
            Some(false) => Check {
                id: "release",
                status: Status::Fail,
                detail: format!("Release: {name}, older than Kingston."),
                fix: Some("Ticket Bridge needs Kingston or later. Ask your ServiceNow admin about upgrading the instance.".into()),
            },
            None => ok("release", format!("Release: {name}.")),
        },
        Ok(None) | Err(_) => ok(
            "release",
            "The release is not readable by the integration user (glide.buildname is often admin-only). That is normal.",
        ),
    });
    Report { checks }
}

async fn lookup_check(api: &ServiceNow) -> Check {
    use crate::servicenow::table::CorrelationProbe;
    let prefix = format!("{}/", crate::tickets::correlation::PREFIX);
    let absent = format!("{prefix}doctor/{:016x}", rand::random::<u64>());
    match api.correlation_probe(&prefix, &absent).await
    {
        Err(e) => fail_with("lookup", &e),
        Ok(CorrelationProbe::Works) => ok(
            "lookup",
            "Tickets can be found by their correlation ID: a task whose answer was lost is never sent twice.",
        ),
        Ok(CorrelationProbe::NothingYet) => ok(
            "lookup",
            "The search by correlation ID works (there is no ticket of Ticket Bridge yet to check more).",
        ),
        Ok(CorrelationProbe::ConditionIgnored) => Check {
            id: "lookup",
            status: Status::Fail,
            detail: "ServiceNow ignored a search by correlation ID: it returned tasks that do not have the one asked for.".into(),
            fix: Some("Ask your ServiceNow admin to check the correlation_id field of the task table and the integration user's read access to it (a field ACL). Until this passes, a task whose answer is lost waits for you instead of being sent again.".into()),
        },
        Ok(CorrelationProbe::FieldHidden) => Check {
            id: "lookup",
            status: Status::Fail,
            detail: "The integration user cannot read the correlation ID of tasks: Ticket Bridge cannot recognise its own tickets.".into(),
            fix: Some("Ask your ServiceNow admin to let the integration user read task.correlation_id (a field ACL). Until then, a task whose answer is lost waits for you instead of being sent again.".into()),
        },
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
                "read its Application Registry",
            ),
        );
    }
    if page.0 == 404 {
        return Check {
            id: "oauth",
            status: Status::Fail,
            detail: "The instance has no OAuth authorization page (HTTP 404).".into(),
            fix: Some("OAuth must be active on the instance: ask your ServiceNow admin to check the OAuth 2.0 plugin and the property com.snc.platform.security.oauth.is.active.".into()),
        };
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
        Ok(r) if r.status().as_u16() == 401 || r.status().as_u16() == 400 => ok(
            "oauth",
            "The authorization page and the token endpoint answer.",
        ),
        Ok(r) => warn(
            "oauth",
            format!(
                "The token endpoint answered HTTP {} to a test request.",
                r.status().as_u16()
            ),
            "If signing in fails, check that OAuth is active on the instance and that no proxy changes its answers.",
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

async fn rights_check(
    api: &ServiceNow,
    id: &'static str,
    kind: TicketKind,
    roles: &Option<Vec<String>>,
) -> Check {
    let plural = kind.plural();
    let creators = kind.spec().create_roles;
    let read = api.probe_read(kind).await;
    if let Err(e) = read {
        return fail_with(id, &e);
    }
    match roles {
        Some(roles) if roles.iter().any(|r| creators.contains(&r.as_str())) => ok(
            id,
            format!(
                "The integration user can read {plural}, and has a role that creates them ({}).",
                creators
                    .iter()
                    .filter(|c| roles.iter().any(|r| r == *c))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Some(_) => Check {
            id,
            status: Status::Fail,
            detail: format!(
                "The integration user can read {plural} but has no role that creates them ({}).",
                creators.join(", ")
            ),
            fix: Some(format!(
                "In ServiceNow, open User Administration > Users, open the integration user and add the itil role (or the role your instance uses to create {plural})."
            )),
        },
        None => warn(
            id,
            format!(
                "The integration user can read {plural}. Its roles are not readable, so create rights could not be confirmed."
            ),
            format!(
                "Check that the integration user has the itil role (or the role your instance uses to create {plural}). The first ticket will confirm it."
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_line_of_the_cross_scope_page() {
        let html = "<html><body><p>Read operation against 'oauth_entity' from scope 'x' has been refused due to the table's cross-scope access policy</p></body></html>";
        assert!(super::first_line(html).starts_with("Read operation against 'oauth_entity'"));
        assert!(super::first_line(html).ends_with("cross-scope access policy"));
    }
}
