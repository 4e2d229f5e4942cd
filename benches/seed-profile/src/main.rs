//! seed-profile: a Ticket Bridge profile as the app leaves it after connecting a workspace and
//! syncing its tickets, for the start benchmark's connected scenario (`scripts/bench-start.py`).
//!
//! Nothing here writes one of the app's files itself. The profile is made by core's own
//! registry ([`Workspaces`]) on a host of this binary's (the browser it "opens" is the
//! simulator's scripted browser), with the settings file in the format the shell writes
//! ([`FileKv`]: one JSON object, written atomically, as `src-tauri/src/settings.rs` does through
//! tauri-plugin-store), the platform keychain (`secrets::use_platform_store`: the Secret Service
//! on Linux, so run it inside `tests/e2e/session.sh`), and the folders Tauri's path resolver
//! gives the app on Linux: `<profile>/config`, `<profile>/data` and `<profile>/cache` are the
//! app's `XDG_CONFIG_HOME`, `XDG_DATA_HOME` and `XDG_CACHE_HOME`; its data folder is
//! `<profile>/data/com.ticketbridge.desktop` (the identifier in `tauri.conf.json`).
//!
//! 1. Starts the simulator (no demo tickets; access tokens that outlive a benchmark, so that no
//!    start refreshes one).
//! 2. Opens the registry on the empty profile: that makes the install's correlation segment.
//! 3. Inserts N tickets (10,000 unless `--tickets`): each the record the app's task form makes
//!    (`TaskDraft::to_record`) with this install's correlation id
//!    (`tb1/<install segment>/<action>/<draft>`), incidents and change requests, created
//!    [`SPACING_MINUTES`] apart up to now (the simulator's clock moved back for each), most of
//!    the older ones moved on by a fulfiller since (a later state, a later `sys_updated_on`).
//! 4. Connects a new workspace as the setup form does (`Workspaces::connect`; the scripted
//!    browser signs in as the integration user and allows; the app's loopback listener takes
//!    the callback): its record in `settings.json`, its secrets in the keychain.
//! 5. Waits for the read of every ticket that follows a connection (the sender's, into the
//!    cache the cards paint from, `tickets.json`), then asks the watcher to look again (the
//!    Refresh now of the app) until a poll finds nothing new: its watermark (`watch.json`)
//!    knows every ticket, as after the app has run a while.
//! 6. Stops the registry (nothing of it runs on: the app's starts are the profile's only users),
//!    prints `SIM_BASE_URL=`, `WORKSPACE=`, `TICKETS=`, `FILES=` and last
//!    `PROFILE_READY=<profile>`. With `--serve` it then serves the simulator on the same address
//!    until SIGTERM or Ctrl-C, and deletes the workspace's keychain entries before it ends.
//!
//! Copies of the profile start alike: they share the workspace id, and so its keychain entries.

use servicenow_sim::browser::Browser;
use servicenow_sim::{
    INTEGRATION_USER, OAuthApp, PASSWORD, RunningSim, Seed, SimConfig, SimHandle,
};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use ticket_bridge_core::connection::{ConnectOutcome, ConnectRequest};
use ticket_bridge_core::secrets::Keychain;
use ticket_bridge_core::servicenow::InstanceUrl;
use ticket_bridge_core::tickets::notice::Notice;
use ticket_bridge_core::tickets::service::{BOARD_FILE, WATCH_FILE};
use ticket_bridge_core::tickets::watch::WATCH_LIMIT;
use ticket_bridge_core::tickets::watcher::WatchState;
use ticket_bridge_core::tickets::{
    Category, CorrelationId, Priority, RecommendationSource, TaskDraft, TicketKind,
};
use ticket_bridge_core::workspace::{
    Event, FileKv, Host, OpenOptions, SettingsKv, Task, Workspaces,
};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

type AnyResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const DEFAULT_TICKETS: usize = 10_000;
/// Minutes between two tickets' creation (10,000 tickets: about seven weeks).
const SPACING_MINUTES: i64 = 10;
/// Longer than any benchmark: no start of the app on the profile refreshes the token.
const TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// The settings file in the app's data folder (the shell's `settings::FILE`).
const SETTINGS_FILE: &str = "settings.json";
const CLIENT_ID: &str = "tb-bench-seed-profile";
const SECRET: &str = "bench-secret-change-me";
/// How long one step (a sign-in, the first sync, one poll) may take before the seeding fails.
const PATIENCE: Duration = Duration::from_secs(120);

