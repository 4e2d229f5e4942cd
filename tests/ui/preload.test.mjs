// index.html asks for every module of the UI at once (modulepreload), so that the first screen
// does not wait for imports to be discovered level by level. This keeps that list complete and
// free of modules nothing imports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const UI = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "ui");

function imported(from) {
  const seen = new Set();
  const todo = [from];
  while (todo.length) {
    const file = todo.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(UI, file), "utf8");
    for (const m of text.matchAll(/^\s*import\s(?:[^;]*?\sfrom\s)?["'](\.[^"']+)["']/gm)) {
      todo.push(normalize(join(dirname(file), m[1])).replaceAll("\\", "/"));
    }
  }
  return seen;
}

test("index.html preloads every module main.js imports, and nothing else", () => {
  const html = readFileSync(join(UI, "index.html"), "utf8");
  const preloaded = new Set([...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]));
  const modules = imported("js/main.js");
  modules.delete("js/main.js");
  assert.ok(modules.size > 10, `only ${modules.size} modules found`);
  assert.deepEqual([...modules].filter((m) => !preloaded.has(m)).sort(), [], "imported but not preloaded");
  assert.deepEqual([...preloaded].filter((m) => !modules.has(m)).sort(), [], "preloaded but never imported");
  assert.match(html, /<link rel="preload" href="locales\/en\.json" as="fetch" crossorigin>/);
});
