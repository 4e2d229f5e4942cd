//! Seed data: the accounts, the OAuth app, groups, choice lists and system
//! properties every simulated instance has (`Seed::Empty`), and the demo
//! tickets (`Seed::Demo`): Secure Score improvement actions raised by the
//! integration user, a few tickets raised by people, and one ticket whose
//! state moves every minute so the tray has something to notice.
//! Demo sys_ids are derived from fixed names, so they are stable across runs.

use crate::clock::format_sn;
use crate::state::{Account, OAuthApp, Shared};
use crate::store::{self, Actor, Record, hex, set};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// Every demo account's password.
pub const PASSWORD: &str = "Passw0rd!";
/// The administrator.
pub const ADMIN: &str = "admin";
/// The local integration user Ticket Bridge should connect as.
pub const INTEGRATION_USER: &str = "svc_ticket_bridge";
pub const INTEGRATION_USER_DISPLAY: &str = "Ticket Bridge Integration";
/// A personal account (the wrong one to connect with; also the SSO identity).
pub const PERSONAL_USER: &str = "jane.doe";
pub const PERSONAL_USER_DISPLAY: &str = "Jane Doe";
/// A fulfiller who works the tickets.
pub const FULFILLER: &str = "beth.agent";
pub const FULFILLER_DISPLAY: &str = "Beth Agent";
/// The demo OAuth application registry record.
pub const OAUTH_APP_NAME: &str = "Ticket Bridge";
pub const CLIENT_ID: &str = "ticket-bridge-demo";
pub const CLIENT_SECRET: &str = "demo-secret-change-me";
pub const REDIRECT_URL: &str = "http://127.0.0.1:8765/callback";
/// The release `glide.buildname` holds unless a `release=` scenario says otherwise.
pub const DEFAULT_RELEASE: &str = "Zurich";
/// The tenant id used in demo correlation ids: the one the app uses until the Microsoft Graph
/// sign-in names the real tenant, so the demo tickets show on its cards.
pub const DEMO_TENANT: &str = "local";
/// States the moving demo incident goes through, one step a minute.
pub const MOVING_STATES: [&str; 5] = ["1", "2", "3", "2", "6"];

