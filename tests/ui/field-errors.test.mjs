// Field errors and errors from Rust in the admin's language: worded from errors.reasons.<reason>
// with the params Rust sends (the shape of tickets/draft.rs FieldError and outbox.rs
// FieldWarning), dates written with Intl in the current language, never Rust's English.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { setMessages } from "../../ui/js/i18n.js";
import { errorText } from "../../ui/js/ui.js";
import { formatDate } from "../../ui/js/format.js";
import { LOCALES, readLocale } from "./helpers.mjs";

const en = readLocale("en");

beforeEach(() => setMessages("en", en, en));

// As preview_task sends it for a due date in the past.
const DUE = {
  field: "dueDate",
  reason: "task_due_date_past",
  params: { date: "2026-06-28", today: "2026-06-29" },
  message: "The due date 2026-06-28 is in the past.",
  hint: "Choose today (2026-06-29) or a later date.",
};
const asError = (e) => ({ kind: "invalid_input", reason: e.reason, params: e.params, message: e.message, hint: e.hint });

for (const lang of LOCALES) {
  test(`${lang}: a field error is worded from its reason, its dates in ${lang}`, () => {
    setMessages(lang, readLocale(lang), en);
    const words = errorText(asError(DUE));
    assert.ok(!words.message.includes("2026-06-28"), words.message);
    assert.ok(words.message.includes(formatDate("2026-06-28", lang)), words.message);
    assert.ok(words.hint.includes(formatDate("2026-06-29", lang)), words.hint);
    assert.ok(!/\{\w+\}/.test(words.message + words.hint), `${words.message} ${words.hint}`);
    assert.equal(words.detail, "");
    if (lang !== "en") assert.notEqual(words.message, DUE.message);
  });
}

test("French: the form's, the instance address's and the keychain's errors are French", () => {
  const fr = readLocale("fr");
  setMessages("fr", fr, en);
  const cases = [
    { kind: "invalid_input", reason: "task_name_too_long", params: { count: "180", limit: "160" }, message: "The name is 180 characters long; ServiceNow keeps at most 160." },
    { kind: "invalid_input", reason: "instance_host_invalid", params: { host: "con_toso.example" }, message: "“con_toso.example” is not a valid host name." },
    { kind: "keychain_unavailable", reason: "keychain_locked_linux", message: "Ticket Bridge cannot use this computer's credential store…" },
    { kind: "not_connected", reason: "no_connection", message: "Ticket Bridge is not connected to ServiceNow." },
    { kind: "invalid_input", reason: "tasks_still_waiting", params: { count: "1", instance: "Production" }, message: "1 task(s) still wait to be sent to Production." },
  ];
  for (const e of cases) {
    const words = errorText(e);
    assert.equal(words.message, errorText({ ...e, message: "" }).message, "Rust's message is not used");
    assert.notEqual(words.message, e.message);
    assert.equal(words.detail, "", `${e.reason}: no English detail line`);
    assert.ok(!/\{\w+\}/.test(words.message + words.hint), `${e.reason}: ${words.message} ${words.hint}`);
  }
  assert.match(errorText(cases[0]).message, /180/);
  assert.match(errorText(cases[1]).message, /con_toso\.example/);
  assert.match(errorText(cases[4]).message, /^1 tâche attend/, "the plural form of count");
});

test("a warning of the read-back is worded from its reason", () => {
  const ja = readLocale("ja");
  setMessages("ja", ja, en);
  const w = { kind: "servicenow", reason: "field_changed_on_save", params: { field: "type", sent: "normal", stored: "emergency" }, message: "ServiceNow stored type as…" };
  const words = errorText(w);
  assert.ok(words.message.includes("emergency") && words.message.includes("normal"), words.message);
  assert.notEqual(words.message, w.message);
});
