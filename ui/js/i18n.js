// i18n: loads one locale file from the app's own origin, translates keys, and
// applies translations to elements marked with data-i18n* attributes.
// The pure parts (matchLocale, format, lookup, setMessages, t) never touch the
// DOM or the network, so Node's test runner can import this module directly.

export const SUPPORTED = Object.freeze(["en", "fr", "ja", "nl", "sv", "zh-TW"]);
export const FALLBACK = "en";
/** The test-only pseudo-locale: English, accented and about 40 % longer. */
export const PSEUDO = "x-pseudo";

/**
 * Each language's name in itself, as the Language setting lists them: names, not translations,
 * so the same in every catalog (and kept here rather than copied six times).
 */
export const LANGUAGE_NAMES = Object.freeze({
  en: "English",
  fr: "Français",
  ja: "日本語",
  nl: "Nederlands",
  sv: "Svenska",
  "zh-TW": "繁體中文",
});

const state = { lang: FALLBACK, messages: {}, fallback: {} };

/**
 * Picks the best supported locale for a list of BCP 47 tags (navigator.languages).
 * Exact match first, then the primary language; Chinese maps to zh-TW only for
 * Traditional script or regions that use it (zh-Hant, zh-TW, zh-HK, zh-MO).
 */
export function matchLocale(languages, supported = SUPPORTED) {
  const list = Array.isArray(languages) ? languages : [languages];
  const byLower = new Map(supported.map((s) => [s.toLowerCase(), s]));
  for (const raw of list) {
    if (typeof raw !== "string" || raw.trim() === "") continue;
    const tag = raw.trim().replace(/_/g, "-").toLowerCase();
    if (byLower.has(tag)) return byLower.get(tag);
    const parts = tag.split("-");
    if (parts[0] === "zh") {
      const traditional = parts.slice(1).some((p) => ["hant", "tw", "hk", "mo"].includes(p));
      if (traditional && byLower.has("zh-tw")) return byLower.get("zh-tw");
      continue;
    }
    if (byLower.has(parts[0])) return byLower.get(parts[0]);
  }
  return FALLBACK;
}

// A catalog value is a string, or a plural object of CLDR categories: { "one": "{count} task",
// "other": "{count} tasks" }, `other` always present (ja and zh-TW usually have only `other`).
// Rust reads the same objects (src-tauri/core/src/i18n.rs).
export const PLURAL_CATEGORIES = Object.freeze(["zero", "one", "two", "few", "many", "other"]);

/** True for a plural object: only CLDR category keys, string values, `other` among them. */
export function isPlural(value) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return (
    typeof value.other === "string" &&
    keys.every((k) => PLURAL_CATEGORIES.includes(k) && typeof value[k] === "string")
  );
}

function isValue(node) {
  return typeof node === "string" || isPlural(node);
}

/** Reads "a.b.c" from nested objects (or a flat key containing dots): a string or a plural object. */
export function lookup(messages, key) {
  if (!messages || typeof key !== "string") return undefined;
  if (isValue(messages[key])) return messages[key];
  let node = messages;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object" || !(part in node)) return undefined;
    node = node[part];
  }
  return isValue(node) ? node : undefined;
}

// The tag Intl is given: the pseudo-locale is English underneath.
function intlTag(lang) {
  return lang === PSEUDO ? FALLBACK : lang;
}

const cache = new Map();
function intl(kind, lang, options = {}) {
  const id = `${kind}|${lang}|${JSON.stringify(options)}`;
  let made = cache.get(id);
  if (!made) {
    const Ctor = Intl[kind];
    try {
      made = new Ctor(intlTag(lang), options);
    } catch {
      made = new Ctor(FALLBACK, options);
    }
    cache.set(id, made);
  }
  return made;
}

/** A count as a number for plural rules: numbers, and strings that are plain numbers (from Rust). */
function countOf(value) {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return null;
}

/** The CLDR category of `count` in `lang` ("one", "other"…); "other" for anything not a number. */
export function pluralCategory(count, lang = state.lang) {
  const n = countOf(count);
  if (n === null) return "other";
  return intl("PluralRules", lang).select(n);
}

/** The form of a plural object for `count` in `lang`, `other` when the category has no form. */
export function pluralForm(value, count, lang = state.lang) {
  if (typeof value === "string") return value;
  const category = pluralCategory(count, lang);
  return typeof value[category] === "string" ? value[category] : value.other;
}

/** A number in `lang`'s digits and grouping ("1,234", "1 234", "1.234"). */
export function formatNumber(value, lang = state.lang, options = {}) {
  if (typeof value !== "number" || !Number.isFinite(value)) return String(value ?? "");
  return intl("NumberFormat", lang, options).format(value);
}

/**
 * Replaces {name} placeholders; unknown placeholders are left as they are. Number params are
 * written with Intl.NumberFormat in `lang` (strings go in as they are).
 */
export function format(template, params, lang = state.lang) {
  if (!params) return template;
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) return whole;
    const value = params[name];
    if (value === undefined || value === null) return whole;
    return typeof value === "number" ? formatNumber(value, lang) : String(value);
  });
}

/** Installs the messages for `lang` and the English fallback messages. */
export function setMessages(lang, messages, fallbackMessages = messages) {
  state.lang = lang;
  state.messages = messages || {};
  state.fallback = fallbackMessages || {};
}

export function currentLang() {
  return state.lang;
}

/** The BCP 47 tag to give Intl and <html lang> for the current language ("en" for the pseudo-locale). */
export function intlLang(lang = state.lang) {
  return intlTag(lang);
}

/**
 * Translates `key` in the current locale, then English, then returns the key itself.
 * A plural value picks its form from `params.count` by the rules of the language it came from.
 */
