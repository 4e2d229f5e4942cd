// Improvement actions (#/actions[?kind=incident]): Secure Score's actions and the
// ones the admin typed in (list_actions), the ticket already made for each, a
// Share → ServiceNow button per row (#/share/<id>), and a form that adds an
// action (add_action). ?kind= carries the ticket type chosen on a home card.
import * as api from "../api.js";
import { currentWorkspace, kindNames } from "../app-context.js";
import { t } from "../i18n.js";
import { announce, el, showError } from "../ui.js";
import { CATEGORIES, checkNewAction } from "../tickets-model.js";
import { breadcrumb, categoryLabel, field, openRecord, shareIcon, sourceLabel, watchOutbox } from "../widgets.js";

export const name = "actions";
export const titleKey = "actions.title";

function pointsText(action) {
  if (typeof action.points !== "number") return t("actions.notScored");
  if (typeof action.maxPoints !== "number") return String(action.points);
  return t("actions.points", { points: action.points, max: action.maxPoints });
}

function ticketCell(workspace, action) {
  if (action.ticket) {
    const ref = action.ticket;
    return el(
      "button",
      {
        type: "button",
        class: "link-button",
        id: `ticket-${action.id}`,
        "aria-label": t("tickets.openLabel", { number: ref.number, name: action.title }),
        on: { click: () => openRecord(workspace, ref.url) },
      },
      [el("span", { class: "ticket-number", text: ref.number }), el("span", { class: "ticket-state", text: ref.stateLabel || String(ref.state ?? "") })],
    );
  }
  if (action.queued) return el("span", { class: "badge badge-warning", id: `queued-${action.id}`, text: t("actions.queued") });
  return el("span", { class: "muted", text: t("actions.noTicket") });
}

function shareHref(action, kind) {
  const base = `#/share/${encodeURIComponent(action.id)}`;
  return kindNames().includes(kind) ? `${base}?kind=${kind}` : base;
}

function actionRow(workspace, action, kind) {
  return el("tr", { dataset: { actionId: action.id } }, [
    el("th", { scope: "row", class: "cell-title" }, [el("span", { text: action.title })]),
    el("td", { dataset: { label: t("actions.columns.category") }, text: categoryLabel(action.category) }),
    el("td", { dataset: { label: t("actions.columns.source") } }, [
      el("span", { class: ["source", `source-${action.source === "user" ? "user" : "microsoft"}`], text: sourceLabel(action.source) }),
    ]),
    el("td", { class: "cell-num", dataset: { label: t("actions.columns.points") }, text: pointsText(action) }),
    el("td", { dataset: { label: t("actions.columns.ticket") } }, [ticketCell(workspace, action)]),
    el("td", { class: "cell-action" }, [
      el("button", {
        type: "button",
        id: `share-${action.id}`,
        class: "btn btn-secondary btn-share",
        "aria-label": t("actions.shareLabel", { title: action.title }),
        on: { click: () => (location.hash = shareHref(action, kind)) },
      }, [
        shareIcon(),
        el("span", { text: t("actions.share") }),
      ]),
    ]),
  ]);
}

function actionsTable(workspace, actions, kind) {
  if (!actions.length) {
    return el("div", { class: "empty-state", id: "actions-empty" }, [
      el("p", { class: "empty-title", text: t("actions.empty.title") }),
      el("p", { text: t("actions.empty.body") }),
    ]);
  }
  const head = ["title", "category", "source", "points", "ticket", "share"].map((key) =>
    el("th", { scope: "col", class: key === "share" ? "cell-action" : key === "points" ? "cell-num" : null }, [
      key === "share" ? el("span", { class: "visually-hidden", text: t("actions.columns.share") }) : t(`actions.columns.${key}`),
    ]),
  );
  return el("table", { class: "data-table actions-table", id: "actions-table" }, [
    el("caption", { class: "visually-hidden", text: t("actions.title") }),
    el("thead", {}, [el("tr", {}, head)]),
    el("tbody", {}, actions.map((action) => actionRow(workspace, action, kind))),
  ]);
}

