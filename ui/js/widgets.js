// Pieces the ticket screens share: labels for kinds, priorities, categories and
// sources, dates, form fields with their messages, the outbox banner, and a link
// that opens a ServiceNow record through open_url. Text goes in as textContent.
import * as api from "./api.js";
import { currentLang, has, t } from "./i18n.js";
import { el, showError } from "./ui.js";
import { dueMoment } from "./tickets-model.js";
import { formatDate as formatDay } from "./format.js";
import { VERDICT_TONES, verdictOf } from "./score-model.js";

export function kindLabel(kind) {
  return has(`kinds.${kind}`) ? t(`kinds.${kind}`) : String(kind ?? "");
}

export function priorityName(priority) {
  return Number.isInteger(priority) && priority >= 1 && priority <= 5 ? t(`priority.p${priority}`) : "";
}

/** "3 - Moderate", the way ServiceNow writes priorities. */
export function priorityLabel(priority) {
  const label = priorityName(priority);
  return label ? t("priority.option", { n: priority, label }) : "";
}

export function categoryLabel(category) {
  return category && has(`categories.${category}`) ? t(`categories.${category}`) : String(category ?? "");
}

export function sourceLabel(source) {
  return t(source === "user" ? "actions.source.user" : "actions.source.microsoft");
}

/** A due date (date only or date and time) in the current language and time zone, or "". */
export function formatDate(value) {
  return dueMoment(value) === null ? "" : formatDay(value, currentLang());
}

/** Opens a record of `workspace`'s instance in the system browser; a refusal shows in `slot` (or the page banner). */
export async function openRecord(workspace, url, slot) {
  try {
    await api.openUrl(workspace, url);
  } catch (error) {
    showError(error, slot ?? undefined);
  }
}

/**
 * A labelled form field with help, a message slot and aria wiring.
 * Returns { wrap, input, setError(text|null, hint?) }.
 */
export function field({ id, label, input, help = null, required = false, extra = null, describedBy = [] }) {
  const helpId = help ? `${id}-help` : null;
  const errorId = `${id}-error`;
  input.id = id;
  if (!input.getAttribute("name")) input.setAttribute("name", id);
  if (required) input.setAttribute("aria-required", "true");
  const labelNode = el("label", { for: id, class: "field-label" }, [
    el("span", { text: label }),
    required ? el("span", { class: "required-mark", "aria-hidden": "true", text: "*" }) : null,
  ]);
  const helpNode = help ? el("p", { id: helpId, class: "field-help", text: help }) : null;
  const error = el("p", { id: errorId, class: "field-error", hidden: true });
  const describe = (withError) => {
    const ids = [helpId, ...describedBy, withError ? errorId : null].filter(Boolean).join(" ");
    if (ids) input.setAttribute("aria-describedby", ids);
    else input.removeAttribute("aria-describedby");
  };
  describe(false);
  const wrap = el("div", { class: "field" }, [labelNode, input, extra, helpNode, error]);
  function setError(message, hint = "") {
    if (message) {
      error.textContent = hint ? `${message} ${hint}` : message;
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
    } else {
      error.textContent = "";
      error.hidden = true;
      input.removeAttribute("aria-invalid");
    }
    describe(Boolean(message));
  }
  return { wrap, input, error, setError };
}

/** The "2 tasks waiting to send" banner with Review, or null when nothing waits. */
export function outboxBanner(items) {
  const count = Array.isArray(items) ? items.length : 0;
  if (!count) return null;
  const blocked = items.some((item) => item.state === "blocked");
  return el("div", { class: ["banner", blocked ? "banner-warning" : "banner-info"], id: "outbox-banner", role: "status" }, [
    el("span", { class: "banner-icon", "aria-hidden": "true", text: blocked ? "!" : "i" }),
    el("div", { class: "banner-body" }, [
      el("p", { class: "banner-message", text: t("outbox.banner", { count }) }),
    ]),
    el("a", { href: "#/outbox", id: "outbox-review", class: "btn btn-secondary", text: t("outbox.review") }),
  ]);
}

/** Keeps `slot` showing `workspace`'s outbox banner; returns a stop function. */
export async function watchOutbox(workspace, slot) {
  let alive = true;
  const show = (items) => {
    if (!alive) return;
    const banner = outboxBanner(items);
    slot.replaceChildren(...(banner ? [banner] : []));
  };
  const stop = await api.onWorkspaceEvent(api.EVENT_OUTBOX_CHANGED, workspace, "items", (items) => show(items ?? []));
  api.outboxList(workspace).then(show, () => {});
  return () => {
    alive = false;
    stop();
  };
}

/** A breadcrumb from Home to the current page (and pages between: [[href, text]]). */
export function breadcrumb(current, between = []) {
  return el("nav", { class: "breadcrumb", "aria-label": t("common.breadcrumb") }, [
    el("ol", {}, [
      el("li", {}, [el("a", { href: "#/", id: "breadcrumb-home", text: t("home.title") })]),
      ...between.map(([href, text]) => el("li", {}, [el("a", { href, text })])),
      el("li", { "aria-current": "page", text: current }),
    ]),
  ]);
}

/** The share icon (an SVG drawn with attributes, no style). */
export function shareIcon() {
  const svg = el("svg", { svg: true, class: "share-icon", viewBox: "0 0 16 16", width: "16", height: "16", "aria-hidden": "true", focusable: "false" });
  svg.append(
    el("path", { svg: true, d: "M11 2.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Zm-6 4a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Zm6 4a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3ZM6.3 7.3l3.4-1.8M6.3 8.7l3.4 1.8", fill: "none", stroke: "currentColor", "stroke-width": "1.2", "stroke-linecap": "round" }),
  );
  return svg;
}

/** The score's verdict on a ticket as a badge, or null. */
export function verdictBadge(ticket, id = null) {
  const verdict = verdictOf(ticket);
  if (!verdict) return null;
  return el("span", { class: ["badge", `badge-${VERDICT_TONES[verdict]}`, "verdict"], id, dataset: { verdict }, text: t(`verdict.${verdict}`) });
}


/**
 * A "Saved" mark for a setting, on screen beside it (screen readers hear it through announce).
 * savedNote(id) → { node, show(after?), hide() }: show() moves the mark right after `after`
 * when given (the control that changed), shows it and hides it again after a while.
 */
export function savedNote(id) {
  let timer = null;
  const node = el("span", { class: "saved-note", id, hidden: true }, [
    el("span", { class: "saved-icon", "aria-hidden": "true", text: "\u2713" }),
    el("span", { class: "saved-text", text: t("common.saved") }),
  ]);
  return {
    node,
    show(after = null) {
      clearTimeout(timer);
      if (after && after.parentNode && after.nextSibling !== node) after.after(node);
      node.hidden = false;
      timer = setTimeout(() => (node.hidden = true), 6000);
    },
    hide() {
      clearTimeout(timer);
      node.hidden = true;
    },
  };
}
