//! The REST side of the instance: the Table API (`/api/now/table/{table}`)
//! and `/api/now/ui/user/current_user`. Owns request options (`sysparm_*`),
//! rendering of stored records (references, display values, field lists),
//! paging headers (X-Total-Count, Link), the error bodies of each failure,
//! and the Table-API scenarios (ACL insert deny, server error, cross-scope,
//! drop after write, error after write, hidden fields, ignored query fields,
//! bad sys_ids, release, and chaos's after-write faults).

use crate::chaos::Fault;
use crate::http::{
    ChaosAfterWrite, KillSwitch, authenticate, error_after_write, json_response, path_segment,
    server_error, sn_error,
};
use crate::scenarios::{CROSS_SCOPE_MESSAGE, Scenario};
use crate::state::{AppState, Shared};
use crate::store::{self, Actor, Record, TableDef, choice_label, str_field, table_def};
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

#[derive(Clone, Copy, PartialEq, Eq)]
enum DisplayMode {
    Raw,
    Display,
    All,
}

/// The `sysparm_*` options of one request.
struct Options {
    pairs: Vec<(String, String)>,
    display: DisplayMode,
    exclude_links: bool,
    fields: Option<Vec<String>>,
    query: String,
    limit: usize,
    offset: usize,
    no_count: bool,
    suppress_pagination: bool,
    /// Whether field-level read ACLs (`hide-field`) apply to the caller:
    /// everyone but the admin (ACLs' "Admin overrides").
    field_acl: bool,
}

pub const DEFAULT_LIMIT: usize = 10_000;

impl Options {
    fn parse(raw: Option<&str>) -> Options {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        let flag = |k: &str| get(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        Options {
            display: match get("sysparm_display_value")
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("true") => DisplayMode::Display,
                Some("all") => DisplayMode::All,
                _ => DisplayMode::Raw,
            },
            exclude_links: flag("sysparm_exclude_reference_link"),
            fields: get("sysparm_fields")
                .filter(|f| !f.trim().is_empty())
                .map(|f| {
                    f.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                }),
            query: get("sysparm_query").unwrap_or("").to_string(),
            limit: get("sysparm_limit")
                .and_then(|v| v.parse().ok())
                .filter(|l| *l > 0)
                .unwrap_or(DEFAULT_LIMIT),
            offset: get("sysparm_offset")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            no_count: flag("sysparm_no_count"),
            suppress_pagination: flag("sysparm_suppress_pagination_header"),
            field_acl: true,
            pairs,
        }
    }

    /// The options of a request by `actor`.
    fn for_actor(raw: Option<&str>, actor: &Actor) -> Options {
        Options {
            field_acl: actor.user_name != crate::seed::ADMIN,
            ..Options::parse(raw)
        }
    }

    /// Whether `hide-field` hides this field from this request.
    fn hidden(&self, shared: &Shared, field: &str) -> bool {
        self.field_acl && shared.hides(field)
    }

    /// This request's URL with another offset (for the Link header).
    fn url_with_offset(&self, base: &str, path: &str, offset: i64) -> String {
        let mut pairs = self.pairs.clone();
        let mut set = |k: &str, v: String| match pairs.iter_mut().find(|(key, _)| key == k) {
            Some(p) => p.1 = v,
            None => pairs.push((k.to_string(), v)),
        };
        set("sysparm_limit", self.limit.to_string());
        set("sysparm_offset", offset.to_string());
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        format!("{base}{path}?{q}")
    }
}

fn class_label(table: &str) -> &str {
    match table {
        "incident" => "Incident",
        "change_request" => "Change Request",
        "task" => "Task",
        other => other,
    }
}

/// The display value of one stored field.
fn display_of(shared: &Shared, def: &TableDef, class: &str, field: &str, raw: &str) -> String {
    if raw.is_empty() {
        return String::new();
    }
    if let Some(target) = def.reference_table(field) {
        return referenced(shared, target, raw)
            .map(|(t, r)| {
                str_field(r, table_def(t).map_or("sys_id", |d| d.display_field)).to_string()
            })
            .unwrap_or_default();
    }
    if field == "sys_class_name" {
        return class_label(raw).to_string();
    }
    choice_label(class, field, raw)
        .map(str::to_string)
        .unwrap_or_else(|| raw.to_string())
}

fn referenced<'a>(
    shared: &'a Shared,
    table: &str,
    sys_id: &str,
) -> Option<(&'static str, &'a Record)> {
    shared.store.find(table, sys_id)
}

