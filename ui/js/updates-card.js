// Settings → Updates. What Rust's update state says (update_state, then app://updates as it
// changes): on, with "Check for updates" as the one action, "Version X is available" with its
// notes and "Install and restart" once one is offered; or off, by the organisation's policy
// (DisableUpdates, shown as set by the organisation, no button at all) or because this copy was
// built from source. The version and notes come from the update server: shown as text only.
import * as api from "./api.js";
import { formatDateTime, formatLongDate, formatRelative } from "./format.js";
import { t } from "./i18n.js";
import { el, showError } from "./ui.js";

/** The lines the card shows for an update state (pure: the tests read it). */
export function describeUpdates(view, now = Date.now()) {
  if (!view) return { status: t("settings.updates.unknown"), action: null };
  if (view.off === "policy") return { status: t("settings.updates.offPolicy"), action: null, managed: true };
  if (view.off === "no_endpoint") return { status: t("settings.updates.offBuild"), action: null };
  if (view.installing) return { status: t("settings.updates.installing"), action: null, busy: true };
  if (view.checking) return { status: t("settings.updates.checking"), action: null, busy: true };
  if (view.available) {
    const published = view.available.date ? t("settings.updates.published", { date: formatLongDate(view.available.date) }) : null;
    return {
      status: t("settings.updates.available", { version: view.available.version }),
      published,
      notes: view.available.notes ?? null,
      action: "install",
    };
  }
  const status = view.lastChecked
    ? t("settings.updates.upToDate", { version: view.currentVersion })
    : t("settings.updates.notChecked", { version: view.currentVersion });
  const checked = view.lastChecked
    ? t("settings.updates.lastChecked", { when: formatRelative(view.lastChecked, now) })
    : null;
  return { status, checked, checkedTitle: view.lastChecked ? formatDateTime(view.lastChecked) : null, action: "check" };
}

export function updatesCard() {
  const body = el("div", { class: "card-body", id: "updates-body", "aria-live": "polite" });
  const errorSlot = el("div", { class: "form-error-slot", id: "updates-error" });
  let last = null;

  function draw(view) {
    last = view;
    const d = describeUpdates(view);
    const nodes = [];
    if (d.managed) {
      nodes.push(
        el("p", { class: "managed-note", id: "updates-managed" }, [
          el("span", { class: "managed-badge", text: t("policy.setByOrganisation") }),
        ]),
      );
    }
    nodes.push(el("p", { class: d.action === "install" ? "card-lead" : "", id: "updates-status", "aria-busy": d.busy ? "true" : "false", text: d.status }));
    if (d.published) nodes.push(el("p", { class: "field-help", id: "updates-published", text: d.published }));
    if (d.notes) {
      nodes.push(
        el("div", { class: "update-notes" }, [
          el("h3", { class: "subheading", text: t("settings.updates.notes") }),
          el("p", { class: "update-notes-text", id: "updates-notes", text: d.notes }),
        ]),
      );
    }
    if (d.checked) nodes.push(el("p", { class: "field-help", id: "updates-checked", title: d.checkedTitle ?? "", text: d.checked }));
    if (d.action === "install") {
      const install = el("button", { type: "button", id: "install-update", class: "btn btn-primary", text: t("settings.updates.install") });
      const again = el("button", { type: "button", id: "check-updates", class: "btn btn-secondary", text: t("settings.updates.checkAgain") });
      install.addEventListener("click", () => run(install, () => api.installUpdate()));
      again.addEventListener("click", () => run(again, () => api.checkForUpdates()));
      nodes.push(el("p", { class: "field-help", text: t("settings.updates.installHelp") }), el("div", { class: "card-actions" }, [install, again]));
    } else if (d.action === "check") {
      const check = el("button", { type: "button", id: "check-updates", class: "btn btn-secondary", text: t("settings.updates.check") });
      check.addEventListener("click", () => run(check, () => api.checkForUpdates()));
      nodes.push(el("div", { class: "card-actions" }, [check]));
    }
    nodes.push(errorSlot);
    body.replaceChildren(...nodes);
    errorSlot.replaceChildren();
    if (view?.error) showError(view.error, errorSlot);
  }

  async function run(button, work) {
    errorSlot.replaceChildren();
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      draw(await work());
    } catch (error) {
      // The state (with its error) arrives by the event too; an error without one (the IPC
      // itself) is shown here.
      if (button.isConnected) {
        if (last) draw(last);
        showError(error, errorSlot);
      }
    }
  }

  const card = el("section", { class: "card", id: "updates-card", "aria-labelledby": "updates-card-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "updates-card-title", text: t("settings.updates.title") })]),
    body,
  ]);
  const ready = (async () => {
    const stop = await api.onEvent(api.EVENT_UPDATES, (view) => {
      if (card.isConnected) draw(view);
    });
    try {
      draw(await api.updateState());
    } catch (error) {
      draw(null);
      showError(error, errorSlot);
    }
    return stop;
  })();
  return { card, stop: () => ready.then((stop) => stop()) };
}
