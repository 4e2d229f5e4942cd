// Shared helpers for the UI tests: paths, locale loading, file walking.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const UI = join(ROOT, "ui");
export const LOCALES = ["en", "fr", "ja", "nl", "sv", "zh-TW"];

export function readLocale(lang) {
  return JSON.parse(readFileSync(join(UI, "locales", `${lang}.json`), "utf8"));
}

export const PLURAL_CATEGORIES = ["zero", "one", "two", "few", "many", "other"];

/** A plural value: an object whose keys are all CLDR categories, `other` among them. */
export function isPlural(value) {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    "other" in value &&
    Object.keys(value).every((k) => PLURAL_CATEGORIES.includes(k))
  );
}

/**
 * Flattens nested locale objects into { "a.b": "text" }. Plural objects ({ one, other }) are
 * values, kept whole; other non-string leaves are kept as is.
 */
export function flatten(obj, prefix = "", out = {}) {
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === "object" && !Array.isArray(value) && !isPlural(value)) flatten(value, path, out);
    else out[path] = value;
  }
  return out;
}

/** The forms of a value: [["", text]] for a string, [[category, text], …] for a plural object. */
export function forms(value) {
  return isPlural(value) ? Object.entries(value) : [["", value]];
}

/** Every text of a value (one for a string, each form of a plural object), for scans of the wording. */
export function texts(value) {
  return forms(value).map(([, text]) => text);
}

export function placeholders(text) {
  return [...String(text).matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]).sort();
}

export function walk(dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...walk(path));
    else files.push(path);
  }
  return files;
}

export function rel(path) {
  return relative(ROOT, path);
}

export function read(path) {
  return readFileSync(path, "utf8");
}
