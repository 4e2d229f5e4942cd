// tickets-model.js: filtering, sorting, paging, counts, due dates, draft checks, routes.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PAGE_SIZE,
  checkDraft,
  checkNewAction,
  countByState,
  defaultDueDate,
  draftFor,
  dueMoment,
  filterOptions,
  filterTickets,
  isDueSoon,
  isEmptyFilter,
  isOverdue,
  newest,
  pageOf,
  parseRoute,
  recordEntries,
  sortTickets,
  textLength,
  todayIso,
  view,
} from "../../ui/js/tickets-model.js";
import { setMessages, has } from "../../ui/js/i18n.js";
import { readLocale } from "./helpers.mjs";

const NOW = new Date(2025, 5, 15, 12, 0, 0).getTime(); // 15 June 2025, noon, local time

function ticket(extra = {}) {
  return {
    sysId: "s" + Math.random().toString(16).slice(2),
    number: "CHG0030001",
    kind: "change_request",
    name: "Require MFA for admins",
    state: "-5",
    stateLabel: "New",
    priority: 3,
    dueDate: "2025-06-20",
    category: "Identity",
    actionId: "mfa",
    updatedAt: "2025-06-10T08:00:00Z",
    active: true,
    url: "http://127.0.0.1:8080/x",
    ...extra,
  };
}

const SAMPLE = [
  ticket({ number: "CHG0030001", name: "Require MFA for admins", dueDate: "2025-06-14", updatedAt: "2025-06-01T00:00:00Z" }),
  ticket({ number: "CHG0030002", name: "Block legacy authentication", state: "3", stateLabel: "Closed", dueDate: "2025-06-01", active: false, priority: 1, updatedAt: "2025-06-12T00:00:00Z" }),
  ticket({ number: "INC0010001", kind: "incident", name: "Turn on Safe Links", state: "2", stateLabel: "In Progress", category: "Apps", priority: 2, dueDate: "2025-06-18 17:00:00", updatedAt: "2025-06-14T00:00:00Z" }),
  ticket({ number: "INC0010002", kind: "incident", name: "Encrypt devices", state: "1", stateLabel: "New", category: null, priority: null, dueDate: null, updatedAt: null }),
  ticket({ number: "CHG0030010", name: "Label documents", category: "Data", dueDate: "2025-07-30", priority: 5, updatedAt: "2025-06-13T00:00:00Z" }),
];

test("due dates: a date alone runs to the end of that local day", () => {
  assert.equal(dueMoment("2025-06-15"), new Date(2025, 5, 16).getTime() - 1);
  assert.equal(dueMoment(""), null);
  assert.equal(dueMoment("soon"), null);
  assert.equal(dueMoment(null), null);
  assert.ok(Number.isFinite(dueMoment("2025-06-18 17:00:00")));
  assert.ok(Number.isFinite(dueMoment("2025-06-18T17:00:00Z")));
});

test("overdue only when active and past due; due soon within 7 days", () => {
  assert.equal(isOverdue(ticket({ dueDate: "2025-06-14" }), NOW), true);
  assert.equal(isOverdue(ticket({ dueDate: "2025-06-15" }), NOW), false, "due today is not overdue yet");
  assert.equal(isOverdue(ticket({ dueDate: "2025-06-14", active: false }), NOW), false);
  assert.equal(isOverdue(ticket({ dueDate: "2025-06-14", active: null }), NOW), false);
  assert.equal(isOverdue(ticket({ dueDate: null }), NOW), false);
  assert.equal(isDueSoon(ticket({ dueDate: "2025-06-20" }), NOW), true);
  assert.equal(isDueSoon(ticket({ dueDate: "2025-06-30" }), NOW), false);
  assert.equal(isDueSoon(ticket({ dueDate: "2025-06-14" }), NOW), false);
});

