// The manage page's tabs: which tab a URL opens, the hash a choice leaves behind, and the keys
// that move between tabs (the WAI-ARIA tabs pattern).
import { test } from "node:test";
import assert from "node:assert/strict";
import { pickTab, tabKeyTarget } from "../../ui/js/tabs.js";
import { TABS, manageHash } from "../../ui/js/screens/manage.js";

test("the manage page has its four tabs, Connection first", () => {
  assert.deepEqual([...TABS], ["connection", "notifications", "states", "categories"]);
});

test("pickTab takes a known tab from the URL, else the first", () => {
  assert.equal(pickTab(TABS, "states"), "states");
  assert.equal(pickTab(TABS, "categories"), "categories");
  assert.equal(pickTab(TABS, undefined), "connection");
  assert.equal(pickTab(TABS, "STATES"), "connection");
  assert.equal(pickTab(TABS, "__proto__"), "connection");
});

test("manageHash puts the tab in the query and keeps the other parameters", () => {
  assert.equal(manageHash("#/manage", "states"), "#/manage?tab=states");
  assert.equal(manageHash("#/manage?workspace=ws-1", "notifications"), "#/manage?workspace=ws-1&tab=notifications");
  assert.equal(manageHash("#/manage?workspace=ws-1&tab=states", "categories"), "#/manage?workspace=ws-1&tab=categories");
  // The first tab is the page's default: it needs no parameter.
  assert.equal(manageHash("#/manage?tab=states", "connection"), "#/manage");
  assert.equal(manageHash("#/manage?workspace=ws%201&tab=states", "connection"), "#/manage?workspace=ws+1");
});

test("arrow keys wrap around, Home and End go to the ends, other keys do nothing", () => {
  assert.equal(tabKeyTarget("ArrowRight", 0, 4), 1);
  assert.equal(tabKeyTarget("ArrowRight", 3, 4), 0);
  assert.equal(tabKeyTarget("ArrowLeft", 0, 4), 3);
  assert.equal(tabKeyTarget("ArrowDown", 1, 4), 2);
  assert.equal(tabKeyTarget("ArrowUp", 1, 4), 0);
  assert.equal(tabKeyTarget("Home", 2, 4), 0);
  assert.equal(tabKeyTarget("End", 0, 4), 3);
  assert.equal(tabKeyTarget("Enter", 0, 4), null);
  assert.equal(tabKeyTarget("a", 0, 4), null);
  assert.equal(tabKeyTarget("ArrowRight", 0, 0), null);
});
