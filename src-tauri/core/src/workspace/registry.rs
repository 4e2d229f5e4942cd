//! The registry of workspaces: what the app's commands, the tray and the background tasks talk
//! to. It opens the workspaces at start (migrating an earlier version's single connection),
//! restores their connections in the background, and runs the sequences that span a sign-in
//! in the browser or a removal, telling the desktop what changed through [`Host`].

use super::host::{Event, Host};
use super::notifications::{NotificationSettings, Notifications};
use super::store::{Records, SettingsKv, WorkspaceMicrosoft, WorkspaceSettings, unknown_workspace};
use super::{
    RECENT, WORKSPACES_DIR, Workspace, WorkspaceSummary, is_workspace_id, migrate, new_id, runtime,
};
use crate::connection::{ConnectOutcome, ConnectRequest, ConnectionInfo, ConnectionManager};
use crate::error::{Error, Result};
use crate::files::blocking;
use crate::i18n;
use crate::secure_score::signin::MicrosoftSignIn;
use crate::servicenow::InstanceUrl;
use crate::tickets::board::TicketView;
use crate::tickets::notice::Notice;
use crate::tickets::service::OutboxItem;
use crate::tickets::watcher::WatchPrefs;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

/// How the registry is opened (tests shorten the wait for the browser).
#[derive(Debug, Clone)]
pub struct OpenOptions {
    pub callback_timeout: Duration,
    /// Graph's first backoff when throttled without `Retry-After` (tests shorten it).
    pub graph_backoff: Option<Duration>,
    /// Where damaged data files are reported (the shell adds the settings file's).
    pub damage: crate::files::DamageReport,
    /// Offer the pseudo-locale in Settings (tests and screenshots only).
    pub pseudo_locale: bool,
    /// The language the sign-in pages speak: the registry sets it to follow the setting.
    pub speaking: i18n::Speaking,
    /// What the organisation presets and locks (none unless IT deployed a policy).
    pub policy: Arc<crate::policy::Policy>,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            callback_timeout: crate::oauth::loopback::DEFAULT_TIMEOUT,
            graph_backoff: None,
            damage: crate::files::DamageReport::default(),
            pseudo_locale: false,
            speaking: i18n::Speaking::default(),
            policy: Arc::default(),
        }
    }
}

/// How a sign-in ended, and for which workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectResult {
    pub workspace: String,
    #[serde(flatten)]
    pub outcome: ConnectOutcome,
}

/// What to do with the tasks still waiting when a connection is removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitingChoice {
    /// Keep the workspace, without its connection, until it is connected again.
    Keep,
    /// Drop the tasks with the workspace.
    Discard,
}

/// What a removal did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoveOutcome {
    /// The workspace is still there (its tasks wait for a new connection).
    pub kept: bool,
    pub discarded: usize,
    /// The workspace now selected.
    pub selected: Option<String>,
}

/// One recently changed ticket in the tray.
#[derive(Debug, Clone, PartialEq)]
pub struct RecentItem {
    pub workspace: String,
    /// The instance's name, when there are several workspaces.
    pub instance_name: Option<String>,
    pub ticket: TicketView,
}

/// The most characters of a ticket's name the tray shows: menus are narrow.
pub const TRAY_TITLE_CHARS: usize = 40;

impl RecentItem {
    /// The tray's line for this ticket: number, short title (cut at a word where it can), state,
    /// and the instance when there are several. ServiceNow's text is data: control characters
    /// and runs of white space become one space.
    pub fn label(&self, lang: &str) -> String {
        let t = &self.ticket;
        let title = short_title(&t.name, TRAY_TITLE_CHARS);
        let mut args = vec![
            ("number", t.number.as_str()),
            ("title", title.as_str()),
            ("state", t.state_label.as_str()),
        ];
        let key = match &self.instance_name {
            Some(instance) => {
                args.push(("instance", instance.as_str()));
                "tray.recentItemOn"
            }
            None => "tray.recentItem",
        };
        let key = if title.is_empty() {
            format!("{key}Untitled")
        } else {
            key.to_owned()
        };
        i18n::format(lang, &key, &args)
    }
}