test("filter by kind, state label, priority, category, due and search", () => {
  const numbers = (list) => list.map((t) => t.number);
  assert.deepEqual(numbers(filterTickets(SAMPLE, { kind: "incident" }, NOW)), ["INC0010001", "INC0010002"]);
  assert.deepEqual(numbers(filterTickets(SAMPLE, { state: "New" }, NOW)), ["CHG0030001", "INC0010002", "CHG0030010"]);
  assert.deepEqual(numbers(filterTickets(SAMPLE, { kind: "change_request", state: "New" }, NOW)), ["CHG0030001", "CHG0030010"]);
  assert.deepEqual(numbers(filterTickets(SAMPLE, { priority: "1" }, NOW)), ["CHG0030002"]);
  assert.deepEqual(numbers(filterTickets(SAMPLE, { category: "Apps" }, NOW)), ["INC0010001"]);
  assert.deepEqual(numbers(filterTickets(SAMPLE, { due: "overdue" }, NOW)), ["CHG0030001"]);
  assert.deepEqual(numbers(filterTickets(SAMPLE, { due: "next7" }, NOW)), ["INC0010001"]);
  assert.deepEqual(numbers(filterTickets(SAMPLE, { search: "  mfa " }, NOW)), ["CHG0030001"]);
  assert.deepEqual(numbers(filterTickets(SAMPLE, { search: "inc00100" }, NOW)), ["INC0010001", "INC0010002"]);
  assert.equal(filterTickets(SAMPLE, {}, NOW).length, SAMPLE.length);
  assert.equal(isEmptyFilter({}), true);
  assert.equal(isEmptyFilter({ search: "  " }), true);
  assert.equal(isEmptyFilter({ kind: "incident" }), false);
});

test("sort: numbers, text, dates; missing values last both ways; stable by number", () => {
  const numbers = (list) => list.map((t) => t.number);
  assert.deepEqual(numbers(sortTickets(SAMPLE, "priority", "asc")), ["CHG0030002", "INC0010001", "CHG0030001", "CHG0030010", "INC0010002"]);
  assert.deepEqual(numbers(sortTickets(SAMPLE, "priority", "desc")), ["CHG0030010", "CHG0030001", "INC0010001", "CHG0030002", "INC0010002"]);
  assert.deepEqual(numbers(sortTickets(SAMPLE, "dueDate", "asc")), ["CHG0030002", "CHG0030001", "INC0010001", "CHG0030010", "INC0010002"]);
  assert.deepEqual(numbers(sortTickets(SAMPLE, "updatedAt", "desc")), ["INC0010001", "CHG0030010", "CHG0030002", "CHG0030001", "INC0010002"]);
  assert.deepEqual(numbers(sortTickets(SAMPLE, "name", "asc")).slice(0, 2), ["CHG0030002", "INC0010002"]);
  assert.deepEqual(numbers(sortTickets(SAMPLE, "category", "asc")).at(-1), "INC0010002");
  // Equal keys keep number order.
  assert.deepEqual(numbers(sortTickets(SAMPLE, "stateLabel", "asc")), ["CHG0030002", "INC0010001", "CHG0030001", "CHG0030010", "INC0010002"]);
  // The input is not changed.
  assert.equal(SAMPLE[0].number, "CHG0030001");
});

test("pages are clamped and count from 1", () => {
  const rows = Array.from({ length: 250 }, (_, i) => i);
  assert.deepEqual({ ...pageOf(rows, 1), rows: undefined }, { rows: undefined, page: 1, pages: 3, from: 1, to: 100, total: 250 });
  const last = pageOf(rows, 3);
  assert.deepEqual([last.from, last.to, last.rows.length], [201, 250, 50]);
  assert.equal(pageOf(rows, 99).page, 3);
  assert.equal(pageOf(rows, 0).page, 1);
  assert.equal(pageOf(rows, "x").page, 1);
  const none = pageOf([], 1);
  assert.deepEqual([none.page, none.pages, none.from, none.to, none.total], [1, 1, 0, 0, 0]);
});

