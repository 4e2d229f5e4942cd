// Every locale has exactly the keys of en.json, no empty values, and the same
// {placeholders}; every key the code uses exists in en.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readdirSync, readFileSync } from "node:fs";
import { LOCALES, UI, flatten, placeholders, read, readLocale, rel, walk } from "./helpers.mjs";

const en = flatten(readLocale("en"));
const enKeys = Object.keys(en).sort();

test("en.json is non-trivial", () => {
  assert.ok(enKeys.length > 40, `only ${enKeys.length} keys`);
});

for (const lang of LOCALES) {
  test(`${lang}.json has exactly the keys of en.json`, () => {
    const keys = Object.keys(flatten(readLocale(lang))).sort();
    const missing = enKeys.filter((k) => !keys.includes(k));
    const extra = keys.filter((k) => !enKeys.includes(k));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
  });

  test(`${lang}.json has no empty or non-string values`, () => {
    for (const [key, value] of Object.entries(flatten(readLocale(lang)))) {
      assert.equal(typeof value, "string", `${lang}:${key} is not a string`);
      assert.ok(value.trim().length > 0, `${lang}:${key} is empty`);
    }
  });

  test(`${lang}.json keeps the {placeholders} of en.json`, () => {
    const messages = flatten(readLocale(lang));
    for (const key of enKeys) {
      assert.deepEqual(placeholders(messages[key]), placeholders(en[key]), `${lang}:${key}`);
    }
  });
}

// Brand names ("Ticket Bridge", "ServiceNow", "Secure Score") and words that are the
// same in some languages ("Instance" in French, "Release" in Dutch) may equal English.
const MAY_EQUAL_ENGLISH = new Set([
  "app.name",
  "tray.tooltip",
  "home.title",
  "home.version",
  "home.connection.title",
  "connection.fields.instance",
  "connection.fields.release",
  // Ticket screens: placeholders only, brand names, and words shared with English
  // ("Incident" in French, Dutch and Swedish; "Type", "Tickets", "Points", "Table",
  // "Description", "Source", "Pages" in French; "Filters", "Apps" in Dutch; "Data" in Swedish).
  "priority.option",
  "share.counter",
  "actions.share",
  "actions.columns.points",
  "actions.columns.source",
  "actions.columns.ticket",
  "actions.listTitle",
  "categories.Apps",
  "categories.Data",
  "categories.Infrastructure",
  "kinds.incident",
  "share.kind.incident",
  "share.description.label",
  "share.preview.table",
  "stateNames.kinds.incident",
  "ticketList.columns.kind",
  "ticketList.filters.kind",
  "ticketList.filters.title",
  "ticketList.listTitle",
  "ticketList.pages",
  // Notifications: "Notifications" in French; the tray's "{number} · {state}" has no words.
  "watch.title",
  "tray.recentItem",
  "tray.recentItemOn",
  "notify.onInstance",
  // Secure Score: product names, numbers and a domain.
  "actions.count",
  "actions.gain",
  "actions.filters.ticket",
  "microsoft.card.scoreLabel",
  "microsoft.card.scoreOnly",
  "microsoft.card.title",
  "microsoft.tenant.placeholder",
  // "Status", "Ticket open" and "Tenant" are Dutch (and Swedish) too.
  "actions.columns.status",
  "actions.filters.status",
  "actions.filters.ticketChoice.open",
  "microsoft.card.tenant",
]);

test("translations are translated (not copies of English)", () => {
  for (const lang of LOCALES.filter((l) => l !== "en")) {
    const messages = flatten(readLocale(lang));
    const same = enKeys.filter((k) => messages[k] === en[k] && !MAY_EQUAL_ENGLISH.has(k));
    assert.deepEqual(same, [], `${lang}: untranslated ${same.join(", ")}`);
  }
});

