//! The Table API client: Bearer requests with one retry after a renewed token, ServiceNow's
//! answers mapped in [`super::errors`], and the few reads the connection needs (who signed in,
//! the release).

use super::InstanceUrl;
use super::errors::{self, Doing};
use crate::error::{ErrorKind, Result};
use crate::oauth::session::Session;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// Who a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedInUser {
    pub sys_id: String,
    pub user_name: String,
    pub display_name: String,
}

/// A successful answer: status, the headers the callers need, the body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub total_count: Option<u64>,
    /// The `Location` header of a `201 Created`.
    pub location: Option<String>,
    pub body: Value,
}

#[derive(Clone)]
pub struct ServiceNow {
    http: reqwest::Client,
    instance: InstanceUrl,
    session: Arc<Session>,
}

impl ServiceNow {
    pub fn new(http: reqwest::Client, instance: InstanceUrl, session: Arc<Session>) -> Self {
        Self {
            http,
            instance,
            session,
        }
    }

    pub fn instance(&self) -> &InstanceUrl {
        &self.instance
    }

    pub fn session(&self) -> &Arc<Session> {
        &self.session
    }

    /// The HTTP client, for the few calls that carry no token (the connection doctor's probes).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `GET path` (path and query, starting with `/`) as JSON. `doing` completes "could not …".
    pub async fn get(&self, path: &str, doing: Doing) -> Result<Answer> {
        self.send(reqwest::Method::GET, path, None, doing).await
    }

    /// `POST path` with a JSON body (a Table API insert). The one retry after a `401` is safe:
    /// ServiceNow checks the token before it writes anything.
    pub async fn post(&self, path: &str, body: &Value, doing: Doing) -> Result<Answer> {
        self.send(reqwest::Method::POST, path, Some(body), doing)
            .await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        json: Option<&Value>,
        doing: Doing,
    ) -> Result<Answer> {
        let mut token = self.session.access_token().await?;
        let mut retried = false;
        loop {
            let mut req = self
                .http
                .request(method.clone(), self.instance.url(path))
                .bearer_auth(token.expose())
                .header("Accept", "application/json");
            if let Some(body) = json {
                req = req.json(body);
            }
            let resp = req
                .send()
                .await
                .map_err(|e| errors::map_transport_error(&e, self.instance.as_str()))?;
            let status = resp.status().as_u16();
            if status == 401 && !retried {
                retried = true;
                token = self.session.after_unauthorized(&token).await?;
                continue;
            }
            let header = |n: &str| {
                resp.headers()
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let content_type = header("content-type");
            let retry_after = header("retry-after");
            let total_count = header("x-total-count").and_then(|v| v.parse().ok());
            let location = header("location");
            let body = resp
                .bytes()
                .await
                .map_err(|e| errors::map_transport_error(&e, self.instance.as_str()))?;
            if !(200..300).contains(&status) {
                return Err(errors::map_api_error(
                    status,
                    content_type.as_deref(),
                    retry_after.as_deref(),
                    &body,
                    doing,
                ));
            }
            let body: Value =
                serde_json::from_slice(&body).map_err(|_| errors::unreadable_answer(doing))?;
            return Ok(Answer {
                status,
                total_count,
                location,
                body,
            });
        }
    }

    /// Who the token belongs to: `/api/now/ui/user/current_user`, or, where that endpoint is
    /// missing, the `sys_user` record of `gs.getUserID()`.
    pub async fn current_user(&self) -> Result<SignedInUser> {
        let doing = Doing::FindSignedInUser;
        match self.get("/api/now/ui/user/current_user", doing).await {
            Ok(a) => {
                let r = &a.body["result"];
                let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                let user = SignedInUser {
                    sys_id: s("user_sys_id"),
                    user_name: s("user_name"),
                    display_name: s("user_display_name"),
                };
                if !user.user_name.is_empty() {
                    return Ok(user);
                }
            }
            Err(e) if e.kind == ErrorKind::ServiceNow && e.status == Some(404) => {}
            Err(e) => return Err(e),
        }
        let a = self
            .get(
                "/api/now/table/sys_user?sysparm_query=sys_id%3Djavascript%3Ags.getUserID()&sysparm_fields=sys_id%2Cuser_name%2Cname&sysparm_limit=1",
                doing,
            )
            .await?;
        let r = a.body["result"]
            .as_array()
            .and_then(|rows| rows.first())
            .ok_or_else(|| errors::unreadable_answer(doing))?;
        let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        Ok(SignedInUser {
            sys_id: s("sys_id"),
            user_name: s("user_name"),
            display_name: s("name"),
        })
    }

    /// The release name from `glide.buildname`, when the integration user may read it.
    /// Unknown is normal (the property is often admin-only).
    pub async fn release(&self) -> Result<Option<String>> {
        match self
            .get(
                "/api/now/table/sys_properties?sysparm_query=name%3Dglide.buildname&sysparm_fields=value&sysparm_limit=1",
                Doing::ReadRelease,
            )
            .await
        {
            Ok(a) => Ok(a.body["result"]
                .as_array()
                .and_then(|rows| rows.first())
                .and_then(|r| r.get("value"))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)),
            Err(e) if matches!(e.kind, ErrorKind::AclDenied | ErrorKind::ServiceNow) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The releases in order, for "Kingston or later".
pub const RELEASES: [&str; 18] = [
    "Kingston",
    "London",
    "Madrid",
    "New York",
    "Orlando",
    "Paris",
    "Quebec",
    "Rome",
    "San Diego",
    "Tokyo",
    "Utah",
    "Vancouver",
    "Washington DC",
    "Xanadu",
    "Yokohama",
    "Zurich",
    "Australia",
    "Brazil",
];

/// Whether a `glide.buildname` value names Kingston or later: `Some(true)` / `Some(false)`, or
/// `None` when the name is not one Ticket Bridge knows (older ones: Jakarta, Istanbul, ...).
pub fn release_supported(buildname: &str) -> Option<bool> {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let b = norm(buildname);
    if RELEASES.iter().any(|r| b.contains(&norm(r))) {
        return Some(true);
    }
    const OLDER: [&str; 6] = [
        "jakarta", "istanbul", "helsinki", "geneva", "fuji", "eureka",
    ];
    if OLDER.iter().any(|o| b.contains(o)) {
        return Some(false);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases() {
        assert_eq!(release_supported("Zurich"), Some(true));
        assert_eq!(release_supported("washingtondc"), Some(true));
        assert_eq!(
            release_supported("glide-kingston-10-17-2017__patch5"),
            Some(true)
        );
        assert_eq!(release_supported("Jakarta"), Some(false));
        assert_eq!(release_supported("unknown"), None);
    }
}
