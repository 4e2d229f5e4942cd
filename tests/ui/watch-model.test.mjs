// watch-model.js: settings defaults, the settings object built from the form,
// interval choices and labels, times, the status sentence and the pause.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_INTERVAL_SECS,
  INTERVAL_CHOICES,
  NOTIFY_KINDS,
  canCheckNow,
  durationParts,
  formatClock,
  formatDuration,
  intervalChoices,
  isPaused,
  isValidInterval,
  normalizeSettings,
  normalizeStatus,
  pausedMessage,
  settingsFromForm,
  statusMessage,
  statusSentence,
  statusTone,
} from "../../ui/js/watch-model.js";
import { has, setMessages, t } from "../../ui/js/i18n.js";
import { LOCALES, flatten, isPlural, placeholders, readLocale } from "./helpers.mjs";

const en = readLocale("en");
setMessages("en", en, en);

// 23 November 2026, 14:03:30 local time.
const NOW = new Date(2026, 10, 23, 14, 3, 30).getTime();
const local = (h, m, day = 23) => new Date(2026, 10, day, h, m).toISOString();
const ALL_ON = { state: true, assigned: true, priority: true, due: true, comments: true, closed: true, score: true };

test("normalizeSettings fills the documented defaults", () => {
  assert.deepEqual(normalizeSettings(undefined), {
    intervalSecs: 60,
    notify: ALL_ON,
    autostart: false,
    pausedUntil: null,
    status: { state: "idle", lastPollAt: null, nextPollAt: null, message: null },
  });
  const s = normalizeSettings({
    intervalSecs: 300,
    notify: { state: false, due: "no", comments: false },
    autostart: true,
    pausedUntil: "2026-11-23T15:04:00Z",
    status: { state: "offline", nextPollAt: "2026-11-23T14:05:00Z", message: "refused", extra: 1 },
  });
  assert.equal(s.intervalSecs, 300);
  assert.deepEqual(s.notify, { ...ALL_ON, state: false, comments: false });
  assert.equal(s.autostart, true);
  assert.equal(s.pausedUntil, "2026-11-23T15:04:00Z");
  assert.deepEqual(s.status, { state: "offline", lastPollAt: null, nextPollAt: "2026-11-23T14:05:00Z", message: "refused" });
});

test("normalizeSettings drops what Rust would refuse or can't be read", () => {
  assert.equal(normalizeSettings({ intervalSecs: 5 }).intervalSecs, DEFAULT_INTERVAL_SECS);
  assert.equal(normalizeSettings({ intervalSecs: 7200 }).intervalSecs, DEFAULT_INTERVAL_SECS);
  assert.equal(normalizeSettings({ intervalSecs: "60" }).intervalSecs, DEFAULT_INTERVAL_SECS);
  assert.equal(normalizeSettings({ autostart: "yes" }).autostart, false);
  assert.equal(normalizeSettings({ pausedUntil: "soon" }).pausedUntil, null);
  assert.equal(normalizeStatus({ state: "sleeping" }).state, "idle");
  assert.equal(normalizeStatus({ state: "watching", message: "  " }).message, null);
});

test("isValidInterval: whole seconds from 15 to 3600", () => {
  for (const secs of [15, 16, 60, 3600]) assert.equal(isValidInterval(secs), true, String(secs));
  for (const secs of [14, 3601, 60.5, "60", null, NaN]) assert.equal(isValidInterval(secs), false, String(secs));
});

test("settingsFromForm builds the whole set_watch_settings object from the controls", () => {
  const form = {
    interval: "300",
    notify: { state: true, assigned: false, priority: true, due: false, comments: true, closed: true, score: false },
    autostart: true,
  };
  assert.deepEqual(settingsFromForm(form), {
    intervalSecs: 300,
    notify: { state: true, assigned: false, priority: true, due: false, comments: true, closed: true, score: false },
    autostart: true,
  });
  // Exactly the three fields Rust takes: no pausedUntil, no status.
  assert.deepEqual(Object.keys(settingsFromForm(form, { pausedUntil: "2026-11-23T15:04:00Z" })), ["intervalSecs", "notify", "autostart"]);
  assert.equal(settingsFromForm({ interval: 900 }).intervalSecs, 900);
});

test("settingsFromForm falls back to the saved settings for what the form doesn't say", () => {
  const saved = { intervalSecs: 120, notify: { ...ALL_ON, closed: false }, autostart: true };
  assert.deepEqual(settingsFromForm({ interval: "abc", notify: { state: false } }, saved), {
    intervalSecs: 120,
    notify: { ...ALL_ON, state: false, closed: false },
    autostart: true,
  });
  assert.equal(settingsFromForm({ interval: "5" }, saved).intervalSecs, 120);
  assert.equal(settingsFromForm({ interval: "7200" }).intervalSecs, 60);
  assert.deepEqual(settingsFromForm({}), { intervalSecs: 60, notify: ALL_ON, autostart: false });
});