test("every key used by the UI exists in en.json", () => {
  const used = new Set();
  for (const file of walk(UI)) {
    const text = read(file);
    if (file.endsWith(".js")) {
      for (const m of text.matchAll(/\bt\(\s*["'`]([A-Za-z0-9_.]+)["'`]/g)) used.add(m[1]);
      for (const m of text.matchAll(/["'](validation\.[A-Za-z0-9_]+)["']/g)) used.add(m[1]);
      for (const m of text.matchAll(/(?:labelKey|helpKey|titleKey):\s*["']([A-Za-z0-9_.]+)["']/g)) used.add(m[1]);
    }
    if (file.endsWith(".html") || file.endsWith(".js")) {
      for (const m of text.matchAll(/data-i18n(?:-placeholder|-aria-label|-title)?="([^"]+)"/g)) used.add(m[1]);
    }
  }
  assert.ok(used.size > 20, `found only ${used.size} keys in use`);
  const missing = [...used].filter((k) => !(k in en));
  assert.deepEqual(missing, [], `keys used but missing from en.json (${rel(join(UI, "locales/en.json"))})`);
});

test("every error kind of the back end has a message and a hint", () => {
  const kinds = [
    "not_connected", "auth_expired", "wrong_user", "instance_unreachable", "ip_blocked", "sso_blocked",
    "cross_scope_denied", "acl_denied", "rate_limited", "invalid_input", "keychain_unavailable", "servicenow",
    "unknown", "noBackend", "consent_required", "app_registration", "sign_in_blocked", "microsoft",
  ];
  for (const kind of kinds) {
    assert.ok(en[`errors.${kind}.message`], `errors.${kind}.message`);
    assert.ok(en[`errors.${kind}.hint`], `errors.${kind}.hint`);
  }
});

test("every error kind and every reason Rust sets has its words in every catalog", () => {
  const rust = [];
  const stack = [join(UI, "..", "src-tauri")];
  while (stack.length) {
    const dir = stack.pop();
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!["target", "gen", "tests"].includes(entry.name)) stack.push(p);
      } else if (entry.name.endsWith(".rs")) rust.push(readFileSync(p, "utf8"));
    }
  }
  const text = rust.join("\n");
  const reasons = new Set([...text.matchAll(/with_reason\("([a-z_]+)"\)/g)].map((m) => m[1]));
  // The CSV import's reasons are csv_<code> of CsvError::code().
  for (const m of text.matchAll(/CsvError::\w+(?: \{ \.\. \})? => "([a-z_]+)"/g)) reasons.add(`csv_${m[1]}`);
  // Reasons chosen by a match arm (`.with_reason(match …)`).
  for (const m of text.matchAll(/^\s+\d+(?: \| \d+)* => "([a-z_]+)",$/gm)) reasons.add(m[1]);
  for (const m of text.matchAll(/^\s+_ => "([a-z_]+)",$/gm)) reasons.add(m[1]);
  assert.ok(reasons.size > 30, `found only ${reasons.size} reasons`);
  const kindsBlock = text.slice(text.indexOf("pub enum ErrorKind"), text.indexOf("}", text.indexOf("pub enum ErrorKind")));
  // A variant's wire name: an explicit #[serde(rename = "…")] above it, else snake_case.
  const kinds = [...kindsBlock.matchAll(/(?:#\[serde\(rename = "([a-z_]+)"\)\]\s+)?^\s+([A-Z][A-Za-z]+),$/gm)].map(
    (m) => m[1] ?? m[2].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase(),
  );
  assert.ok(kinds.includes("internal") && kinds.includes("consent_required"), kinds.join(","));
  for (const lang of LOCALES) {
    const messages = flatten(readLocale(lang));
    const missing = [
      ...kinds.filter((k) => !messages[`errors.${k}.message`] || !messages[`errors.${k}.hint`]).map((k) => `errors.${k}`),
      ...[...reasons].filter((r) => !messages[`errors.reasons.${r}.message`]).map((r) => `errors.reasons.${r}`),
    ];
    assert.deepEqual(missing, [], `${lang} lacks words for`);
  }
});
