// The connection check's words: each line check_connection returns, in the admin's language.
// Rust sends a key and its params (doctor.details.*, doctor.fixes.*), or, for a call that failed,
// the error itself, worded as errorText words any error. Rust's English detail and fix are the
// last resort, for a key this catalog does not have. No DOM: Node's tests import this module.
import { currentLang, has, t } from "./i18n.js";
import { errorText } from "./ui.js";
import { formatAbsolute } from "./connection.js";

/** The params with each time (a name ending in `At`, RFC 3339) written in the locale and zone. */
function shown(params) {
  const out = {};
  for (const [name, value] of Object.entries(params || {})) {
    out[name] = /At$/.test(name) && typeof value === "string" ? formatAbsolute(value, currentLang()) || value : value;
  }
  return out;
}

function say(text) {
  return text && has(text.key) ? t(text.key, shown(text.params)) : null;
}

/**
 * The words of one line of normalizeChecks: { title, detail, fix, note }. `fix` is null when
 * there is nothing to do; `note` is ServiceNow's own text (or, outside English, Rust's message)
 * when an error carries one.
 */
export function checkWords(check) {
  const title = has(`doctor.checks.${check.id}`) ? t(`doctor.checks.${check.id}`) : check.id;
  if (check.error) {
    const words = errorText(check.error);
    return {
      title,
      detail: words.message || check.detail,
      fix: words.hint || check.fix || null,
      note: words.detail || "",
    };
  }
  return {
    title,
    detail: say(check.detailText) ?? check.detail,
    fix: say(check.fixText) ?? check.fix ?? null,
    note: "",
  };
}
