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

/** Flattens nested locale objects into { "a.b": "text" }. Non-string leaves are kept as is. */
export function flatten(obj, prefix = "", out = {}) {
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) flatten(value, path, out);
    else out[path] = value;
  }
  return out;
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
