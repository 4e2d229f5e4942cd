// Static checks over every file in ui/: nothing the CSP would block, no HTML
// built from data, no remote origins, and window.__TAURI__ only in api.js.
import { test } from "node:test";
import assert from "node:assert/strict";
import { extname } from "node:path";
import { UI, read, rel, walk } from "./helpers.mjs";

const files = walk(UI).map((path) => ({ path, name: rel(path), ext: extname(path), text: read(path) }));
const byExt = (...exts) => files.filter((f) => exts.includes(f.ext));

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "ipc.localhost"]);
// XML namespaces are identifiers, never fetched.
const NAMESPACES = new Set(["http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"]);
// The documentation placeholder of the instance field, in the locales only.
const LOCALE_DOC_HOSTS = new Set(["contoso.service-now.com", "proxy.contoso.com"]);

function hits(text, regex) {
  return [...text.matchAll(regex)].map((m) => m[0]);
}

test("ui/ has the expected files", () => {
  const names = files.map((f) => f.name);
  for (const expected of [
    "ui/index.html",
    "ui/css/app.css",
    "ui/js/main.js",
    "ui/js/i18n.js",
    "ui/js/api.js",
    "ui/js/ui.js",
    "ui/js/validate.js",
    "ui/js/screens/home.js",
    "ui/js/screens/connect.js",
    "ui/js/screens/manage.js",
    "ui/js/connection.js",
    "ui/js/signin.js",
    "ui/js/tickets-model.js",
    "ui/js/widgets.js",
    "ui/js/screens/actions.js",
    "ui/js/screens/share.js",
    "ui/js/screens/outbox.js",
    "ui/js/screens/tickets.js",
    "ui/js/watch-model.js",
    "ui/js/watch-card.js",
  ]) {
    assert.ok(names.includes(expected), expected);
  }
});

test("HTML and SVG: no inline scripts, styles, handlers or javascript: URLs", () => {
  for (const f of byExt(".html", ".svg")) {
    const scripts = hits(f.text, /<script\b[^>]*>([\s\S]*?)<\/script\s*>/gi);
    for (const s of scripts) {
      assert.match(s, /^<script\b[^>]*\bsrc\s*=/i, `${f.name}: inline <script>`);
      assert.match(s, /^<script\b[^>]*>\s*<\/script\s*>$/i, `${f.name}: <script src> with a body`);
    }
    if (f.ext === ".svg") assert.deepEqual(hits(f.text, /<script\b/gi), [], `${f.name}: script in SVG`);
    assert.deepEqual(hits(f.text, /<style\b/gi), [], `${f.name}: <style> element`);
    assert.deepEqual(hits(f.text, /<[^>]*\son[a-z]+\s*=/gi), [], `${f.name}: on...= handler attribute`);
    assert.deepEqual(hits(f.text, /<[^>]*\sstyle\s*=/gi), [], `${f.name}: style= attribute`);
    assert.deepEqual(hits(f.text, /javascript:/gi), [], `${f.name}: javascript: URL`);
  }
});

