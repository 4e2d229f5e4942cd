// Pure logic of the Notifications card: the watch settings with their defaults,
// the interval choices, the settings object built from the form, and the status
// sentence for a WatchStatus in a language. No DOM, no IPC, no i18n state: the
// sentence takes a translate function, so Node's test runner imports this module
// directly.

import { formatDateTime, formatTime, formatUnit } from "./format.js";

/** How often the watcher may poll, in seconds (set_watch_settings refuses the rest). */
export const MIN_INTERVAL_SECS = 15;
export const MAX_INTERVAL_SECS = 3600;
export const DEFAULT_INTERVAL_SECS = 60;
/** The choices of "Check for changes every", in seconds. */
export const INTERVAL_CHOICES = Object.freeze([15, 30, 60, 300, 900, 3600]);
/** The kinds of change a notification can be turned on or off for, in the order of the form. */
export const NOTIFY_KINDS = Object.freeze(["state", "assigned", "priority", "due", "comments", "closed", "score"]);
export const WATCH_STATES = Object.freeze(["idle", "watching", "offline", "retrying", "stopped"]);
/** "Pause notifications for an hour". */
export const PAUSE_MINUTES = 60;

const str = (value) => (typeof value === "string" && value.trim() !== "" ? value : null);

/** Milliseconds since the epoch for an RFC 3339 string, or null. */
export function parseInstant(value) {
  const text = str(value);
  if (text === null) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

/** True for a whole number of seconds that set_watch_settings accepts. */
export function isValidInterval(secs) {
  return Number.isInteger(secs) && secs >= MIN_INTERVAL_SECS && secs <= MAX_INTERVAL_SECS;
}

/** A WatchStatus with every field present; an unknown state reads as "idle". */
export function normalizeStatus(raw) {
  const status = raw && typeof raw === "object" ? raw : {};
  return {
    state: WATCH_STATES.includes(status.state) ? status.state : "idle",
    lastPollAt: str(status.lastPollAt),
    nextPollAt: str(status.nextPollAt),
    message: str(status.message),
  };
}

/** The notify switches with the defaults (all on) for anything missing or not a boolean. */
export function normalizeNotify(raw, fallback = null) {
  const notify = raw && typeof raw === "object" ? raw : {};
  const out = {};
  for (const kind of NOTIFY_KINDS) {
    if (typeof notify[kind] === "boolean") out[kind] = notify[kind];
    else out[kind] = typeof fallback?.[kind] === "boolean" ? fallback[kind] : true;
  }
  return out;
}

/** WatchSettings with every field present and the documented defaults. */
export function normalizeSettings(raw) {
  const settings = raw && typeof raw === "object" ? raw : {};
  return {
    intervalSecs: isValidInterval(settings.intervalSecs) ? settings.intervalSecs : DEFAULT_INTERVAL_SECS,
    notify: normalizeNotify(settings.notify),
    autostart: settings.autostart === true,
    pausedUntil: parseInstant(settings.pausedUntil) === null ? null : settings.pausedUntil,
    status: normalizeStatus(settings.status),
  };
}

/**
 * The argument of set_watch_settings from what the form shows:
 * { interval: "60" (the select's value), notify: { state: true, … }, autostart: false }.
 * A value the form can't express falls back to `saved` (the last settings Rust returned).
 */
export function settingsFromForm(form = {}, saved = null) {
  const base = normalizeSettings(saved);
  const secs = typeof form.interval === "number" ? form.interval : Number.parseInt(String(form.interval ?? ""), 10);
  return {
    intervalSecs: isValidInterval(secs) ? secs : base.intervalSecs,
    notify: normalizeNotify(form.notify, base.notify),
    autostart: typeof form.autostart === "boolean" ? form.autostart : base.autostart,
  };
}

/**
 * The interval choices to offer, in seconds, ascending: the fixed ones plus the
 * current value when it is valid but not one of them (set some other way).
 */
export function intervalChoices(current) {
  const list = [...INTERVAL_CHOICES];
  if (isValidInterval(current) && !list.includes(current)) list.push(current);
  return list.sort((a, b) => a - b);
}

/** The largest whole unit for a number of seconds: 3600 → 1 hour, 90 → 90 seconds. */
export function durationParts(secs) {
  if (secs >= 3600 && secs % 3600 === 0) return { value: secs / 3600, unit: "hour" };
  if (secs >= 60 && secs % 60 === 0) return { value: secs / 60, unit: "minute" };
  return { value: secs, unit: "second" };
}

/** "15 seconds", "1 minute", "1 heure", "5 分"… in `lang`. */
export function formatDuration(secs, lang = "en") {
  const { value, unit } = durationParts(secs);
  try {
    return formatUnit(value, unit, lang);
  } catch {
    return `${value} ${unit}${value === 1 ? "" : "s"}`;
  }
}

function sameLocalDay(a, b) {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

/**
 * A time in `lang`: "14:03" (or "2:03 PM") today, with the date on another day;
 * `seconds` adds the seconds ("14:03:20"). Null for a missing or malformed time.
 */
export function formatClock(iso, lang = "en", now = Date.now(), { seconds = false } = {}) {
  const at = parseInstant(iso);
  if (at === null) return null;
  return sameLocalDay(at, now) ? formatTime(at, lang, { seconds }) : formatDateTime(at, lang, { seconds });
}

/**
 * The locale key and parameters of the status sentence for a WatchStatus:
 * { key: "watch.status.watching", params: { last: "14:03", next: "14:04" } }.
 */
export function statusMessage(rawStatus, { lang = "en", now = Date.now() } = {}) {
  const status = normalizeStatus(rawStatus);
  let last = formatClock(status.lastPollAt, lang, now);
  let next = formatClock(status.nextPollAt, lang, now);
  if (last && last === next) {
    // Short intervals: "Last checked 14:03, next check 14:03" says nothing; show the seconds.
    last = formatClock(status.lastPollAt, lang, now, { seconds: true });
    next = formatClock(status.nextPollAt, lang, now, { seconds: true });
  }
  switch (status.state) {
    case "watching":
      if (last && next) return { key: "watch.status.watching", params: { last, next } };
      if (next) return { key: "watch.status.watchingFirst", params: { next } };
      if (last) return { key: "watch.status.watchingLast", params: { last } };
      return { key: "watch.status.watchingPlain", params: {} };
    case "offline":
      return next ? { key: "watch.status.offline", params: { next } } : { key: "watch.status.offlineSoon", params: {} };
    case "retrying":
      return next ? { key: "watch.status.retrying", params: { next } } : { key: "watch.status.retryingSoon", params: {} };
    case "stopped":
      return { key: "watch.status.stopped", params: {} };
    default:
      return { key: "watch.status.idle", params: {} };
  }
}

/** The status sentence itself: statusMessage through `translate` (i18n's t). */
export function statusSentence(status, { lang = "en", now = Date.now(), translate }) {
  const { key, params } = statusMessage(status, { lang, now });
  return translate(key, params);
}

/** How the status line looks: "ok" while watching, "warn" offline or retrying, "stop" stopped, "off" idle. */
export function statusTone(rawStatus) {
  const { state } = normalizeStatus(rawStatus);
  if (state === "watching") return "ok";
  if (state === "offline" || state === "retrying") return "warn";
  if (state === "stopped") return "stop";
  return "off";
}

/** True while notifications are paused: pausedUntil lies in the future. */
export function isPaused(settings, now = Date.now()) {
  const until = parseInstant(settings?.pausedUntil);
  return until !== null && until > now;
}

/** The key and parameters of "Notifications are paused until 15:04.", or null when not paused. */
export function pausedMessage(settings, { lang = "en", now = Date.now() } = {}) {
  if (!isPaused(settings, now)) return null;
  return { key: "watch.pausedUntil", params: { time: formatClock(settings.pausedUntil, lang, now) } };
}

/** Check now makes sense only while the watcher runs (not when idle or stopped). */
export function canCheckNow(rawStatus) {
  const { state } = normalizeStatus(rawStatus);
  return state === "watching" || state === "offline" || state === "retrying";
}
