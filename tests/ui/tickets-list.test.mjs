// All tickets: the Category column's Secure Score category, and when the list is a saved copy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { STALE_AFTER_MS, isStale, withCategories } from "../../ui/js/tickets-model.js";

const ACTIONS = [
  { id: "mfa-admins", category: "Identity" },
  { id: "bitlocker", category: "Devices" },
  { id: "odd", category: "Network" },
];

test("a ticket made from an action takes the action's category, whatever ServiceNow says", () => {
  const [t] = withCategories([{ sysId: "a", actionId: "mfa-admins", category: "security" }], { actions: ACTIONS });
  assert.equal(t.category, "Identity");
  assert.equal(t.serviceNowCategory, "security");
});

test("without a known action, the admin's mapping names the category, when only one has that value", () => {
  const mapping = { Identity: "Security", Data: "", Devices: "Hardware", Apps: "Software", Infrastructure: "Software" };
  const rows = withCategories(
    [
      { sysId: "a", actionId: "gone", category: "hardware" },
      { sysId: "b", actionId: null, category: " Security " },
      { sysId: "c", actionId: null, category: "software" },
      { sysId: "d", actionId: null, category: "" },
    ],
    { actions: ACTIONS, mapping },
  );
  assert.deepEqual(rows.map((r) => r.category), ["Devices", "Identity", "software", null]);
  assert.deepEqual(rows.map((r) => r.serviceNowCategory), ["hardware", "Security", "software", null]);
});

test("a ServiceNow value that is a category name is that category; other values stay as they are", () => {
  const rows = withCategories([
    { sysId: "a", category: "devices" },
    { sysId: "b", category: "inquiry" },
    { sysId: "c" },
    { sysId: "d", actionId: "odd", category: "" },
  ]);
  assert.deepEqual(rows.map((r) => r.category), ["Devices", "inquiry", null, null]);
});

test("withCategories leaves the other fields alone and survives bad input", () => {
  const ticket = { sysId: "a", number: "CHG1", actionId: "bitlocker", category: null, priority: 2 };
  const [t] = withCategories([ticket], { actions: ACTIONS, mapping: null });
  assert.deepEqual(t, { ...ticket, category: "Devices", serviceNowCategory: null });
  assert.equal(ticket.category, null, "the input is not changed");
  assert.deepEqual(withCategories(null), []);
  assert.deepEqual(withCategories([], { actions: null, mapping: "x" }), []);
});

test("a list read more than 15 minutes ago is a saved copy; one never read is not called stale", () => {
  const now = Date.parse("2026-07-12T12:00:00Z");
  assert.equal(isStale(new Date(now - 3 * 60000).toISOString(), now), false);
  assert.equal(isStale(new Date(now - STALE_AFTER_MS).toISOString(), now), false);
  assert.equal(isStale(new Date(now - STALE_AFTER_MS - 1000).toISOString(), now), true);
  assert.equal(isStale(new Date(now - 2 * 3600000).toISOString(), now), true);
  assert.equal(isStale(null, now), false);
  assert.equal(isStale("not a time", now), false);
});
