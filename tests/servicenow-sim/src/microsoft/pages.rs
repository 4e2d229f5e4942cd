//! The sign-in service's HTML pages: sign-in (email and password on one
//! page), the admin consent page, "Need admin approval", the error page and a
//! plain message page. Plain forms, no JavaScript, and the element ids of
//! Microsoft's real pages where it has them, so a scripted or real browser
//! can drive them:
//!
//! - sign-in: form `#i0281`, email `#i0116` (`loginfmt`), password `#i0118`
//!   (`passwd`), submit `#idSIButton9`, errors `#usernameError` / `#passwordError`;
//! - consent: form `#consentForm`, checkbox `#consent-org` (`consent_org`),
//!   Accept `#idBtn_Accept` and Cancel `#idBtn_Back` (`action` = accept / cancel);
//! - need admin approval: form `#adminApprovalForm`, `#idBtn_Back` (`action` = back),
//!   link `#adminAccountLink`;
//! - error: `#errorCode` (`AADSTS50011`) and `#errorMessage` (the whole text).
//!
//! Every dynamic string is escaped here.

use crate::microsoft::state::GRAPH_RESOURCE;
use crate::pages::esc;

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<style>body{{font-family:'Segoe UI',sans-serif;background:#f2f2f2;margin:0}}\
main{{max-width:440px;margin:60px auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}}\
.logo{{font-weight:600;color:#737373}}input[type=email],input[type=password]{{display:block;width:100%;margin:12px 0;padding:6px 0;border:0;border-bottom:1px solid #666}}\
.error{{color:#e81123}}button,input[type=submit]{{margin-top:16px;margin-right:8px;padding:6px 20px}}\
.primary{{background:#0067b8;color:#fff;border:0}}li{{margin:6px 0}}small{{color:#666}}</style>\
</head><body><main><div class=\"logo\">Microsoft</div>{body}</main></body></html>\n",
        title = esc(title),
    )
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        esc(name),
        esc(value)
    )
}

/// What went wrong on the previous sign-in attempt.
pub enum SignInError {
    Username(String),
    Password(String),
}

/// The sign-in page. Posts `ctx`, `loginfmt`, `passwd` to `action`.
pub fn sign_in(action: &str, ctx: &str, login_hint: &str, error: Option<SignInError>) -> String {
    let (user_err, pass_err) = match error {
        Some(SignInError::Username(m)) => (
            format!(
                "<div id=\"usernameError\" class=\"error\" role=\"alert\">{}</div>",
                esc(&m)
            ),
            String::new(),
        ),
        Some(SignInError::Password(m)) => (
            String::new(),
            format!(
                "<div id=\"passwordError\" class=\"error\" role=\"alert\">{}</div>",
                esc(&m)
            ),
        ),
        None => (String::new(), String::new()),
    };
    let body = format!(
        "<div id=\"loginHeader\" role=\"heading\">Sign in</div>\
<form id=\"i0281\" name=\"f1\" method=\"post\" action=\"{action}\" autocomplete=\"off\">{ctx}{flow}\
{user_err}<input type=\"email\" id=\"i0116\" name=\"loginfmt\" value=\"{hint}\" placeholder=\"Email, phone, or Skype\" aria-label=\"Enter your email, phone, or Skype.\" autocomplete=\"username\">\
{pass_err}<input type=\"password\" id=\"i0118\" name=\"passwd\" placeholder=\"Password\" aria-label=\"Enter the password for your account\" autocomplete=\"current-password\">\
<input type=\"submit\" id=\"idSIButton9\" class=\"primary\" value=\"Sign in\">\
</form>",
        action = esc(action),
        ctx = hidden("ctx", ctx),
        flow = hidden("flowToken", ctx),
        hint = esc(login_hint),
    );
    layout("Sign in to your account", &body)
}

/// What a person reads for a permission on the consent page.
pub fn permission_text(scope: &str) -> String {
    let name = scope.strip_prefix(GRAPH_RESOURCE).unwrap_or(scope);
    match name {
        "openid" => "Sign you in".into(),
        "profile" => "View your basic profile".into(),
        "email" => "View your email address".into(),
        "offline_access" => "Maintain access to data you have given it access to".into(),
        "SecurityEvents.Read.All" => "Read your organization's security events".into(),
        "SecurityEvents.ReadWrite.All" => {
            "Read and update your organization's security events".into()
        }
        "User.Read" => "Sign in and read user profile".into(),
        "User.Read.All" => "Read all users' full profiles".into(),
        "Directory.Read.All" => "Read directory data".into(),
        other => other.to_string(),
    }
}

fn permission_list(scopes: &[String]) -> String {
    let items: String = scopes
        .iter()
        .map(|s| {
            format!(
                "<li data-scope=\"{}\">{}</li>",
                esc(s),
                esc(&permission_text(s))
            )
        })
        .collect();
    format!("<ul id=\"permissions\">{items}</ul>")
}

/// The consent page. `org` shows "Consent on behalf of your organization"
/// (for a user who may grant admin consent); `org_checked` ticks it.
pub fn consent(
    action: &str,
    ctx: &str,
    app_name: &str,
    upn: &str,
    scopes: &[String],
    org: bool,
    org_checked: bool,
) -> String {
    let org_box = if org {
        format!(
            "<p><input type=\"checkbox\" id=\"consent-org\" name=\"consent_org\" value=\"true\"{}>\
<label for=\"consent-org\">Consent on behalf of your organization</label></p>",
            if org_checked { " checked" } else { "" }
        )
    } else {
        String::new()
    };
    let body = format!(
        "<div id=\"signedInUser\">{upn}</div><h1 id=\"consentHeader\">Permissions requested</h1>\
<p><b id=\"appName\">{app}</b><br><small>unverified</small></p>\
<p>This app would like to:</p>{list}\
<form id=\"consentForm\" method=\"post\" action=\"{action}\">{ctx}{org_box}\
<p><small>Accepting these permissions means that you allow this app to use your data as specified in their terms of service and privacy statement. You can change these permissions at https://myapps.microsoft.com.</small></p>\
<button type=\"submit\" id=\"idBtn_Back\" name=\"action\" value=\"cancel\">Cancel</button>\
<button type=\"submit\" id=\"idBtn_Accept\" class=\"primary\" name=\"action\" value=\"accept\">Accept</button>\
</form>",
        upn = esc(upn),
        app = esc(app_name),
        list = permission_list(scopes),
        action = esc(action),
        ctx = hidden("ctx", ctx),
    );
    layout("Permissions requested", &body)
}

/// "Need admin approval": no Accept; Return to the application (`#idBtn_Back`).
pub fn need_admin_approval(
    action: &str,
    ctx: &str,
    app_name: &str,
    upn: &str,
    scopes: &[String],
    admin_link: &str,
) -> String {
    let body = format!(
        "<div id=\"signedInUser\">{upn}</div><h1 id=\"needAdminApproval\">Need admin approval</h1>\
<p><b id=\"appName\">{app}</b><br><small>unverified</small></p>\
<p>{app} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>{list}\
<p><a id=\"adminAccountLink\" href=\"{admin_link}\">Have an admin account? Sign in with that account</a></p>\
<form id=\"adminApprovalForm\" method=\"post\" action=\"{action}\">{ctx}\
<button type=\"submit\" id=\"idBtn_Back\" name=\"action\" value=\"back\">Return to the application without granting consent</button>\
</form>",
        upn = esc(upn),
        app = esc(app_name),
        list = permission_list(scopes),
        admin_link = esc(admin_link),
        action = esc(action),
        ctx = hidden("ctx", ctx),
    );
    layout("Need admin approval", &body)
}

/// The error page the sign-in service shows instead of redirecting.
pub fn error(code: u32, message: &str, request_id: &str, correlation_id: &str, ts: &str) -> String {
    let body = format!(
        "<h1>Sorry, but we\u{2019}re having trouble signing you in.</h1>\
<p id=\"errorMessage\">AADSTS{code}: {msg}</p>\
<h2>Troubleshooting details</h2><p><small>Error Code: <span id=\"errorCode\">AADSTS{code}</span><br>\
Request Id: <span id=\"requestId\">{rid}</span><br>Correlation Id: <span id=\"correlationId\">{cid}</span><br>\
Timestamp: <span id=\"timestamp\">{ts}</span></small></p>",
        msg = esc(message),
        rid = esc(request_id),
        cid = esc(correlation_id),
        ts = esc(ts),
    );
    layout("Sign in to your account", &body)
}

/// A page with one message (signed out, admin consent done, etc.).
pub fn message(title: &str, text: &str) -> String {
    let body = format!("<h1>{}</h1><p id=\"message\">{}</p>", esc(title), esc(text));
    layout(title, &body)
}
