// Pure helpers for the connection screens. No DOM, no i18n lookups, no IPC:
// Node's test runner imports this module directly.

import { kinds } from "./app-context.js";
import { formatDateTime, formatRelative as relativeText } from "./format.js";

/** The checks `check_connection` returns, in order: one rights line per ticket kind. */
export function doctorIds(kindList = kinds()) {
  return ["https", "oauth", "token", "identity", ...kindList.map((k) => k.rightsCheck), "lookup", "release"];
}

export const DOCTOR_STATUSES = Object.freeze(["ok", "warn", "fail"]);

// Times are worded by format.js, in the app's language and the local time zone.
export { relativeParts } from "./format.js";

/** Milliseconds since the epoch for an ISO-8601 string, or null when it doesn't parse. */
export function parseTime(iso) {
  if (typeof iso !== "string" || iso.trim() === "") return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * "in 28 minutes", "il y a 3 heures"… in `lang`, for an ISO-8601 time relative to
 * `now` (ms). Returns null for a missing or malformed time.
 */
export function formatRelative(iso, now = Date.now(), lang = "en") {
  const at = parseTime(iso);
  return at === null ? null : relativeText(at, now, lang);
}

/** The date and time in full, for a tooltip next to a relative time; null when unknown. */
export function formatAbsolute(iso, lang = "en") {
  const at = parseTime(iso);
  return at === null ? null : formatDateTime(at, lang);
}

/**
 * What the connection card says about the access token:
 *   "refresh"   – a refresh token exists and the access token is still valid
 *   "refreshDue" – a refresh token exists and the access token has run out (refreshed on next use)
 *   "ends"      – no refresh token: the admin signs in again when it ends
 *   "unknown"   – no usable expiry time
 */
export function tokenState(info, now = Date.now()) {
  const at = parseTime(info?.accessTokenExpiresAt);
  if (at === null) return "unknown";
  if (!info.hasRefreshToken) return "ends";
  return at > now ? "refresh" : "refreshDue";
}

// Words that make a display name an account's role rather than a person's name.
const ROLE_WORDS = new Set([
  "admin", "administrator", "system", "service", "integration", "user", "account", "bot", "api",
  "svc", "test", "guest", "team", "support", "desk", "ticket", "bridge", "sync", "connector", "app",
]);

/**
 * The name to use in "Tickets would be created in {name}'s name": the first name of a
 * person ("Beth Anglin" → "Beth", "Anglin, Beth" → "Beth"), or the whole display name
 * for accounts ("System Administrator"), single words, names in a script without spaces
 * between given and family names, and Japanese or Chinese UIs (where a bare given name
 * would be too familiar). Falls back to the user name when there is no display name.
 */
export function firstNameOrDisplayName(displayName, userName = "", lang = "en") {
  const display = typeof displayName === "string" ? displayName.trim().replace(/\s+/g, " ") : "";
  const fallback = typeof userName === "string" ? userName.trim() : "";
  if (display === "") return fallback;
  if (/^(ja|zh|ko)\b/i.test(lang)) return display;
  if (/[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/.test(display)) return display;
  let words = display.split(" ");
  const comma = display.indexOf(",");
  if (comma > 0 && comma < display.length - 1) {
    const given = display.slice(comma + 1).trim();
    if (given) words = [...given.split(" "), ...display.slice(0, comma).trim().split(" ")];
  }
  if (words.length < 2) return display;
  if (words.some((w) => ROLE_WORDS.has(w.toLowerCase().replace(/[^a-z]/g, "")))) return display;
  return words[0];
}

/** "Beth Anglin (beth.anglin)", or just the user name when there is no other display name. */
export function userLabel(signedIn) {
  const userName = typeof signedIn?.userName === "string" ? signedIn.userName.trim() : "";
  const displayName = typeof signedIn?.displayName === "string" ? signedIn.displayName.trim() : "";
  if (displayName && userName && displayName !== userName) return `${displayName} (${userName})`;
  return displayName || userName;
}

function isConnectionInfo(value) {
  return Boolean(value) && typeof value === "object" && typeof value.instance === "string";
}

/**
 * Reads what connect, sign_in_again and reauthorize resolve with:
 *   { type: "connected", connection } | { type: "wrong_user", signedIn, expected } | { type: "invalid" }
 */
export function readOutcome(outcome) {
  if (!outcome || typeof outcome !== "object") return { type: "invalid" };
  if (outcome.status === "connected" && isConnectionInfo(outcome.connection)) {
    return { type: "connected", connection: outcome.connection };
  }
  if (outcome.status === "wrong_user") {
    const signedIn = outcome.signedIn && typeof outcome.signedIn === "object" ? outcome.signedIn : {};
    return {
      type: "wrong_user",
      signedIn: {
        userName: typeof signedIn.userName === "string" ? signedIn.userName : "",
        displayName: typeof signedIn.displayName === "string" ? signedIn.displayName : "",
      },
      expected: typeof outcome.expected === "string" ? outcome.expected : "",
    };
  }
  return { type: "invalid" };
}

/**
 * True when a rejected sign-in is the admin's own cancel: after cancel_connect the
 * pending connect rejects with invalid_input ("Sign-in was cancelled"). Such a
 * rejection is shown quietly, never as an error banner.
 */
export function isCancelled(error, userCancelled = false) {
  if (!error || error.kind !== "invalid_input") return false;
  if (userCancelled) return true;
  return /cancel/i.test(typeof error.message === "string" ? error.message : "");
}

/** A line's words as Rust sends them ({ key, params }), or null. */
function checkText(value) {
  if (!value || typeof value !== "object" || typeof value.key !== "string" || value.key === "") return null;
  const params = value.params && typeof value.params === "object" && !Array.isArray(value.params) ? value.params : {};
  return { key: value.key, params };
}

/**
 * Orders check results as `ids` (unknown ids last, in their own order) and
 * normalises each to { id, status, detail, fix, detailText, fixText, error }; an unknown status
 * counts as "warn". `detail` and `fix` are Rust's English; the words on screen come from
 * `detailText`/`fixText` ({ key, params }) or, for a call that failed, from `error` (doctor.js).
 */
export function normalizeChecks(result, ids = doctorIds()) {
  const list = Array.isArray(result?.checks) ? result.checks : [];
  const checks = list
    .filter((c) => c && typeof c.id === "string" && c.id !== "")
    .map((c) => ({
      id: c.id,
      status: DOCTOR_STATUSES.includes(c.status) ? c.status : "warn",
      detail: typeof c.detail === "string" ? c.detail : "",
      fix: typeof c.fix === "string" && c.fix.trim() !== "" ? c.fix : null,
      detailText: checkText(c.detailText),
      fixText: checkText(c.fixText),
      error: c.error && typeof c.error === "object" && typeof c.error.kind === "string" ? c.error : null,
    }));
  const rank = (id) => {
    const i = ids.indexOf(id);
    return i === -1 ? ids.length : i;
  };
  return checks
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c.id) - rank(b.c.id) || a.i - b.i)
    .map(({ c }) => c);
}

/** { ok, warn, fail } counts of normalised checks. */
export function summarizeChecks(checks) {
  const counts = { ok: 0, warn: 0, fail: 0 };
  for (const c of checks) counts[c.status] += 1;
  return counts;
}
