// t() substitution and English fallback, locale matching, lookup of nested keys.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { format, has, lookup, matchLocale, setMessages, t, currentLang } from "../../ui/js/i18n.js";
import { readLocale } from "./helpers.mjs";

const en = readLocale("en");
const fr = readLocale("fr");

beforeEach(() => setMessages("en", en, en));

test("format replaces {name} placeholders, repeated ones too", () => {
  assert.equal(format("Hello {name}, {name}!", { name: "Ada" }), "Hello Ada, Ada!");
  assert.equal(format("{a}-{b}", { a: 1, b: 0 }), "1-0");
});

test("format leaves unknown or missing placeholders alone", () => {
  assert.equal(format("Hi {who}", {}), "Hi {who}");
  assert.equal(format("Hi {who}", { who: null }), "Hi {who}");
  assert.equal(format("Hi {who}"), "Hi {who}");
});

test("format does not interpret replacement patterns or HTML", () => {
  assert.equal(format("x {v} y", { v: "$& <b>" }), "x $& <b> y");
});

test("t substitutes params from the locale", () => {
  assert.equal(t("home.connection.demo", { url: "http://127.0.0.1:9000" }), "Demo instance: http://127.0.0.1:9000");
  setMessages("fr", fr, en);
  assert.equal(currentLang(), "fr");
  assert.equal(t("home.connection.demo", { url: "x" }), "Instance de démonstration : x");
});

test("t falls back to English for a key missing in the locale", () => {
  const partial = structuredClone(fr);
  delete partial.home.connection.connect;
  setMessages("fr", partial, en);
  assert.equal(t("home.connection.connect"), "Connect to ServiceNow");
  assert.equal(t("home.connection.title"), "ServiceNow");
  assert.equal(t("common.cancel"), "Annuler");
});

test("t returns the key itself when no locale has it", () => {
  const warn = console.warn;
  console.warn = () => {};
  try {
    assert.equal(t("no.such.key"), "no.such.key");
    assert.equal(has("no.such.key"), false);
    assert.equal(has("common.copy"), true);
  } finally {
    console.warn = warn;
  }
});

test("lookup reads nested and flat keys, and only strings", () => {
  assert.equal(lookup({ a: { b: "x" } }, "a.b"), "x");
  assert.equal(lookup({ "a.b": "flat" }, "a.b"), "flat");
  assert.equal(lookup({ a: { b: "x" } }, "a"), undefined);
  assert.equal(lookup({ a: { b: "x" } }, "a.b.c"), undefined);
  assert.equal(lookup(null, "a"), undefined);
});

test("matchLocale picks the best of the six, English otherwise", () => {
  assert.equal(matchLocale(["fr-CA", "en-US"]), "fr");
  assert.equal(matchLocale(["ja-JP"]), "ja");
  assert.equal(matchLocale(["nl-BE"]), "nl");
  assert.equal(matchLocale(["sv"]), "sv");
  assert.equal(matchLocale(["zh-TW"]), "zh-TW");
  assert.equal(matchLocale(["zh-Hant-HK"]), "zh-TW");
  assert.equal(matchLocale(["zh-HK"]), "zh-TW");
  assert.equal(matchLocale(["zh_TW"]), "zh-TW");
  assert.equal(matchLocale(["zh-CN", "ja"]), "ja", "Simplified Chinese is not mapped to Traditional");
  assert.equal(matchLocale(["de-DE", "sv-SE"]), "sv");
  assert.equal(matchLocale(["de-DE"]), "en");
  assert.equal(matchLocale([]), "en");
  assert.equal(matchLocale("FR"), "fr");
  assert.equal(matchLocale([undefined, "", "nl"]), "nl");
});
