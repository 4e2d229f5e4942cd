// Pure ticket and task-draft logic: filtering, sorting, paging, counts by state,
// due dates, and the checks the task form runs before it asks Rust. No DOM, no
// i18n, no IPC: Node's test runner imports this module directly. The kinds and the
// name limit are Rust's (app-context.js).
import { kindNames, limits } from "./app-context.js";
import { descriptionFor } from "./score-model.js";

export const CATEGORIES = Object.freeze(["Identity", "Data", "Devices", "Apps", "Infrastructure"]);
export const PRIORITIES = Object.freeze([1, 2, 3, 4, 5]);
export const DEFAULT_PRIORITY = 3;
export const DUE_DEFAULT_DAYS = 14;
export const PAGE_SIZE = 100;
export const SORT_KEYS = Object.freeze(["number", "name", "kind", "stateLabel", "priority", "dueDate", "category", "updatedAt"]);

const DAY = 24 * 60 * 60 * 1000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "YYYY-MM-DD" of a Date in local time. */
export function isoDate(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Today and the default due date (today + 14 days), both "YYYY-MM-DD" in local time. */
export function todayIso(now = Date.now()) {
  return isoDate(new Date(now));
}
export function defaultDueDate(now = Date.now(), days = DUE_DEFAULT_DAYS) {
  const d = new Date(now);
  d.setDate(d.getDate() + days);
  return isoDate(d);
}

/**
 * The moment a due date has passed, in ms: a date alone ("2025-03-01") runs to the
 * end of that local day; a date and time ("2025-03-01 17:00:00" or ISO) is taken as it is.
 * Null for a missing or malformed value.
 */
export function dueMoment(value) {
  if (typeof value !== "string" || value.trim() === "") return null;
  const text = value.trim();
  const day = DATE_ONLY.exec(text);
  if (day) return new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]) + 1).getTime() - 1;
  const ms = Date.parse(text.includes("T") ? text : text.replace(" ", "T"));
  return Number.isFinite(ms) ? ms : null;
}

/** True when the ticket is active and its due date has passed. */
export function isOverdue(ticket, now = Date.now()) {
  if (!ticket || ticket.active !== true) return false;
  const due = dueMoment(ticket.dueDate);
  return due !== null && due < now;
}

/** True when the ticket is active and due from now to `days` days ahead. */
export function isDueSoon(ticket, now = Date.now(), days = 7) {
  if (!ticket || ticket.active !== true) return false;
  const due = dueMoment(ticket.dueDate);
  return due !== null && due >= now && due <= now + days * DAY;
}

/** The default filter: everything. */
export function emptyFilter() {
  return { kind: "all", state: "all", priority: "all", category: "all", due: "all", search: "" };
}

/** True when the filter lets every ticket through. */
export function isEmptyFilter(filter) {
  const f = { ...emptyFilter(), ...filter };
  return f.kind === "all" && f.state === "all" && f.priority === "all" && f.category === "all" && f.due === "all" && f.search.trim() === "";
}

/**
 * Keeps the tickets that match every part of the filter:
 *   kind "all"|"change_request"|"incident"; state "all" or a state label (labels, not values:
 *   the same value means different states in the two kinds); priority "all" or "1".."5";
 *   category "all" or a category; due "all"|"overdue"|"next7"; search: number or name, any case.
 */
export function filterTickets(tickets, filter = {}, now = Date.now()) {
  const f = { ...emptyFilter(), ...filter };
  const needle = String(f.search ?? "").trim().toLowerCase();
  const priority = f.priority === "all" ? null : Number(f.priority);
  return tickets.filter((ticket) => {
    if (f.kind !== "all" && ticket.kind !== f.kind) return false;
    if (f.state !== "all" && stateLabelOf(ticket) !== f.state) return false;
    if (priority !== null && ticket.priority !== priority) return false;
    if (f.category !== "all" && (ticket.category ?? "") !== f.category) return false;
    if (f.due === "overdue" && !isOverdue(ticket, now)) return false;
    if (f.due === "next7" && !isDueSoon(ticket, now, 7)) return false;
    if (needle) {
      const number = String(ticket.number ?? "").toLowerCase();
      const name = String(ticket.name ?? "").toLowerCase();
      if (!number.includes(needle) && !name.includes(needle)) return false;
    }
    return true;
  });
}

function stateLabelOf(ticket) {
  return ticket.stateLabel || String(ticket.state ?? "");
}