test("counts by state in lifecycle order; newest by update time", () => {
  const changes = SAMPLE.filter((t) => t.kind === "change_request");
  assert.deepEqual(countByState(changes), [
    { value: "-5", label: "New", count: 2 },
    { value: "3", label: "Closed", count: 1 },
  ]);
  assert.deepEqual(newest(SAMPLE, 3).map((t) => t.number), ["INC0010001", "CHG0030010", "CHG0030002"]);
  assert.equal(newest(SAMPLE, 5).at(-1).number, "INC0010002", "no update time goes last");
});

test("filter options: state labels in order, categories", () => {
  assert.deepEqual(filterOptions(SAMPLE, "change_request"), { states: ["New", "Closed"], categories: ["Data", "Identity"] });
  assert.deepEqual(filterOptions(SAMPLE).states, ["New", "In Progress", "Closed"]);
});

test("10,000 tickets: filter, sort and page in one pass", () => {
  const states = [["-5", "New"], ["-1", "Implement"], ["3", "Closed"], ["1", "New"], ["2", "In Progress"]];
  const categories = ["Identity", "Data", "Devices", "Apps", "Infrastructure"];
  const many = Array.from({ length: 10000 }, (_, i) => {
    const [state, stateLabel] = states[i % states.length];
    const kind = i % 3 === 0 ? "incident" : "change_request";
    return ticket({
      sysId: "id" + i,
      number: (kind === "incident" ? "INC" : "CHG") + String(10000 + i).padStart(7, "0"),
      kind,
      name: i % 7 === 0 ? `Require MFA ${i}` : `Harden devices ${i}`,
      state,
      stateLabel,
      priority: (i % 5) + 1,
      category: categories[i % 5],
      dueDate: new Date(NOW + ((i % 60) - 30) * 86400000).toISOString().slice(0, 10),
      active: stateLabel !== "Closed",
      updatedAt: new Date(NOW - i * 60000).toISOString(),
    });
  });
  const result = view(many, {
    filter: { kind: "change_request", search: "mfa", due: "overdue" },
    sort: { key: "priority", dir: "desc" },
    page: 2,
    size: PAGE_SIZE,
    now: NOW,
  });
  const expected = many.filter(
    (t) => t.kind === "change_request" && t.name.toLowerCase().includes("mfa") && t.active && dueMoment(t.dueDate) < NOW,
  );
  assert.equal(result.total, expected.length);
  assert.ok(result.total > PAGE_SIZE, `only ${result.total} rows matched`);
  assert.equal(result.page, 2);
  assert.equal(result.rows.length, Math.min(PAGE_SIZE, result.total - PAGE_SIZE));
  for (let i = 1; i < result.filtered.length; i++) {
    assert.ok(result.filtered[i - 1].priority >= result.filtered[i].priority, "sorted by priority, descending");
  }
  assert.deepEqual(result.rows, result.filtered.slice(PAGE_SIZE, 2 * PAGE_SIZE));
  // The whole list, sorted by name, still comes back complete.
  assert.equal(view(many, { sort: { key: "name", dir: "asc" }, now: NOW }).total, 10000);
});

test("draft from an action: prefilled, default priority 3, due in 14 days", () => {
  const action = { id: "a1", title: "x".repeat(200), remediation: "Do it", category: "Apps", source: "user" };
  const draft = draftFor(action, { now: NOW });
  assert.equal(draft.name.length, 160);
  assert.equal(draft.description, "Do it");
  assert.equal(draft.category, "Apps");
  assert.equal(draft.priority, 3);
  // Graph's remediation, what it changes for users and the portal's page go along; only https links.
  const scored = { ...action, remediationImpact: "Users sign in with MFA.", actionUrl: "https://security.microsoft.com/securescore?actionId=x", category: null };
  const d2 = draftFor(scored, { now: NOW });
  assert.equal(d2.description, "Do it\n\nUsers sign in with MFA.\n\nhttps://security.microsoft.com/securescore?actionId=x");
  assert.equal(d2.category, null, "no category: the form asks");
  assert.equal(draftFor({ ...action, actionUrl: "javascript:alert(1)" }, { now: NOW }).description, "Do it");
  assert.equal(draft.dueDate, "2025-06-29");
  assert.equal(draft.kind, "change_request");
  assert.equal(draft.source, "user");
  assert.equal(draftFor({ ...action, source: "microsoft" }, { kind: "incident", now: NOW }).kind, "incident");
  assert.equal(todayIso(NOW), "2025-06-15");
  assert.equal(defaultDueDate(NOW, 1), "2025-06-16");
});

