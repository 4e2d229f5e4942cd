//! The admin's language, switched in Settings while the app runs: the home page, the share
//! form, the manage page, All tickets and a notification in each of the six languages and the
//! pseudo-locale, without a restart, with nothing cut off; and a connection check that fails
//! shows its fix in French. Screenshots of every screen in every language.
//!
//! The words expected come from the catalogs through `ticket_bridge_core::i18n`, the same
//! lookup the tray and notifications use, so the test follows the catalogs and fails when a
//! screen or a notification keeps the previous language.

use std::time::Duration;
use ticket_bridge_core::i18n;
use ticket_bridge_e2e::steps::{send_incident, sign_in_microsoft, start_connected};
use ticket_bridge_e2e::{Harness, PATIENCE};

/// The six, then the pseudo-locale, then back to English.
const LANGUAGES: [&str; 7] = ["fr", "ja", "nl", "sv", "zh-TW", "x-pseudo", "en"];

/// The action shared to make a ticket (a control of the demo tenant).
const ACTION: &str = "AdminMFAV2";

/// An action without a ticket, whose share form each language shows.
const TO_SHARE: &str = "DLPEnabled";

/// What `document.title` says on a screen: its title, then the app's name.
fn page_title(lang: &str, key: &str) -> String {
    format!(
        "{} - {}",
        i18n::text(lang, key),
        i18n::text(lang, "app.name")
    )
}

