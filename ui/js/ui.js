// Small DOM helpers. Text always goes in as textContent, never as HTML.
import { t, has, currentLang } from "./i18n.js";
import { formatDate } from "./format.js";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * el("button", { class: "btn", id: "x", type: "button", text: "Hi",
 *   dataset: { i18n: "key" }, on: { click: fn }, disabled: true }, [children])
 * Boolean true sets an empty attribute, false/null/undefined skips it.
 */
export function el(tag, attrs = {}, children = []) {
  const node = tag === "svg" || attrs.svg
    ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false || name === "svg") continue;
    if (name === "text") node.textContent = String(value);
    else if (name === "class") node.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "on") for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else if (name === "value") node.value = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of Array.isArray(children) ? children : [children]) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Announces a message in the polite live region. */
export function announce(message) {
  const region = document.getElementById("status");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after a tick makes screen readers repeat identical text.
  setTimeout(() => (region.textContent = message), 50);
}

function bannerSlot() {
  return document.getElementById("banner");
}

export function clearError() {
  bannerSlot()?.replaceChildren();
}

/**
 * The words of an error in the admin's language: the reason's own text when the locale has one
 * (`errors.reasons.<reason>`, filled with the error's params), else the kind's. English keeps the
 * back end's own sentence, which names the detail; other languages get it as `detail`.
 * Three params have a meaning of their own: `doing` is a code worded by `errors.doing.<code>`,
 * `setting` (a setting the organisation locked) one worded by `policy.settings.<code>`, and
 * `detail` (ServiceNow's own words) becomes the details line; a date (`YYYY-MM-DD`) is written
 * with Intl in the admin's language.
 * → { kind, message, hint, detail }
 */
export function errorText(error = {}) {
  const kind = typeof error.kind === "string" && error.kind ? error.kind : "unknown";
  const params = error.params && typeof error.params === "object" ? error.params : {};
  const reason = typeof error.reason === "string" ? error.reason : "";
  if (reason && has(`errors.reasons.${reason}.message`)) {
    // A date (YYYY-MM-DD, as Rust sends it) is written in the admin's language.
    const words = Object.fromEntries(
      Object.entries(params).map(([name, value]) => [name, typeof value === "string" && ISO_DATE.test(value) ? formatDate(value) || value : value]),
    );
    if (typeof params.doing === "string" && has(`errors.doing.${params.doing}`)) words.doing = t(`errors.doing.${params.doing}`);
    if (typeof params.setting === "string" && has(`policy.settings.${params.setting}`)) words.setting = t(`policy.settings.${params.setting}`);
    return {
      kind,
      message: t(`errors.reasons.${reason}.message`, words),
      hint: has(`errors.reasons.${reason}.hint`) ? t(`errors.reasons.${reason}.hint`, words) : "",
      detail: typeof params.detail === "string" ? params.detail : "",
    };
  }
  const known = has(`errors.${kind}.message`) ? kind : "unknown";
  if (error.message && (currentLang() === "en" || known === "unknown")) {
    return { kind, message: error.message, hint: error.hint || "", detail: "" };
  }
  return {
    kind,
    message: t(`errors.${known}.message`),
    hint: t(`errors.${known}.hint`),
    detail: error.message || "",
  };
}

/**
 * Shows an error ({ kind, reason, params, message, hint }) in the error banner above the screen
 * (or in `slot`), worded by errorText.
 */
export function showError(error = {}, slot = bannerSlot()) {
  if (!slot) return null;
  const { kind, message, hint, detail } = errorText(error);
  const banner = el("div", { class: "banner banner-error", role: "alert", dataset: { kind } }, [
    el("span", { class: "banner-icon", "aria-hidden": "true", text: "!" }),
    el("div", { class: "banner-body" }, [
      el("p", { class: "banner-message", text: message }),
      hint ? el("p", { class: "banner-hint", text: hint }) : null,
      detail ? el("p", { class: "banner-detail", text: detail }) : null,
    ]),
    el("button", {
      type: "button",
      class: "btn btn-subtle btn-icon",
      "aria-label": t("common.dismiss"),
      text: "×",
      // Dismiss empties the slot the banner is in (the page banner or a card's own slot).
      on: { click: () => slot.replaceChildren() },
    }),
  ]);
  slot.replaceChildren(banner);
  if (typeof banner.scrollIntoView === "function") banner.scrollIntoView({ block: "nearest" });
  return banner;
}

/** Copies text to the clipboard; resolves true on success. */
export async function copyText(text, fallbackInput) {
  try {
    if (!navigator.clipboard?.writeText) throw new Error("no clipboard");
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (fallbackInput) {
      fallbackInput.focus();
      fallbackInput.select();
    }
    return false;
  }
}

/** A Copy button that shows "Copied" for a moment and announces it. */
export function copyButton({ id, getText, input, label = t("common.copy") }) {
  let timer;
  const button = el("button", { type: "button", id, class: "btn btn-secondary btn-copy", text: label });
  button.addEventListener("click", async () => {
    const ok = await copyText(getText(), input);
    clearTimeout(timer);
    button.textContent = ok ? t("common.copied") : label;
    button.classList.toggle("is-done", ok);
    announce(ok ? t("common.copied") : t("common.copyFailed"));
    timer = setTimeout(() => {
      button.textContent = label;
      button.classList.remove("is-done");
    }, 2000);
  });
  return button;
}