test("intervalChoices offers the six intervals, and a saved one that isn't among them", () => {
  assert.deepEqual(INTERVAL_CHOICES, [15, 30, 60, 300, 900, 3600]);
  assert.deepEqual(intervalChoices(60), [15, 30, 60, 300, 900, 3600]);
  assert.deepEqual(intervalChoices(120), [15, 30, 60, 120, 300, 900, 3600]);
  assert.deepEqual(intervalChoices(5), [15, 30, 60, 300, 900, 3600]);
  assert.deepEqual(intervalChoices(undefined), [15, 30, 60, 300, 900, 3600]);
});

test("durations take the largest whole unit and read in the language", () => {
  assert.deepEqual(durationParts(15), { value: 15, unit: "second" });
  assert.deepEqual(durationParts(90), { value: 90, unit: "second" });
  assert.deepEqual(durationParts(300), { value: 5, unit: "minute" });
  assert.deepEqual(durationParts(3600), { value: 1, unit: "hour" });
  assert.deepEqual(
    INTERVAL_CHOICES.map((secs) => formatDuration(secs, "en").replace(/\s/g, " ")),
    ["15 seconds", "30 seconds", "1 minute", "5 minutes", "15 minutes", "1 hour"],
  );
  // ICU may put a no-break space between the number and the unit.
  const plain = (text) => text.replace(/\s/g, " ");
  assert.equal(plain(formatDuration(3600, "fr")), "1 heure");
  assert.equal(plain(formatDuration(300, "sv")), "5 minuter");
  assert.match(formatDuration(300, "ja"), /^5\s?分$/);
  assert.equal(formatDuration(60, "not a language!"), "1 minute");
});

test("formatClock shows the time today and adds the date on another day", () => {
  assert.equal(formatClock(local(14, 3), "en-GB", NOW), "14:03");
  assert.equal(formatClock(local(9, 5), "de", NOW), "09:05");
  const tomorrow = formatClock(local(0, 10, 24), "en-GB", NOW);
  assert.match(tomorrow, /24 Nov 2026/);
  assert.match(tomorrow, /00:10/);
  assert.equal(formatClock(null, "en", NOW), null);
  assert.equal(formatClock("not a time", "en", NOW), null);
});

test("statusMessage picks the sentence for each state and the times it has", () => {
  const at = { lang: "en-GB", now: NOW };
  const both = { lastPollAt: local(14, 3), nextPollAt: local(14, 4) };
  assert.deepEqual(statusMessage({ state: "watching", ...both }, at), { key: "watch.status.watching", params: { last: "14:03", next: "14:04" } });
  assert.deepEqual(statusMessage({ state: "watching", nextPollAt: local(14, 4) }, at), { key: "watch.status.watchingFirst", params: { next: "14:04" } });
  assert.deepEqual(statusMessage({ state: "watching", lastPollAt: local(14, 3) }, at), { key: "watch.status.watchingLast", params: { last: "14:03" } });
  assert.deepEqual(statusMessage({ state: "watching" }, at), { key: "watch.status.watchingPlain", params: {} });
  // Both in the same minute (a 15-second interval): the seconds tell them apart.
  const seconds = (s) => new Date(2026, 10, 23, 14, 3, s).toISOString();
  assert.deepEqual(statusMessage({ state: "watching", lastPollAt: seconds(10), nextPollAt: seconds(25) }, at), {
    key: "watch.status.watching",
    params: { last: "14:03:10", next: "14:03:25" },
  });
  assert.deepEqual(statusMessage({ state: "offline", nextPollAt: local(14, 5) }, at), { key: "watch.status.offline", params: { next: "14:05" } });
  assert.deepEqual(statusMessage({ state: "offline" }, at), { key: "watch.status.offlineSoon", params: {} });
  assert.deepEqual(statusMessage({ state: "retrying", nextPollAt: local(14, 5) }, at), { key: "watch.status.retrying", params: { next: "14:05" } });
  assert.deepEqual(statusMessage({ state: "retrying", nextPollAt: "garbage" }, at), { key: "watch.status.retryingSoon", params: {} });
  assert.deepEqual(statusMessage({ state: "stopped", ...both }, at), { key: "watch.status.stopped", params: {} });
  assert.deepEqual(statusMessage({ state: "idle", ...both }, at), { key: "watch.status.idle", params: {} });
  assert.deepEqual(statusMessage(null, at), { key: "watch.status.idle", params: {} });
});