/// `name` on one line, at most `max` characters, ending in "…" when cut.
pub fn short_title(name: &str, max: usize) -> String {
    let one_line = name
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max - 1).collect();
    // Cut at the last space when that keeps most of it (CJK text has none: cut anywhere).
    let at = cut
        .rfind(' ')
        .filter(|i| cut[..*i].chars().count() >= max / 2)
        .unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

/// Everything the tray draws.
#[derive(Debug, Clone, PartialEq)]
pub struct TrayView {
    pub recent: Vec<RecentItem>,
    pub unseen: usize,
    pub paused: bool,
}

/// A sign-in in progress: the workspace it is for, new or not.
struct SignIn {
    id: String,
    manager: Arc<ConnectionManager>,
    new: bool,
}

pub struct Workspaces {
    me: Weak<Workspaces>,
    root: PathBuf,
    records: Arc<Records>,
    host: Arc<dyn Host>,
    notifications: Notifications,
    language: super::language::Language,
    /// The proxy every HTTP client uses (Settings → Network).
    network: Arc<crate::network::Network>,
    list: RwLock<Vec<Arc<Workspace>>>,
    signing_in: Mutex<Option<SignIn>>,
    options: OpenOptions,
    /// This install's correlation segment, made once and kept in the settings file.
    install: String,
}

/// The settings key of this install's correlation segment.
const INSTALL_KEY: &str = "install";

