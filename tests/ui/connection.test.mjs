// Pure helpers of the connection screens: relative times, token sentences,
// first names, sign-in outcomes, cancel detection and check results.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  doctorIds,
  firstNameOrDisplayName,
  formatAbsolute,
  formatRelative,
  isCancelled,
  normalizeChecks,
  parseTime,
  readOutcome,
  relativeParts,
  summarizeChecks,
  tokenState,
  userLabel,
} from "../../ui/js/connection.js";

const NOW = Date.parse("2026-11-23T10:00:00Z");
const at = (ms) => new Date(NOW + ms).toISOString();
const MIN = 60000;

test("relativeParts picks seconds, minutes, hours, then days", () => {
  assert.deepEqual(relativeParts(0), { value: 0, unit: "second" });
  assert.deepEqual(relativeParts(20 * 1000), { value: 20, unit: "second" });
  assert.deepEqual(relativeParts(28 * MIN), { value: 28, unit: "minute" });
  assert.deepEqual(relativeParts(-5 * MIN), { value: -5, unit: "minute" });
  assert.deepEqual(relativeParts(3 * 60 * MIN), { value: 3, unit: "hour" });
  assert.deepEqual(relativeParts(2 * 24 * 60 * MIN), { value: 2, unit: "day" });
  assert.deepEqual(relativeParts(-40 * 24 * 60 * MIN), { value: -40, unit: "day" });
});

test("relativeParts carries a rounded 60 minutes up to 1 hour (and 24 hours to a day)", () => {
  assert.deepEqual(relativeParts(59.6 * MIN), { value: 1, unit: "hour" });
  assert.deepEqual(relativeParts(59.6 * 1000), { value: 1, unit: "minute" });
  assert.deepEqual(relativeParts(23.7 * 60 * MIN), { value: 1, unit: "day" });
  assert.deepEqual(relativeParts(-59.6 * MIN), { value: -1, unit: "hour" });
});

test("formatRelative speaks the UI language", () => {
  assert.equal(formatRelative(at(28 * MIN), NOW, "en"), "in 28 minutes");
  assert.equal(formatRelative(at(-3 * 60 * MIN), NOW, "en"), "3 hours ago");
  assert.equal(formatRelative(at(24 * 60 * MIN), NOW, "en"), "tomorrow");
  assert.equal(formatRelative(at(0), NOW, "en"), "now");
  assert.equal(formatRelative(at(28 * MIN), NOW, "fr"), "dans 28 minutes");
  assert.equal(formatRelative(at(28 * MIN), NOW, "nl"), "over 28 minuten");
  assert.equal(formatRelative(at(28 * MIN), NOW, "sv"), "om 28 minuter");
  assert.equal(formatRelative(at(28 * MIN), NOW, "ja"), "28 分後");
  assert.equal(formatRelative(at(28 * MIN), NOW, "zh-TW"), "28 分鐘後");
});

test("formatRelative and formatAbsolute return null for missing or bad times", () => {
  for (const bad of [undefined, null, "", "soon", 42]) {
    assert.equal(formatRelative(bad, NOW, "en"), null, String(bad));
    assert.equal(formatAbsolute(bad, "en"), null, String(bad));
  }
  assert.equal(parseTime("2026-11-23T10:28:00Z"), NOW + 28 * MIN);
  assert.match(formatAbsolute("2026-11-23T10:28:00Z", "en"), /2026/);
});

test("formatRelative survives an unsupported language tag", () => {
  assert.equal(formatRelative(at(28 * MIN), NOW, "not a tag!"), "in 28 minutes");
});

test("tokenState: refresh, refreshDue, ends, unknown", () => {
  const base = { accessTokenExpiresAt: at(28 * MIN), hasRefreshToken: true };
  assert.equal(tokenState(base, NOW), "refresh");
  assert.equal(tokenState({ ...base, accessTokenExpiresAt: at(-MIN) }, NOW), "refreshDue");
  assert.equal(tokenState({ ...base, hasRefreshToken: false }, NOW), "ends");
  assert.equal(tokenState({ ...base, accessTokenExpiresAt: "garbage" }, NOW), "unknown");
  assert.equal(tokenState(null, NOW), "unknown");
});

test("firstNameOrDisplayName: first names of people", () => {
  assert.equal(firstNameOrDisplayName("Beth Anglin", "beth.anglin"), "Beth");
  assert.equal(firstNameOrDisplayName("  Beth   Anglin ", "beth.anglin"), "Beth");
  assert.equal(firstNameOrDisplayName("Anglin, Beth", "beth.anglin"), "Beth");
  assert.equal(firstNameOrDisplayName("Jean-Luc Picard", "jl"), "Jean-Luc");
  assert.equal(firstNameOrDisplayName("Åsa Öberg", "asa", "sv"), "Åsa");
});

test("firstNameOrDisplayName: whole display name for accounts, single words and CJK", () => {
  assert.equal(firstNameOrDisplayName("System Administrator", "admin"), "System Administrator");
  assert.equal(firstNameOrDisplayName("Ticket Bridge Integration", "svc"), "Ticket Bridge Integration");
  assert.equal(firstNameOrDisplayName("Service Desk", "sd"), "Service Desk");
  assert.equal(firstNameOrDisplayName("Madonna", "madonna"), "Madonna");
  assert.equal(firstNameOrDisplayName("山田 太郎", "yamada"), "山田 太郎");
  assert.equal(firstNameOrDisplayName("王小明", "wang"), "王小明");
  assert.equal(firstNameOrDisplayName("Beth Anglin", "beth.anglin", "ja"), "Beth Anglin");
  assert.equal(firstNameOrDisplayName("Beth Anglin", "beth.anglin", "zh-TW"), "Beth Anglin");
});