test("JS: no HTML from data, no handler or style attributes, no eval", () => {
  for (const f of byExt(".js", ".mjs")) {
    // innerHTML/outerHTML may only be cleared with an empty literal.
    for (const m of f.text.matchAll(/\.(innerHTML|outerHTML)\s*(\+?=)\s*([^;\n]*)/g)) {
      assert.ok(m[2] === "=" && /^(["'`])\1$/.test(m[3].trim()), `${f.name}: ${m[0]}`);
    }
    assert.deepEqual(hits(f.text, /insertAdjacentHTML|document\.write|createContextualFragment|DOMParser/g), [], f.name);
    assert.deepEqual(hits(f.text, /setAttribute\(\s*["'`](on[a-z]+|style)["'`]/gi), [], `${f.name}: handler/style attribute`);
    assert.deepEqual(hits(f.text, /\.on[a-z]+\s*=[^=]/g), [], `${f.name}: on... property handler`);
    assert.deepEqual(hits(f.text, /\.style\s*[.[=]|cssText/g), [], `${f.name}: inline style`);
    assert.deepEqual(hits(f.text, /\beval\s*\(|new\s+Function\s*\(|setTimeout\(\s*["'`]/g), [], `${f.name}: eval`);
    assert.deepEqual(hits(f.text, /(?<![\w.])(["'`])on[a-z]+=\1?/g).filter((s) => /on[a-z]+=/.test(s)), [], `${f.name}: on...= in markup string`);
  }
});

test("only api.js touches window.__TAURI__", () => {
  for (const f of byExt(".js", ".html")) {
    if (f.name === "ui/js/api.js") continue;
    assert.deepEqual(hits(f.text, /__TAURI\w*__/g), [], f.name);
  }
  const api = files.find((f) => f.name === "ui/js/api.js");
  assert.match(api.text, /__TAURI__/);
});

test("no http(s) URL to a remote origin", () => {
  for (const f of files) {
    for (const m of f.text.matchAll(/\bhttps?:\/\/([^\s"'`<>)\\/:?#]*)[^\s"'`<>)\\]*/gi)) {
      const url = m[0];
      // The host name ends where its characters do: prose may put a stop (".", ",", "。") right after it.
      const host = m[1].toLowerCase().match(/^[a-z0-9.-]*/)[0].replace(/[.]+$/, "");
      if (!/^[a-z0-9]/.test(host)) continue; // "https://" in prose: "starts with https://.", "https://-adres"
      if (NAMESPACES.has(url)) continue;
      if (LOCAL_HOSTS.has(host)) continue;
      if (f.name.startsWith("ui/locales/") && LOCALE_DOC_HOSTS.has(host)) continue;
      // The crates' repositories in the About list: data shown as text, never fetched or linked.
      if (f.name === "ui/licences.json" && f.text.slice(Math.max(0, m.index - 16), m.index).endsWith('"repository": "')) continue;
      assert.fail(`${f.name}: remote URL ${url}`);
    }
  }
});

test("CSS: no remote imports or fonts, no expressions", () => {
  for (const f of byExt(".css")) {
    assert.deepEqual(hits(f.text, /@import|@font-face|expression\(/gi), [], f.name);
    for (const m of f.text.matchAll(/url\(\s*["']?([^"')]+)/g)) {
      assert.ok(!/^(https?:)?\/\//i.test(m[1]), `${f.name}: ${m[0]}`);
    }
  }
});

test("index.html has the app header, main and a live region", () => {
  const html = files.find((f) => f.name === "ui/index.html").text;
  assert.match(html, /<script type="module" src="js\/main\.js"><\/script>/);
  assert.match(html, /<main\b[^>]*id="main"/);
  assert.match(html, /aria-live="polite"/);
  assert.match(html, /data-i18n="app\.name"/);
});

test("the stable DOM ids used by end-to-end tests are in the screens", () => {
  const js = byExt(".js").map((f) => f.text).join("\n");
  for (const id of [
    "connection-card",
    "connect-servicenow",
    "start-sign-in",
    "instance",
    "client-id",
    "client-secret",
    "integration-user",
    "redirect-url",
    "copy-redirect-url",
    "port",
    "integration-user-note",
    "sign-in-progress",
    "authorize-url",
    "copy-authorize-url",
    "cancel-sign-in",
    "wrong-user",
    "sign-in-again",
    "keep-account",
    "connection-instance",
    "connection-user",
    "connection-release",
    "reconnect",
    "manage-servicenow",
    "connection-status",
    "check-connection",
    "doctor-results",
    "reauthorize",
    "remove-connection",
    "confirm-remove",
    "confirm-remove-yes",
    "confirm-remove-no",
    "confirm-remove-keep",
    "confirm-remove-discard",
    "confirm-remove-tasks",
    "workspace-switcher",
    "instances-card",
    "add-instance",
    "workspace-name",
    "data-exchange",
    // "Saved" beside the manage page's settings.
    "state-names-saved",
    "category-mapping-saved",
    "watch-saved",
    // Ticket screens. Ids built from data are checked by their prefix.
    "outbox-banner",
    "add-action-form",
    "add-action",
    "already-open",
    "create-anyway",
    "task-form",
    "task-name",
    "task-description",
    "task-priority",
    "task-due",
    "task-preview",
    "send-task",
    "task-sent",
    "task-waiting",
    "outbox",
    "confirm-discard",
    "filter-kind",
    "filter-state",
    "filter-priority",
    "filter-category",
    "filter-due",
    "ticket-search",
    "export-csv",
    "refresh-tickets",
    "state-names",
    "save-state-names",
    "reset-state-names",
    // Notifications card on the manage page.
    "notifications-card",
    "watch-status",
    "watch-interval",
    "watch-autostart",
    "watch-pause",
    "watch-resume",
    "watch-paused",
    "watch-now",
    "watch-error",
  ]) {
    assert.ok(js.includes(`"${id}"`), id);
  }
  for (const template of [
    "`${kind}-card`",
    "`task-kind-${value}`",
    "`workspace-${w.id}`",
    "`${id}-states`",
    "`${id}-create`",
    "`${id}-view-all`",
    "`share-${action.id}`",
    "`retry-${item.id}`",
    "`discard-${item.id}`",
    "`state-name-${kind}-${state.value}`",
    // notify-state, notify-assigned, notify-priority, notify-due, notify-comments, notify-closed
    "`notify-${kind}`",
    // The manage page's tabs: manage-tab-states, manage-panel-states… (?tab= in the URL).
    "`${id}-tab-${tab.key}`",
    "`${id}-panel-${tab.key}`",
  ]) {
    assert.ok(js.includes(template), template);
  }
});