function sortValue(ticket, key) {
  switch (key) {
    case "priority":
      return Number.isInteger(ticket.priority) ? ticket.priority : null;
    case "dueDate":
      return dueMoment(ticket.dueDate);
    case "updatedAt": {
      const ms = ticket.updatedAt ? Date.parse(String(ticket.updatedAt).replace(" ", "T")) : NaN;
      return Number.isFinite(ms) ? ms : null;
    }
    case "stateLabel":
      return stateLabelOf(ticket);
    default: {
      const v = ticket[key];
      return v === undefined || v === null || v === "" ? null : String(v);
    }
  }
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

/**
 * A sorted copy. key is one of SORT_KEYS, dir "asc"|"desc". Missing values go last
 * in both directions; ties keep the ticket number order, so the result is stable.
 */
export function sortTickets(tickets, key = "number", dir = "asc") {
  const sign = dir === "desc" ? -1 : 1;
  const decorated = tickets.map((ticket) => ({ ticket, value: sortValue(ticket, key), number: String(ticket.number ?? "") }));
  decorated.sort((a, b) => {
    if (a.value === null || b.value === null) {
      if (a.value === null && b.value !== null) return 1;
      if (b.value === null && a.value !== null) return -1;
    } else {
      const c = typeof a.value === "number" && typeof b.value === "number" ? a.value - b.value : collator.compare(a.value, b.value);
      if (c !== 0) return sign * c;
    }
    return collator.compare(a.number, b.number);
  });
  return decorated.map((d) => d.ticket);
}

/** One page of rows: { rows, page (1-based, clamped), pages, from (1-based), to, total }. */
export function pageOf(rows, page = 1, size = PAGE_SIZE) {
  const total = rows.length;
  const pages = Math.max(1, Math.ceil(total / size));
  const current = Math.min(Math.max(1, Math.trunc(Number(page)) || 1), pages);
  const start = (current - 1) * size;
  const slice = rows.slice(start, start + size);
  return { rows: slice, page: current, pages, from: total ? start + 1 : 0, to: start + slice.length, total };
}

/** Filter, sort and page in one call: what the ticket list shows. */
export function view(tickets, { filter = {}, sort = { key: "updatedAt", dir: "desc" }, page = 1, size = PAGE_SIZE, now = Date.now() } = {}) {
  const filtered = filterTickets(tickets, filter, now);
  const sorted = sortTickets(filtered, sort.key, sort.dir);
  return { ...pageOf(sorted, page, size), filtered: sorted };
}

function stateOrder(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : Number.POSITIVE_INFINITY;
}

/**
 * Counts by state for one kind's tickets: [{ value, label, count }], in the state's
 * lifecycle order (ServiceNow's numeric values), then by label.
 */
export function countByState(tickets) {
  const map = new Map();
  for (const ticket of tickets) {
    const value = String(ticket.state ?? "");
    const entry = map.get(value) ?? { value, label: stateLabelOf(ticket), count: 0 };
    entry.count += 1;
    map.set(value, entry);
  }
  return sortStateCounts([...map.values()]);
}

/** Counts by state ({ value, label, count }, as ticket_summary gives them) in the states' order. */
export function sortStateCounts(counts) {
  return [...(counts ?? [])]
    .map((c) => ({ value: String(c.value ?? ""), label: c.label || String(c.value ?? ""), count: Number(c.count) || 0 }))
    .sort((a, b) => stateOrder(a.value) - stateOrder(b.value) || collator.compare(a.label, b.label));
}

/** The newest `n` tickets (last updated first, then highest number). */
export function newest(tickets, n = 5) {
  return sortTickets(tickets, "number", "desc")
    .map((ticket, index) => ({ ticket, index, at: sortValue(ticket, "updatedAt") }))
    .sort((a, b) => (b.at ?? -Infinity) - (a.at ?? -Infinity) || a.index - b.index)
    .slice(0, n)
    .map((d) => d.ticket);
}

/** Distinct values for the filter menus: { states: [label], categories: [name], priorities: [n] }. */
export function filterOptions(tickets, kind = "all") {
  const states = new Map();
  const categories = new Set();
  for (const ticket of tickets) {
    if (kind !== "all" && ticket.kind !== kind) continue;
    const label = stateLabelOf(ticket);
    if (label && !states.has(label)) states.set(label, stateOrder(ticket.state));
    if (ticket.category) categories.add(ticket.category);
  }
  return {
    states: [...states.entries()].sort((a, b) => a[1] - b[1] || collator.compare(a[0], b[0])).map(([label]) => label),
    categories: [...categories].sort(collator.compare),
  };
}

/**
 * The Secure Score category of each ticket, for the Category column and its filter. ServiceNow's
 * own `category` is often blank (nothing mapped) or the instance's word ("security"), so it comes,
 * in this order, from: the improvement action the ticket was made from (its correlation id names
 * it, `actionId`); the Secure Score category the admin mapped to the ticket's ServiceNow value
 * (only when one category has that value); a ServiceNow value that is itself a category name;
 * else ServiceNow's value as it is. `serviceNowCategory` keeps that value. Pure.
 */
export function withCategories(tickets, { actions = [], mapping = {} } = {}) {
  const byAction = new Map();
  for (const action of Array.isArray(actions) ? actions : []) {
    if (action && typeof action.id === "string" && CATEGORIES.includes(action.category)) byAction.set(action.id, action.category);
  }
  const byValue = new Map();
  for (const [category, value] of Object.entries(mapping && typeof mapping === "object" ? mapping : {})) {
    const key = typeof value === "string" ? value.trim().toLowerCase() : "";
    if (!key || !CATEGORIES.includes(category)) continue;
    // Two categories mapped to one value: the value does not tell which one it was.
    byValue.set(key, byValue.has(key) ? null : category);
  }
  const byName = new Map(CATEGORIES.map((c) => [c.toLowerCase(), c]));
  return (Array.isArray(tickets) ? tickets : []).map((ticket) => {
    const raw = typeof ticket.category === "string" ? ticket.category.trim() : "";
    const key = raw.toLowerCase();
    const category =
      (ticket.actionId ? byAction.get(ticket.actionId) : undefined) ??
      byValue.get(key) ??
      byName.get(key) ??
      (raw || null);
    return { ...ticket, category, serviceNowCategory: raw || null };
  });
}

/** A list read longer ago than this is said to be a saved copy. */
export const STALE_AFTER_MS = 15 * 60 * 1000;

/**
 * True when the tickets on screen may be behind ServiceNow: the list was read (`fetchedAt`) more
 * than 15 minutes before `now`. A list never read is not "stale": it says so in its own words. Pure.
 */
export function isStale(fetchedAt, now = Date.now()) {
  const at = typeof fetchedAt === "string" ? Date.parse(fetchedAt) : NaN;
  return Number.isFinite(at) && now - at > STALE_AFTER_MS;
}

// Task draft ---------------------------------------------------------------------

/** A new draft for an action (name from its title, description from its remediation). */
export function draftFor(action, { kind = "change_request", now = Date.now() } = {}) {
  return {
    actionId: action.id,
    actionTitle: action.title,
    name: String(action.title ?? "").slice(0, limits().taskNameChars),
    description: descriptionFor(action),
    priority: DEFAULT_PRIORITY,
    dueDate: defaultDueDate(now),
    source: action.source === "user" ? "user" : "microsoft",
    category: CATEGORIES.includes(action.category) ? action.category : null,
    kind: kindNames().includes(kind) ? kind : kindNames()[0],
  };
}

/** Length as a person counts it (code points, so an emoji counts once). */
export function textLength(text) {
  return [...String(text ?? "")].length;
}

/**
 * The checks the form runs before it asks Rust: { field: localeKey } for each
 * problem (fields: name, description, dueDate). Empty object when the draft is fine.
 */
export function checkDraft(draft, now = Date.now()) {
  const errors = {};
  const name = String(draft.name ?? "").trim();
  if (name === "") errors.name = "validation.nameRequired";
  else if (textLength(name) > limits().taskNameChars) errors.name = "validation.nameTooLong";
  if (String(draft.description ?? "").trim() === "") errors.description = "validation.descriptionRequired";
  if (!CATEGORIES.includes(draft.category)) errors.category = "validation.categoryRequired";
  const due = String(draft.dueDate ?? "");
  if (!DATE_ONLY.test(due)) errors.dueDate = "validation.dueRequired";
  else if (due < todayIso(now)) errors.dueDate = "validation.duePast";
  return errors;
}

/** The checks of the add-an-action form: { field: localeKey }. */
export function checkNewAction({ title, category, remediation }) {
  const errors = {};
  if (String(title ?? "").trim() === "") errors.title = "validation.titleRequired";
  if (!CATEGORIES.includes(category)) errors.category = "validation.categoryRequired";
  if (String(remediation ?? "").trim() === "") errors.remediation = "validation.remediationRequired";
  return errors;
}

/** Turns a preview's record into [key, text] pairs, in the record's order, as plain text. */
export function recordEntries(record) {
  if (!record || typeof record !== "object") return [];
  return Object.entries(record).map(([key, value]) => [
    key,
    value === null || value === undefined ? "" : typeof value === "object" ? JSON.stringify(value) : String(value),
  ]);
}

/** Parses "#/tickets?kind=incident" style routes: { path, params }. */
export function parseRoute(hash) {
  const raw = String(hash ?? "").replace(/^#/, "") || "/";
  const [pathPart, query = ""] = raw.split("?", 2);
  const params = Object.fromEntries(new URLSearchParams(query));
  const path = pathPart || "/";
  const share = /^\/share\/(.+)$/.exec(path);
  if (share) {
    let id = share[1];
    try {
      id = decodeURIComponent(id);
    } catch {
      // keep the raw id
    }
    return { path: "/share", params: { ...params, actionId: id } };
  }
  return { path, params };
}