test("firstNameOrDisplayName falls back to the user name", () => {
  assert.equal(firstNameOrDisplayName("", "beth.anglin"), "beth.anglin");
  assert.equal(firstNameOrDisplayName("   ", "beth.anglin"), "beth.anglin");
  assert.equal(firstNameOrDisplayName(undefined, "admin"), "admin");
  assert.equal(firstNameOrDisplayName(null, undefined), "");
});

test("userLabel shows the display name and the user name once each", () => {
  assert.equal(userLabel({ displayName: "Beth Anglin", userName: "beth.anglin" }), "Beth Anglin (beth.anglin)");
  assert.equal(userLabel({ displayName: "admin", userName: "admin" }), "admin");
  assert.equal(userLabel({ displayName: "", userName: "admin" }), "admin");
  assert.equal(userLabel({ displayName: "Beth", userName: "" }), "Beth");
  assert.equal(userLabel(null), "");
});

test("readOutcome: connected, wrong_user, anything else", () => {
  const connection = { instance: "https://contoso.service-now.com", clientId: "x" };
  assert.deepEqual(readOutcome({ status: "connected", connection }), { type: "connected", connection });
  assert.deepEqual(
    readOutcome({ status: "wrong_user", signedIn: { userName: "admin", displayName: "System Administrator" }, expected: "svc" }),
    { type: "wrong_user", signedIn: { userName: "admin", displayName: "System Administrator" }, expected: "svc" },
  );
  assert.deepEqual(readOutcome({ status: "wrong_user" }), {
    type: "wrong_user",
    signedIn: { userName: "", displayName: "" },
    expected: "",
  });
  for (const bad of [null, undefined, "connected", {}, { status: "connected" }, { status: "connected", connection: {} }, { status: "other" }]) {
    assert.deepEqual(readOutcome(bad), { type: "invalid" }, JSON.stringify(bad));
  }
});

test("isCancelled: quiet after the admin's own cancel, loud otherwise", () => {
  const cancelled = { kind: "invalid_input", message: "Sign-in was cancelled", hint: "" };
  assert.equal(isCancelled(cancelled, true), true);
  assert.equal(isCancelled(cancelled, false), true, "the message alone is enough");
  assert.equal(isCancelled({ kind: "invalid_input", message: "Annulé", hint: "" }, true), true);
  assert.equal(isCancelled({ kind: "invalid_input", message: "Port in use", hint: "" }, false), false);
  assert.equal(isCancelled({ kind: "instance_unreachable", message: "cancelled", hint: "" }, true), false);
  assert.equal(isCancelled(null, true), false);
});

test("normalizeChecks orders by id, keeps unknown ids last, and cleans fields", () => {
  const checks = normalizeChecks({
    checks: [
      { id: "release", status: "warn", detail: "unknown", fix: "" },
      { id: "future_check", status: "ok", detail: "d" },
      { id: "https", status: "ok", detail: "fine", fix: null },
      { id: "token", status: "weird", detail: 5, fix: "Re-authorize" },
      { status: "ok" },
      null,
    ],
  });
  const plain = { detailText: null, fixText: null, error: null };
  assert.deepEqual(checks, [
    { id: "https", status: "ok", detail: "fine", fix: null, ...plain },
    { id: "token", status: "warn", detail: "", fix: "Re-authorize", ...plain },
    { id: "release", status: "warn", detail: "unknown", fix: null, ...plain },
    { id: "future_check", status: "ok", detail: "d", fix: null, ...plain },
  ]);
  assert.deepEqual(normalizeChecks(null), []);
  assert.deepEqual(normalizeChecks({ checks: "no" }), []);
});

test("normalizeChecks keeps each line's words: key and params, or the error", () => {
  const error = { kind: "auth_expired", reason: "sn_auth_revoked", message: "m", hint: "h" };
  const [https, token, lookup] = normalizeChecks({
    checks: [
      { id: "lookup", status: "ok", detail: "d", detailText: { key: "doctor.details.lookup.works" }, fixText: { key: "" } },
      { id: "token", status: "fail", detail: "m", fix: "h", error },
      { id: "https", status: "ok", detail: "d", detailText: { key: "doctor.details.https.ok", params: { instance: "https://x" } }, error: "no" },
    ],
  });
  assert.deepEqual(https.detailText, { key: "doctor.details.https.ok", params: { instance: "https://x" } });
  assert.equal(https.error, null, "an error is an object with a kind");
  assert.deepEqual(token.error, error);
  assert.equal(token.detailText, null);
  assert.deepEqual(lookup.detailText, { key: "doctor.details.lookup.works", params: {} });
  assert.equal(lookup.fixText, null, "a key is a non-empty string");
});

test("summarizeChecks counts statuses; the check ids follow the kinds registry", () => {
  assert.deepEqual(summarizeChecks([{ status: "ok" }, { status: "fail" }, { status: "ok" }, { status: "warn" }]), { ok: 2, warn: 1, fail: 1 });
  assert.deepEqual(doctorIds(), ["https", "oauth", "token", "identity", "change_rights", "incident_rights", "lookup", "release"]);
  assert.deepEqual(doctorIds([{ rightsCheck: "problem_rights" }]), ["https", "oauth", "token", "identity", "problem_rights", "lookup", "release"]);
});