/// The demo OAuth app as registered.
pub fn demo_oauth_app() -> OAuthApp {
    OAuthApp {
        name: OAUTH_APP_NAME.into(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(CLIENT_SECRET.into()),
        redirect_urls: vec![REDIRECT_URL.into()],
        pkce_required: false,
        issue_refresh_token: true,
    }
}

/// A stable 32-hex sys_id derived from a name.
pub fn stable_id(name: &str) -> String {
    hex(&Sha256::digest(name.as_bytes())[..16])
}

/// Add an account and its sys_user row; returns the sys_id.
pub fn add_account(
    shared: &mut Shared,
    sys_id: &str,
    user_name: &str,
    display: &str,
    password: &str,
    now: &str,
) -> String {
    let (first, last) = display.split_once(' ').unwrap_or((display, ""));
    let mut rec = Record::new();
    for (k, v) in [
        ("sys_id", sys_id),
        ("user_name", user_name),
        ("name", display),
        ("first_name", first),
        ("last_name", last),
        ("email", &format!("{user_name}@example.com")),
        ("title", ""),
        ("active", "true"),
        ("locked_out", "false"),
        ("web_service_access_only", "false"),
        ("sys_class_name", "sys_user"),
    ] {
        set(&mut rec, k, v);
    }
    store::Store::audit_fields(&mut rec, "admin", now);
    shared.store.put_raw("sys_user", rec);
    shared.accounts.retain(|a| a.user_name != user_name);
    shared.accounts.push(Account {
        sys_id: sys_id.into(),
        user_name: user_name.into(),
        display_name: display.into(),
        password: password.into(),
    });
    sys_id.to_string()
}

fn raw_row(
    shared: &mut Shared,
    table: &'static str,
    id_name: &str,
    fields: &[(&str, &str)],
    now: &str,
) {
    let mut rec = Record::new();
    set(&mut rec, "sys_id", &stable_id(id_name));
    for (k, v) in fields {
        set(&mut rec, k, v);
    }
    store::Store::audit_fields(&mut rec, "admin", now);
    shared.store.put_raw(table, rec);
}

/// What every instance has: accounts, the app, groups, choices, properties.
pub fn seed_base(shared: &mut Shared, now: DateTime<Utc>) {
    let t = format_sn(now - Duration::days(400));
    add_account(
        shared,
        "6816f79cc0a8016401c5a33be04be441",
        ADMIN,
        "System Administrator",
        PASSWORD,
        &t,
    );
    add_account(
        shared,
        &stable_id(INTEGRATION_USER),
        INTEGRATION_USER,
        INTEGRATION_USER_DISPLAY,
        PASSWORD,
        &t,
    );
    add_account(
        shared,
        &stable_id(PERSONAL_USER),
        PERSONAL_USER,
        PERSONAL_USER_DISPLAY,
        PASSWORD,
        &t,
    );
    add_account(
        shared,
        &stable_id(FULFILLER),
        FULFILLER,
        FULFILLER_DISPLAY,
        PASSWORD,
        &t,
    );
    shared.apps.push(demo_oauth_app());
    // Roles: the integration user and the fulfiller work tickets (itil); the admin is admin;
    // the personal account has none.
    for role in ["admin", "itil"] {
        raw_row(
            shared,
            "sys_user_role",
            &format!("role:{role}"),
            &[("name", role), ("description", role)],
            &t,
        );
    }
    for (user, role) in [
        (ADMIN, "admin"),
        (INTEGRATION_USER, "itil"),
        (FULFILLER, "itil"),
    ] {
        let user_id = shared
            .account_by_name(user)
            .map(|a| a.sys_id.clone())
            .unwrap_or_default();
        let role_id = stable_id(&format!("role:{role}"));
        raw_row(
            shared,
            "sys_user_has_role",
            &format!("has_role:{user}:{role}"),
            &[
                ("user", &user_id),
                ("role", &role_id),
                ("state", "active"),
                ("inherited", "false"),
            ],
            &t,
        );
    }
    for (name, description) in [
        (
            "Security Operations",
            "Works Microsoft Secure Score improvement actions",
        ),
        (
            "Identity and Access",
            "Entra ID, MFA and Conditional Access",
        ),
        ("Service Desk", "First line support"),
    ] {
        raw_row(
            shared,
            "sys_user_group",
            &format!("group:{name}"),
            &[
                ("name", name),
                ("description", description),
                ("active", "true"),
            ],
            &t,
        );
    }
    for table in ["task", "incident", "change_request"] {
        for element in ["state", "impact", "urgency", "priority", "type"] {
            let Some(list) = store::choices(table, element) else {
                continue;
            };
            if table == "task" && element == "state" {
                continue;
            }
            for (i, (value, label)) in list.iter().enumerate() {
                let seq = ((i + 1) * 10).to_string();
                raw_row(
                    shared,
                    "sys_choice",
                    &format!("choice:{table}.{element}.{value}"),
                    &[
                        ("name", table),
                        ("element", element),
                        ("value", value),
                        ("label", label),
                        ("language", "en"),
                        ("sequence", &seq),
                        ("inactive", "false"),
                    ],
                    &t,
                );
            }
        }
    }
    raw_row(
        shared,
        "sys_properties",
        "prop:glide.buildname",
        &[
            ("name", "glide.buildname"),
            ("value", DEFAULT_RELEASE),
            ("type", "string"),
            ("description", "Build name"),
        ],
        &t,
    );
    let servlet = format!("{}/", shared.public_url);
    raw_row(
        shared,
        "sys_properties",
        "prop:glide.servlet.uri",
        &[
            ("name", "glide.servlet.uri"),
            ("value", &servlet),
            ("type", "string"),
            ("description", "Instance URL"),
        ],
        &t,
    );
}

/// (Secure Score control id, title, category, remediation)
const ACTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "AdminMFAV2",
        "Ensure multifactor authentication is enabled for all users in administrative roles",
        "Identity",
        "Create a Conditional Access policy that requires MFA for every directory role.",
    ),
    (
        "MFARegistrationV2",
        "Ensure all users can complete multifactor authentication",
        "Identity",
        "Require users to register for MFA with a registration campaign.",
    ),
    (
        "BlockLegacyAuthentication",
        "Enable Conditional Access policies to block legacy authentication",
        "Identity",
        "Block legacy authentication protocols (POP, IMAP, SMTP AUTH) with Conditional Access.",
    ),
    (
        "SelfServicePasswordReset",
        "Enable self-service password reset",
        "Identity",
        "Turn on SSPR for all users with two authentication methods.",
    ),
    (
        "OneAdmin",
        "Designate more than one global admin",
        "Identity",
        "Assign the Global Administrator role to a second, break-glass account.",
    ),
    (
        "PWAgePolicyNew",
        "Set the password expiration policy to never expire",
        "Identity",
        "Set passwords to never expire in the Microsoft 365 admin center.",
    ),
    (
        "SigninRiskPolicy",
        "Turn on sign-in risk policy",
        "Identity",
        "Create a risk-based Conditional Access policy for medium and high sign-in risk.",
    ),
    (
        "UserRiskPolicy",
        "Turn on user risk policy",
        "Identity",
        "Require a secure password change for high user risk.",
    ),
    (
        "IntegratedApps",
        "Do not allow users to grant consent to unreliable applications",
        "Apps",
        "Restrict user consent to verified publishers and low-risk permissions.",
    ),
    (
        "DLPEnabled",
        "Apply Data Loss Prevention policies",
        "Data",
        "Publish DLP policies for Exchange, SharePoint, OneDrive and Teams.",
    ),
    (
        "mdo_safelinksforemail",
        "Ensure Safe Links for Email is enabled",
        "Apps",
        "Turn on Safe Links for email messages in Microsoft Defender for Office 365.",
    ),
    (
        "mdo_safeattachments",
        "Turn on Safe Attachments in block mode",
        "Apps",
        "Set the Safe Attachments policy action to Block.",
    ),
    (
        "mdo_atpprotection",
        "Turn on Microsoft Defender for Office 365 in SharePoint, OneDrive, and Microsoft Teams",
        "Apps",
        "Enable Safe Attachments for SharePoint, OneDrive and Teams.",
    ),
    (
        "mdo_zapspam",
        "Ensure that Zero-hour auto purge for spam is enabled",
        "Apps",
        "Turn on ZAP for spam in the anti-spam inbound policy.",
    ),
    (
        "mdo_commonattachmentsfilter",
        "Ensure the common attachment types filter is enabled",
        "Apps",
        "Turn on the common attachments filter in the anti-malware policy.",
    ),
    (
        "AuditLogSearch",
        "Turn on audit data recording",
        "Data",
        "Turn on unified audit logging in Microsoft Purview.",
    ),
    (
        "aad_limited_administrative_roles",
        "Use limited administrative roles",
        "Identity",
        "Replace Global Administrator assignments with least-privileged roles.",
    ),
    (
        "mde_onboarding",
        "Onboard devices to Microsoft Defender for Endpoint",
        "Devices",
        "Onboard all Windows devices with Intune.",
    ),
];

