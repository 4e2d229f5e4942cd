// Dates, times and numbers on screen: Intl in the app's language and the local time zone
// (ui/js/format.js), the one timer for relative times, and a scan that keeps every other
// module from formatting dates itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  formatDate,
  formatDateTime,
  formatLongDate,
  formatNumber,
  formatRelative,
  formatTime,
  formatUnit,
  liveRelative,
  tickLiveRelative,
  toMillis,
} from "../../ui/js/format.js";
import { setMessages } from "../../ui/js/i18n.js";
import { UI, read, rel, walk } from "./helpers.mjs";

const plain = (s) => s.replace(/[\u00a0\u202f]/g, " ");

test("a date alone is that calendar day wherever the computer is", () => {
  const ms = toMillis("2026-07-12");
  const d = new Date(ms);
  assert.deepEqual([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours()], [2026, 6, 12, 0]);
  assert.equal(formatDate("2026-07-12", "en-US"), "Jul 12, 2026");
  assert.equal(plain(formatDate("2026-07-12", "fr")), "12 juil. 2026");
  assert.equal(formatDate("2026-07-12", "ja"), "2026/07/12");
  assert.equal(formatDate("2026-07-12", "nl"), "12 jul 2026");
  assert.equal(formatDate("2026-07-12", "sv"), "12 juli 2026");
  assert.equal(formatDate("2026-07-12", "zh-TW"), "2026年7月12日");
});

test("times are shown in the local time zone, never as ISO or UTC", () => {
  const iso = "2026-07-12T08:05:00Z";
  const local = new Date(iso);
  const expected = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" }).format(local);
  assert.equal(formatDateTime(iso, "en-GB"), expected);
  assert.doesNotMatch(formatDateTime(iso, "en"), /T08|Z$|UTC/);
  assert.equal(formatTime(iso, "en-GB"), new Intl.DateTimeFormat("en-GB", { timeStyle: "short" }).format(local));
  assert.match(formatTime(iso, "en-GB", { seconds: true }), /:00$/);
  assert.match(formatLongDate("2026-07-12", "fr"), /^dimanche 12 juillet 2026$/);
  // ServiceNow's own "YYYY-MM-DD HH:MM:SS" is UTC.
  assert.equal(toMillis("2026-07-12 08:05:00"), Date.parse(iso));
});

test("missing or bad values give an empty string, not 'Invalid Date'", () => {
  for (const bad of [null, undefined, "", "soon", NaN, {}]) {
    assert.equal(formatDate(bad, "en"), "", String(bad));
    assert.equal(formatDateTime(bad, "en"), "", String(bad));
    assert.equal(formatRelative(bad, Date.now(), "en"), "", String(bad));
  }
});

test("relative times speak the language", () => {
  const now = Date.parse("2026-07-12T10:00:00Z");
  assert.equal(formatRelative(now + 28 * 60000, now, "en"), "in 28 minutes");
  assert.equal(formatRelative(now - 3 * 3600000, now, "fr"), "il y a 3 heures");
  assert.equal(formatRelative(now + 86400000, now, "nl"), "morgen");
  assert.equal(formatRelative(now - 60000, now, "sv"), "för 1 minut sedan");
  assert.equal(formatRelative(now + 5 * 60000, now, "ja"), "5 分後");
});

test("the pseudo-locale and odd tags fall back to English formats", () => {
  assert.equal(formatDate("2026-07-12", "x-pseudo"), "Jul 12, 2026");
  assert.equal(formatNumber(1234.5, "not a tag!"), "1,234.5");
  assert.equal(formatUnit(5, "minute", "x-pseudo"), "5 minutes");
  assert.equal(plain(formatUnit(1, "hour", "fr")), "1 heure");
});

test("numbers follow the language's grouping and decimals", () => {
  assert.equal(formatNumber(1234.567, "en"), "1,234.57");
  assert.equal(plain(formatNumber(1234.5, "fr")), "1 234,5");
  assert.equal(formatNumber(1234.5, "nl"), "1.234,5");
  assert.equal(plain(formatNumber(1234.5, "sv")), "1 234,5");
  assert.equal(formatNumber("12", "en"), "12");
  assert.equal(formatNumber(null, "en"), "");
});

test("formatters default to the app's language", () => {
  setMessages("sv", {}, {});
  assert.equal(formatDate("2026-07-12"), "12 juli 2026");
  setMessages("en", {}, {});
});

test("live relative times tick at most once a minute, skip a hidden window, and drop detached nodes", (t) => {
  t.mock.timers.enable({ apis: ["setInterval", "Date"], now: Date.parse("2026-07-12T10:00:00Z") });
  const listeners = {};
  globalThis.document = {
    hidden: false,
    addEventListener: (type, fn) => (listeners[type] = fn),
    removeEventListener: (type) => delete listeners[type],
  };
  try {
    const node = { isConnected: true, text: "" };
    const seen = [];
    const stop = liveRelative(node, (now) => seen.push(now));
    t.mock.timers.tick(30000);
    assert.equal(seen.length, 0, "not before a minute");
    t.mock.timers.tick(30000);
    assert.equal(seen.length, 1, "once at the minute");
    document.hidden = true;
    t.mock.timers.tick(5 * 60000);
    assert.equal(seen.length, 1, "nothing while hidden");
    document.hidden = false;
    listeners.visibilitychange();
    assert.equal(seen.length, 2, "one catch-up when shown again");
    listeners.visibilitychange();
    assert.equal(seen.length, 2, "not twice within a minute");
    node.isConnected = false;
    t.mock.timers.tick(60000);
    assert.equal(seen.length, 2, "a detached node is dropped");
    assert.equal(listeners.visibilitychange, undefined, "no timer left once nothing is live");
    stop();
    const again = [];
    const stop2 = liveRelative(null, (now) => again.push(now));
    tickLiveRelative();
    stop2();
    tickLiveRelative();
    assert.equal(again.length, 1, "stopped");
  } finally {
    delete globalThis.document;
  }
});

test("no UI module formats dates by itself: Intl dates, ISO and UTC strings only in format.js", () => {
  const offenders = [];
  const banned = /\b(?:Intl\.DateTimeFormat|Intl\.RelativeTimeFormat|toISOString|toLocaleDateString|toLocaleTimeString|toUTCString|getUTC[A-Za-z]+)\b|\.toLocaleString\(/g;
  for (const file of walk(join(UI, "js"))) {
    if (!file.endsWith(".js") || file.endsWith("format.js")) continue;
    for (const m of read(file).matchAll(banned)) offenders.push(`${rel(file)}: ${m[0]}`);
  }
  assert.deepEqual(offenders, []);
});
