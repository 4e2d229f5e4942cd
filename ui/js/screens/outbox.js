// Outbox (#/outbox): tasks ServiceNow hasn't accepted yet (outbox_list), each with
// its last error and next attempt, Retry now (outbox_retry) and Discard
// (outbox_discard, after a confirm that warns when the ticket may exist already). A task whose
// lookups could not prove that no ticket exists offers Look again and Send anyway
// (outbox_send_anyway): never a second ticket without the admin's word.
// Follows outbox://changed.
import * as api from "../api.js";
import { currentWorkspace } from "../app-context.js";
import { currentLang, t } from "../i18n.js";
import { announce, el, showError, errorText } from "../ui.js";
import { formatDateTime, formatRelative, liveRelative } from "../format.js";
import { breadcrumb, kindLabel } from "../widgets.js";

export const name = "outbox";
export const titleKey = "outbox.title";

/**
 * A task whose last lookup could not prove that no ticket exists: while it looks again on its
 * own, and once it waits for the admin, the admin may decide (Send anyway).
 */
function unproven(item) {
  return typeof item.error?.reason === "string" && item.error.reason.startsWith("lookup_");
}

function itemNode(item, { onRetry, onDiscard, onSendAnyway }) {
  const nextText = (now) => t("outbox.nextAttempt", { time: formatRelative(item.nextAttemptAt, now, currentLang()) });
  const next = formatRelative(item.nextAttemptAt) ? el("span", { title: formatDateTime(item.nextAttemptAt, currentLang()), text: nextText(Date.now()) }) : null;
  // "Next attempt in 2 minutes" follows the clock.
  if (next) liveRelative(next, (now) => (next.textContent = nextText(now)));
  const error = item.error;
  return el("li", { class: "outbox-item", id: `outbox-${item.id}`, dataset: { state: item.state } }, [
    el("div", { class: "outbox-head" }, [
      el("h3", { class: "outbox-name", text: item.name }),
      el("span", {
        class: ["badge", item.state === "blocked" ? "badge-danger" : "badge-warning"],
        text: t(item.state === "blocked" ? "outbox.state.blocked" : "outbox.state.waiting"),
      }),
    ]),
    el("p", { class: "outbox-meta" }, [
      el("span", { text: kindLabel(item.kind) }),
      el("span", { text: t("outbox.attempts", { count: item.attempts ?? 0 }) }),
      next,
    ]),
    error
      ? el("div", { class: "callout callout-warning" }, [
          el("span", { class: "callout-icon", "aria-hidden": "true", text: "!" }),
          el("div", {}, [
            el("p", { class: "callout-text", text: errorText(error).message }),
            errorText(error).hint ? el("p", { class: "callout-hint", text: errorText(error).hint }) : null,
          ]),
        ])
      : null,
    item.mayExist ? el("p", { class: "outbox-may-exist", text: t("outbox.mayExist") }) : null,
    el("div", { class: "outbox-actions" }, [
      el("button", { type: "button", id: `retry-${item.id}`, class: "btn btn-secondary", text: t(unproven(item) ? "outbox.lookAgain" : "outbox.retry"), on: { click: (e) => onRetry(item, e.currentTarget) } }),
      unproven(item)
        ? el("button", { type: "button", id: `send-anyway-${item.id}`, class: "btn btn-secondary", text: t("outbox.sendAnyway"), on: { click: (e) => onSendAnyway(item, e.currentTarget) } })
        : null,
      el("button", { type: "button", id: `discard-${item.id}`, class: "btn btn-danger-outline", text: t("outbox.discard"), on: { click: (e) => onDiscard(item, e.currentTarget) } }),
    ]),
  ]);
}

