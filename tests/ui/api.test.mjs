// api.js: graceful failure without Tauri, argument shapes, error normalisation.
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as api from "../../ui/js/api.js";
import { setMessages } from "../../ui/js/i18n.js";
import { readLocale } from "./helpers.mjs";

const en = readLocale("en");
setMessages("en", en, en);

afterEach(() => {
  delete globalThis.window;
});

test("without window.__TAURI__ calls reject with not_connected, message and hint", async () => {
  assert.equal(api.hasBackend(), false);
  await assert.rejects(api.appState(), (error) => {
    assert.equal(error.kind, "not_connected");
    assert.equal(error.message, en.errors.noBackend.message);
    assert.equal(error.hint, en.errors.noBackend.hint);
    return true;
  });
  globalThis.window = {};
  await assert.rejects(api.connect({ instance: "x" }), { kind: "not_connected" });
});

test("onEvent without Tauri resolves to a no-op unlisten", async () => {
  const unlisten = await api.onEvent("x", () => {});
  assert.equal(typeof unlisten, "function");
  unlisten();
});

test("commands and arguments reach invoke as documented", async () => {
  const calls = [];
  globalThis.window = {
    __TAURI__: {
      core: {
        invoke: async (cmd, args) => {
          calls.push([cmd, args]);
          return cmd === "app_state" ? { version: "0.1.0", connected: false, demoInstance: null } : null;
        },
      },
    },
  };
  assert.deepEqual(await api.appState(), { version: "0.1.0", connected: false, demoInstance: null });
  await api.connect({
    instance: "contoso",
    clientId: "id",
    clientSecret: "secret",
    integrationUser: "svc",
    port: 8765,
    extra: "dropped",
  });
  assert.deepEqual(calls, [
    ["app_state", undefined],
    ["connect", { instance: "contoso", clientId: "id", clientSecret: "secret", integrationUser: "svc", port: 8765 }],
  ]);
});

test("connection commands reach invoke by their Rust names, without arguments", async () => {
  const calls = [];
  globalThis.window = {
    __TAURI__: { core: { invoke: async (cmd, args) => (calls.push([cmd, args]), { cmd }) } },
  };
  assert.deepEqual(await api.cancelConnect(), { cmd: "cancel_connect" });
  assert.deepEqual(await api.signInAgain(), { cmd: "sign_in_again" });
  assert.deepEqual(await api.keepAccount(), { cmd: "keep_account" });
  assert.deepEqual(await api.reauthorize(), { cmd: "reauthorize" });
  assert.deepEqual(await api.connectionStatus(), { cmd: "connection_status" });
  assert.deepEqual(await api.checkConnection(), { cmd: "check_connection" });
  assert.deepEqual(await api.removeConnection(), { cmd: "remove_connection" });
  assert.deepEqual(
    calls.map(([cmd, args]) => [cmd, args]),
    [
      ["cancel_connect", undefined],
      ["sign_in_again", undefined],
      ["keep_account", undefined],
      ["reauthorize", undefined],
      ["connection_status", undefined],
      ["check_connection", undefined],
      ["remove_connection", undefined],
    ],
  );
  assert.equal(api.EVENT_CONNECTION_CHANGED, "connection://changed");
});

test("rejections become { kind, message, hint }", async () => {
  const rejectWith = (value) => {
    globalThis.window = { __TAURI__: { core: { invoke: async () => Promise.reject(value) } } };
  };
  rejectWith({ kind: "wrong_user", message: "Signed in as admin", hint: "Sign in again" });
  await assert.rejects(api.appState(), { kind: "wrong_user", message: "Signed in as admin", hint: "Sign in again" });
  rejectWith({ kind: "servicenow", message: "m", hint: "h", status: 500 });
  await assert.rejects(api.appState(), { kind: "servicenow", status: 500 });
  rejectWith("plain string from a panic-free command");
  await assert.rejects(api.appState(), { kind: "unknown", message: "plain string from a panic-free command", hint: "" });
  rejectWith(new Error("boom"));
  await assert.rejects(api.appState(), { kind: "unknown", message: "boom" });
});

test("onEvent passes payloads through listen", async () => {
  let registered;
  globalThis.window = {
    __TAURI__: {
      core: { invoke: async () => null },
      event: {
        listen: async (name, handler) => {
          registered = { name, handler };
          return () => (registered = null);
        },
      },
    },
  };
  const seen = [];
  const unlisten = await api.onEvent(api.EVENT_AUTHORIZE_URL, (payload) => seen.push(payload));
  assert.equal(registered.name, "connect://authorize-url");
  registered.handler({ payload: { url: "u" } });
  assert.deepEqual(seen, [{ url: "u" }]);
  unlisten();
  assert.equal(registered, null);
});

