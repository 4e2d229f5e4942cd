// The only module that touches window.__TAURI__. Every call resolves with data
// or rejects with one error shape: { kind, message, hint }.
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

/** Turns whatever a command rejected with into { kind, message, hint }. */
export function toError(raw) {
  if (raw && typeof raw === "object" && typeof raw.kind === "string") {
    return {
      kind: raw.kind,
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

/** app_state → { version: string, connected: boolean, demoInstance: string|null, locale: string } */
export function appState() {
  return call("app_state");
}

/** ui_ready → tells the back end the first screen is drawn (logged; read by the start benchmark). */
export function uiReady() {
  if (!hasBackend()) return Promise.resolve();
  return call("ui_ready").catch((error) => console.error(error));
}

/**
 * connect → a ConnectOutcome once the admin has signed in in the browser:
 *   { status: "connected", connection: ConnectionInfo }
 *   { status: "wrong_user", signedIn: { userName, displayName }, expected }
 * Rejects with { kind, message, hint }; after cancel_connect with kind invalid_input.
 * Arguments reach Rust as instance, client_id, client_secret, integration_user, port.
 */
export function connect({ instance, clientId, clientSecret, integrationUser, port }) {
  return call("connect", { instance, clientId, clientSecret, integrationUser, port });
}

/** cancel_connect → null. Stops the wait for the browser; the pending call rejects. */
export function cancelConnect() {
  return call("cancel_connect");
}

/** sign_in_again → ConnectOutcome. Revokes the wrong account's token and reopens the browser. */
export function signInAgain() {
  return call("sign_in_again");
}

/** keep_account → ConnectionInfo. Keeps the account that signed in, although it isn't the expected one. */
export function keepAccount() {
  return call("keep_account");
}

/** reauthorize → ConnectOutcome. The same sign-in with the stored settings. */
export function reauthorize() {
  return call("reauthorize");
}

/**
 * connection_status → ConnectionInfo or null:
 * { instance, clientId, integrationUser, signedIn: { userName, displayName }, release,
 *   accessTokenExpiresAt, hasRefreshToken, needsReconnect, port, publicClient }
 */
export function connectionStatus() {
  return call("connection_status");
}

/** check_connection → { checks: [{ id, status: "ok"|"warn"|"fail", detail, fix }] } */
export function checkConnection() {
  return call("check_connection");
}

/** remove_connection → null. Revokes both tokens, deletes the secrets, clears the settings. */
export function removeConnection() {
  return call("remove_connection");
}

// Improvement actions, tasks and the outbox ------------------------------------

/**
 * list_actions → Action[]: { id, title, category, source: "microsoft"|"user", points, maxPoints,
 *   remediation, ticket: TicketRef|null, queued }. TicketRef = { sysId, number, kind, state, stateLabel, url }.
 */
export function listActions() {
  return call("list_actions");
}

/** add_action → Action (source "user"), from { title, category, remediation } typed in by the admin. */
export function addAction({ title, category, remediation }) {
  return call("add_action", { title, category, remediation });
}

/** open_ticket_for_action → TicketRef|null: an active ticket already made for this action. */
export function openTicketForAction(actionId) {
  return call("open_ticket_for_action", { actionId });
}

/**
 * The draft both preview_task and submit_task take:
 * { actionId, actionTitle, name, description, priority: 1..5, dueDate: "YYYY-MM-DD", source, category, kind }.
 */
function draftArg(draft) {
  const { actionId, actionTitle, name, description, priority, dueDate, source, category, kind } = draft;
  return { actionId, actionTitle, name, description, priority, dueDate, source, category, kind };
}

/** preview_task → { errors: [{ field, message, hint }], table, record }: exactly what would be sent. */
export function previewTask(draft) {
  return call("preview_task", { draft: draftArg(draft) });
}

/** submit_task → { outboxId, sent: { number, kind, sysId, url, warnings }|null, waiting: OutboxItem|null }. */
export function submitTask(draft) {
  return call("submit_task", { draft: draftArg(draft) });
}

/**
 * outbox_list → OutboxItem[]: { id, name, kind, attempts, state: "waiting"|"blocked",
 *   error: { kind, message, hint }|null, nextAttemptAt, mayExist }.
 */
export function outboxList() {
  return call("outbox_list");
}

/** outbox_retry → null. Sends the item now. */
export function outboxRetry(id) {
  return call("outbox_retry", { id });
}

/** outbox_discard → null. Drops the item without sending it. */
export function outboxDiscard(id) {
  return call("outbox_discard", { id });
}

// Tickets ------------------------------------------------------------------------

/**
 * list_tickets → { tickets: Ticket[], fetchedAt, fromCache } from the local cache, at once.
 * Ticket = { sysId, number, kind, name, state, stateLabel, priority, dueDate, category,
 *   actionId, updatedAt, active, url }.
 */
export function listTickets() {
  return call("list_tickets");
}

/** refresh_tickets → the same shape as list_tickets, read from ServiceNow. */
export function refreshTickets() {
  return call("refresh_tickets");
}

/** state_names → { changeRequest: StateName[], incident: StateName[] }; StateName = { value, instanceLabel, customLabel }. */
export function stateNames() {
  return call("state_names");
}

/** set_state_name → null. kind "change_request"|"incident"; a null or empty label resets that state. */
export function setStateName({ kind, value, label }) {
  return call("set_state_name", { kind, value, label: label === "" ? null : label ?? null });
}

/** reset_state_names → null. Every state takes the instance's name again. */
export function resetStateNames() {
  return call("reset_state_names");
}

/** export_tickets_csv → { path } of the CSV written to the Downloads folder; sysIds null exports all. */
export function exportTicketsCsv(sysIds) {
  return call("export_tickets_csv", { sysIds: Array.isArray(sysIds) ? sysIds : null });
}

/** open_url → null. Opens a record of the instance in the system browser (Rust checks the URL). */
export function openUrl(url) {
  return call("open_url", { url });
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

/** Event the back end emits while `connect` waits: { url } of the sign-in page. */
export const EVENT_AUTHORIZE_URL = "connect://authorize-url";

/** Event the back end emits after connect, remove or a token refresh: ConnectionInfo or null. */
export const EVENT_CONNECTION_CHANGED = "connection://changed";

/** Event after the ticket cache changed: the shape of list_tickets. */
export const EVENT_TICKETS_CHANGED = "tickets://changed";

/** Event after the outbox changed: OutboxItem[]. */
export const EVENT_OUTBOX_CHANGED = "outbox://changed";

/** category_mapping → { Identity: string, Data: string, Devices: string, Apps: string, Infrastructure: string } */
export function categoryMapping() {
  return call("category_mapping");
}

/** set_category_mapping({ mapping }) → null. Blank values leave the ticket's category unset. */
export function setCategoryMapping(mapping) {
  return call("set_category_mapping", { mapping });
}

// Watching tickets and notifications ---------------------------------------------

/**
 * watch_settings → WatchSettings: { intervalSecs (15..3600, default 60),
 *   notify: { state, assigned, priority, due, comments, closed } (booleans, default true),
 *   autostart (default false), pausedUntil: RFC 3339|null, status: WatchStatus }.
 * WatchStatus = { state: "idle"|"watching"|"offline"|"retrying"|"stopped",
 *   lastPollAt: string|null, nextPollAt: string|null, message: string|null }.
 */
export function watchSettings() {
  return call("watch_settings");
}

/**
 * set_watch_settings → WatchSettings. Takes the whole settings object; an intervalSecs
 * below 15 or above 3600 is refused with kind invalid_input.
 */
export function setWatchSettings({ intervalSecs, notify, autostart }) {
  const { state, assigned, priority, due, comments, closed } = notify ?? {};
  return call("set_watch_settings", {
    settings: { intervalSecs, notify: { state, assigned, priority, due, comments, closed }, autostart },
  });
}

/** pause_notifications → WatchSettings with pausedUntil set `minutes` from now. */
export function pauseNotifications(minutes) {
  return call("pause_notifications", { minutes });
}

/** resume_notifications → WatchSettings with pausedUntil null. */
export function resumeNotifications() {
  return call("resume_notifications");
}

/** watch_now → null. Checks for changes now; the result arrives as EVENT_WATCH_STATUS. */
export function watchNow() {
  return call("watch_now");
}

/** Event whenever the watcher's state changes or a poll ends: WatchStatus. */
export const EVENT_WATCH_STATUS = "watch://status";

/** WatchSettings: paused or resumed from the tray menu. */
export const EVENT_WATCH_SETTINGS = "watch://settings";