/// Render a stored record for the response, honouring the options and the
/// fields `hide-field` hides from the caller.
fn render(shared: &Shared, def: &TableDef, rec: &Record, opts: &Options) -> Value {
    let class = match str_field(rec, "sys_class_name") {
        "" => def.name,
        c => c,
    };
    let names: Vec<String> = match &opts.fields {
        Some(f) => f.clone(),
        None => def.fields.iter().map(|s| s.to_string()).collect(),
    };
    let base = &shared.public_url;
    let mut out = Map::new();
    for name in names {
        if out.contains_key(&name) {
            continue;
        }
        // Dot-walking one level: `assigned_to.name`.
        if let Some((ref_field, sub)) = name.split_once('.') {
            if opts.hidden(shared, ref_field) || opts.hidden(shared, sub) {
                continue;
            }
            let Some(target) = def.reference_table(ref_field) else {
                continue;
            };
            let Some((t, r)) = referenced(shared, target, str_field(rec, ref_field)) else {
                if def.has_field(ref_field) {
                    out.insert(name.clone(), Value::String(String::new()));
                }
                continue;
            };
            let tdef = table_def(t).expect("known table");
            if !tdef.has_field(sub) {
                continue;
            }
            let raw = str_field(r, sub).to_string();
            let value = match opts.display {
                DisplayMode::Raw => Value::String(raw),
                DisplayMode::Display => Value::String(display_of(shared, tdef, t, sub, &raw)),
                DisplayMode::All => {
                    json!({"display_value": display_of(shared, tdef, t, sub, &raw), "value": raw})
                }
            };
            out.insert(name.clone(), value);
            continue;
        }
        if !def.has_field(&name) || opts.hidden(shared, &name) {
            continue;
        }
        let raw = str_field(rec, &name).to_string();
        let link = def
            .reference_table(&name)
            .filter(|_| !raw.is_empty() && !opts.exclude_links)
            .map(|t| format!("{base}/api/now/table/{t}/{}", path_segment(&raw)));
        let value = match (opts.display, link) {
            (DisplayMode::Raw, Some(link)) => json!({"link": link, "value": raw}),
            (DisplayMode::Raw, None) => Value::String(raw),
            (DisplayMode::Display, Some(link)) => {
                json!({"display_value": display_of(shared, def, class, &name, &raw), "link": link})
            }
            (DisplayMode::Display, None) => {
                Value::String(display_of(shared, def, class, &name, &raw))
            }
            (DisplayMode::All, Some(link)) => {
                json!({"display_value": display_of(shared, def, class, &name, &raw), "link": link, "value": raw})
            }
            (DisplayMode::All, None) => {
                json!({"display_value": display_of(shared, def, class, &name, &raw), "value": raw})
            }
        };
        out.insert(name, value);
    }
    Value::Object(out)
}

/// The rows a table shows now (scenarios may change what is there).
fn visible_rows<'a>(shared: &'a Shared, table: &str) -> Vec<std::borrow::Cow<'a, Record>> {
    let rows = shared.store.rows(table);
    // Only the tables a scenario rewrites are copied; the others are read where they are.
    if table != "sys_properties" && table != "sys_user_has_role" {
        return rows.into_iter().map(std::borrow::Cow::Borrowed).collect();
    }
    let mut rows: Vec<Record> = rows.into_iter().cloned().collect();
    if table == "sys_properties"
        && let Some(Scenario::Release(release)) = shared.scenario("release")
    {
        match release {
            Some(name) => rows
                .iter_mut()
                .filter(|r| str_field(r, "name") == "glide.buildname")
                .for_each(|r| store::set(r, "value", name)),
            None => rows.retain(|r| str_field(r, "name") != "glide.buildname"),
        }
    }
    // Denying inserts is modelled as the itil role taken away from everyone.
    if table == "sys_user_has_role" && shared.scenario("acl-deny-insert").is_some() {
        let itil = crate::seed::stable_id("role:itil");
        rows.retain(|r| str_field(r, "role") != itil);
    }
    rows.into_iter().map(std::borrow::Cow::Owned).collect()
}

/// Checks shared by every Table API call: auth, scenarios, table name.
fn preflight(
    app: &AppState,
    headers: &HeaderMap,
    table: &str,
) -> Result<(Actor, &'static TableDef), Box<Response>> {
    let actor = authenticate(app, headers)?;
    let shared = app.lock();
    if shared.has("cross-scope-denied") {
        return Err(Box::new(sn_error(
            StatusCode::FORBIDDEN,
            CROSS_SCOPE_MESSAGE,
            None,
        )));
    }
    if shared.has("server-error") {
        return Err(Box::new(server_error(StatusCode::INTERNAL_SERVER_ERROR)));
    }
    let def = table_def(table).ok_or_else(|| {
        Box::new(sn_error(
            StatusCode::BAD_REQUEST,
            &format!("Invalid table {table}"),
            None,
        ))
    })?;
    Ok((actor, def))
}

