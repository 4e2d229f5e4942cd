// The only module that touches window.__TAURI__. Every call resolves with data
// or rejects with one error shape: { kind, reason, params, message, hint }.
import { t } from "./i18n.js";

function tauri() {
  return typeof window !== "undefined" ? window.__TAURI__ : undefined;
}

/** True when the page runs inside the Tauri app (false in a browser preview). */
export function hasBackend() {
  return typeof tauri()?.core?.invoke === "function";
}

function noBackend() {
  return {
    kind: "not_connected",
    message: t("errors.noBackend.message"),
    hint: t("errors.noBackend.hint"),
  };
}

/** Turns whatever a command rejected with into { kind, reason, params, message, hint }. */
export function toError(raw) {
  if (raw && typeof raw === "object" && typeof raw.kind === "string") {
    const params = {};
    if (raw.params && typeof raw.params === "object") {
      for (const [key, value] of Object.entries(raw.params)) if (typeof value === "string") params[key] = value;
    }
    return {
      kind: raw.kind,
      reason: typeof raw.reason === "string" ? raw.reason : null,
      params,
      message: typeof raw.message === "string" ? raw.message : "",
      hint: typeof raw.hint === "string" ? raw.hint : "",
      ...(raw.status !== undefined ? { status: raw.status } : {}),
    };
  }
  const message = typeof raw === "string" ? raw : raw instanceof Error ? raw.message : "";
  return { kind: "unknown", message, hint: "" };
}

async function call(command, args) {
  if (!hasBackend()) throw noBackend();
  try {
    return await tauri().core.invoke(command, args);
  } catch (raw) {
    throw toError(raw);
  }
}

/**
 * app_state → { version, demoInstance: string|null, demoMicrosoft: { endpoint, tenant, clientId }|null,
 *   microsoftDefaults: { authority, graph }, locale, language, languages, systemLocale,
 *   workspaces: WorkspaceSummary[], selected: string|null, openAt: string|null, kinds: Kind[],
 *   limits: Limits }. `openAt` is the route a window the tray made opens on ("/settings"), once.
 * `locale` is the language the app speaks (one of the six, or "x-pseudo"); `language` the setting
 * ("system" or a language tag); `languages` what it may be set to, "system" first ("x-pseudo" only
 * when TICKET_BRIDGE_PSEUDO_LOCALE=1); `systemLocale` the operating system's, matched to the six.
 * WorkspaceSummary = { id, name, instance, connected, needsReconnect, waiting, unseen, selected }.
 * Kind = { kind, table, numberPrefix, states: [{ value, label, closed }], createRoles, localeKey, rightsCheck }.
 */
export function appState() {
  return call("app_state");
}

/**
 * set_language → { language, locale, system, languages }: saves the language setting ("system" or
 * one of app_state's `languages`) and speaks it at once in the tray and notifications; the UI
 * then loads the catalog of `locale` itself. Rejects with invalid_input (reason "language") for
 * anything not offered.
 */
export function setLanguage(language) {
  return call("set_language", { language });
}

/**
 * network_settings → { mode: "system"|"explicit", address, username, passwordSaved }: the proxy
 * every connection of the app uses (Settings → Network). The password never comes back.
 */
export function networkSettings() {
  return call("network_settings");
}

/**
 * set_network → the same shape as network_settings: saves the proxy setting; the next request
 * follows it. `password` left out (undefined) keeps the saved one, "" removes it. Rejects with
 * invalid_input (reasons proxy_*) for an address that is not http(s)://host:port.
 */
export function setNetwork({ mode, address = "", username = "", password } = {}) {
  const args = { mode, address, username };
  if (typeof password === "string") args.password = password;
  return call("set_network", args);
}

/**
 * ui_ready → tells the back end the first screen is drawn (logged; read by the start benchmark):
 * `marks` the page's steps, `screen` what it shows (`home:connected`).
 */
export function uiReady(marks = {}, screen = null) {
  if (!hasBackend()) return Promise.resolve();
  return call("ui_ready", { marks, screen }).catch((error) => console.error(error));
}

// Workspaces ---------------------------------------------------------------------

/** list_workspaces → WorkspaceSummary[]. */
export function listWorkspaces() {
  return call("list_workspaces");
}

/** select_workspace → null. The home page shows `workspace` (kept for the next start). */
export function selectWorkspace(workspace) {
  return call("select_workspace", { workspace });
}