function addForm(workspace, onAdded) {
  const title = field({ id: "new-action-title", label: t("actions.add.titleLabel"), required: true, input: el("input", { type: "text", class: "input", autocomplete: "off" }) });
  const category = field({
    id: "new-action-category",
    label: t("actions.add.category"),
    required: true,
    input: el("select", { class: "input" }, [
      el("option", { value: "", text: t("actions.add.chooseCategory") }),
      ...CATEGORIES.map((c) => el("option", { value: c, text: categoryLabel(c) })),
    ]),
  });
  const remediation = field({
    id: "new-action-remediation",
    label: t("actions.add.remediation"),
    help: t("actions.add.remediationHelp"),
    required: true,
    input: el("textarea", { class: "input textarea", rows: "4" }),
  });
  const fields = { title, category, remediation };
  const errorSlot = el("div", { class: "form-error-slot", id: "add-action-error" });
  const submit = el("button", { type: "submit", id: "add-action", class: "btn btn-primary", text: t("actions.add.submit") });
  const form = el("form", { id: "add-action-form", class: "card", novalidate: true, "aria-labelledby": "add-action-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "add-action-title", text: t("actions.add.title") })]),
    el("div", { class: "card-body" }, [el("p", { text: t("actions.add.intro") }), title.wrap, category.wrap, remediation.wrap, errorSlot]),
    el("div", { class: "card-actions" }, [submit]),
  ]);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorSlot.replaceChildren();
    const value = { title: title.input.value.trim(), category: category.input.value, remediation: remediation.input.value.trim() };
    const errors = checkNewAction(value);
    for (const [key, f] of Object.entries(fields)) f.setError(errors[key] ? t(errors[key]) : null);
    const first = Object.keys(fields).find((key) => errors[key]);
    if (first) {
      fields[first].input.focus();
      return;
    }
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    submit.textContent = t("actions.add.adding");
    try {
      const action = await api.addAction(workspace, value);
      form.reset();
      announce(t("actions.add.added", { title: action?.title ?? value.title }));
      await onAdded(action);
    } catch (error) {
      showError(error, errorSlot);
    } finally {
      submit.disabled = false;
      submit.setAttribute("aria-busy", "false");
      submit.textContent = t("actions.add.submit");
    }
  });
  return form;
}

export async function render(view, params = {}) {
  let alive = true;
  const workspace = currentWorkspace();
  if (!workspace) {
    location.replace("#/");
    return null;
  }
  const kind = kindNames().includes(params.kind) ? params.kind : null;
  const listSlot = el("div", { class: "table-slot", "aria-busy": "true" });
  const outboxSlot = el("div", { class: "outbox-slot" });

  async function load() {
    try {
      const actions = await api.listActions(workspace);
      if (!alive) return;
      listSlot.replaceChildren(actionsTable(workspace, Array.isArray(actions) ? actions : [], kind));
    } catch (error) {
      if (!alive) return;
      listSlot.replaceChildren();
      showError(error);
    } finally {
      listSlot.removeAttribute("aria-busy");
    }
  }

  const listCard = el("section", { class: "card", id: "actions-card", "aria-labelledby": "actions-card-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "actions-card-title", text: t("actions.listTitle") })]),
    el("div", { class: "card-body" }, [listSlot]),
  ]);

  view.append(
    el("div", { class: "page" }, [
      breadcrumb(t("actions.title")),
      el("h1", { class: "page-title", text: t("actions.title") }),
      el("p", { class: "page-intro", text: t(kind ? `actions.introFor.${kind}` : "actions.intro") }),
      outboxSlot,
      el("div", { class: "stack" }, [listCard, addForm(workspace, () => load())]),
    ]),
  );
  await load();
  const stopOutbox = await watchOutbox(workspace, outboxSlot);
  // A task that reaches ServiceNow (or the outbox) changes the Ticket column.
  const stopTickets = await api.onWorkspaceEvent(api.EVENT_TICKETS_CHANGED, workspace, "list", () => load());
  const stopQueue = await api.onWorkspaceEvent(api.EVENT_OUTBOX_CHANGED, workspace, "items", () => load());
  return () => {
    alive = false;
    stopOutbox();
    stopTickets();
    stopQueue();
  };
}