fn not_found() -> Response {
    sn_error(
        StatusCode::NOT_FOUND,
        "No Record found",
        Some("Record doesn't exist or ACL restricts the record retrieval"),
    )
}

fn bad_body() -> Response {
    sn_error(
        StatusCode::BAD_REQUEST,
        "Exception while reading request",
        Some("Verify Request body and Content-type headers. Not able to parse request"),
    )
}

fn parse_body(body: &Bytes) -> Result<Map<String, Value>, Box<Response>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Box::new(bad_body())),
    }
}

const TABLE_PATH: &str = "/api/now/table/";

/// What a stored write answers instead of its result, if anything. The
/// scenarios first: `drop-after-write` cuts the connection (the handler's
/// answer never leaves), `error-after-write` answers its status; then the
/// write's chaos fault, counted here.
fn after_write(shared: &mut Shared, kill: &KillSwitch, chaos: ChaosAfterWrite) -> Option<Response> {
    if shared.has("drop-after-write") {
        kill.kill();
        return None;
    }
    if let Some(Scenario::ErrorAfterWrite { status }) = shared.scenario("error-after-write") {
        return Some(error_after_write(*status));
    }
    let fault = chaos.0?;
    let answer = match fault {
        Fault::DropAfterWrite => {
            kill.kill();
            None
        }
        Fault::ErrorAfterWrite => Some(error_after_write(500)),
        Fault::GatewayTimeoutAfterWrite => Some(error_after_write(504)),
        _ => return None,
    };
    if let Some(c) = shared.chaos.as_mut() {
        c.count(fault);
    }
    answer
}

/// `GET /api/now/table/{table}`
pub async fn list(
    State(app): State<AppState>,
    Path(table): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let (actor, def) = match preflight(&app, &headers, &table) {
        Ok(ok) => ok,
        Err(resp) => return *resp,
    };
    let opts = Options::for_actor(raw.as_deref(), &actor);
    let shared = app.read();
    let query = crate::query::Query::parse_ignoring(
        &opts.query,
        def,
        &actor.sys_id,
        &|f| shared.ignores_conditions_on(f) || opts.hidden(&shared, f),
        &|f| opts.hidden(&shared, f),
    );
    let rows = visible_rows(&shared, def.name);
    let mut matched: Vec<&Record> = rows
        .iter()
        .map(|r| r.as_ref())
        .filter(|r| query.matches(r))
        .collect();
    query.sort(&mut matched);
    let total = matched.len();
    let page: Vec<Value> = matched
        .iter()
        .skip(opts.offset)
        .take(opts.limit)
        .map(|r| render(&shared, def, r, &opts))
        .collect();
    let mut resp = json_response(StatusCode::OK, &json!({ "result": page }));
    let h = resp.headers_mut();
    if !opts.no_count {
        h.insert("x-total-count", HeaderValue::from(total));
    }
    if !opts.suppress_pagination {
        let path = format!("{TABLE_PATH}{}", def.name);
        let (limit, offset) = (opts.limit as i64, opts.offset as i64);
        let prev = if offset == 0 {
            -1
        } else {
            (offset - limit).max(0)
        };
        let last = if total == 0 {
            0
        } else {
            ((total as i64 - 1) / limit) * limit
        };
        let mut links = vec![(0, "first"), (prev, "prev")];
        if offset + limit < total as i64 {
            links.push((offset + limit, "next"));
        }
        links.push((last, "last"));
        let value = links
            .iter()
            .map(|(o, rel)| {
                format!(
                    "<{}>;rel=\"{rel}\"",
                    opts.url_with_offset(&shared.public_url, &path, *o)
                )
            })
            .collect::<Vec<_>>()
            .join(",");
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(header::LINK, v);
        }
    }
    resp
}