/** rename_workspace → null. A blank name goes back to the instance's name. */
export function renameWorkspace(workspace, name) {
  return call("rename_workspace", { workspace, name: name === "" ? null : name ?? null });
}

/** waiting_tasks → OutboxItem[]: what a removal would ask about. */
export function waitingTasks(workspace) {
  return call("waiting_tasks", { workspace });
}

/**
 * remove_connection → { kept, discarded, selected }. Revokes both tokens, deletes the secrets and
 * the cached tickets. With tasks waiting, `waiting` is "keep" (the workspace stays, without a
 * connection, until it is connected again) or "discard".
 */
export function removeConnection(workspace, waiting = null) {
  return call("remove_connection", { workspace, waiting });
}

// Connection -----------------------------------------------------------------------

/**
 * connect → { workspace, status: "connected", connection } | { workspace, status: "wrong_user",
 *   signedIn: { userName, displayName }, expected }, once the admin has signed in in the browser.
 * `workspace` null signs in to a new workspace; an id signs in again to that one.
 * Rejects with { kind, message, hint }; after cancel_connect with kind invalid_input.
 */
export function connect(workspace, { instance, clientId, clientSecret, integrationUser, port }) {
  return call("connect", { workspace: workspace ?? null, instance, clientId, clientSecret, integrationUser, port });
}

/**
 * check_connect_form → { errors: { field: localeKey }, instance, port, redirectUri }: the setup
 * form's rules, from Rust (the port as typed, a string).
 */
export function checkConnectForm({ instance, clientId, clientSecret, integrationUser, port }) {
  return call("check_connect_form", {
    instance: String(instance ?? ""),
    clientId: String(clientId ?? ""),
    clientSecret: clientSecret == null ? null : String(clientSecret),
    integrationUser: String(integrationUser ?? ""),
    port: port == null ? null : String(port),
  });
}

/** connect_profile → { instance, clientId, integrationUser, port } | null: what the form of a workspace shows. */
export function connectProfile(workspace) {
  return call("connect_profile", { workspace });
}

/** cancel_connect → null. Stops the wait for the browser; the pending call rejects. */
export function cancelConnect() {
  return call("cancel_connect");
}

/** sign_in_again → the shape of connect. Revokes the wrong account's token and reopens the browser. */
export function signInAgain() {
  return call("sign_in_again");
}

/** keep_account → the shape of connect. Keeps the account that signed in, although it isn't the expected one. */
export function keepAccount() {
  return call("keep_account");
}

/** reauthorize → the shape of connect. The same sign-in with the workspace's saved settings. */
export function reauthorize(workspace) {
  return call("reauthorize", { workspace });
}

/**
 * connection_status → ConnectionInfo or null:
 * { instance, clientId, integrationUser, signedIn: { userName, displayName }, release,
 *   accessTokenExpiresAt, hasRefreshToken, needsReconnect, port, publicClient }
 */
export function connectionStatus(workspace) {
  return call("connection_status", { workspace });
}

/** check_connection → { checks: [{ id, status: "ok"|"warn"|"fail", detail, fix }] } */
export function checkConnection(workspace) {
  return call("check_connection", { workspace });
}

// Improvement actions, tasks and the outbox ------------------------------------

/**
 * list_actions → Action[]: { id, title, category: string|null, source: "microsoft"|"user",
 *   origin: "graph"|"csv"|"typed", points, maxPoints, toGain, rank, service, tier, userImpact,
 *   implementationCost, status, scoreImpact, remediation, remediationImpact, actionUrl,
 *   ticket: TicketRef|null, queued }.
 * TicketRef = { sysId, number, kind, state, stateLabel, url, done, score: TicketScore|null }.
 * TicketScore = { verdict: "verified"|"closed_not_fixed"|"regressed"|null, since, control }.
 */
export function listActions(workspace) {
  return call("list_actions", { workspace });
}

/** add_action → Action (source "user"), from { title, category, remediation } typed in by the admin. */
export function addAction(workspace, { title, category, remediation }) {
  return call("add_action", { workspace, title, category, remediation });
}

/** open_ticket_for_action → TicketRef|null: an active ticket already made for this action. */
export function openTicketForAction(workspace, actionId) {
  return call("open_ticket_for_action", { workspace, actionId });
}

/**
 * The draft both preview_task and submit_task take:
 * { actionId, actionTitle, name, description, priority: 1..5, dueDate: "YYYY-MM-DD", source, category, kind }.
 */