test("statusSentence reads as plain English", () => {
  const say = (status) => statusSentence(status, { lang: "en-GB", now: NOW, translate: t });
  assert.equal(say({ state: "watching", lastPollAt: local(14, 3), nextPollAt: local(14, 4) }), "Watching your tickets. Last checked 14:03, next check 14:04.");
  assert.equal(say({ state: "offline", lastPollAt: local(14, 3), nextPollAt: local(14, 5) }), "Offline. Trying again at 14:05.");
  assert.equal(say({ state: "stopped" }), "Stopped: select Re-authorize to watch your tickets again.");
  assert.equal(say({ state: "idle" }), "Not connected to ServiceNow.");
  assert.match(say({ state: "retrying", nextPollAt: local(14, 5) }), /Trying again at 14:05\.$/);
});

test("statusSentence uses the language of the UI for words and times", () => {
  const fr = readLocale("fr");
  setMessages("fr", fr, en);
  try {
    const text = statusSentence({ state: "offline", nextPollAt: local(14, 5) }, { lang: "fr", now: NOW, translate: t });
    assert.equal(text, "Hors connexion. Nouvelle tentative à 14:05.");
  } finally {
    setMessages("en", en, en);
  }
});

test("every sentence key the model can return exists in every locale", () => {
  const keys = new Set(["watch.pausedUntil", ...NOTIFY_KINDS.map((kind) => `watch.notify.${kind}`)]);
  const statuses = [];
  for (const state of ["idle", "watching", "offline", "retrying", "stopped"]) {
    for (const lastPollAt of [null, local(14, 3)]) {
      for (const nextPollAt of [null, local(14, 4)]) statuses.push({ state, lastPollAt, nextPollAt });
    }
  }
  for (const status of statuses) keys.add(statusMessage(status, { now: NOW }).key);
  assert.ok(keys.size >= 16);
  for (const lang of LOCALES) {
    const messages = flatten(readLocale(lang));
    for (const key of keys) assert.equal(typeof messages[key], "string", `${lang}:${key}`);
  }
  for (const key of keys) assert.ok(has(key), key);
});

test("tone, Check now and pause follow the state", () => {
  assert.equal(statusTone({ state: "watching" }), "ok");
  assert.equal(statusTone({ state: "offline" }), "warn");
  assert.equal(statusTone({ state: "retrying" }), "warn");
  assert.equal(statusTone({ state: "stopped" }), "stop");
  assert.equal(statusTone({ state: "idle" }), "off");
  assert.deepEqual(["idle", "watching", "offline", "retrying", "stopped"].map((state) => canCheckNow({ state })), [false, true, true, true, false]);

  const paused = { pausedUntil: local(15, 4) };
  assert.equal(isPaused(paused, NOW), true);
  assert.equal(isPaused({ pausedUntil: local(14, 0) }, NOW), false);
  assert.equal(isPaused({ pausedUntil: null }, NOW), false);
  assert.equal(isPaused(null, NOW), false);
  const message = pausedMessage(paused, { lang: "en-GB", now: NOW });
  assert.deepEqual(message, { key: "watch.pausedUntil", params: { time: "15:04" } });
  assert.equal(t(message.key, message.params), "Notifications are paused until 15:04.");
  assert.equal(pausedMessage({ pausedUntil: local(14, 0) }, { now: NOW }), null);
});

test("the notification and tray texts Rust reads keep their placeholders", () => {
  const expected = {
    "notify.stateChanged": ["number", "state"],
    "notify.assigned": ["number", "who"],
    "notify.unassigned": ["number"],
    "notify.priority": ["number", "priority"],
    "notify.due": ["number"],
    "notify.comment": ["number", "who"],
    "notify.workNote": ["number", "who"],
    "notify.closed": ["number", "state"],
    "notify.updated": ["number"],
    "notify.summaryTitle": ["count"],
    "notify.summaryOne": ["count", "number"],
    "notify.more": ["count"],
    "notify.reconnectTitle": [],
    "notify.reconnectBody": [],
    "notify.someone": [],
    "tray.tooltipCount": ["count"],
    "tray.recent": [],
    "tray.noRecent": [],
    "tray.recentItem": ["number", "state", "title"],
    "tray.recentItemOn": ["instance", "number", "state", "title"],
    "tray.recentItemUntitled": ["number", "state"],
    "tray.recentItemOnUntitled": ["instance", "number", "state"],
    "tray.settings": [],
    "tray.refresh": [],
    "tray.pause": [],
    "tray.resume": [],
  };
  for (const lang of LOCALES) {
    const messages = flatten(readLocale(lang));
    for (const [key, names] of Object.entries(expected)) {
      assert.ok(typeof messages[key] === "string" || isPlural(messages[key]), `${lang}:${key}`);
      // Each plural form names what English's `other` names (a form for exactly 1 may say "once").
      const text = isPlural(messages[key]) ? messages[key].other : messages[key];
      assert.deepEqual(placeholders(text), names, `${lang}:${key}`);
    }
  }
  const flat = flatten(en);
  assert.equal(flat["notify.stateChanged"], "{number} is now {state}");
  assert.equal(flat["tray.recentItem"], "{number} · {title} · {state}");
});