/// `GET /api/now/table/{table}/{sys_id}`
pub async fn get_one(
    State(app): State<AppState>,
    Path((table, sys_id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let (actor, def) = match preflight(&app, &headers, &table) {
        Ok(ok) => ok,
        Err(resp) => return *resp,
    };
    let opts = Options::for_actor(raw.as_deref(), &actor);
    let sys_id = if sys_id == "javascript:gs.getUserID()" {
        actor.sys_id
    } else {
        sys_id
    };
    let shared = app.read();
    let rows = visible_rows(&shared, def.name);
    match rows.iter().find(|r| str_field(r, "sys_id") == sys_id) {
        Some(rec) => json_response(
            StatusCode::OK,
            &json!({ "result": render(&shared, def, rec, &opts) }),
        ),
        None => not_found(),
    }
}

/// `POST /api/now/table/{table}`
pub async fn create(
    State(app): State<AppState>,
    Path(table): Path<String>,
    Extension(kill): Extension<KillSwitch>,
    Extension(chaos): Extension<ChaosAfterWrite>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let (actor, def) = match preflight(&app, &headers, &table) {
        Ok(ok) => ok,
        Err(resp) => return *resp,
    };
    let fields = match parse_body(&body) {
        Ok(f) => f,
        Err(resp) => return *resp,
    };
    let opts = Options::for_actor(raw.as_deref(), &actor);
    let now = app.clock.now_sn();
    let mut shared = app.lock();
    if shared.has("acl-deny-insert") || def.name == "task" {
        return sn_error(
            StatusCode::FORBIDDEN,
            "Operation Failed",
            Some("ACL Exception Insert Failed due to security constraints"),
        );
    }
    let Some(rec) = shared.insert_record(def.name, &fields, &actor, &now) else {
        return sn_error(
            StatusCode::FORBIDDEN,
            "Operation Failed",
            Some("ACL Exception Insert Failed due to security constraints"),
        );
    };
    if let Some(resp) = after_write(&mut shared, &kill, chaos) {
        return resp;
    }
    let location = format!(
        "{}{TABLE_PATH}{}/{}",
        shared.public_url,
        def.name,
        path_segment(str_field(&rec, "sys_id"))
    );
    let mut resp = json_response(
        StatusCode::CREATED,
        &json!({ "result": render(&shared, def, &rec, &opts) }),
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// `PATCH` and `PUT /api/now/table/{table}/{sys_id}`
pub async fn update(
    State(app): State<AppState>,
    Path((table, sys_id)): Path<(String, String)>,
    Extension(kill): Extension<KillSwitch>,
    Extension(chaos): Extension<ChaosAfterWrite>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let (actor, def) = match preflight(&app, &headers, &table) {
        Ok(ok) => ok,
        Err(resp) => return *resp,
    };
    let fields = match parse_body(&body) {
        Ok(f) => f,
        Err(resp) => return *resp,
    };
    let opts = Options::for_actor(raw.as_deref(), &actor);
    let now = app.clock.now_sn();
    let mut shared = app.lock();
    let Some((_, rec)) = shared
        .store
        .update(def.name, &sys_id, &fields, &actor, &now)
    else {
        return not_found();
    };
    if let Some(resp) = after_write(&mut shared, &kill, chaos) {
        return resp;
    }
    json_response(
        StatusCode::OK,
        &json!({ "result": render(&shared, def, &rec, &opts) }),
    )
}

/// `DELETE /api/now/table/{table}/{sys_id}`: 204, no body.
pub async fn delete(
    State(app): State<AppState>,
    Path((table, sys_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let def = match preflight(&app, &headers, &table) {
        Ok((_, def)) => def,
        Err(resp) => return *resp,
    };
    if app.lock().store.delete(def.name, &sys_id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        not_found()
    }
}

/// `GET /api/now/ui/user/current_user`
pub async fn current_user(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let actor = match authenticate(&app, &headers) {
        Ok(a) => a,
        Err(resp) => return *resp,
    };
    let shared = app.lock();
    let Some((_, user)) = shared.store.find("sys_user", &actor.sys_id) else {
        return not_found();
    };
    let first = str_field(user, "first_name");
    let last = str_field(user, "last_name");
    let initials: String = [first, last]
        .iter()
        .filter_map(|s| s.chars().next())
        .collect();
    json_response(
        StatusCode::OK,
        &json!({"result": {
            "user_avatar": "",
            "user_display_name": str_field(user, "name"),
            "user_email": str_field(user, "email"),
            "user_first_name": first,
            "user_initials": initials,
            "user_last_name": last,
            "user_name": str_field(user, "user_name"),
            "user_sys_id": actor.sys_id,
        }}),
    )
}

/// Any other `/api/...` path.
pub async fn api_fallback() -> Response {
    sn_error(
        StatusCode::BAD_REQUEST,
        "Requested URI does not represent any resource",
        None,
    )
}