function draftArg(draft) {
  const { actionId, actionTitle, name, description, priority, dueDate, source, category, kind } = draft;
  return { actionId, actionTitle, name, description, priority, dueDate, source, category, kind };
}

/**
 * preview_task → { errors: [{ field, reason, params?, message, hint }], table, record }: exactly
 * what would be sent. A field error is worded like an error: errors.reasons.<reason> with params
 * (dates as YYYY-MM-DD); message and hint are English.
 */
export function previewTask(workspace, draft) {
  return call("preview_task", { workspace, draft: draftArg(draft) });
}

/**
 * submit_task → { outboxId, sent: { number, kind, sysId, url, warnings }|null, waiting: OutboxItem|null }.
 * A warning is { field, sent, stored, reason, params, message }: a field ServiceNow did not store as sent.
 */
export function submitTask(workspace, draft) {
  return call("submit_task", { workspace, draft: draftArg(draft) });
}

/**
 * outbox_list → OutboxItem[]: { id, name, kind, attempts, state: "waiting"|"blocked",
 *   error: { kind, message, hint }|null, nextAttemptAt, mayExist }.
 */
export function outboxList(workspace) {
  return call("outbox_list", { workspace });
}

/** outbox_retry → null. Sends the item now. */
export function outboxRetry(workspace, id) {
  return call("outbox_retry", { workspace, id });
}

/** outbox_discard → null. Drops the item without sending it. */
/** outbox_send_anyway → null: after lookups could not prove absence, the admin sends it anyway. */
export function outboxSendAnyway(workspace, id) {
  return call("outbox_send_anyway", { workspace, id });
}

export function outboxDiscard(workspace, id) {
  return call("outbox_discard", { workspace, id });
}

// Tickets ------------------------------------------------------------------------

/**
 * list_tickets → { tickets: Ticket[], fetchedAt, fromCache } from the local cache, at once.
 * Ticket = { sysId, number, kind, name, state, stateLabel, priority, dueDate, category,
 *   actionId, updatedAt, active, url }.
 */
export function listTickets(workspace) {
  return call("list_tickets", { workspace });
}

/**
 * ticket_summary → what the home cards show, from the local cache, a few kilobytes however many
 * tickets there are: { total, fetchedAt, kinds: [{ kind, total, states: [{ value, label, count }],
 * newest: Ticket[] }] } (newest: last changed first).
 */
export function ticketSummary(workspace) {
  return call("ticket_summary", { workspace });
}

/** refresh_tickets → the same shape as list_tickets, read from ServiceNow. */
export function refreshTickets(workspace) {
  return call("refresh_tickets", { workspace });
}

/** state_names → [{ kind, states: [{ value, instanceLabel, customLabel }] }], in the registry's order. */
export function stateNames(workspace) {
  return call("state_names", { workspace });
}

/** set_state_name → null. kind "change_request"|"incident"; a null or empty label resets that state. */
export function setStateName(workspace, { kind, value, label }) {
  return call("set_state_name", { workspace, kind, value, label: label === "" ? null : label ?? null });
}

/** reset_state_names → null. Every state takes the instance's name again. */
export function resetStateNames(workspace) {
  return call("reset_state_names", { workspace });
}

/** export_tickets_csv → { path } of the CSV written to the Downloads folder; sysIds null exports all. */
export function exportTicketsCsv(workspace, sysIds) {
  return call("export_tickets_csv", { workspace, sysIds: Array.isArray(sysIds) ? sysIds : null });
}

/**
 * save_diagnostics → { path } of the zip written to the Downloads folder: versions, settings (no
 * secret), each workspace's outbox, watcher and last connection check, the newest log files.
 */
export function saveDiagnostics() {
  return call("save_diagnostics");
}

/** show_diagnostics → null. Shows a zip save_diagnostics wrote in the file manager (Rust checks the path). */
export function showDiagnostics(path) {
  return call("show_diagnostics", { path });
}

/**
 * update_state → UpdateView: { currentVersion, off: "policy"|"no_endpoint"|null, checking,
 * installing, lastChecked: RFC 3339|null, available: { version, notes|null, date|null }|null,
 * error: Error|null }.
 */
export function updateState() {
  return call("update_state");
}

/** check_for_updates → UpdateView after asking the update server (refused when updates are off). */
export function checkForUpdates() {
  return call("check_for_updates");
}

/** install_update → never returns on success (the app restarts); an Error when the download is refused. */
export function installUpdate() {
  return call("install_update");
}