test("ticket commands reach invoke by their Rust names with camelCase arguments", async () => {
  const calls = [];
  globalThis.window = {
    __TAURI__: { core: { invoke: async (cmd, args) => (calls.push([cmd, args]), null) } },
  };
  const draft = {
    actionId: "a1",
    actionTitle: "Title",
    name: "Name",
    description: "Text",
    priority: 3,
    dueDate: "2025-06-29",
    source: "microsoft",
    category: "Identity",
    kind: "incident",
    extra: "dropped",
  };
  const { extra, ...sent } = draft;
  await api.listActions();
  await api.addAction({ title: "T", category: "Data", remediation: "R", other: 1 });
  await api.openTicketForAction("a1");
  await api.previewTask(draft);
  await api.submitTask(draft);
  await api.outboxList();
  await api.outboxRetry("o1");
  await api.outboxDiscard("o1");
  await api.listTickets();
  await api.refreshTickets();
  await api.stateNames();
  await api.setStateName({ kind: "incident", value: "2", label: "Doing" });
  await api.setStateName({ kind: "incident", value: "2", label: "" });
  await api.resetStateNames();
  await api.exportTicketsCsv(["s1"]);
  await api.exportTicketsCsv(undefined);
  await api.openUrl("http://127.0.0.1:8080/x");
  assert.equal(extra, "dropped");
  assert.deepEqual(calls, [
    ["list_actions", undefined],
    ["add_action", { title: "T", category: "Data", remediation: "R" }],
    ["open_ticket_for_action", { actionId: "a1" }],
    ["preview_task", { draft: sent }],
    ["submit_task", { draft: sent }],
    ["outbox_list", undefined],
    ["outbox_retry", { id: "o1" }],
    ["outbox_discard", { id: "o1" }],
    ["list_tickets", undefined],
    ["refresh_tickets", undefined],
    ["state_names", undefined],
    ["set_state_name", { kind: "incident", value: "2", label: "Doing" }],
    ["set_state_name", { kind: "incident", value: "2", label: null }],
    ["reset_state_names", undefined],
    ["export_tickets_csv", { sysIds: ["s1"] }],
    ["export_tickets_csv", { sysIds: null }],
    ["open_url", { url: "http://127.0.0.1:8080/x" }],
  ]);
  assert.equal(api.EVENT_TICKETS_CHANGED, "tickets://changed");
  assert.equal(api.EVENT_OUTBOX_CHANGED, "outbox://changed");
});

test("watch commands reach invoke by their Rust names with the documented arguments", async () => {
  const calls = [];
  globalThis.window = {
    __TAURI__: { core: { invoke: async (cmd, args) => (calls.push([cmd, args]), cmd === "watch_now" ? null : { intervalSecs: 60 }) } },
  };
  const notify = { state: true, assigned: false, priority: true, due: true, comments: false, closed: true };
  assert.deepEqual(await api.watchSettings(), { intervalSecs: 60 });
  await api.setWatchSettings({
    intervalSecs: 300,
    notify: { ...notify, extra: true },
    autostart: true,
    pausedUntil: "2026-11-23T15:04:00Z",
    status: { state: "watching" },
  });
  await api.pauseNotifications(60);
  await api.resumeNotifications();
  assert.equal(await api.watchNow(), null);
  assert.deepEqual(calls, [
    ["watch_settings", undefined],
    ["set_watch_settings", { settings: { intervalSecs: 300, notify, autostart: true } }],
    ["pause_notifications", { minutes: 60 }],
    ["resume_notifications", undefined],
    ["watch_now", undefined],
  ]);
  assert.equal(api.EVENT_WATCH_STATUS, "watch://status");
});

test("a refused interval comes back as invalid_input with its message and hint", async () => {
  globalThis.window = {
    __TAURI__: {
      core: {
        invoke: async () => Promise.reject({ kind: "invalid_input", message: "The interval must be from 15 to 3600 seconds.", hint: "Choose another interval." }),
      },
    },
  };
  await assert.rejects(api.setWatchSettings({ intervalSecs: 5, notify: {}, autostart: false }), {
    kind: "invalid_input",
    message: "The interval must be from 15 to 3600 seconds.",
    hint: "Choose another interval.",
  });
});
