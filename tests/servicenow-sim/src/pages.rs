//! The instance's HTML pages: login, OAuth approval, error and message pages,
//! the IP block page, and the load balancer's 504 page. Plain HTML forms, no
//! JavaScript, stable element ids (`user_name`, `user_password`,
//! `sysverb_login`, `not_you`, `allow`, `deny`, `signed_in_user`) so a
//! headless browser can drive them. Every dynamic string is escaped here.

/// HTML-escape text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn layout(title: &str, header_right: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<style>body{{font-family:sans-serif;margin:0}}header{{background:#293e40;color:#fff;padding:8px 16px;display:flex;justify-content:space-between}}\
header a{{color:#fff}}main{{max-width:480px;margin:40px auto}}label{{display:block;margin-top:12px}}button{{margin-top:16px;margin-right:8px}}</style>\
</head><body><header><span>servicenow</span><span>{header_right}</span></header><main>{body}</main></body></html>\n",
        title = esc(title),
    )
}

/// The local login page. The form posts to `action` (`/login.do` or `/side_door.do`).
pub fn login(action: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p id=\"output_messages\" class=\"error\">{}</p>", esc(e)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Log in</h1>{error}\
<form id=\"login_form\" method=\"post\" action=\"{action}\">\
<label for=\"user_name\">User name</label><input id=\"user_name\" name=\"user_name\" type=\"text\" autocomplete=\"username\">\
<label for=\"user_password\">Password</label><input id=\"user_password\" name=\"user_password\" type=\"password\" autocomplete=\"current-password\">\
<button id=\"sysverb_login\" name=\"sysverb_login\" type=\"submit\" value=\"Log in\">Log in</button>\
</form>",
        action = esc(action),
    );
    layout("Log in | ServiceNow", "", &body)
}

/// The OAuth approval page: the app, the signed-in user, Not You?, Allow, Deny.
/// (`data-user-name` is the simulator's addition, for scripted browsers; people read the name.)
pub fn approval(app_name: &str, user_display: &str, user_name: &str, request_id: &str) -> String {
    let right = format!(
        "<span id=\"signed_in_user\" data-user-name=\"{}\">{}</span> <a id=\"not_you\" href=\"/oauth_not_you.do?request_id={}\">Not You?</a>",
        esc(user_name),
        esc(user_display),
        esc(request_id),
    );
    let hidden = format!(
        "<input type=\"hidden\" name=\"request_id\" value=\"{}\">",
        esc(request_id)
    );
    let body = format!(
        "<h1 id=\"app_name\">{app}</h1>\
<p>{app} would like to connect to your ServiceNow account.</p>\
<p>It will be able to access your account with the permissions of <strong>{user}</strong> (scope: useraccount).</p>\
<form id=\"allow_form\" method=\"post\" action=\"/oauth_auth.do\">{hidden}<input type=\"hidden\" name=\"action\" value=\"allow\">\
<button id=\"allow\" type=\"submit\">Allow</button></form>\
<form id=\"deny_form\" method=\"post\" action=\"/oauth_auth.do\">{hidden}<input type=\"hidden\" name=\"action\" value=\"deny\">\
<button id=\"deny\" type=\"submit\">Deny</button></form>",
        app = esc(app_name),
        user = esc(user_display),
    );
    layout("Authorize | ServiceNow", &right, &body)
}

/// A page carrying one message (errors of the authorization endpoint, etc.).
pub fn message(title: &str, text: &str) -> String {
    let body = format!(
        "<h1>{}</h1><p id=\"error_message\">{}</p>",
        esc(title),
        esc(text)
    );
    layout(title, "", &body)
}

/// The page after a plain login (no pending authorization request).
pub fn home(user_display: &str) -> String {
    let right = format!(
        "<span id=\"signed_in_user\">{}</span> <a id=\"logout\" href=\"/logout.do\">Log out</a>",
        esc(user_display)
    );
    layout(
        "ServiceNow",
        &right,
        "<h1>Welcome</h1><p>You are logged in.</p>",
    )
}

/// IP Address Access Control's refusal.
pub fn ip_blocked() -> String {
    layout(
        "Access Denied",
        "",
        "<h1>Access Denied</h1><p id=\"error_message\">Your IP address is not allowed to access this instance (IP Address Access Control).</p>",
    )
}

/// The instance's generic HTML error page (what a failing `.do` endpoint
/// shows; the exact text is inferred).
pub fn server_error() -> String {
    layout(
        "Error | ServiceNow",
        "",
        "<h1>Error</h1><p id=\"error_message\">An unexpected error occurred while processing the request. Please try again later.</p>",
    )
}

/// The load balancer's `504 Gateway Time-out` page: plain HTML, nothing of
/// the instance's look (the instance never answered).
pub fn gateway_timeout() -> String {
    "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n".to_string()
}