/** Event whenever the update state changes: the UpdateView. */
export const EVENT_UPDATES = "app://updates";

/** open_log_folder → null. Opens the app's log folder in the file manager. */
export function openLogFolder() {
  return call("open_log_folder");
}

/** open_url → null. Opens a record of the workspace's instance in the system browser (Rust checks the URL). */
export function openUrl(workspace, url) {
  return call("open_url", { workspace, url });
}

/**
 * Listens to a back-end event. Resolves to an unlisten function; in a browser
 * preview it resolves to a no-op so screens need no special case.
 */
export async function onEvent(name, handler) {
  const listen = tauri()?.event?.listen;
  if (typeof listen !== "function") return () => {};
  try {
    return await listen(name, (event) => handler(event.payload));
  } catch (error) {
    console.error(error);
    return () => {};
  }
}

/**
 * Listens to an event of one workspace: the handler gets the payload's `field` (the list, the
 * items, the status, the connection) only when the payload names `workspace`.
 */
export function onWorkspaceEvent(name, workspace, field, handler) {
  return onEvent(name, (payload) => {
    if (payload && typeof payload === "object" && payload.workspace === workspace) handler(payload[field]);
  });
}

/** Event while `connect` waits: { workspace: string|null, url } of the sign-in page. */
export const EVENT_AUTHORIZE_URL = "connect://authorize-url";

/** Event after connect, remove or a lost sign-in: { workspace, connection: ConnectionInfo|null }. */
export const EVENT_CONNECTION_CHANGED = "connection://changed";

/**
 * Event after the ticket cache changed: { workspace, summary } (summary: the shape of
 * ticket_summary). A page that lists every ticket reads list_tickets again.
 */
export const EVENT_TICKETS_CHANGED = "tickets://changed";

/** Event after the outbox changed: { workspace, items: OutboxItem[] }. */
export const EVENT_OUTBOX_CHANGED = "outbox://changed";

/** Event after the workspaces or their counts changed: WorkspaceSummary[]. */
export const EVENT_WORKSPACES_CHANGED = "workspaces://changed";

/** The tray asks for a screen by its route ("/settings"). */
export const EVENT_NAVIGATE = "app://navigate";

/** category_mapping → { Identity: string, Data: string, Devices: string, Apps: string, Infrastructure: string } */
export function categoryMapping(workspace) {
  return call("category_mapping", { workspace });
}

/** set_category_mapping → null. Blank values leave the ticket's category unset. */
export function setCategoryMapping(workspace, mapping) {
  return call("set_category_mapping", { workspace, mapping });
}

// Watching tickets and notifications ---------------------------------------------

/**
 * watch_settings → WatchSettings: { intervalSecs (15..3600, default 60),
 *   notify: { state, assigned, priority, due, comments, closed } (booleans, default true),
 *   autostart (default false), pausedUntil: RFC 3339|null, status: WatchStatus }.
 * WatchStatus = { state: "idle"|"watching"|"offline"|"retrying"|"stopped",
 *   lastPollAt: string|null, nextPollAt: string|null, message: string|null }.
 */
export function watchSettings(workspace) {
  return call("watch_settings", { workspace: workspace ?? null });
}

/**
 * set_watch_settings → WatchSettings. Takes the whole settings object; an intervalSecs
 * below 15 or above 3600 is refused with kind invalid_input.
 */
export function setWatchSettings(workspace, { intervalSecs, notify, autostart }) {
  const { state, assigned, priority, due, comments, closed } = notify ?? {};
  return call("set_watch_settings", {
    workspace: workspace ?? null,
    settings: { intervalSecs, notify: { state, assigned, priority, due, comments, closed }, autostart },
  });
}

/** pause_notifications → WatchSettings with pausedUntil set `minutes` from now. */
export function pauseNotifications(workspace, minutes) {
  return call("pause_notifications", { workspace: workspace ?? null, minutes });
}

/** resume_notifications → WatchSettings with pausedUntil null. */
export function resumeNotifications(workspace) {
  return call("resume_notifications", { workspace: workspace ?? null });
}

/** watch_now → null. Checks for changes now; the result arrives as EVENT_WATCH_STATUS. */
export function watchNow(workspace) {
  return call("watch_now", { workspace: workspace ?? null });
}

/** Event whenever a watcher's state changes or a poll ends: { workspace, status: WatchStatus }. */
export const EVENT_WATCH_STATUS = "watch://status";

