// Settings → Updates as the admin reads it (describeUpdates), and the policy's refusal worded
// with the setting it names.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { setMessages } from "../../ui/js/i18n.js";
import { describeUpdates } from "../../ui/js/updates-card.js";
import { errorText } from "../../ui/js/ui.js";
import { readLocale } from "./helpers.mjs";

const en = readLocale("en");
const fr = readLocale("fr");

beforeEach(() => setMessages("en", en, en));

const base = { currentVersion: "1.2.0", off: null, checking: false, installing: false, lastChecked: null, available: null, error: null };

test("updates off: the policy's words and no action; a build from source says so", () => {
  const policy = describeUpdates({ ...base, off: "policy" });
  assert.equal(policy.action, null);
  assert.equal(policy.managed, true);
  assert.match(policy.status, /organisation manages updates/);
  const build = describeUpdates({ ...base, off: "no_endpoint" });
  assert.equal(build.action, null);
  assert.match(build.status, /built from source/);
});

test("an update offered: its version, notes and date, and Install as the action", () => {
  const d = describeUpdates({ ...base, available: { version: "2.0.0", notes: "One\nTwo", date: "2026-11-30T09:00:00Z" } });
  assert.equal(d.status, "Version 2.0.0 is available");
  assert.equal(d.notes, "One\nTwo");
  assert.match(d.published, /2026/);
  assert.equal(d.action, "install");
});

test("up to date after a check, not yet checked, and busy while checking or installing", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");
  const checked = describeUpdates({ ...base, lastChecked: "2026-12-01T11:00:00Z" }, now);
  assert.equal(checked.status, "Ticket Bridge is up to date (version 1.2.0).");
  assert.match(checked.checked, /hour/);
  assert.equal(checked.action, "check");
  const fresh = describeUpdates(base, now);
  assert.match(fresh.status, /once a day/);
  assert.equal(fresh.checked, null);
  assert.equal(describeUpdates({ ...base, checking: true }).busy, true);
  assert.equal(describeUpdates({ ...base, installing: true }).action, null);
});

test("a locked value's refusal names the setting in the admin's language", () => {
  setMessages("fr", fr, en);
  const words = errorText({ kind: "invalid_input", reason: "policy_locked", params: { setting: "servicenowInstance" } });
  assert.match(words.message, /l'instance ServiceNow/);
  assert.doesNotMatch(words.message, /servicenowInstance/);
});
