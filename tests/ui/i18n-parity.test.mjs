// Every locale has exactly the keys of en.json, no empty values, and the same
// {placeholders}; every key the code uses exists in en.json. A value may be a plural object
// ({ "one": …, "other": … }): each language has the CLDR categories its integers reach, and
// every form keeps the placeholders of English.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readdirSync, readFileSync } from "node:fs";
import { LOCALES, PLURAL_CATEGORIES, UI, flatten, forms, isPlural, placeholders, read, readLocale, rel, walk } from "./helpers.mjs";

const en = flatten(readLocale("en"));
const enKeys = Object.keys(en).sort();

// Integers that reach every category CLDR gives the six languages (French "many" is 1 000 000).
const SAMPLES = [...Array(1001).keys(), 1e4, 1e5, 1e6, 2e6, 1e7, 1e9];

/** category → the integers of SAMPLES that fall in it, in `lang`. */
function integersByCategory(lang) {
  const rules = new Intl.PluralRules(lang);
  const by = new Map();
  for (const n of SAMPLES) {
    const c = rules.select(n);
    if (!by.has(c)) by.set(c, []);
    by.get(c).push(n);
  }
  return by;
}

/**
 * The categories a plural value must have in `lang`: those of Intl.PluralRules that integers
 * reach (the ones only fractions reach are left out: counts are whole), and at least one and
 * other where the language has a singular.
 */
export function requiredCategories(lang) {
  const declared = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
  const reached = integersByCategory(lang);
  return PLURAL_CATEGORIES.filter((c) => declared.includes(c) && reached.has(c));
}

test("required plural categories follow CLDR", () => {
  assert.deepEqual(requiredCategories("en"), ["one", "other"]);
  assert.deepEqual(requiredCategories("fr"), ["one", "many", "other"]);
  assert.deepEqual(requiredCategories("nl"), ["one", "other"]);
  assert.deepEqual(requiredCategories("sv"), ["one", "other"]);
  assert.deepEqual(requiredCategories("ja"), ["other"]);
  assert.deepEqual(requiredCategories("zh-TW"), ["other"]);
});

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

  test(`${lang}.json has no empty values; strings or plural objects only`, () => {
    for (const [key, value] of Object.entries(flatten(readLocale(lang)))) {
      assert.ok(typeof value === "string" || isPlural(value), `${lang}:${key} is neither a string nor a plural object`);
      for (const [category, text] of forms(value)) {
        assert.equal(typeof text, "string", `${lang}:${key}.${category} is not a string`);
        assert.ok(text.trim().length > 0, `${lang}:${key}${category ? `.${category}` : ""} is empty`);
      }
    }
  });

  test(`${lang}.json: a plural in English is a plural here, with the categories ${lang} needs`, () => {
    const messages = flatten(readLocale(lang));
    const needed = requiredCategories(lang);
    const allowed = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
    for (const key of enKeys) {
      if (!isPlural(en[key])) {
        assert.ok(!isPlural(messages[key]), `${lang}:${key} is a plural object, but English's is a string`);
        continue;
      }
      assert.ok(isPlural(messages[key]), `${lang}:${key} must be a plural object like English's`);
      const have = Object.keys(messages[key]);
      const missing = needed.filter((c) => !have.includes(c));
      const unknown = have.filter((c) => !allowed.includes(c));
      assert.deepEqual(
        { missing, unknown },
        { missing: [], unknown: [] },
        `${lang}:${key} is read as a plural object (its keys are all CLDR categories: ${have.join(", ")}). ` +
          "If it is a group of keys, not a count sentence, give it a key that is not zero/one/two/few/many/other.",
      );
    }
  });

  test(`${lang}.json keeps the {placeholders} of en.json, in every plural form`, () => {
    const messages = flatten(readLocale(lang));
    const byCategory = integersByCategory(lang);
    for (const key of enKeys) {
      const expected = placeholders(isPlural(en[key]) ? en[key].other : en[key]);
      for (const [category, text] of forms(messages[key])) {
        let names = placeholders(text);
        // A form for a single number ("once", "1 task") may leave out {count}: English "one"
        // is only 1, but French "one" is 0 and 1, so French keeps it.
        if (category && byCategory.get(category)?.length === 1 && !names.includes("count") && expected.includes("count")) {
          names = [...names, "count"].sort();
        }
        assert.deepEqual(names, expected, `${lang}:${key}${category ? `.${category}` : ""}`);
      }
    }
  });
}

// Brand names ("Ticket Bridge", "ServiceNow", "Secure Score") and words that are the
// same in some languages ("Instance" in French, "Release" in Dutch) may equal English.
const MAY_EQUAL_ENGLISH = new Set([
  "app.name",
  "tray.tooltip",
  // The tray's ticket lines: placeholders and separators only.
  "tray.recentItemUntitled",
  "tray.recentItemOnUntitled",
  "home.title",
  "home.version",
  "home.connection.title",
  "connection.fields.instance",
  // Ticket screens: placeholders only, brand names, and words shared with English
  // ("Incident" in French, Dutch and Swedish; "Type", "Tickets", "Points", "Table",
  // "Description", "Source", "Pages" in French; "Filters", "Apps" in Dutch; "Data" in Swedish).
  "priority.option",
  // Dutch ServiceNow calls priority 5 "Planning", as English does.
  "priority.p5",
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
  // "Updates" in Dutch.
  "settings.updates.title",
  "manage.tabs.notifications",
  // "Demo" is Dutch and Swedish too.
  "home.demo.label",
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
  // "Help" is Dutch too. About: the product's name and version; "Version" is French and
  // Swedish, "Licence" French.
  "settings.help.title",
  "settings.about.version",
  "settings.about.crateVersion",
  "settings.about.licenceColumn",
]);

test("translations are translated (not copies of English)", () => {
  for (const lang of LOCALES.filter((l) => l !== "en")) {
    const messages = flatten(readLocale(lang));
    const same = enKeys.filter((k) => JSON.stringify(messages[k]) === JSON.stringify(en[k]) && !MAY_EQUAL_ENGLISH.has(k));
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
