// i18n: loads one locale file from the app's own origin, translates keys, and
// applies translations to elements marked with data-i18n* attributes.
// The pure parts (matchLocale, format, lookup, setMessages, t) never touch the
// DOM or the network, so Node's test runner can import this module directly.

export const SUPPORTED = Object.freeze(["en", "fr", "ja", "nl", "sv", "zh-TW"]);
export const FALLBACK = "en";

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

/** Reads "a.b.c" from nested objects (or a flat key containing dots). */
export function lookup(messages, key) {
  if (!messages || typeof key !== "string") return undefined;
  if (typeof messages[key] === "string") return messages[key];
  let node = messages;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object" || !(part in node)) return undefined;
    node = node[part];
  }
  return typeof node === "string" ? node : undefined;
}

/** Replaces {name} placeholders; unknown placeholders are left as they are. */
export function format(template, params) {
  if (!params) return template;
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(params, name) && params[name] !== undefined && params[name] !== null
      ? String(params[name])
      : whole,
  );
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

/** Translates `key` in the current locale, then English, then returns the key itself. */
export function t(key, params) {
  const text = lookup(state.messages, key) ?? lookup(state.fallback, key);
  if (text === undefined) {
    if (typeof console !== "undefined") console.warn(`i18n: missing key ${key}`);
    return key;
  }
  return format(text, params);
}

/** True when the key exists in the current locale or in English. */
export function has(key) {
  return lookup(state.messages, key) !== undefined || lookup(state.fallback, key) !== undefined;
}

async function fetchLocale(lang) {
  const url = new URL(`../locales/${lang}.json`, import.meta.url);
  const response = await fetch(url, { cache: "no-cache" });
  if (!response.ok) throw new Error(`i18n: ${url} answered ${response.status}`);
  return response.json();
}

/**
 * Loads the best locale for `languages` (defaults to navigator.languages) plus
 * English, installs them and sets <html lang>. Never throws: a locale that
 * fails to load falls back to English, and English failing leaves the keys.
 */
export async function initI18n(languages) {
  const wanted =
    languages ??
    (typeof navigator !== "undefined" ? navigator.languages ?? [navigator.language] : [FALLBACK]);
  const lang = matchLocale(wanted);
  let fallback = {};
  try {
    fallback = await fetchLocale(FALLBACK);
  } catch (error) {
    console.error(error);
  }
  let messages = fallback;
  let used = FALLBACK;
  if (lang !== FALLBACK) {
    try {
      messages = await fetchLocale(lang);
      used = lang;
    } catch (error) {
      console.error(error);
    }
  }
  setMessages(used, messages, fallback);
  if (typeof document !== "undefined") document.documentElement.lang = used;
  return used;
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