/// Secure Score actions the tickets are for: id, title, category.
const ACTIONS: &[(&str, &str, Category)] = &[
    (
        "AdminMFAV2",
        "Ensure multifactor authentication is enabled for all users in administrative roles",
        Category::Identity,
    ),
    (
        "BlockLegacyAuthentication",
        "Enable policy to block legacy authentication",
        Category::Identity,
    ),
    (
        "DLPEnabled",
        "Create a DLP policy to protect sensitive information",
        Category::Data,
    ),
    (
        "PWAgePolicyNew",
        "Set passwords to never expire",
        Category::Identity,
    ),
    (
        "SelfServicePasswordReset",
        "Enable self-service password reset",
        Category::Identity,
    ),
    (
        "OneAdmin",
        "Designate more than one global admin",
        Category::Identity,
    ),
    (
        "IntegratedApps",
        "Do not allow users to grant consent to unmanaged applications",
        Category::Apps,
    ),
    (
        "MailboxAuditingOn",
        "Ensure mailbox auditing for all users is enabled",
        Category::Data,
    ),
    (
        "mdm_DeviceCompliance",
        "Mark devices with no compliance policy as noncompliant",
        Category::Devices,
    ),
];

struct Args {
    profile: PathBuf,
    tickets: usize,
    serve: bool,
}

const USAGE: &str = "usage: seed-profile --profile DIR [--tickets N] [--serve]";

impl Args {
    fn parse() -> AnyResult<Option<Self>> {
        let (mut profile, mut tickets, mut serve) = (None, DEFAULT_TICKETS, false);
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            match a.as_str() {
                "--profile" => profile = Some(PathBuf::from(args.next().ok_or(USAGE)?)),
                "--tickets" => tickets = args.next().ok_or(USAGE)?.parse()?,
                "--serve" => serve = true,
                "-h" | "--help" => {
                    println!("{USAGE}");
                    return Ok(None);
                }
                other => return Err(format!("unknown argument '{other}'\n{USAGE}").into()),
            }
        }
        let profile = profile.ok_or(USAGE)?;
        Ok(Some(Self {
            profile,
            tickets,
            serve,
        }))
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("seed-profile: {e}");
        std::process::exit(1);
    }
}

fn run() -> AnyResult<()> {
    let Some(args) = Args::parse()? else {
        return Ok(());
    };
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return Err("no D-Bus session, so no Secret Service for the keychain entries: run it inside tests/e2e/session.sh".into());
    }
    if args
        .profile
        .read_dir()
        .is_ok_and(|mut d| d.next().is_some())
    {
        return Err(format!("{} is not empty", args.profile.display()).into());
    }
    // The simulator on a runtime of its own, so that it serves on after the registry's runtime
    // is gone.
    let sim_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let sim = sim_rt.block_on(servicenow_sim::start(SimConfig {
        seed: Seed::Empty,
        access_token_lifetime: TOKEN_LIFETIME,
        ..SimConfig::default()
    }))?;
    let app_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let started = Instant::now();
    let seeded = app_rt.block_on(seed(&app_rt, &sim, &args));
    // The registry's loops (sender, watcher, score) end with their runtime.
    app_rt.shutdown_timeout(Duration::from_secs(10));
    let seeded = seeded?;

    println!("SIM_BASE_URL={}", sim.base_url());
    println!("WORKSPACE={}", seeded.workspace);
    println!("TICKETS={}", seeded.tickets);
    println!(
        "FILES={}: {} bytes, {}: {} bytes (seeded in {:.1} s)",
        BOARD_FILE,
        file_len(&seeded.dir.join(BOARD_FILE)),
        WATCH_FILE,
        file_len(&seeded.dir.join(WATCH_FILE)),
        started.elapsed().as_secs_f64()
    );
    println!("PROFILE_READY={}", args.profile.display());
    if !args.serve {
        return Ok(());
    }
    sim_rt.block_on(servicenow_sim::wait_for_stop());
    let instance = InstanceUrl::parse(&sim.base_url())?;
    Keychain::for_workspace(&seeded.workspace, &instance, CLIENT_ID).delete_all()?;
    sim_rt.block_on(sim.shutdown());
    Ok(())
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The desktop as the seeding sees it: the browser is a channel to the scripted one, and the
/// full reads of the ticket list are counted; nothing is shown.
struct SeedHost {
    runtime: tokio::runtime::Handle,
    browser: UnboundedSender<String>,
    /// How many tickets the cache held after each change that held any (the sync's change holds
    /// them all).
    synced: Mutex<Vec<usize>>,
}

