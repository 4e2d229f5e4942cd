// The actions page's logic, without the DOM: search, filters and sort of the improvement
// actions, the score's verdict on a ticket, the score header's numbers, the default task
// description and the file upload's encoding. Points are only ever the tenant's own: nothing
// here makes one up.

import { formatNumber as formatLocalNumber } from "./format.js";

/** The action statuses, as the back end names them (Graph's control states, the portal's). */
export const STATUSES = Object.freeze([
  "to_address",
  "planned",
  "risk_accepted",
  "third_party",
  "alternate_mitigation",
  "reviewed",
  "completed",
]);

/** How the list can be sorted. */
export const SORTS = Object.freeze(["rank", "toGain", "title"]);

/** The ticket filter: any, none made yet, one open, one the score verified. */
export const TICKET_FILTERS = Object.freeze(["", "none", "open", "verified"]);

/** The verdicts, and how they look. */
export const VERDICT_TONES = Object.freeze({
  verified: "success",
  closed_not_fixed: "warning",
  regressed: "danger",
});

/** The score's verdict on a ticket reference (or ticket view), or null. */
export function verdictOf(ticket) {
  const v = ticket?.score?.verdict;
  return Object.prototype.hasOwnProperty.call(VERDICT_TONES, v) ? v : null;
}

function folded(text) {
  return String(text ?? "")
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLocaleLowerCase();
}

/** Whether every word of `query` is in the action's title, product or category. */
export function matchesQuery(action, query) {
  const words = folded(query).split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const hay = folded([action.title, action.service, action.category, action.id].filter(Boolean).join(" "));
  return words.every((w) => hay.includes(w));
}

function ticketState(action) {
  const ref = action.ticket;
  if (action.queued) return "open";
  if (!ref) return "none";
  if (verdictOf(ref) === "verified") return "verified";
  return ref.done ? "none" : "open";
}

/**
 * The actions that pass the filters: { query, category, status, ticket } (blank: any).
 * `ticket`: "none" (no open ticket yet, so something to do), "open", "verified".
 */
export function filterActions(actions, { query = "", category = "", status = "", ticket = "" } = {}) {
  return (Array.isArray(actions) ? actions : []).filter(
    (a) =>
      matchesQuery(a, query) &&
      (!category || a.category === category) &&
      (!status || a.status === status) &&
      (!ticket || ticketState(a) === ticket),
  );
}

const byNumber = (get) => (a, b) => {
  const x = get(a);
  const y = get(b);
  if (x === y) return 0;
  if (x === null) return 1;
  if (y === null) return -1;
  return x - y;
};

const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);

/**
 * A sorted copy: "rank" (Microsoft's rank, unranked last), "toGain" (most points to gain
 * first), "title". Ties keep the source's order.
 */
export function sortActions(actions, sort = "rank", lang = "en") {
  const list = [...(Array.isArray(actions) ? actions : [])];
  const collator = new Intl.Collator(lang, { sensitivity: "base", numeric: true });
  if (sort === "title") return list.sort((a, b) => collator.compare(a.title ?? "", b.title ?? ""));
  if (sort === "toGain") {
    const gain = byNumber((a) => (num(a.toGain) === null ? null : -a.toGain));
    return list.sort((a, b) => gain(a, b) || byNumber((x) => num(x.rank))(a, b));
  }
  return list.sort(byNumber((a) => num(a.rank)));
}

/** The categories and statuses that occur in the list, for the filters' choices. */
export function facets(actions) {
  const categories = new Set();
  const statuses = new Set();
  for (const a of Array.isArray(actions) ? actions : []) {
    if (a.category) categories.add(a.category);
    if (a.status) statuses.add(a.status);
  }
  return { categories: [...categories], statuses: STATUSES.filter((s) => statuses.has(s)) };
}

/** Whether any action has points a tenant reported (Graph or the export). */
export function hasPoints(actions) {
  return (Array.isArray(actions) ? actions : []).some((a) => num(a.points) !== null);
}

/** The header's numbers: { score, max, percent } with what is known, or null. */
export function scoreNumbers(summary) {
  const score = num(summary?.currentScore);
  if (score === null) return null;
  const max = num(summary?.maxScore);
  let percent = num(summary?.percentage);
  if (percent === null && max) percent = (score / max) * 100;
  return { score, max, percent };
}

/** A number as the admin reads it: at most `digits` decimals, no trailing zeros. */
export function formatNumber(value, lang = "en", digits = 2) {
  const n = num(value);
  return n === null ? "" : formatLocalNumber(n, lang, digits);
}

/** The remediation, what it changes for users and the portal's page: the task's description. */
export function descriptionFor(action) {
  const parts = [action?.remediation, action?.remediationImpact]
    .map((p) => String(p ?? "").trim())
    .filter(Boolean);
  const url = String(action?.actionUrl ?? "");
  if (/^https:\/\//i.test(url)) parts.push(url);
  return parts.join("\n\n");
}

/** Bytes (Uint8Array or ArrayBuffer) as base64, in chunks (no call-stack limit on big files). */
export function base64Of(bytes) {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = "";
  const CHUNK = 0x8000;
  for (let i = 0; i < view.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, view.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Minutes since `iso` (0 for the future), or null. */
export function minutesSince(iso, now = Date.now()) {
  const at = Date.parse(iso ?? "");
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.floor((now - at) / 60000));
}
