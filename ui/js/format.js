// Dates, times and numbers as the admin reads them: Intl in the app's language (i18n.js) and the
// computer's own time zone. Nothing on screen is an ISO string, UTC, or a date in the browser's
// default language: every screen formats through this module.
// Pure except liveRelative, which only calls back into nodes it was given: Node's tests import it.
import { currentLang, intlLang } from "./i18n.js";

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MINUTE = 60 * 1000;

/**
 * Milliseconds since the epoch, or null: a Date, a number of ms, an ISO-8601 time (with its zone;
 * ServiceNow's "YYYY-MM-DD HH:MM:SS" is UTC, as the Table API answers it), or a date alone
 * ("YYYY-MM-DD"), which is that calendar day at local midnight.
 */
export function toMillis(value) {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.getTime() : null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string" || value.trim() === "") return null;
  const text = value.trim();
  const day = DATE_ONLY.exec(text);
  if (day) return new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])).getTime();
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(text) ? `${text.replace(" ", "T")}Z` : text;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

const cache = new Map();
function formatter(kind, lang, options) {
  const tag = intlLang(lang);
  const id = `${kind}|${tag}|${JSON.stringify(options)}`;
  let made = cache.get(id);
  if (!made) {
    try {
      made = new Intl[kind](tag, options);
    } catch {
      made = new Intl[kind]("en", options);
    }
    cache.set(id, made);
  }
  return made;
}

/** "12 Jul 2026", "12 juil. 2026", "2026/07/12"… in `lang`; "" for a missing or bad value. */
export function formatDate(value, lang = currentLang()) {
  const at = toMillis(value);
  return at === null ? "" : formatter("DateTimeFormat", lang, { dateStyle: "medium" }).format(at);
}

/** The date and a time of day ("12 Jul 2026, 14:03"), in `lang` and the local time zone. */
export function formatDateTime(value, lang = currentLang(), { seconds = false } = {}) {
  const at = toMillis(value);
  const options = { dateStyle: "medium", timeStyle: seconds ? "medium" : "short" };
  return at === null ? "" : formatter("DateTimeFormat", lang, options).format(at);
}

/** A long date for a sentence ("Sunday 12 July 2026"), in `lang`. */
export function formatLongDate(value, lang = currentLang()) {
  const at = toMillis(value);
  return at === null ? "" : formatter("DateTimeFormat", lang, { dateStyle: "full" }).format(at);
}

/** A time of day ("14:03", "2:03 PM"; with `seconds`, "14:03:20"). */
export function formatTime(value, lang = currentLang(), { seconds = false } = {}) {
  const at = toMillis(value);
  return at === null ? "" : formatter("DateTimeFormat", lang, { timeStyle: seconds ? "medium" : "short" }).format(at);
}

/**
 * The unit and rounded value for a difference in ms (positive: in the future): seconds under a
 * minute, minutes under an hour, hours under a day, then days; 59.6 minutes is "1 hour".
 */
export function relativeParts(diffMs) {
  const abs = Math.abs(diffMs);
  const sign = diffMs < 0 ? -1 : 1;
  let value;
  let unit;
  if (abs < MINUTE) [value, unit] = [Math.round(abs / 1000), "second"];
  else if (abs < 60 * MINUTE) [value, unit] = [Math.round(abs / MINUTE), "minute"];
  else if (abs < 24 * 60 * MINUTE) [value, unit] = [Math.round(abs / (60 * MINUTE)), "hour"];
  else [value, unit] = [Math.round(abs / (24 * 60 * MINUTE)), "day"];
  if (unit === "second" && value === 60) [value, unit] = [1, "minute"];
  if (unit === "minute" && value === 60) [value, unit] = [1, "hour"];
  if (unit === "hour" && value === 24) [value, unit] = [1, "day"];
  return { value: value === 0 ? 0 : sign * value, unit };
}

/** "in 28 minutes", "il y a 3 heures", "28 分後"… for `value` relative to `now`; "" when unknown. */
export function formatRelative(value, now = Date.now(), lang = currentLang()) {
  const at = toMillis(value);
  if (at === null) return "";
  const { value: n, unit } = relativeParts(at - now);
  return formatter("RelativeTimeFormat", lang, { numeric: "auto" }).format(n, unit);
}

/** A number in `lang`, at most `digits` decimals, no trailing zeros ("1,234.5", "1 234,5"). */
export function formatNumber(value, lang = currentLang(), digits = 2) {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) return "";
  return formatter("NumberFormat", lang, { maximumFractionDigits: digits }).format(n);
}

/** A quantity with its unit written out ("15 seconds", "1 heure", "5 分"), in `lang`. */
export function formatUnit(value, unit, lang = currentLang()) {
  return formatter("NumberFormat", lang, { style: "unit", unit, unitDisplay: "long" }).format(value);
}

// Relative times on screen: one timer for all of them, at most once a minute, and none while the
// window is hidden (a hidden window catches up once when it shows again).
const live = new Set();
let timer = null;
let lastTick = 0;

function tick(now = Date.now()) {
  lastTick = now;
  for (const entry of live) {
    if (entry.node && entry.node.isConnected === false) live.delete(entry);
    else entry.update(now);
  }
  if (!live.size) stopTimer();
}

function hidden() {
  return typeof document !== "undefined" && document.hidden === true;
}

function onVisibility() {
  if (!hidden() && Date.now() - lastTick >= MINUTE) tick();
}

function startTimer() {
  if (timer !== null) return;
  lastTick = Date.now();
  timer = setInterval(() => {
    if (!hidden()) tick();
  }, MINUTE);
  if (typeof document !== "undefined") document.addEventListener("visibilitychange", onVisibility);
}

function stopTimer() {
  if (timer === null) return;
  clearInterval(timer);
  timer = null;
  if (typeof document !== "undefined") document.removeEventListener("visibilitychange", onVisibility);
}

/**
 * Keeps a relative time up to date: `update(now)` runs about once a minute while `node` is in
 * the document (and the window is shown), until the returned stop function is called.
 * `update` sets the text itself, so a sentence around the time is rebuilt with its own words.
 */
export function liveRelative(node, update) {
  const entry = { node, update };
  live.add(entry);
  startTimer();
  return () => {
    live.delete(entry);
    if (!live.size) stopTimer();
  };
}

/** For tests: runs every live update now. */
export function tickLiveRelative(now = Date.now()) {
  tick(now);
}
