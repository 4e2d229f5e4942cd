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
  await assert.rejects(api.connect(null, { instance: "x" }), { kind: "not_connected" });
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
  await api.connect(null, {
    instance: "contoso",
    clientId: "id",
    clientSecret: "secret",
    integrationUser: "svc",
    port: 8765,
    extra: "dropped",
  });
  await api.connect("ws-0000beef", { instance: "contoso", clientId: "id", clientSecret: "s", integrationUser: "svc", port: 9000 });
  await api.checkConnectForm({ instance: "contoso", clientId: "id", clientSecret: null, integrationUser: "svc", port: 8765 });
  assert.deepEqual(calls, [
    ["app_state", undefined],
    ["connect", { workspace: null, instance: "contoso", clientId: "id", clientSecret: "secret", integrationUser: "svc", port: 8765 }],
    ["connect", { workspace: "ws-0000beef", instance: "contoso", clientId: "id", clientSecret: "s", integrationUser: "svc", port: 9000 }],
    ["check_connect_form", { instance: "contoso", clientId: "id", clientSecret: null, integrationUser: "svc", port: "8765" }],
  ]);
});

test("connection and workspace commands reach invoke by their Rust names, with the workspace", async () => {
  const calls = [];
  globalThis.window = {
    __TAURI__: { core: { invoke: async (cmd, args) => (calls.push([cmd, args]), { cmd }) } },
  };
  assert.deepEqual(await api.cancelConnect(), { cmd: "cancel_connect" });
  assert.deepEqual(await api.signInAgain(), { cmd: "sign_in_again" });
  assert.deepEqual(await api.keepAccount(), { cmd: "keep_account" });
  const ws = "ws-0000beef";
  assert.deepEqual(await api.reauthorize(ws), { cmd: "reauthorize" });
  assert.deepEqual(await api.connectionStatus(ws), { cmd: "connection_status" });
  assert.deepEqual(await api.checkConnection(ws), { cmd: "check_connection" });
  assert.deepEqual(await api.removeConnection(ws), { cmd: "remove_connection" });
  await api.removeConnection(ws, "keep");
  await api.waitingTasks(ws);
  await api.selectWorkspace(ws);
  await api.renameWorkspace(ws, "");
  await api.renameWorkspace(ws, "Test");
  await api.listWorkspaces();
  await api.connectProfile(ws);
  assert.deepEqual(
    calls.map(([cmd, args]) => [cmd, args]),
    [
      ["cancel_connect", undefined],
      ["sign_in_again", undefined],
      ["keep_account", undefined],
      ["reauthorize", { workspace: ws }],
      ["connection_status", { workspace: ws }],
      ["check_connection", { workspace: ws }],
      ["remove_connection", { workspace: ws, waiting: null }],
      ["remove_connection", { workspace: ws, waiting: "keep" }],
      ["waiting_tasks", { workspace: ws }],
      ["select_workspace", { workspace: ws }],
      ["rename_workspace", { workspace: ws, name: null }],
      ["rename_workspace", { workspace: ws, name: "Test" }],
      ["list_workspaces", undefined],
      ["connect_profile", { workspace: ws }],
    ],
  );
  assert.equal(api.EVENT_WORKSPACES_CHANGED, "workspaces://changed");
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

test("onWorkspaceEvent passes on only its workspace's part of a payload", async () => {
  let registered;
  globalThis.window = {
    __TAURI__: {
      core: { invoke: async () => null },
      event: { listen: async (name, handler) => ((registered = { name, handler }), () => {}) },
    },
  };
  const seen = [];
  await api.onWorkspaceEvent(api.EVENT_TICKETS_CHANGED, "ws-a", "summary", (summary) => seen.push(summary));
  registered.handler({ payload: { workspace: "ws-b", summary: { total: 2 } } });
  registered.handler({ payload: { workspace: "ws-a", summary: { total: 1 } } });
  registered.handler({ payload: null });
  assert.deepEqual(seen, [{ total: 1 }]);
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
  const ws = "ws-0000beef";
  await api.listActions(ws);
  await api.addAction(ws, { title: "T", category: "Data", remediation: "R", other: 1 });
  await api.openTicketForAction(ws, "a1");
  await api.previewTask(ws, draft);
  await api.submitTask(ws, draft);
  await api.outboxList(ws);
  await api.outboxRetry(ws, "o1");
  await api.outboxDiscard(ws, "o1");
  await api.listTickets(ws);
  await api.ticketSummary(ws);
  await api.refreshTickets(ws);
  await api.stateNames(ws);
  await api.setStateName(ws, { kind: "incident", value: "2", label: "Doing" });
  await api.setStateName(ws, { kind: "incident", value: "2", label: "" });
  await api.resetStateNames(ws);
  await api.exportTicketsCsv(ws, ["s1"]);
  await api.exportTicketsCsv(ws, undefined);
  await api.openUrl(ws, "http://127.0.0.1:8080/x");
  await api.categoryMapping(ws);
  await api.setCategoryMapping(ws, { Data: "security" });
  assert.equal(extra, "dropped");
  const w = { workspace: ws };
  assert.deepEqual(calls, [
    ["list_actions", w],
    ["add_action", { ...w, title: "T", category: "Data", remediation: "R" }],
    ["open_ticket_for_action", { ...w, actionId: "a1" }],
    ["preview_task", { ...w, draft: sent }],
    ["submit_task", { ...w, draft: sent }],
    ["outbox_list", w],
    ["outbox_retry", { ...w, id: "o1" }],
    ["outbox_discard", { ...w, id: "o1" }],
    ["list_tickets", w],
    ["ticket_summary", w],
    ["refresh_tickets", w],
    ["state_names", w],
    ["set_state_name", { ...w, kind: "incident", value: "2", label: "Doing" }],
    ["set_state_name", { ...w, kind: "incident", value: "2", label: null }],
    ["reset_state_names", w],
    ["export_tickets_csv", { ...w, sysIds: ["s1"] }],
    ["export_tickets_csv", { ...w, sysIds: null }],
    ["open_url", { ...w, url: "http://127.0.0.1:8080/x" }],
    ["category_mapping", w],
    ["set_category_mapping", { ...w, mapping: { Data: "security" } }],
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
  assert.deepEqual(await api.watchSettings("ws-a"), { intervalSecs: 60 });
  await api.setWatchSettings("ws-a", {
    intervalSecs: 300,
    notify: { ...notify, extra: true },
    autostart: true,
    pausedUntil: "2026-11-23T15:04:00Z",
    status: { state: "watching" },
  });
  await api.pauseNotifications("ws-a", 60);
  await api.resumeNotifications(null);
  assert.equal(await api.watchNow(), null);
  assert.deepEqual(calls, [
    ["watch_settings", { workspace: "ws-a" }],
    ["set_watch_settings", { workspace: "ws-a", settings: { intervalSecs: 300, notify, autostart: true } }],
    ["pause_notifications", { workspace: "ws-a", minutes: 60 }],
    ["resume_notifications", { workspace: null }],
    ["watch_now", { workspace: null }],
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
  await assert.rejects(api.setWatchSettings("ws-a", { intervalSecs: 5, notify: {}, autostart: false }), {
    kind: "invalid_input",
    message: "The interval must be from 15 to 3600 seconds.",
    hint: "Choose another interval.",
  });
});

test("set_language reaches invoke by its Rust name with { language }", async () => {
  const calls = [];
  globalThis.window = {
    __TAURI__: {
      core: {
        invoke: async (cmd, args) => (calls.push([cmd, args]), { language: args.language, locale: "fr", system: "en", languages: ["system", "en", "fr"] }),
      },
    },
  };
  assert.deepEqual(await api.setLanguage("fr"), { language: "fr", locale: "fr", system: "en", languages: ["system", "en", "fr"] });
  await api.setLanguage("system");
  assert.deepEqual(calls, [
    ["set_language", { language: "fr" }],
    ["set_language", { language: "system" }],
  ]);
  delete globalThis.window;
});
