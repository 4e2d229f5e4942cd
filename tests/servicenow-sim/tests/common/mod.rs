//! Helpers for the conformance tests: starting a simulator, a browser-like
//! client that keeps JSESSIONID and does not follow redirects, and tiny HTML
//! form readers (enough to "click" the simulator's own pages).
#![allow(dead_code)]

use reqwest::{Client, Response, StatusCode, header};
use servicenow_sim::{RunningSim, Scenario, Seed, SimConfig};

pub async fn start(seed: Seed, scenarios: Vec<Scenario>) -> RunningSim {
    servicenow_sim::start(SimConfig {
        seed,
        scenarios,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

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
