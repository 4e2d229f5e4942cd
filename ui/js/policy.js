// The organisation's policy, as app_state carries it (Rust reads it from the platform's managed
// place at start): a preset fills a field; a locked one is the only value, shown read-only with
// "Set by your organisation" (Rust refuses another value anyway).
import { appState } from "./app-context.js";
import { t } from "./i18n.js";
import { el } from "./ui.js";

/** The preset `{ value, locked }` the policy sets for `name` (servicenowInstance, …), or null. */
export function preset(name, state = appState()) {
  const p = state?.policy?.[name];
  return p && typeof p === "object" && "value" in p ? p : null;
}

/**
 * Applies a preset to a field `{ wrap, input }`: the value when the field is empty (or always,
 * when locked); a locked field becomes read-only and says who set it. Returns whether it locked.
 */
export function applyPreset(f, p) {
  if (!p || !f?.input) return false;
  const value = String(p.value);
  if (p.locked || f.input.value === "") f.input.value = value;
  if (!p.locked) return false;
  if (f.input.tagName === "SELECT") f.input.disabled = true;
  else f.input.readOnly = true;
  f.input.setAttribute("aria-readonly", "true");
  const id = `${f.input.id}-managed`;
  if (!f.wrap.querySelector(`#${CSS.escape(id)}`)) {
    const badge = el("span", { class: "managed-badge", id, text: t("policy.setByOrganisation") });
    const label = f.wrap.querySelector(".field-label");
    if (label) label.append(badge);
    else f.wrap.prepend(badge);
    const described = [f.input.getAttribute("aria-describedby"), id].filter(Boolean).join(" ");
    f.input.setAttribute("aria-describedby", described);
  }
  f.wrap.classList.add("field-managed");
  return true;
}