export function t(key, params) {
  let text = lookup(state.messages, key);
  let lang = state.lang;
  if (text === undefined) {
    text = lookup(state.fallback, key);
    lang = FALLBACK;
  }
  if (text === undefined) {
    if (typeof console !== "undefined") console.warn(`i18n: missing key ${key}`);
    return key;
  }
  return format(pluralForm(text, params?.count, lang), params, state.lang);
}

/** True when the key exists in the current locale or in English. */
export function has(key) {
  return lookup(state.messages, key) !== undefined || lookup(state.fallback, key) !== undefined;
}

// The pseudo-locale: English letters accented, {placeholders} kept, about 40 % longer and in
// brackets, so that text cut off or overlapping shows on screen. Rust's i18n::pseudo follows the
// same rule for the tray and notifications.
const PSEUDO_FROM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const PSEUDO_TO = [..."áƀçðéƒĝĥíĵķĺɱñöþǫŕšţûṽŵẋýžÁƁÇÐÉƑĜĤÍĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ"];

/** One English text in the pseudo-locale: "Ticket" → "[Ţíçķéţ ~~~]". */
export function pseudoText(text) {
  let out = "[";
  let inPlaceholder = false;
  let letters = 0;
  for (const c of String(text)) {
    if (c === "{") inPlaceholder = true;
    else if (c === "}") inPlaceholder = false;
    const i = PSEUDO_FROM.indexOf(c);
    if (i >= 0 && !inPlaceholder) {
      letters += 1;
      out += PSEUDO_TO[i];
    } else out += c;
  }
  // The padding comes in runs of at most 8, so that it wraps like words do: one long run would
  // overflow its box where no real sentence does.
  const pad = Math.ceil((letters * 2) / 5);
  const runs = [];
  for (let left = pad; left > 0; left -= 8) runs.push("~".repeat(Math.min(8, left)));
  return `${out}${runs.length ? ` ${runs.join(" ")}` : ""}]`;
}

/**
 * The pseudo-locale's catalog made from the English one: every text (each form of a plural
 * object too) through pseudoText; the shape, keys and plural categories stay. Pure.
 */
export function pseudoLocalize(messages) {
  if (typeof messages === "string") return pseudoText(messages);
  if (messages === null || typeof messages !== "object" || Array.isArray(messages)) return messages;
  return Object.fromEntries(Object.entries(messages).map(([k, v]) => [k, pseudoLocalize(v)]));
}

const loaded = new Map();

async function fetchLocale(lang) {
  if (loaded.has(lang)) return loaded.get(lang);
  const url = new URL(`../locales/${lang}.json`, import.meta.url);
  // The catalogs ship inside the app and never change while it runs: the preloaded English one
  // (index.html) is used as it is.
  const response = await fetch(url);
  if (!response.ok) throw new Error(`i18n: ${url} answered ${response.status}`);
  const messages = await response.json();
  loaded.set(lang, messages);
  return messages;
}

/** The value of <html lang> for a language: the pseudo-locale is CLDR's accented English. */
export function htmlLang(lang) {
  return lang === PSEUDO ? "en-XA" : lang;
}

/**
 * Installs `lang` (one of SUPPORTED, or PSEUDO, which has no file: it is made from English) and
 * the English fallback, and sets <html lang>. Never throws: a locale that fails to load falls
 * back to English, and English failing leaves the keys. Resolves with the language installed.
 */
export async function loadLanguage(lang) {
  const own = SUPPORTED.includes(lang) && lang !== FALLBACK;
  // Both catalogs at once: English (the fallback) and the language's own.
  const [english, native] = await Promise.allSettled([
    fetchLocale(FALLBACK),
    own ? fetchLocale(lang) : Promise.resolve(null),
  ]);
  let fallback = {};
  if (english.status === "fulfilled") fallback = english.value;
  else console.error(english.reason);
  let messages = fallback;
  let used = FALLBACK;
  if (lang === PSEUDO) {
    messages = pseudoLocalize(fallback);
    used = PSEUDO;
  } else if (own) {
    if (native.status === "fulfilled") {
      messages = native.value;
      used = lang;
    } else console.error(native.reason);
  }
  setMessages(used, messages, fallback);
  if (typeof document !== "undefined") document.documentElement.lang = htmlLang(used);
  return used;
}

/**
 * Loads the best locale for `languages` (defaults to navigator.languages) plus English, installs
 * them and sets <html lang>. The pseudo-locale is taken only when it comes first (Rust says so).
 */
export async function initI18n(languages) {
  const wanted =
    languages ??
    (typeof navigator !== "undefined" ? navigator.languages ?? [navigator.language] : [FALLBACK]);
  const first = Array.isArray(wanted) ? wanted[0] : wanted;
  return loadLanguage(first === PSEUDO ? PSEUDO : matchLocale(wanted));
}

/**
 * Translates every element under `root` that carries data-i18n (textContent),
 * data-i18n-placeholder, data-i18n-aria-label or data-i18n-title.
 */
export function applyTranslations(root = document) {
  const pairs = [
    ["data-i18n", (node, text) => (node.textContent = text)],
    ["data-i18n-placeholder", (node, text) => node.setAttribute("placeholder", text)],
    ["data-i18n-aria-label", (node, text) => node.setAttribute("aria-label", text)],
    ["data-i18n-title", (node, text) => node.setAttribute("title", text)],
  ];
  for (const [attr, apply] of pairs) {
    const nodes = [];
    if (root.nodeType === 1 && root.hasAttribute(attr)) nodes.push(root);
    nodes.push(...root.querySelectorAll(`[${attr}]`));
    for (const node of nodes) apply(node, t(node.getAttribute(attr)));
  }
}