export async function render(view) {
  let alive = true;
  const workspace = currentWorkspace();
  if (!workspace) {
    location.replace("#/");
    return null;
  }
  const list = el("ul", { class: "outbox-list", id: "outbox-items", "aria-busy": "true" });
  const errorSlot = el("div", { class: "form-error-slot", id: "outbox-error" });
  const card = el("section", { class: "card", id: "outbox", "aria-labelledby": "outbox-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "outbox-title", text: t("outbox.listTitle") })]),
    el("div", { class: "card-body" }, [list, errorSlot]),
  ]);

  // Discard confirm ----------------------------------------------------------
  const yes = el("button", { type: "button", id: "confirm-discard-yes", class: "btn btn-danger", text: t("outbox.confirm.yes") });
  const no = el("button", { type: "button", id: "confirm-discard-no", class: "btn btn-secondary", text: t("common.cancel") });
  const dialogBody = el("div", { id: "confirm-discard-body" });
  const dialogError = el("div", { class: "form-error-slot" });
  const dialog = el("dialog", { id: "confirm-discard", class: "dialog", "aria-labelledby": "confirm-discard-title", "aria-describedby": "confirm-discard-body" }, [
    el("h2", { id: "confirm-discard-title", text: t("outbox.confirm.title") }),
    dialogBody,
    dialogError,
    el("div", { class: "dialog-actions" }, [yes, no]),
  ]);
  let pending = null;
  let returnFocus = null;
  no.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    pending = null;
    dialogError.replaceChildren();
    if (returnFocus?.isConnected) returnFocus.focus();
  });
  yes.addEventListener("click", async () => {
    if (!pending) return;
    yes.disabled = true;
    try {
      await api.outboxDiscard(workspace, pending.id);
      dialog.close();
      announce(t("outbox.discarded"));
      await load();
    } catch (error) {
      showError(error, dialogError);
    } finally {
      yes.disabled = false;
    }
  });

  function onDiscard(item, button) {
    pending = item;
    returnFocus = button;
    const body = [el("p", { text: t("outbox.confirm.body", { name: item.name }) })];
    if (item.mayExist) {
      body.push(
        el("div", { class: "callout callout-warning", id: "confirm-discard-may-exist" }, [
          el("span", { class: "callout-icon", "aria-hidden": "true", text: "!" }),
          el("p", { class: "callout-text", text: t("outbox.confirm.mayExist") }),
        ]),
      );
    }
    dialogBody.replaceChildren(...body);
    dialog.showModal();
    no.focus();
  }

  async function onRetry(item, button) {
    errorSlot.replaceChildren();
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = t("outbox.retrying");
    try {
      await api.outboxRetry(workspace, item.id);
      await load();
    } catch (error) {
      if (alive) showError(error, errorSlot);
    } finally {
      if (button.isConnected) {
        button.disabled = false;
        button.setAttribute("aria-busy", "false");
        button.textContent = t(unproven(item) ? "outbox.lookAgain" : "outbox.retry");
      }
    }
  }

  async function onSendAnyway(item, button) {
    errorSlot.replaceChildren();
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      await api.outboxSendAnyway(workspace, item.id);
      announce(t("outbox.sentAnyway", { name: item.name }));
      await load();
    } catch (error) {
      if (alive) showError(error, errorSlot);
    } finally {
      if (button.isConnected) {
        button.disabled = false;
        button.setAttribute("aria-busy", "false");
      }
    }
  }

  function show(items) {
    if (!alive) return;
    list.removeAttribute("aria-busy");
    const all = Array.isArray(items) ? items : [];
    if (!all.length) {
      list.replaceChildren(
        el("li", { class: "empty-state", id: "outbox-empty" }, [
          el("p", { class: "empty-title", text: t("outbox.empty.title") }),
          el("p", { text: t("outbox.empty.body") }),
        ]),
      );
      return;
    }
    const focusedId = document.activeElement?.id;
    list.replaceChildren(...all.map((item) => itemNode(item, { onRetry, onDiscard, onSendAnyway })));
    if (focusedId) document.getElementById(focusedId)?.focus();
  }

  async function load() {
    try {
      show(await api.outboxList(workspace));
    } catch (error) {
      if (alive) showError(error);
      show([]);
    }
  }

  view.append(
    el("div", { class: "page page-narrow" }, [
      breadcrumb(t("outbox.title")),
      el("h1", { class: "page-title", text: t("outbox.title") }),
      el("p", { class: "page-intro", text: t("outbox.intro") }),
      card,
      el("p", { class: "page-links" }, [el("a", { href: "#/actions", class: "link", id: "outbox-to-actions", text: t("share.backActions") })]),
      dialog,
    ]),
  );
  await load();
  const stop = await api.onWorkspaceEvent(api.EVENT_OUTBOX_CHANGED, workspace, "items", (items) => show(items));
  return () => {
    alive = false;
    stop();
    if (dialog.open) dialog.close();
  };
}
