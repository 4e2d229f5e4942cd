// The Settings screen's Language select: what it offers and how each choice is named; the
// route, the header link and the ids the end-to-end tests use.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { setMessages } from "../../ui/js/i18n.js";
import { languageChoices } from "../../ui/js/screens/settings.js";
import { UI, read, readLocale } from "./helpers.mjs";

const en = readLocale("en");
beforeEach(() => setMessages("en", en, en));

test("System default comes first and names the system's language in itself; the six follow, each in itself", () => {
  const choices = languageChoices({ language: "system", locale: "fr", systemLocale: "fr", languages: ["system", "en", "fr", "ja", "nl", "sv", "zh-TW"] });
  assert.deepEqual(
    choices.map((c) => [c.value, c.label, c.lang]),
    [
      ["system", "System default (Français)", null],
      ["en", "English", "en"],
      ["fr", "Français", "fr"],
      ["ja", "日本語", "ja"],
      ["nl", "Nederlands", "nl"],
      ["sv", "Svenska", "sv"],
      ["zh-TW", "繁體中文", "zh-TW"],
    ],
  );
});

test("the pseudo-locale is listed only when Rust offers it", () => {
  const without = languageChoices({ languages: ["system", "en", "fr"], systemLocale: "en" });
  assert.ok(!without.some((c) => c.value === "x-pseudo"));
  const withIt = languageChoices({ languages: ["system", "en", "x-pseudo"], systemLocale: "en" });
  assert.equal(withIt.at(-1).value, "x-pseudo");
  assert.equal(withIt.at(-1).label, "Pseudo-locale (test)");
});

test("set_language's `system` names the system language too; unknown codes are left out", () => {
  const choices = languageChoices({ languages: ["system", "en", "de"], system: "sv" });
  assert.deepEqual(choices.map((c) => c.value), ["system", "en"]);
  assert.equal(choices[0].label, "System default (Svenska)");
});

test("without a back end the screen still offers System default and the six", () => {
  const choices = languageChoices(null);
  assert.deepEqual(choices.map((c) => c.value), ["system", "en", "fr", "ja", "nl", "sv", "zh-TW"]);
});

test("the label follows the app's language", () => {
  setMessages("fr", readLocale("fr"), en);
  assert.equal(languageChoices({ systemLocale: "ja" })[0].label, "Langue du système (日本語)");
});

test("#/settings is routed, the header links to it, and the ids for tests are there", () => {
  const main = read(join(UI, "js", "main.js"));
  assert.match(main, /"\/settings": settings/);
  const html = read(join(UI, "index.html"));
  assert.match(html, /<a [^>]*id="settings-link"[^>]*href="#\/settings"/);
  const screen = read(join(UI, "js", "screens", "settings.js"));
  for (const id of ["language-select", "language-saved"]) assert.ok(screen.includes(`"${id}"`), id);
  assert.match(screen, /api\.setLanguage\(/);
  assert.match(screen, /tb:rerender/);
});