/// Waits until `script` (an expression) gives `want` in the app's page.
async fn wait_value(h: &Harness, script: &str, want: &str, what: &str) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let now = h
            .app()
            .execute(&format!("return {script}"), vec![])
            .await
            .unwrap();
        if now.as_str() == Some(want) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} stayed {now}, not {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_title(h: &Harness, lang: &str, key: &str) {
    let what = format!("{lang}: the page title");
    wait_value(h, "document.title", &page_title(lang, key), &what).await;
}

/// Text that does not fit its box: an element whose content is wider than the element and
/// is cut off (overflow hidden or clipped), or spills out over its neighbours. Each as
/// "tag#id.class: text".
async fn cut_off(h: &Harness) -> Vec<String> {
    let found = h
        .app()
        .execute(
            r#"
            const out = [];
            const pick = 'button, a, label, h1, h2, h3, th, td, legend, summary, .btn, [role=tab], .badge, .pill, select, p';
            for (const e of document.querySelectorAll(pick)) {
              if (e.closest('[hidden], .visually-hidden') || !e.getClientRects().length) continue;
              const style = getComputedStyle(e);
              if (style.display === 'none' || style.visibility === 'hidden') continue;
              // Scrolling containers (a table's wrapper) show the rest by scrolling.
              if (['auto', 'scroll'].includes(style.overflowX)) continue;
              const wide = e.scrollWidth - e.clientWidth > 1;
              const tall = style.overflowY !== 'visible' && e.scrollHeight - e.clientHeight > 1;
              const rect = e.getBoundingClientRect();
              const outside = rect.right > document.documentElement.clientWidth + 1;
              if (wide || tall || outside) {
                out.push(`${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''}: ${(e.innerText || e.value || '').slice(0, 60)}`);
              }
            }
            return out;
            "#,
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The screens the README shows, one per language (the docs test finds these names).
const IN_README: [(&str, &str, &str); 6] = [
    ("fr", "home", "language-fr-home"),
    ("ja", "share", "language-ja-share"),
    ("nl", "manage", "language-nl-manage"),
    ("sv", "all-tickets", "language-sv-all-tickets"),
    ("zh-TW", "settings", "language-zh-tw-settings"),
    ("x-pseudo", "manage", "language-pseudo-manage"),
];

/// Looks at the screen: nothing cut off, and a screenshot named after the language.
async fn look(h: &mut Harness, lang: &str, screen: &str) {
    let cut = cut_off(h).await;
    match IN_README
        .iter()
        .find(|(l, s, _)| *l == lang && *s == screen)
    {
        Some((_, _, name)) => h.doc_shot(name).await,
        None => h.shot(&format!("{lang}-{screen}")).await,
    };
    assert!(
        cut.is_empty(),
        "{lang}, {screen}: text does not fit its box: {cut:#?}"
    );
}

/// Chooses `lang` in Settings → Language, and waits until the page speaks it.
async fn choose_language(h: &mut Harness, lang: &str) {
    h.go("#/settings").await;
    h.wait_visible("#language-select").await;
    h.app()
        .execute(
            "const s = document.getElementById('language-select');\
             s.value = arguments[0];\
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![serde_json::json!(lang)],
        )
        .await
        .unwrap();
    h.wait_visible("#language-saved").await;
    // The pseudo-locale is CLDR's accented English.
    let want = if lang == i18n::PSEUDO { "en-XA" } else { lang };
    let what = format!("<html lang> after choosing {lang}");
    wait_value(h, "document.documentElement.lang", want, &what).await;
    // Settings itself is drawn again in the new language, without a restart.
    wait_title(h, lang, "settings.title").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_and_notification_follow_the_language_chosen_while_running() {
    let mut h = start_connected("language").await;
    sign_in_microsoft(&mut h).await;
    send_incident(&h, ACTION).await;
    let incidents = h.sim.handle().records("incident");
    let ticket = &incidents[0];
    let number = ticket["number"].as_str().unwrap().to_owned();
    let sys_id = ticket["sys_id"].as_str().unwrap().to_owned();
    // The watcher has seen the ticket once (its baseline), so the next change is news.
    h.go("#/").await;
    h.wait_visible("#incident-card").await;

    // States the fulfiller moves the ticket through, one per language, and their labels.
    let states = [
        ("2", "In Progress"),
        ("3", "On Hold"),
        ("2", "In Progress"),
        ("3", "On Hold"),
        ("2", "In Progress"),
        ("3", "On Hold"),
        ("2", "In Progress"),
    ];
    for (lang, (state, label)) in LANGUAGES.iter().zip(states) {
        let lang = *lang;
        choose_language(&mut h, lang).await;
        look(&mut h, lang, "settings").await;

        h.go("#/").await;
        wait_title(&h, lang, "home.title").await;
        h.wait_visible("#incident-card").await;
        look(&mut h, lang, "home").await;

        h.go("#/actions").await;
        wait_title(&h, lang, "actions.title").await;
        h.click_to(&format!("#share-{TO_SHARE}"), "#/share").await;
        wait_title(&h, lang, "share.title").await;
        h.wait_visible("#send-task").await;
        look(&mut h, lang, "share").await;

        h.go("#/manage").await;
        wait_title(&h, lang, "manage.title").await;
        look(&mut h, lang, "manage").await;

        h.go("#/tickets").await;
        wait_title(&h, lang, "ticketList.title").await;
        h.wait_visible(&format!("[data-sys-id='{sys_id}'], #ticket-list"))
            .await;
        look(&mut h, lang, "all-tickets").await;

        // A fulfiller moves the ticket; the notification speaks the language just chosen.
        h.notifications.clear();
        assert!(h.sim.handle().update_record(
            "incident",
            &sys_id,
            serde_json::json!({ "state": state })
        ));
        h.app()
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 window.__TAURI__.core.invoke('watch_now', {}).then(() => done(true), (e) => done(String(e)));",
                vec![],
            )
            .await
            .unwrap();
        let want = i18n::format(
            lang,
            "notify.stateChanged",
            &[("number", &number), ("state", label)],
        );
        let n = h
            .notifications
            .wait_for(PATIENCE, |n| n.summary.contains(&number))
            .await
            .unwrap_or_else(|| panic!("{lang}: no notification: {:?}", h.notifications.received()));
        assert_eq!(n.summary, want, "{lang}");
        assert_eq!(n.app_name, "Ticket Bridge");
    }
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_connection_check_shows_its_fix_in_french() {
    let mut h = start_connected("language_doctor").await;
    choose_language(&mut h, "fr").await;
    // ServiceNow stops accepting the app's tokens: the token line fails.
    h.sim.handle().revoke_all_tokens();
    h.go("#/manage").await;
    wait_title(&h, "fr", "manage.title").await;
    h.click("#check-connection").await;
    let line = h.wait_visible("#doctor-token[data-status='fail']").await;
    let text = line.text().await.unwrap();
    let fix = h
        .wait_visible("#doctor-token .check-fix")
        .await
        .text()
        .await
        .unwrap();
    h.doc_shot("language-fr-doctor").await;
    // ServiceNow refuses to renew the sign-in: the line says so, and its fix, in French.
    assert!(fix.starts_with(&i18n::text("fr", "doctor.fix")), "{fix}");
    let hint = i18n::text("fr", "errors.reasons.sn_refresh_refused.hint");
    assert!(
        fix.contains(&hint),
        "the fix is not the French one: {fix}\nwanted: {hint}"
    );
    let message = i18n::text("fr", "errors.reasons.sn_refresh_refused.message");
    let message = message.split('{').next().unwrap_or_default();
    assert!(text.contains(message.trim()), "{text}\nwanted: {message}");
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_saves_diagnostics_and_shows_the_licences() {
    let mut h = start_connected("settings_help").await;
    h.go("#/settings").await;
    h.wait_visible("#about-version").await;
    h.shot("settings").await;
    // The crates shipped, with their licences, generated from Cargo.lock.
    let licences = h
        .app()
        .execute(
            "return document.querySelectorAll('#licences-table tbody tr').length",
            vec![],
        )
        .await
        .unwrap();
    assert!(licences.as_u64().unwrap_or(0) > 100, "{licences}");
    h.click("#save-diagnostics").await;
    let path = h
        .wait_visible("#diagnostics-path")
        .await
        .text()
        .await
        .unwrap();
    let path = std::path::PathBuf::from(path.trim());
    assert!(path.is_file(), "no file at {}", path.display());
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..2], b"PK", "not a zip");
    h.shot("settings-help").await;
    // Secrets never reach the bundle: the simulator's client secret is the one the app holds.
    let secret = servicenow_sim::CLIENT_SECRET.as_bytes();
    assert!(!bytes.windows(secret.len()).any(|w| w == secret));
    h.finish().await;
}