impl Host for SeedHost {
    fn emit(&self, event: Event) {
        // The cache starts empty: a change that holds tickets is the sync's.
        if let Event::TicketsChanged { summary, .. } = &event
            && summary.total > 0
        {
            self.synced
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(summary.total);
        }
    }
    fn notify(&self, _notice: &Notice, _open: Option<String>) {}
    fn open_url(&self, url: &str) -> ticket_bridge_core::Result<()> {
        let _ = self.browser.send(url.to_owned());
        Ok(())
    }
    fn tray_changed(&self) {}
    fn window_in_front(&self) -> bool {
        false
    }
    fn window_visible(&self) -> bool {
        false
    }
    fn spawn(&self, task: Task) {
        self.runtime.spawn(task);
    }
}

struct Seeded {
    workspace: String,
    dir: PathBuf,
    tickets: usize,
}

async fn seed(rt: &tokio::runtime::Runtime, sim: &RunningSim, args: &Args) -> AnyResult<Seeded> {
    ticket_bridge_core::secrets::use_platform_store()
        .map_err(|e| format!("no keychain: {}", e.message))?;
    for sub in ["config", "data", "cache"] {
        std::fs::create_dir_all(args.profile.join(sub))?;
    }
    let data = args
        .profile
        .join("data")
        .join(ticket_bridge_core::policy::APP_IDENTIFIER);
    ticket_bridge_core::files::create_private_dir(&data)?;

    let (tx, mut browser_urls) = unbounded_channel();
    let host = Arc::new(SeedHost {
        runtime: rt.handle().clone(),
        browser: tx,
        synced: Mutex::default(),
    });
    let kv: Arc<dyn SettingsKv> = Arc::new(FileKv::open(data.join(SETTINGS_FILE)));
    let registry = Workspaces::open(
        &data,
        kv,
        host.clone(),
        "en",
        OpenOptions {
            callback_timeout: PATIENCE,
            ..OpenOptions::default()
        },
    )?;
    registry.start();

    let t = Instant::now();
    insert_tickets(&sim.handle(), registry.install(), args.tickets)?;
    eprintln!(
        "seed-profile: {} tickets inserted in {} ms",
        args.tickets,
        t.elapsed().as_millis()
    );

    // The setup form's sign-in, for a redirect port of its own.
    let port = free_port();
    sim.handle().add_oauth_app(OAuthApp {
        name: "Ticket Bridge".into(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(SECRET.into()),
        redirect_urls: vec![format!("http://127.0.0.1:{port}/callback")],
        pkce_required: false,
        issue_refresh_token: true,
    });
    let request = ConnectRequest {
        instance: sim.base_url(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(SECRET.into()),
        integration_user: INTEGRATION_USER.into(),
        port: Some(port),
    };
    let connecting = {
        let registry = registry.clone();
        tokio::spawn(async move { registry.connect(None, request).await })
    };
    let url = tokio::time::timeout(PATIENCE, browser_urls.recv())
        .await
        .map_err(|_| "the app never opened the browser")?
        .ok_or("the app never opened the browser")?;
    let mut browser = Browser::new(&sim.base_url());
    let callback = browser
        .authorize_as(&url, INTEGRATION_USER, PASSWORD, true)
        .await;
    reqwest::get(&callback).await?.error_for_status()?;
    let result = connecting.await??;
    if !matches!(result.outcome, ConnectOutcome::Connected { .. }) {
        return Err(format!("the sign-in did not connect: {:?}", result.outcome).into());
    }
    let id = result.workspace;
    let ws = registry.get(&id)?;

    // The read of every ticket that follows a connection.
    let t = Instant::now();
    // The watcher's first polls may merge some tickets before the sync has read them all.
    until("the first sync", || {
        host.synced
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|&n| n >= args.tickets)
    })
    .await?;
    let synced = host
        .synced
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .copied()
        .max()
        .unwrap_or_default();
    eprintln!(
        "seed-profile: connected {id}; the sync read {synced} tickets in {} ms",
        t.elapsed().as_millis()
    );

    // The watcher reads at most WATCH_LIMIT changed tickets a poll: poll again until one finds
    // nothing new (an idle poll leaves watch.json as it was).
    let t = Instant::now();
    let control = ws.watch_control().clone();
    until("the watcher's first poll", || control.rounds() > 0).await?;
    let watch_file = ws.dir().join(WATCH_FILE);
    let mut before = std::fs::read(&watch_file).unwrap_or_default();
    let mut polls = 0;
    loop {
        if polls > args.tickets / WATCH_LIMIT + 10 {
            return Err("the watcher never caught up".into());
        }
        let (round, status) = (control.rounds(), control.status());
        registry.watch_now(Some(&id))?;
        until("a poll", || {
            control.rounds() > round && control.status() != status
        })
        .await?;
        polls += 1;
        let now = control.status();
        if now.state != WatchState::Watching {
            return Err(format!("the watcher is {:?}: {:?}", now.state, now.message).into());
        }
        let after = std::fs::read(&watch_file).unwrap_or_default();
        if after == before {
            break;
        }
        before = after;
    }
    eprintln!(
        "seed-profile: the watcher caught up in {polls} more polls, {} ms",
        t.elapsed().as_millis()
    );

    let cached = ws.tickets().cached_tickets()?.tickets.len();
    if cached != args.tickets || synced != args.tickets {
        return Err(format!(
            "{} tickets inserted, but the sync read {synced} and the cache holds {cached}",
            args.tickets
        )
        .into());
    }
    if !ws.tickets().outbox_items().is_empty() {
        return Err("tasks wait in the outbox".into());
    }
    Ok(Seeded {
        workspace: id,
        dir: ws.dir().to_owned(),
        tickets: cached,
    })
}

/// Waits until `done` holds, looking every 20 ms, at most [`PATIENCE`].
async fn until(what: &str, mut done: impl FnMut() -> bool) -> AnyResult<()> {
    let end = Instant::now() + PATIENCE;
    while !done() {
        if Instant::now() > end {
            return Err(format!("{what} never happened").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// A fixed, well-mixed 32-bit value per index (splitmix64's finaliser).
fn mix(i: u64) -> u32 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) as u32
}

/// The states a fulfiller moved a ticket to, by its age: the older, the likelier done.
fn later_state(kind: TicketKind, age: f64, roll: u32) -> Option<&'static str> {
    let done = age > 0.2 && roll % 10 < 8;
    let states: &[&str] = match (kind, done) {
        (TicketKind::ChangeRequest, true) => &["3", "3", "3", "4"],
        (TicketKind::ChangeRequest, false) => &["-5", "-4", "-3", "-2", "-1", "0"],
        (TicketKind::Incident, true) => &["7", "7", "6", "8"],
        (TicketKind::Incident, false) => &["1", "2", "2", "3"],
    };
    let s = states[(roll / 10) as usize % states.len()];
    // A new change request or incident stays as it was created.
    (s != "-5" && s != "1").then_some(s)
}

/// Inserts `n` tickets of this install, as the task form makes them and as a fulfiller then
/// moves them on, each in a second of its own.
fn insert_tickets(sim: &SimHandle, install: &str, n: usize) -> AnyResult<()> {
    let minutes = |m: i64| chrono::TimeDelta::minutes(m);
    let priorities = [
        Priority::Critical,
        Priority::High,
        Priority::Moderate,
        Priority::Moderate,
        Priority::Low,
    ];
    for i in 0..n {
        let roll = mix(i as u64);
        let (action, title, category) = ACTIONS[i % ACTIONS.len()];
        let kind = if i % 3 == 0 {
            TicketKind::ChangeRequest
        } else {
            TicketKind::Incident
        };
        let back = SPACING_MINUTES * (n - i) as i64;
        let created = chrono::Utc::now() - minutes(back);
        let draft = TaskDraft {
            action_id: action.into(),
            action_title: title.into(),
            name: format!("{title} ({})", i + 1),
            description: format!(
                "Raised from Secure Score: {title}. Ticket {} of the start benchmark's profile.",
                i + 1
            ),
            priority: priorities[roll as usize % priorities.len()],
            due_date: created.date_naive() + chrono::Days::new(14 + u64::from(roll % 46)),
            source: RecommendationSource::Microsoft,
            category,
            kind,
            initiating_user: "Ada Admin".into(),
        };
        let correlation = CorrelationId::with_draft(install, action, &format!("{roll:08x}"));
        sim.set_clock_offset(-minutes(back));
        let sys_id = sim
            .insert_record(kind.table(), draft.to_record(&correlation, None))
            .ok_or_else(|| format!("the simulator has no table {}", kind.table()))?;
        // Worked on half a spacing later: still a second of its own, before the next ticket.
        let age = back as f64 / (SPACING_MINUTES * n as i64) as f64;
        if let Some(state) = later_state(kind, age, roll) {
            sim.set_clock_offset(-minutes(back) + minutes(SPACING_MINUTES / 2));
            let moved =
                sim.update_record(kind.table(), &sys_id, serde_json::json!({ "state": state }));
            if !moved {
                return Err(format!("ticket {sys_id} could not be updated").into());
            }
        }
    }
    sim.set_clock_offset(chrono::TimeDelta::zero());
    Ok(())
}

/// A port for the redirect URL that is free now, below Linux's ephemeral range (so that no
/// listener bound to port 0 is handed it meanwhile), as core's tests take one.
fn free_port() -> u16 {
    loop {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let port = 20_000 + (mix(nanos ^ u64::from(std::process::id())) % 12_000) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}