/// This install's correlation segment: the saved one, or a new one, saved.
fn install_segment(kv: &Arc<dyn SettingsKv>) -> String {
    use crate::tickets::correlation::{is_install_segment, new_install_segment};
    if let Some(id) = kv
        .get(INSTALL_KEY)
        .and_then(|v| v.get("segment").and_then(|s| s.as_str()).map(str::to_owned))
        .filter(|s| is_install_segment(s))
    {
        return id;
    }
    let id = new_install_segment();
    if let Err(e) = kv.write(
        vec![(INSTALL_KEY, serde_json::json!({ "segment": id }))],
        &[],
    ) {
        log::warn!(
            "the install's correlation segment could not be saved: {}",
            e.message
        );
    }
    id
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Workspaces {
    /// Opens every workspace in `root` (the app's data folder), after moving an earlier
    /// version's data into the first one. Reads files but makes no network or keychain call:
    /// [`Self::start`] restores the connections. Blocking. `locale` is the operating system's
    /// language; the admin's choice in Settings, when there is one, comes first.
    pub fn open(
        root: &Path,
        kv: Arc<dyn SettingsKv>,
        host: Arc<dyn Host>,
        locale: &str,
        options: OpenOptions,
    ) -> Result<Arc<Self>> {
        let records = Arc::new(Records::load(kv.clone()));
        migrate::run(root, &records)?;
        let install = install_segment(&kv);
        let language = super::language::Language::load(kv.clone(), locale, options.pseudo_locale);
        let options = OpenOptions {
            speaking: language.speaking(),
            ..options
        };
        let network = Arc::new(crate::network::Network::load(kv.clone()));
        let notifications = Notifications::load(kv);
        if let Some(p) = &options.policy.notification_interval_secs {
            notifications.apply_policy(p);
        }
        let interval = notifications.prefs().interval_secs;
        let registry = Arc::new_cyclic(|me| Self {
            me: me.clone(),
            root: root.to_owned(),
            records: records.clone(),
            host,
            notifications,
            language,
            network,
            list: RwLock::new(Vec::new()),
            signing_in: Mutex::new(None),
            options,
            install,
        });
        for r in records.snapshot().list {
            if !is_workspace_id(&r.id) {
                log::warn!("ignoring a workspace with the unusable id {:?}", r.id);
                continue;
            }
            let manager = Arc::new(Self::manager(&records, &r.id, &registry.options));
            let microsoft = Arc::new(Self::microsoft(&records, &r.id, &registry.options));
            let dir = root.join(WORKSPACES_DIR).join(&r.id);
            let ws = Workspace::open(
                Arc::downgrade(&registry),
                &r.id,
                &dir,
                records.clone(),
                manager,
                microsoft,
                super::Opening {
                    interval_secs: interval,
                    damage: &registry.options.damage,
                    install: &registry.install,
                },
            )?;
            write(&registry.list).push(Arc::new(ws));
        }
        Ok(registry)
    }

    fn microsoft(records: &Arc<Records>, id: &str, options: &OpenOptions) -> MicrosoftSignIn {
        let mut m =
            MicrosoftSignIn::new(id, Arc::new(WorkspaceMicrosoft::new(id, records.clone())))
                .with_callback_timeout(options.callback_timeout)
                .speaking(options.speaking.clone());
        if let Some(b) = options.graph_backoff {
            m = m.with_graph_backoff(b);
        }
        m
    }

    fn manager(records: &Arc<Records>, id: &str, options: &OpenOptions) -> ConnectionManager {
        ConnectionManager::new(id, Arc::new(WorkspaceSettings::new(id, records.clone())))
            .with_callback_timeout(options.callback_timeout)
            .speaking(options.speaking.clone())
            .with_policy(options.policy.clone())
    }

    fn arc(&self) -> Arc<Self> {
        self.me.upgrade().expect("the registry is alive while used")
    }

    /// Starts every workspace's sender and watcher, then restores the saved connections
    /// (keychain, no network) in the background.
    pub fn start(&self) {
        let me = self.arc();
        for ws in self.list() {
            runtime::start(&me, &ws);
        }
        let app = me.clone();
        self.host.spawn(Box::pin(async move {
            // The proxy's password first, so the connections are restored through the proxy.
            let network = app.network.clone();
            if let Err(e) = blocking(move || network.unlock()).await {
                log::warn!("the proxy password could not be read: {}", e.message);
            }
            for ws in app.list() {
                let records = app.records.clone();
                let id = ws.id().to_owned();
                if let Err(e) = blocking(move || migrate::move_keychain(&records, &id)).await {
                    log::warn!(
                        "{}: the keychain entries could not be moved: {}",
                        ws.id(),
                        e.message
                    );
                }
                let restored = ws.connection().restore().await;
                ws.restore_done();
                match restored {
                    Ok(Some(info)) => {
                        app.host.emit(Event::ConnectionChanged {
                            workspace: ws.id().to_owned(),
                            connection: Some(info),
                        });
                        ws.connected().await;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        log::warn!(
                            "{}: the saved connection could not be restored: {}",
                            ws.id(),
                            e.message
                        );
                        // The page drew the saved connection: it is not connected after all.
                        app.host.emit(Event::ConnectionChanged {
                            workspace: ws.id().to_owned(),
                            connection: ws.connection().status().await,
                        });
                    }
                }
                match ws.microsoft().restore().await {
                    Ok(Some(info)) => {
                        app.host.emit(Event::MicrosoftChanged {
                            workspace: ws.id().to_owned(),
                            microsoft: Some(Box::new(info)),
                        });
                        ws.wake_score();
                    }
                    Ok(None) => {}
                    Err(e) => log::warn!(
                        "{}: the Microsoft 365 sign-in could not be restored: {}",
                        ws.id(),
                        e.message
                    ),
                }
            }
            app.publish().await;
        }));
    }

    /// This install's correlation segment: the tenant part of the correlation ids of the
    /// tickets it makes (`tb1/<segment>/…`, see [`crate::tickets::correlation`]).
    pub fn install(&self) -> &str {
        &self.install
    }

    /// The data files that could not be read at start (moved aside), for the banner.
    pub fn damaged(&self) -> Vec<crate::files::DamagedFile> {
        self.options.damage.list()
    }

    /// The admin read the banner about damaged files.
    pub fn dismiss_damaged(&self) {
        self.options.damage.clear();
    }

    pub fn host(&self) -> &Arc<dyn Host> {
        &self.host
    }

    pub fn notifications(&self) -> &Notifications {
        &self.notifications
    }

    /// The language the app speaks (notifications, the tray, the browser pages): the admin's
    /// choice, or the operating system's.
    /// The organisation's policy, as read at start.
    pub fn policy(&self) -> &Arc<crate::policy::Policy> {
        &self.options.policy
    }

    pub fn locale(&self) -> String {
        self.language.locale()
    }

    pub fn language(&self) -> super::language::LanguageState {
        self.language.state()
    }

    /// Speaks `choice` from now on (`system` or a language tag); the tray is redrawn at once.
    pub fn set_language(&self, choice: &str) -> Result<super::language::LanguageState> {
        let state = self.language.set(choice)?;
        log::info!("language set to {} ({})", state.language, state.locale);
        self.host.tray_changed();
        Ok(state)
    }

    /// The proxy setting, as Settings → Network shows it.
    pub fn network(&self) -> crate::network::NetworkState {
        self.network.state()
    }

    /// Saves the proxy setting (the password in the keychain); the next request of every
    /// client follows it.
    pub async fn set_network(
        &self,
        req: crate::network::NetworkRequest,
    ) -> Result<crate::network::NetworkState> {
        let network = self.network.clone();
        let state = blocking(move || network.set(req)).await?;
        log::info!("network setting saved ({:?})", state.mode);
        Ok(state)
    }

    pub fn list(&self) -> Vec<Arc<Workspace>> {
        read(&self.list).clone()
    }

    pub fn get(&self, id: &str) -> Result<Arc<Workspace>> {
        read(&self.list)
            .iter()
            .find(|w| w.id() == id)
            .cloned()
            .ok_or_else(|| unknown_workspace(id))
    }

    /// The workspace the home page shows.
    pub fn selected(&self) -> Option<String> {
        let sel = self.records.snapshot().selected;
        let list = read(&self.list);
        sel.filter(|s| list.iter().any(|w| w.id() == s))
            .or_else(|| list.first().map(|w| w.id().to_owned()))
    }

    pub async fn summaries(&self) -> Vec<WorkspaceSummary> {
        let selected = self.selected();
        let mut out = Vec::new();
        for ws in self.list() {
            let is = selected.as_deref() == Some(ws.id());
            out.push(ws.summary(is).await);
        }
        out
    }

    /// Tells the UI the list and its counts, and redraws the tray.
    pub async fn publish(&self) {
        self.host.emit(Event::Workspaces(self.summaries().await));
        self.host.tray_changed();
    }

    /// Shows `id` on the home page (kept for the next start); its changes count as seen.
    pub async fn select(&self, id: &str) -> Result<()> {
        let ws = self.get(id)?;
        let records = self.records.clone();
        let sel = id.to_owned();
        blocking(move || {
            records.update(|f| {
                f.selected = Some(sel);
                Ok(())
            })
        })
        .await?;
        ws.mark_seen();
        self.publish().await;
        Ok(())
    }

    /// Tells changes found in `ws`: they count as unseen unless the admin is looking at that
    /// workspace, and one notification says them (unless paused, or not of a kind the admin
    /// wants), naming the instance when there are several; a click opens the ticket there.
    pub(crate) fn tell(&self, ws: &Workspace, changes: &[crate::tickets::watch::TicketChange]) {
        if changes.is_empty() {
            return;
        }
        let looking = self.host.window_in_front() && self.selected().as_deref() == Some(ws.id());
        if !looking {
            ws.add_unseen(changes.iter().map(|c| c.sys_id.clone()));
        }
        if let Some(until) = self.notifications.paused_until() {
            log::info!(
                "{}: {} ticket change(s); notifications are paused until {until}",
                ws.id(),
                changes.len()
            );
            self.host.tray_changed();
            return;
        }
        let lang = self.locale();
        let tickets = ws.tickets().clone();
        let labels = move |kind, value: &str| tickets.state_label(kind, value);
        let prefs = self.notifications.prefs();
        if let Some(mut n) = crate::tickets::notice::notice(&lang, changes, &prefs.notify, &labels)
        {
            self.name_instance(&mut n, ws);
            let url = n.sys_id.as_deref().and_then(|id| {
                let kind = changes.iter().find(|c| c.sys_id == id)?.kind;
                ws.tickets().ticket_url(kind, id).ok()
            });
            self.host.notify(&n, url);
        }
        self.host.tray_changed();
    }

    /// Names the instance in a notification when there are several workspaces.
    pub(crate) fn name_instance(&self, n: &mut Notice, ws: &Workspace) {
        if read(&self.list).len() > 1 {
            n.title = i18n::format(
                &self.locale(),
                "notify.onInstance",
                &[("instance", &ws.name()), ("title", &n.title)],
            );
        }
    }

    // Connect ------------------------------------------------------------------------------

    fn instance_of(req: &ConnectRequest) -> Result<InstanceUrl> {
        InstanceUrl::parse(&req.instance)
    }

    /// Signs in from the setup form: to a new workspace (`workspace` none), or again to an
    /// existing one (its instance cannot change). Opens the browser and waits for it.
    pub async fn connect(
        &self,
        workspace: Option<&str>,
        request: ConnectRequest,
    ) -> Result<ConnectResult> {
        let instance = Self::instance_of(&request)?;
        let sign_in = match workspace {
            Some(id) => {
                let ws = self.get(id)?;
                if let Some(fixed) = ws.instance()
                    && fixed != instance
                {
                    return Err(Error::invalid_input(
                        format!("This workspace belongs to {fixed}, not {instance}."),
                        "To connect another instance, choose Add another ServiceNow instance on the manage page.",
                    )
                    .with_reason("workspace_other_instance")
                    .with_param("instance", fixed.as_str())
                    .with_param("requested", instance.as_str()));
                }
                SignIn {
                    id: id.to_owned(),
                    manager: ws.connection().clone(),
                    new: false,
                }
            }
            None => {
                if let Some(ws) = self
                    .list()
                    .into_iter()
                    .find(|w| w.instance().as_ref() == Some(&instance))
                {
                    return Err(Error::invalid_input(
                        format!("{instance} already has a workspace ({}).", ws.name()),
                        "Select it in the list of instances on the home page, and connect it again from there if needed.",
                    )
                    .with_reason("instance_has_workspace")
                    .with_param("instance", instance.as_str())
                    .with_param("name", ws.name()));
                }
                let id = new_id();
                SignIn {
                    manager: Arc::new(Self::manager(&self.records, &id, &self.options)),
                    id,
                    new: true,
                }
            }
        };
        self.cancel_connect();
        let url = sign_in.manager.begin(request).await?;
        self.drive(sign_in, url).await
    }

    /// Signs in again with a workspace's saved settings (Reconnect, Re-authorize).
    pub async fn reauthorize(&self, id: &str) -> Result<ConnectResult> {
        let ws = self.get(id)?;
        self.cancel_connect();
        let manager = ws.connection().clone();
        let url = match manager.begin_reauthorize().await {
            Err(e) if e.kind == crate::ErrorKind::NotConnected => {
                // Removed but kept: the form it was connected with.
                let r = ws.record().ok_or_else(|| unknown_workspace(id))?;
                let (Some(instance), Some(p)) = (r.instance, r.profile) else {
                    return Err(e);
                };
                manager
                    .begin(ConnectRequest {
                        instance: instance.to_string(),
                        client_id: p.client_id,
                        client_secret: None,
                        integration_user: p.integration_user,
                        port: Some(p.port),
                    })
                    .await?
            }
            other => other?,
        };
        self.drive(
            SignIn {
                id: id.to_owned(),
                manager,
                new: false,
            },
            url,
        )
        .await
    }

    /// After a wrong account signed in: revoke its tokens and start the same sign-in again.
    pub async fn sign_in_again(&self) -> Result<ConnectResult> {
        let sign_in = lock(&self.signing_in).take().ok_or_else(|| {
            Error::invalid_input(
                "There is no sign-in to repeat.",
                "Select Connect to ServiceNow to start again.",
            )
            .with_reason("no_sign_in_to_repeat")
        })?;
        let url = sign_in.manager.begin_sign_in_again().await?;
        self.drive(sign_in, url).await
    }

    /// Keeps the account that signed in although it is not the integration user.
    pub async fn keep_account(&self) -> Result<ConnectResult> {
        let sign_in = lock(&self.signing_in).take().ok_or_else(|| {
            Error::invalid_input(
                "There is no signed-in account to keep.",
                "Select Connect to ServiceNow to start again.",
            )
            .with_reason("no_account_to_keep")
        })?;
        let connection = sign_in.manager.keep_account().await?;
        self.connected(&sign_in, &connection).await?;
        Ok(ConnectResult {
            workspace: sign_in.id,
            outcome: ConnectOutcome::Connected { connection },
        })
    }

    /// Stops a sign-in that waits for the browser.
    pub fn cancel_connect(&self) {
        if let Some(s) = lock(&self.signing_in).take() {
            s.manager.cancel();
        }
    }

    async fn drive(&self, sign_in: SignIn, url: String) -> Result<ConnectResult> {
        self.host.emit(Event::AuthorizeUrl {
            workspace: (!sign_in.new).then(|| sign_in.id.clone()),
            url: url.clone(),
        });
        if let Err(e) = self.host.open_url(&url) {
            // The UI shows the link with a Copy button; the admin can open it by hand.
            log::warn!("could not open the browser: {}", e.message);
        }
        let manager = sign_in.manager.clone();
        let id = sign_in.id.clone();
        *lock(&self.signing_in) = Some(sign_in);
        let outcome = manager.finish().await;
        let mine = |s: &Option<SignIn>| s.as_ref().is_some_and(|s| s.id == id);
        match outcome {
            Ok(ConnectOutcome::Connected { connection }) => {
                let sign_in = {
                    let mut slot = lock(&self.signing_in);
                    if mine(&slot) { slot.take() } else { None }
                };
                if let Some(s) = &sign_in {
                    self.connected(s, &connection).await?;
                }
                Ok(ConnectResult {
                    workspace: id,
                    outcome: ConnectOutcome::Connected { connection },
                })
            }
            Ok(wrong @ ConnectOutcome::WrongUser { .. }) => Ok(ConnectResult {
                workspace: id,
                outcome: wrong,
            }),
            Err(e) => {
                let mut slot = lock(&self.signing_in);
                if mine(&slot) {
                    *slot = None;
                }
                Err(e)
            }
        }
    }

    /// A sign-in succeeded: a new workspace comes into being (and is selected); an existing
    /// one reads its tickets again and starts watching.
    async fn connected(&self, sign_in: &SignIn, info: &ConnectionInfo) -> Result<()> {
        let ws = if sign_in.new {
            let (id, root, records, manager, me, options, install) = (
                sign_in.id.clone(),
                self.root.clone(),
                self.records.clone(),
                sign_in.manager.clone(),
                self.me.clone(),
                self.options.clone(),
                self.install.clone(),
            );
            let interval = self.notifications.prefs().interval_secs;
            let ws = Arc::new(
                blocking(move || {
                    let dir = root.join(WORKSPACES_DIR).join(&id);
                    let microsoft = Arc::new(Self::microsoft(&records, &id, &options));
                    let ws = Workspace::open(
                        me,
                        &id,
                        &dir,
                        records.clone(),
                        manager,
                        microsoft,
                        super::Opening {
                            interval_secs: interval,
                            damage: &options.damage,
                            install: &install,
                        },
                    )?;
                    records.update(|f| {
                        f.selected = Some(id.clone());
                        Ok(())
                    })?;
                    Ok(ws)
                })
                .await?,
            );
            ws.restore_done();
            write(&self.list).push(ws.clone());
            runtime::start(&self.arc(), &ws);
            log::info!("workspace {} added for {}", ws.id(), info.instance);
            ws
        } else {
            self.get(&sign_in.id)?
        };
        self.host.emit(Event::ConnectionChanged {
            workspace: ws.id().to_owned(),
            connection: Some(info.clone()),
        });
        ws.connected().await;
        self.publish().await;
        Ok(())
    }

    // Remove -------------------------------------------------------------------------------

    /// The tasks that wait in a workspace's outbox: what a removal would ask about.
    pub fn waiting_tasks(&self, id: &str) -> Result<Vec<OutboxItem>> {
        Ok(self.get(id)?.tickets().outbox_items())
    }

    /// Removes a workspace's connection: revokes the tokens, deletes its secrets and its
    /// cached tickets. With tasks still waiting, `waiting` says what to do with them: keep the
    /// workspace (without a connection) to send them once it is connected again, or discard
    /// them with the workspace. Without tasks, the workspace goes.
    pub async fn remove(&self, id: &str, waiting: Option<WaitingChoice>) -> Result<RemoveOutcome> {
        let ws = self.get(id)?;
        let tasks = ws.tickets().outbox_items();
        if !tasks.is_empty() && waiting.is_none() {
            return Err(Error::invalid_input(
                format!(
                    "{} task(s) still wait to be sent to {}.",
                    tasks.len(),
                    ws.name()
                ),
                "Choose whether to keep them until this instance is connected again, or to discard them.",
            )
            .with_reason("tasks_still_waiting")
            .with_param("count", tasks.len().to_string())
            .with_param("instance", ws.name()));
        }
        if lock(&self.signing_in).as_ref().is_some_and(|s| s.id == id) {
            self.cancel_connect();
        }
        // Removed locally in every case; a revoke that failed is reported after.
        let revoked = ws.connection().remove().await;
        if let Err(e) = ws.tickets().forget_watch().await {
            log::warn!(
                "{id}: the cached tickets could not be deleted: {}",
                e.message
            );
        }
        ws.forget_seen();
        let keep = !tasks.is_empty() && waiting == Some(WaitingChoice::Keep);
        let mut discarded = 0;
        if keep {
            log::info!("{id}: connection removed; {} task(s) kept", tasks.len());
        } else {
            if waiting == Some(WaitingChoice::Discard) {
                discarded = ws.tickets().outbox_items().len();
                log::info!("{id}: connection removed; {discarded} task(s) discarded");
            }
            if let Err(e) = ws.microsoft().sign_out().await {
                log::warn!(
                    "{id}: the Microsoft 365 sign-in could not be removed: {}",
                    e.message
                );
            }
            ws.close();
            write(&self.list).retain(|w| w.id() != id);
            let (records, gone, dir) = (self.records.clone(), id.to_owned(), ws.dir().to_owned());
            let remaining: Vec<String> = self.list().iter().map(|w| w.id().to_owned()).collect();
            blocking(move || {
                records.update(|f| {
                    f.list.retain(|r| r.id != gone);
                    if f.selected.as_deref() == Some(gone.as_str()) {
                        f.selected = remaining.first().cloned();
                    }
                    Ok(())
                })?;
                if let Err(e) = std::fs::remove_dir_all(&dir)
                    && e.kind() != std::io::ErrorKind::NotFound
                {
                    log::warn!("the folder {} could not be deleted: {e}", dir.display());
                }
                Ok(())
            })
            .await?;
        }
        self.host.emit(Event::ConnectionChanged {
            workspace: id.to_owned(),
            connection: None,
        });
        self.publish().await;
        revoked.map(|()| RemoveOutcome {
            kept: keep,
            discarded,
            selected: self.selected(),
        })
    }

    /// Names a workspace (blank: the instance's name again).
    pub async fn rename(&self, id: &str, name: Option<String>) -> Result<()> {
        self.get(id)?;
        let name = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if name
            .as_ref()
            .is_some_and(|n| n.chars().count() > super::MAX_NAME_CHARS)
        {
            return Err(Error::invalid_input(
                format!(
                    "A workspace name can be at most {} characters.",
                    super::MAX_NAME_CHARS
                ),
                "Use a shorter name, such as Production or Test.",
            )
            .with_reason("workspace_name_too_long")
            .with_param("limit", super::MAX_NAME_CHARS.to_string()));
        }
        let (records, id2) = (self.records.clone(), id.to_owned());
        blocking(move || {
            records.update_one(&id2, |r| {
                r.name = name;
                Ok(())
            })
        })
        .await?;
        self.publish().await;
        Ok(())
    }

    // Notifications ------------------------------------------------------------------------

    pub fn notification_settings(&self) -> NotificationSettings {
        self.notifications.view()
    }

    /// Saves the notification settings; every watcher's next wait uses the new interval.
    pub async fn set_notification_prefs(&self, prefs: WatchPrefs) -> Result<NotificationSettings> {
        prefs.validate()?;
        crate::policy::Policy::check_locked(
            &self.options.policy.notification_interval_secs,
            "notificationInterval",
            &prefs.interval_secs,
        )?;
        let interval = prefs.interval_secs;
        let me = self.arc();
        blocking(move || me.notifications.set_prefs(prefs)).await?;
        for ws in self.list() {
            ws.watch.set_interval(interval);
        }
        Ok(self.notifications.view())
    }

    pub async fn pause(&self, minutes: i64) -> Result<NotificationSettings> {
        let me = self.arc();
        blocking(move || me.notifications.pause(minutes).map(|_| ())).await?;
        self.settings_changed();
        Ok(self.notifications.view())
    }

    pub async fn resume(&self) -> Result<NotificationSettings> {
        let me = self.arc();
        blocking(move || me.notifications.resume()).await?;
        self.settings_changed();
        Ok(self.notifications.view())
    }

    fn settings_changed(&self) {
        self.host
            .emit(Event::WatchSettings(self.notifications.view()));
        self.host.tray_changed();
    }

    /// Looks for changes now, in one workspace or in all.
    pub fn watch_now(&self, id: Option<&str>) -> Result<()> {
        match id {
            Some(id) => self.get(id)?.wake_watcher(),
            None => self.list().iter().for_each(|w| w.wake_watcher()),
        }
        Ok(())
    }

    /// The window was opened or focused: it gets the statuses it missed while hidden, and the
    /// selected workspace's changes count as seen.
    pub fn window_seen(&self) {
        for ws in self.list() {
            self.host.emit(Event::WatchStatus {
                workspace: ws.id().to_owned(),
                status: ws.watch.status(),
            });
        }
        let seen = self
            .selected()
            .and_then(|id| self.get(&id).ok())
            .is_some_and(|ws| ws.mark_seen());
        if seen {
            let me = self.arc();
            self.host.spawn(Box::pin(async move { me.publish().await }));
        }
    }

    // The tray -----------------------------------------------------------------------------

    pub fn tray(&self) -> TrayView {
        let list = self.list();
        let several = list.len() > 1;
        let mut recent: Vec<RecentItem> = list
            .iter()
            .flat_map(|ws| {
                let name = several.then(|| ws.name());
                ws.recent().into_iter().map(move |ticket| RecentItem {
                    workspace: ws.id().to_owned(),
                    instance_name: name.clone(),
                    ticket,
                })
            })
            .collect();
        recent.sort_by_key(|r| std::cmp::Reverse(r.ticket.updated_at));
        recent.truncate(RECENT);
        TrayView {
            recent,
            unseen: list.iter().map(|w| w.unseen_count()).sum(),
            paused: self.notifications.paused_until().is_some(),
        }
    }

    /// The page of a ticket the tray lists, on its own workspace's instance.
    pub fn recent_url(&self, workspace: &str, sys_id: &str) -> Option<String> {
        self.get(workspace)
            .ok()?
            .recent()
            .into_iter()
            .find(|t| t.sys_id == sys_id)
            .map(|t| t.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_titles_fit_the_tray_on_one_line() {
        assert_eq!(short_title("Turn on MFA", 40), "Turn on MFA");
        assert_eq!(
            short_title("Require MFA\nfor\tadministrative  roles", 40),
            "Require MFA for administrative roles"
        );
        let long = "Ensure that intelligence for impersonation protection is enabled everywhere";
        let s = short_title(long, 40);
        assert!(s.chars().count() <= 40, "{s}");
        assert_eq!(s, "Ensure that intelligence for…");
        let cjk = "確保為所有使用者啟用多重要素驗證並封鎖舊版驗證通訊協定以保護帳戶安全與資料";
        let s = short_title(cjk, 20);
        assert_eq!(s.chars().count(), 20);
        assert!(s.ends_with('…'));
        assert_eq!(short_title("  \u{7}\u{1b}  ", 40), "");
    }

    fn item(name: &str, instance: Option<&str>) -> RecentItem {
        RecentItem {
            workspace: "ws-1".into(),
            instance_name: instance.map(str::to_owned),
            ticket: crate::tickets::board::TicketView {
                sys_id: "a".repeat(32),
                number: "CHG0030001".into(),
                kind: None,
                name: name.into(),
                state: "-5".into(),
                state_label: "New".into(),
                priority: None,
                due_date: None,
                category: None,
                action_id: None,
                updated_at: None,
                active: None,
                url: String::new(),
                score: None,
            },
        }
    }

    #[test]
    fn tray_lines_name_the_ticket_by_its_short_title() {
        assert_eq!(
            item("Turn on MFA for admins", None).label("en"),
            "CHG0030001 · Turn on MFA for admins · New"
        );
        assert_eq!(
            item("Turn on MFA", Some("Production")).label("en"),
            "CHG0030001 · Turn on MFA · New · Production"
        );
        assert_eq!(item("", None).label("en"), "CHG0030001 · New");
        assert!(
            item("Turn on MFA", None)
                .label("ja")
                .contains("Turn on MFA")
        );
    }
}