test("draft checks: name, description, due date and category", () => {
  const good = { name: "Name", description: "Text", dueDate: "2025-06-15", category: "Identity" };
  assert.deepEqual(checkDraft(good, NOW), {});
  assert.deepEqual(checkDraft({ ...good, name: "  " }, NOW), { name: "validation.nameRequired" });
  assert.deepEqual(checkDraft({ ...good, name: "é".repeat(161) }, NOW), { name: "validation.nameTooLong" });
  assert.deepEqual(checkDraft({ ...good, name: "😀".repeat(160) }, NOW), {}, "an emoji counts once");
  assert.deepEqual(checkDraft({ ...good, description: "" }, NOW), { description: "validation.descriptionRequired" });
  assert.deepEqual(checkDraft({ ...good, dueDate: "" }, NOW), { dueDate: "validation.dueRequired" });
  assert.deepEqual(checkDraft({ ...good, dueDate: "2025-06-14" }, NOW), { dueDate: "validation.duePast" });
  // An imported action may come without a category: the form asks for one.
  assert.deepEqual(checkDraft({ ...good, category: null }, NOW), { category: "validation.categoryRequired" });
  assert.deepEqual(checkDraft({ ...good, category: "Account" }, NOW), { category: "validation.categoryRequired" });
  assert.equal(textLength("😀a"), 2);
  assert.deepEqual(checkNewAction({ title: "", category: "Nope", remediation: " " }), {
    title: "validation.titleRequired",
    category: "validation.categoryRequired",
    remediation: "validation.remediationRequired",
  });
  assert.deepEqual(checkNewAction({ title: "T", category: "Data", remediation: "R" }), {});
});

test("every message key the checks return exists in en.json", () => {
  const en = readLocale("en");
  setMessages("en", en, en);
  const keys = [
    ...Object.values(checkDraft({ name: "", description: "", dueDate: "" }, NOW)),
    ...Object.values(checkDraft({ name: "x".repeat(200), description: "d", dueDate: "2000-01-01" }, NOW)),
    ...Object.values(checkNewAction({})),
  ];
  for (const key of keys) assert.ok(has(key), key);
  // Keys the screens build from values.
  for (const p of [1, 2, 3, 4, 5]) assert.ok(has(`priority.p${p}`), `priority.p${p}`);
  for (const c of ["Identity", "Data", "Devices", "Apps", "Infrastructure"]) assert.ok(has(`categories.${c}`), c);
  for (const k of ["change_request", "incident"]) assert.ok(has(`kinds.${k}`), k);
  for (const c of ["title", "category", "source", "points", "ticket", "share"]) assert.ok(has(`actions.columns.${c}`), c);
});

test("preview records become text pairs", () => {
  assert.deepEqual(recordEntries({ a: "x", b: 2, c: null, d: { e: 1 } }), [["a", "x"], ["b", "2"], ["c", ""], ["d", '{"e":1}']]);
  assert.deepEqual(recordEntries(null), []);
});

test("routes: share takes the action id from the path, others a query", () => {
  assert.deepEqual(parseRoute("#/share/mfa%2Fadmins?kind=incident"), { path: "/share", params: { kind: "incident", actionId: "mfa/admins" } });
  assert.deepEqual(parseRoute("#/tickets?kind=change_request&due=overdue"), { path: "/tickets", params: { kind: "change_request", due: "overdue" } });
  assert.deepEqual(parseRoute(""), { path: "/", params: {} });
  assert.deepEqual(parseRoute("#/manage"), { path: "/manage", params: {} });
  assert.deepEqual(parseRoute("#/share/%E0%A4%A"), { path: "/share", params: { actionId: "%E0%A4%A" } });
});