const ACTIVE_INCIDENT_STATES: [&str; 4] = ["1", "2", "3", "2"];
const ACTIVE_CHANGE_STATES: [&str; 5] = ["-5", "-4", "-3", "-2", "-1"];
/// (impact, urgency) pairs: priorities 1..5 and back.
const IMPACT_URGENCY: [(&str, &str); 6] = [
    ("2", "2"),
    ("1", "2"),
    ("3", "3"),
    ("1", "1"),
    ("2", "3"),
    ("2", "2"),
];

/// The demo tickets. Returns the sys_id of the ticket that moves every minute.
pub fn seed_demo(shared: &mut Shared, now: DateTime<Utc>) -> String {
    let svc = shared
        .account_by_name(INTEGRATION_USER)
        .expect("seeded")
        .actor();
    let beth = shared.account_by_name(FULFILLER).expect("seeded").actor();
    let jane = shared
        .account_by_name(PERSONAL_USER)
        .expect("seeded")
        .actor();
    let groups = [
        stable_id("group:Security Operations"),
        stable_id("group:Identity and Access"),
    ];
    let mut moving = String::new();
    let n = ACTIONS.len();
    for i in 0..(2 * n) {
        let (action, title, category, remediation) = ACTIONS[i % n];
        let older = i >= n; // the second round are finished, older tickets
        let change = i % 3 == 0;
        let table = if change { "change_request" } else { "incident" };
        let created =
            now - Duration::days(if older {
                120 + i as i64
            } else {
                2 + (i as i64 * 3) % 45
            }) - Duration::minutes(i as i64 * 17);
        let suffix = &stable_id(&format!("demo-corr:{i}"))[..8];
        let (impact, urgency) = IMPACT_URGENCY[i % IMPACT_URGENCY.len()];
        // Some active tickets are overdue, some due later.
        let due = created + Duration::days(if i % 4 == 1 { 7 } else { 60 });
        let description = format!(
            "Microsoft Secure Score improvement action: {title}\n\nControl: {action}\nCategory: {category}\nRecommendation source: Microsoft\n\nRemediation:\n{remediation}\n\nRaised by Ticket Bridge for tenant {DEMO_TENANT}."
        );
        let mut fields = json!({
            "short_description": format!("Secure Score: {title}"),
            "description": description,
            "impact": impact,
            "urgency": urgency,
            "category": category,
            "correlation_id": format!("tb1/{DEMO_TENANT}/{action}/{suffix}"),
            "correlation_display": "Ticket Bridge",
            "due_date": format_sn(due),
            "assignment_group": groups[i % 2],
        });
        if change {
            fields["type"] = json!(if i % 2 == 0 { "normal" } else { "standard" });
            fields["start_date"] = json!(format_sn(due - Duration::days(2)));
            fields["end_date"] = json!(format_sn(due - Duration::days(1)));
            fields["justification"] =
                json!("Raises the Microsoft Secure Score and closes a known attack path.");
        } else {
            fields["caller_id"] = json!(svc.sys_id);
        }
        let sys_id = stable_id(&format!("demo-ticket:{i}"));
        fields["sys_id"] = json!(sys_id);
        let created_sn = format_sn(created);
        insert(shared, table, &fields, &svc, &created_sn);
        // A fulfiller works the ticket a day later.
        let state = if older {
            if change {
                if i % 2 == 0 { "3" } else { "4" }
            } else if i % 2 == 0 {
                "7"
            } else {
                "8"
            }
        } else if change {
            ACTIVE_CHANGE_STATES[i % ACTIVE_CHANGE_STATES.len()]
        } else {
            ACTIVE_INCIDENT_STATES[i % ACTIVE_INCIDENT_STATES.len()]
        };
        let worked = format_sn(created + Duration::hours(20));
        let mut update = json!({ "state": state, "assigned_to": beth.sys_id });
        if state != "1" && state != "-5" {
            update["work_notes"] = json!(format!(
                "Picked up: {action}. Checking the tenant configuration."
            ));
        }
        shared
            .store
            .update(table, &sys_id, obj(&update), &beth, &worked);
        if !older && !change && state == "1" && moving.is_empty() {
            moving = sys_id.clone();
        }
    }
    // Tickets that did not come from Ticket Bridge.
    let others: [(&str, &str, &str, &Actor); 4] = [
        (
            "incident",
            "Printer on floor 3 prints blank pages",
            "hardware",
            &jane,
        ),
        (
            "incident",
            "VPN disconnects every 30 minutes",
            "network",
            &jane,
        ),
        (
            "change_request",
            "Quarterly firewall rule review",
            "network",
            &beth,
        ),
        (
            "incident",
            "Outlook asks for the password again and again",
            "software",
            &jane,
        ),
    ];
    for (i, (table, short, category, by)) in others.iter().enumerate() {
        let created = format_sn(now - Duration::days(5 + i as i64 * 4));
        let mut fields = json!({
            "sys_id": stable_id(&format!("demo-other:{i}")),
            "short_description": short,
            "description": format!("{short}. Reported by {}.", by.user_name),
            "category": category,
            "impact": "2",
            "urgency": "3",
        });
        if *table == "incident" {
            fields["caller_id"] = json!(by.sys_id);
        }
        insert(shared, table, &fields, by, &created);
    }
    if moving.is_empty() {
        moving = stable_id("demo-ticket:1");
    }
    shared.moving_ticket = Some((moving.clone(), 0));
    moving
}

fn obj(v: &Value) -> &Map<String, Value> {
    v.as_object().expect("object literal")
}

fn insert(shared: &mut Shared, table: &str, fields: &Value, by: &Actor, now: &str) {
    shared.store.insert(table, obj(fields), by, now);
}

/// One step of the moving demo ticket: next state, as the fulfiller.
/// Returns the new state, or `None` when there is no moving ticket.
pub fn tick_moving_ticket(shared: &mut Shared, now: &str) -> Option<String> {
    let (sys_id, step) = shared.moving_ticket.clone()?;
    let next = (step + 1) % MOVING_STATES.len();
    let state = MOVING_STATES[next];
    let beth = shared.account_by_name(FULFILLER)?.actor();
    let fields = json!({ "state": state, "work_notes": format!("Demo: state moved to {state}.") });
    shared
        .store
        .update("incident", &sys_id, obj(&fields), &beth, now)?;
    shared.moving_ticket = Some((sys_id, next));
    Some(state.to_string())
}
