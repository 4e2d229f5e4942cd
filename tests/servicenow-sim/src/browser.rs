//! A scripted browser for the simulator's pages: keeps the JSESSIONID cookie, follows
//! same-origin redirects, reads and submits the simulator's own forms. The simulator's
//! conformance tests and the app's integration tests use it to sign in, use Not You?, and press
//! Allow or Deny as a person would. (The end-to-end tests use real Chromium instead.)

use reqwest::{Client, Response, StatusCode, header};

/// A client that does not follow redirects by itself.
pub fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A browser: keeps the JSESSIONID cookie, follows nothing by itself.
pub struct Browser {
    pub base: String,
    pub client: Client,
    pub cookie: Option<String>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.to_string(),
            client: client(),
            cookie: None,
        }
    }

    fn url(&self, path_or_url: &str) -> String {
        if path_or_url.starts_with("http") {
            path_or_url.to_string()
        } else {
            format!("{}{}", self.base, path_or_url)
        }
    }

    fn keep_cookie(&mut self, resp: &Response) {
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            if let Some(rest) = v.strip_prefix("JSESSIONID=") {
                self.cookie = Some(rest.split(';').next().unwrap().to_string());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, format!("JSESSIONID={c}"));
        }
        let resp = req.send().await.expect("GET");
        self.keep_cookie(&resp);
        resp
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(String, String)]) -> Response {
        let mut req = self.client.post(self.url(path)).form(fields);
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, format!("JSESSIONID={c}"));
        }
        let resp = req.send().await.expect("POST");
        self.keep_cookie(&resp);
        resp
    }

    /// GET, then follow same-origin redirects; returns the final response
    /// and the last URL. Stops at a redirect that leaves the simulator.
    pub async fn follow(&mut self, mut path: String) -> (Response, String) {
        for _ in 0..10 {
            let resp = self.get(&path).await;
            if resp.status() != StatusCode::FOUND {
                return (resp, path);
            }
            let loc = location(&resp);
            if loc.starts_with("http") && !loc.starts_with(&self.base) {
                return (resp, path);
            }
            path = loc;
        }
        panic!("too many redirects");
    }

    /// Submit a form of `html` (by form id) with its hidden fields plus `extra`.
    pub async fn submit(&mut self, html: &str, form_id: &str, extra: &[(&str, &str)]) -> Response {
        let (action, mut fields) = form(html, form_id);
        for (k, v) in extra {
            fields.push((k.to_string(), v.to_string()));
        }
        self.post_form(&action, &fields).await
    }
}

pub fn location(resp: &Response) -> String {
    resp.headers()
        .get(header::LOCATION)
        .expect("Location header")
        .to_str()
        .unwrap()
        .to_string()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in one tag.
pub fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// The opening tag of the element with this id.
pub fn element<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let start = html[..at].rfind('<')?;
    let end = html[at..].find('>')? + at + 1;
    Some(&html[start..end])
}

/// The text of the element with this id (up to the next tag).
pub fn text_of(html: &str, id: &str) -> Option<String> {
    let tag = element(html, id)?;
    let start = html.find(tag)? + tag.len();
    let end = html[start..].find('<')? + start;
    Some(unescape(&html[start..end]))
}

/// A form's action and its hidden inputs.
pub fn form(html: &str, form_id: &str) -> (String, Vec<(String, String)>) {
    let tag = element(html, form_id).unwrap_or_else(|| panic!("form {form_id} in page:\n{html}"));
    let action = attr(tag, "action").expect("action");
    let start = html.find(tag).unwrap();
    let end = html[start..].find("</form>").unwrap() + start;
    let mut fields = Vec::new();
    let mut rest = &html[start..end];
    while let Some(i) = rest.find("<input") {
        let close = rest[i..].find('>').unwrap() + i;
        let input = &rest[i..=close];
        if attr(input, "type").as_deref() == Some("hidden") {
            fields.push((
                attr(input, "name").unwrap(),
                attr(input, "value").unwrap_or_default(),
            ));
        }
        rest = &rest[close..];
    }
    (action, fields)
}

pub fn query_param(url: &str, key: &str) -> Option<String> {
    let parsed = url::Url::parse(url).unwrap();
    parsed
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

impl Browser {
    /// Signs in on the instance's own login page (`/login.do`), as an admin who uses the local
    /// login first when single sign-on would bring back the wrong person.
    pub async fn sign_in(&mut self, user: &str, password: &str) {
        let page = self
            .get("/login.do")
            .await
            .text()
            .await
            .expect("login page");
        let resp = self
            .submit(
                &page,
                "login_form",
                &[("user_name", user), ("user_password", password)],
            )
            .await;
        assert_eq!(resp.status(), StatusCode::FOUND, "{user} could not sign in");
    }

    /// Opens `authorize_url` and goes through ServiceNow's pages as `user`: signs in when the
    /// login page shows, selects Not You? when someone else is signed in, then selects Allow
    /// (or Deny when `allow` is false). Returns where ServiceNow sends the browser next (the
    /// app's redirect URL with `code` or `error`, and `state`).
    pub async fn authorize_as(
        &mut self,
        authorize_url: &str,
        user: &str,
        password: &str,
        allow: bool,
    ) -> String {
        let mut path = authorize_url.to_string();
        for _ in 0..6 {
            let (resp, at) = self.follow(path.clone()).await;
            if resp.status() == StatusCode::FOUND {
                // A redirect that leaves the simulator: the app's callback.
                return location(&resp);
            }
            let page = resp.text().await.expect("page");
            if page.contains("id=\"login_form\"") {
                let resp = self
                    .submit(
                        &page,
                        "login_form",
                        &[("user_name", user), ("user_password", password)],
                    )
                    .await;
                path = location(&resp);
            } else if let Some(tag) = element(&page, "signed_in_user") {
                let shown = attr(tag, "data-user-name").unwrap_or_default();
                if !shown.eq_ignore_ascii_case(user) {
                    let href = attr(element(&page, "not_you").expect("Not You? link"), "href")
                        .expect("href");
                    let resp = self.get(&href).await;
                    path = location(&resp);
                    continue;
                }
                let form = if allow { "allow_form" } else { "deny_form" };
                let resp = self.submit(&page, form, &[]).await;
                assert_eq!(resp.status(), StatusCode::FOUND);
                return location(&resp);
            } else {
                panic!("unexpected page at {at}:\n{page}");
            }
        }
        panic!("the sign-in did not finish");
    }
}