/** The shared notification settings (without a status): paused or resumed from the tray menu. */
export const EVENT_WATCH_SETTINGS = "watch://settings";

// Microsoft 365 and Secure Score ----------------------------------------------

/**
 * The sign-in form: { tenant, clientId, authority?, graph? } (authority and graph: the national
 * cloud's addresses, blank for the global service).
 */
function microsoftForm({ tenant, clientId, authority, graph }) {
  return { tenant, clientId, authority: authority || null, graph: graph || null };
}

/** check_microsoft_form → null, or rejects with the field's error (reason: tenant, client_id…). */
export function checkMicrosoftForm(form) {
  return call("check_microsoft_form", { form: microsoftForm(form) });
}

/**
 * microsoft_status → MicrosoftInfo|null: { tenant, clientId, authority, graph,
 *   account: { name, upn, tenantId, objectId }, needsReconnect, accessTokenExpiresAt }.
 */
export function microsoftStatus(workspace) {
  return call("microsoft_status", { workspace });
}

/** microsoft_sign_in → MicrosoftInfo once the admin signed in in the browser (or rejects). */
export function microsoftSignIn(workspace, form) {
  return call("microsoft_sign_in", { workspace, form: microsoftForm(form) });
}

/** microsoft_reconnect → MicrosoftInfo: the sign-in again, with the saved registration. */
export function microsoftReconnect(workspace) {
  return call("microsoft_reconnect", { workspace });
}

/** microsoft_cancel → null: the waiting sign-in ends (its promise rejects with reason "cancelled"). */
export function microsoftCancel(workspace) {
  return call("microsoft_cancel", { workspace });
}

/** microsoft_sign_out → null: the tokens are deleted, the cached score forgotten. */
export function microsoftSignOut(workspace) {
  return call("microsoft_sign_out", { workspace });
}

/** open_admin_consent → null: opens the tenant's admin consent page for the form's app. */
export function openAdminConsent(workspace, form) {
  return call("open_admin_consent", { workspace, form: microsoftForm(form) });
}

/**
 * score_view → ScoreView: { summary: ScoreSummary|null, microsoft: MicrosoftInfo|null,
 *   csv: { importedAt, fileName, actions }|null, stale, error: Error|null }.
 * ScoreSummary = { tenantId, fetchedAt, asOf, currentScore, maxScore, percentage, actions,
 *   deprecatedHidden, requests }. A stale score is read again; EVENT_SCORE_CHANGED follows.
 */
export function scoreView(workspace) {
  return call("score_view", { workspace });
}

/** refresh_score → ScoreView after reading the score now (rejects when Graph refused). */
export function refreshScore(workspace) {
  return call("refresh_score", { workspace });
}

/**
 * csv_preview → CsvImport: { delimiter, columns, ignoredColumns, actions: CsvAction[],
 *   skipped: [{ line, reason }] } of the file (base64), nothing kept.
 */
export function csvPreview(workspace, content) {
  return call("csv_preview", { workspace, content });
}

/** csv_import → { importedAt, fileName, actions }: the file replaces the last import. */
export function csvImport(workspace, content, fileName) {
  return call("csv_import", { workspace, content, fileName: fileName ?? null });
}

/** csv_clear → null: the last import is forgotten. */
export function csvClear(workspace) {
  return call("csv_clear", { workspace });
}

/** Event while microsoft_sign_in waits: { workspace, url } of the sign-in page. */
export const EVENT_MICROSOFT_AUTHORIZE_URL = "microsoft://authorize-url";

/** Event after a Microsoft 365 sign-in, its loss or sign-out: { workspace, microsoft: MicrosoftInfo|null }. */
export const EVENT_MICROSOFT_CHANGED = "microsoft://changed";

/** Event after the score was read or the import changed: { workspace, score: ScoreView }. */
export const EVENT_SCORE_CHANGED = "score://changed";

/**
 * damaged_files → DamagedFile[]: data files that could not be read at start, each moved aside:
 * { file: "outbox"|"tickets"|"watch"|"settings"|"typed_actions"|"secure_score"|"csv_actions",
 *   workspace: string|null, path, movedTo: string|null, kept: number|null, reason }.
 */
export function damagedFiles() {
  if (!hasBackend()) return Promise.resolve([]);
  return call("damaged_files");
}

/** dismiss_damaged_files → null: the admin read the banner. */
export function dismissDamagedFiles() {
  return call("dismiss_damaged_files");
}
