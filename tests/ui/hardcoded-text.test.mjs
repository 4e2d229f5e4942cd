// No user-visible words typed into UI modules: every text, textContent, aria-label, title,
// placeholder and alt that a module sets from a string literal must come from t(…) instead.
// Symbols (✓, ×, !, ·, →) have no words and may be typed; so may a few names that are the
// same in every language. index.html's own words carry data-i18n.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { UI, read, rel, walk } from "./helpers.mjs";

// Words that are the same in every language, or glyphs drawn with a letter.
const ALLOWED = new Set([
  "Ticket Bridge",
  // The info icon of callouts and banners ("i" in a circle, aria-hidden).
  "i",
]);

/** The source without comments (block comments, and lines that are only a // comment). */
function withoutComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** A literal's words: escapes decoded, ${…} parts of a template left out. */
function words(quote, body) {
  let text = body;
  if (quote === "`") {
    text = text.replace(/\$\{[^{}]*\}/g, "");
    const open = text.indexOf("${");
    if (open >= 0) text = text.slice(0, open);
  }
  return text.replace(/\\u\{?([0-9a-fA-F]{4,6})\}?/g, (_, hex) => String.fromCodePoint(parseInt(hex, 16))).replace(/\\./g, "");
}

const LITERAL = String.raw`(["'\x60])((?:\\.|(?!\1)[^\\])*)\1`;
const SINKS = [
  // el("p", { text: "…", title: "…", "aria-label": "…", placeholder: "…", alt: "…" })
  new RegExp(String.raw`(?:\btext|\btitle|\bplaceholder|["']aria-label["']|\bariaLabel|\balt)\s*:\s*` + LITERAL, "g"),
  // node.textContent = "…", node.title = "…"
  new RegExp(String.raw`\.(?:textContent|innerText|innerHTML|title|placeholder|ariaLabel)\s*=\s*` + LITERAL, "g"),
  // node.setAttribute("aria-label", "…")
  new RegExp(String.raw`setAttribute\(\s*["'](?:aria-label|title|placeholder|alt|aria-valuetext|aria-description)["']\s*,\s*` + LITERAL, "g"),
  // node.append("…"), document.createTextNode("…"), confirm("…")
  new RegExp(String.raw`\b(?:append|prepend|replaceChildren|before|after|createTextNode|alert|confirm|prompt|announce)\(\s*` + LITERAL, "g"),
  // el("p", {}, ["…"]) and el("p", {}, "…"): children typed in
  new RegExp(String.raw`\}\s*,\s*\[?\s*` + LITERAL + String.raw`\s*[\],)]`, "g"),
];

/** [file, literal] for every string literal with words that goes straight to the screen. */
export function hardcodedTexts(files) {
  const found = [];
  for (const file of files) {
    const src = withoutComments(read(file));
    for (const sink of SINKS) {
      for (const m of src.matchAll(sink)) {
        const text = words(m[1], m[2]).trim();
        // A locale key handed on to t() later (validation messages, labelKey…) is not text.
        if (/^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9_]+)+$/.test(text)) continue;
        if (!/\p{L}/u.test(text) || ALLOWED.has(text)) continue;
        found.push(`${rel(file)}: ${m[0].slice(0, 120)}`);
      }
    }
  }
  return found;
}

test("the scanner finds typed words and lets symbols, keys and t() through", () => {
  const sample = (src) => {
    const found = [];
    for (const sink of SINKS) for (const m of withoutComments(src).matchAll(sink)) {
      const text = words(m[1], m[2]).trim();
      if (/^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9_]+)+$/.test(text) || !/\p{L}/u.test(text) || ALLOWED.has(text)) continue;
      found.push(text);
    }
    return found;
  };
  assert.deepEqual(sample(`el("p", { text: "Saved" })`), ["Saved"]);
  assert.deepEqual(sample(`node.textContent = 'Loading…';`), ["Loading…"]);
  assert.deepEqual(sample(`b.setAttribute("aria-label", "Close")`), ["Close"]);
  assert.deepEqual(sample(`el("span", { "aria-label": \`Open \${n}\` })`), ["Open"]);
  assert.deepEqual(sample(`el("span", { text: "\\u2713" }); el("b", { text: "×" }); el("i", { text: " · " })`), []);
  assert.deepEqual(sample(`el("p", { text: t("a.b") }); x.title = t("k");`), []);
  assert.deepEqual(sample(`errors.title = "validation.titleRequired";`), []);
  assert.deepEqual(sample(`// el("p", { text: "in a comment" })\n/* text: "nor here" */`), []);
  assert.deepEqual(sample(`el("span", { text: \`\${t(\`a.\${k}\`)} · \${x}\` })`), []);
  assert.deepEqual(sample(`el("p", { class: "x" }, ["Typed child"])`), ["Typed child"]);
  assert.deepEqual(sample(`el("p", {}, "Typed too")`), ["Typed too"]);
  assert.deepEqual(sample(`node.append("Hello"); announce("Done")`), ["Hello", "Done"]);
  assert.deepEqual(sample(`el("p", {}, [t("a.b"), " · "])`), []);
});

test("no UI module types user-visible words (they come from ui/locales/ through t())", () => {
  const files = walk(join(UI, "js")).filter((f) => f.endsWith(".js"));
  assert.ok(files.length > 20, `only ${files.length} modules`);
  assert.deepEqual(hardcodedTexts(files), []);
});

test("index.html's words are translated (data-i18n), but for the app's name in <title>", () => {
  const html = read(join(UI, "index.html")).replace(/<!--[\s\S]*?-->/g, "");
  const body = html.slice(html.indexOf("<body"));
  const untranslated = [];
  // Each text between tags must belong to an element that carries data-i18n.
  for (const m of body.matchAll(/<([a-z0-9-]+)([^>]*)>([^<]+)</g)) {
    const [, , attrs, text] = m;
    if (!/\p{L}/u.test(text) || ALLOWED.has(text.trim())) continue;
    if (!/\bdata-i18n="/.test(attrs)) untranslated.push(text.trim());
  }
  for (const m of body.matchAll(/\b(?:title|aria-label|placeholder|alt)="([^"]*)"/g)) {
    if (/\p{L}/u.test(m[1]) && !ALLOWED.has(m[1])) untranslated.push(m[0]);
  }
  assert.deepEqual(untranslated, []);
});
