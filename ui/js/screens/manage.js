// Manage ServiceNow configuration (#/manage[?tab=connection|notifications|states|categories]):
// four tabs. Connection: the selected workspace's connection status, Check connection
// (check_connection), Re-authorize (reauthorize), its name and Add another ServiceNow instance,
// Remove connection (remove_connection, after a dialog that names the tasks still waiting and
// asks whether to keep or discard them) and what data goes where. Notifications, State names and
// Category mapping each have a tab of their own. The tab shown is kept in the URL's query (replaced
// in place, so no new render and no history entry), and a link can open one directly.
import * as api from "../api.js";
import { currentSummary, currentWorkspace, kinds, limits } from "../app-context.js";
import { currentLang, t } from "../i18n.js";
import { announce, clearError, el, showError } from "../ui.js";
import { doctorIds, formatAbsolute, formatRelative, normalizeChecks, summarizeChecks, tokenState, userLabel } from "../connection.js";
import { liveRelative } from "../format.js";
import { checkWords } from "../doctor.js";
import { createSignInFlow } from "../signin.js";
import { savedNote } from "../widgets.js";
import { createWatchCard } from "../watch-card.js";
import { createTabs, pickTab } from "../tabs.js";
import { parseRoute } from "../tickets-model.js";
import { cardIcon } from "../icons.js";

export const name = "manage";
export const titleKey = "manage.title";

const STATUS_ICONS = { ok: "\u2713", warn: "!", fail: "\u2715" };

/** The tabs, in order; the key is what `?tab=` says. */
export const TABS = Object.freeze(["connection", "notifications", "states", "categories"]);

/** The hash of the manage page showing `tab`, keeping the route's other parameters. Pure. */
export function manageHash(hash, tab) {
  const { params } = parseRoute(hash);
  const query = new URLSearchParams({ ...params, tab });
  if (tab === TABS[0]) query.delete("tab");
  const text = query.toString();
  return text ? `#/manage?${text}` : "#/manage";
}

/** The sentence about the access token, or null when the expiry time is unknown. */
export function tokenLine(info, now = Date.now()) {
  const state = tokenState(info, now);
  if (state === "unknown") return null;
  const time = formatRelative(info.accessTokenExpiresAt, now, currentLang());
  if (state === "refresh") return t("connection.token.refresh", { time });
  if (state === "refreshDue") return t("connection.token.refreshDue");
  return t("connection.token.ends", { time });
}

/** True for an instance reached over plain HTTP (only a local test instance may be). */
function plainHttp(instance) {
  return typeof instance === "string" && /^http:\/\//i.test(instance.trim());
}

/** The connection in plain words: what it is, who it signs in as, how long it lasts. */
function facts(info) {
  const row = (id, labelKey, value) => (value ? [el("dt", { text: t(labelKey) }), el("dd", { id }, [value])] : null);
  const exact = formatAbsolute(info.accessTokenExpiresAt, currentLang());
  const token = info.needsReconnect ? null : tokenLine(info);
  // A local test instance is said to be one, with a neutral mark: never a tick beside plain HTTP.
  const instance = plainHttp(info.instance)
    ? el("span", { class: "fact-with-note" }, [
        el("span", { text: info.instance }),
        el("span", { class: "fact-note", id: "status-instance-note" }, [
          el("span", { class: "fact-note-icon", "aria-hidden": "true", text: "i" }),
          el("span", { text: t("manage.facts.localNote") }),
        ]),
      ])
    : info.instance;
  return el("dl", { class: "facts", id: "connection-facts" }, [
    row("status-instance", "manage.facts.instance", instance),
    row("status-user", "connection.fields.signedIn", userLabel(info.signedIn)),
    row("status-integration-user", "connection.fields.integrationUser", info.integrationUser),
    row("status-token", "manage.facts.staySignedIn", token ? el("span", { title: exact, text: token }) : null),
    row("status-release", "manage.facts.version", info.release || t("connection.releaseUnknown")),
    row("status-client-type", "manage.facts.method", t(info.publicClient ? "manage.facts.methodPublic" : "manage.facts.methodConfidential")),
    row("status-client-id", "connection.fields.clientId", info.clientId),
    row("status-redirect", "connection.fields.redirect", info.redirectUri || null),
  ]);
}

function statusBadge(info) {
  return info.needsReconnect
    ? el("span", { class: "badge badge-warning", id: "status-badge", text: t("connection.status.reconnect") })
    : el("span", { class: "badge badge-success", id: "status-badge", text: t("connection.status.connected") });
}

function checkItem(check) {
  const { title, detail, fix, note } = checkWords(check);
  return el("li", { class: "check", id: `doctor-${check.id}`, dataset: { status: check.status } }, [
    el("span", { class: "check-icon", "aria-hidden": "true", text: STATUS_ICONS[check.status] }),
    el("div", { class: "check-body" }, [
      el("p", { class: "check-title" }, [
        el("span", { class: "visually-hidden", text: `${t(`doctor.status.${check.status}`)}: ` }),
        title,
      ]),
      detail ? el("p", { class: "check-detail", text: detail }) : null,
      note ? el("p", { class: "check-detail check-note", text: note }) : null,
      fix && check.status !== "ok"
        ? el("p", { class: "check-fix" }, [el("strong", { text: `${t("doctor.fix")} ` }), fix])
        : null,
    ]),
  ]);
}

function dataExchangeCard() {
  const list = (items) => el("ul", { class: "plain-list" }, items.map((key) => el("li", { text: t(key) })));
  const group = (titleKey, items) => [el("h3", { class: "subheading", text: t(titleKey) }), list(items)];
  return el("section", { class: "card", id: "data-exchange", "aria-labelledby": "data-exchange-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "data-exchange-title", text: t("dataExchange.title") })]),
    el("div", { class: "card-body" }, [
      ...group("dataExchange.credentialStore.title", [
        "dataExchange.credentialStore.clientSecret",
        "dataExchange.credentialStore.accessToken",
        "dataExchange.credentialStore.refreshToken",
      ]),
      ...group("dataExchange.settings.title", [
        "dataExchange.settings.instance",
        "dataExchange.settings.clientId",
        "dataExchange.settings.integrationUser",
        "dataExchange.settings.port",
      ]),
      ...group("dataExchange.ticket.title", [
        "dataExchange.ticket.user",
        "dataExchange.ticket.name",
        "dataExchange.ticket.description",
        "dataExchange.ticket.priority",
        "dataExchange.ticket.dueDate",
        "dataExchange.ticket.source",
        "dataExchange.ticket.category",
      ]),
      el("p", { class: "callout callout-plain", id: "data-exchange-secret", text: t("dataExchange.nothingSecret") }),
    ]),
  ]);
}

/**
 * Customize ticket state names: the instance's label of each state and an input for
 * the admin's own name (state_names, set_state_name for each change, reset_state_names).
 */
function stateNamesCard(workspace) {
  const body = el("div", { class: "state-names-body", "aria-busy": "true" });
  const errorSlot = el("div", { class: "form-error-slot", id: "state-names-error" });
  const save = el("button", { type: "submit", id: "save-state-names", class: "btn btn-primary", text: t("stateNames.save") });
  const reset = el("button", { type: "button", id: "reset-state-names", class: "btn btn-secondary", text: t("stateNames.reset") });
  const saved = savedNote("state-names-saved");
  const form = el("form", { class: "card", id: "state-names", novalidate: true, "aria-labelledby": "state-names-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "state-names-title", text: t("stateNames.title") })]),
    el("div", { class: "card-body" }, [el("p", { text: t("stateNames.intro") }), body, errorSlot]),
    el("div", { class: "card-actions" }, [save, reset, saved.node]),
  ]);
  form.addEventListener("input", () => saved.hide());
  let inputs = [];

  function show(names) {
    inputs = [];
    const list = Array.isArray(names) ? names : [];
    const groups = kinds().map(({ kind }) => {
      const states = list.find((k) => k.kind === kind)?.states ?? [];
      const rows = states.map((state) => {
        const id = `state-name-${kind}-${state.value}`;
        const input = el("input", {
          type: "text",
          id,
          name: id,
          class: "input",
          autocomplete: "off",
          maxlength: String(limits().stateNameChars),
          placeholder: state.instanceLabel,
          value: state.customLabel ?? "",
          "aria-label": t("stateNames.customFor", { label: state.instanceLabel }),
        });
        inputs.push({ kind, value: state.value, input, saved: state.customLabel ?? "" });
        return el("div", { class: "state-name-row" }, [
          el("label", { for: id, class: "state-name-instance" }, [
            el("span", { text: state.instanceLabel }),
            el("span", { class: "state-value", text: String(state.value) }),
          ]),
          input,
        ]);
      });
      return el("fieldset", { class: "fieldset-plain state-group", id: `state-names-${kind}` }, [
        el("legend", { class: "subheading", text: t(`stateNames.kinds.${kind}`) }),
        el("div", { class: "state-name-head", "aria-hidden": "true" }, [
          el("span", { text: t("stateNames.instanceLabel") }),
          el("span", { text: t("stateNames.customLabel") }),
        ]),
        ...rows,
      ]);
    });
    body.replaceChildren(...groups);
    body.removeAttribute("aria-busy");
  }

  async function load() {
    try {
      show(await api.stateNames(workspace));
    } catch (error) {
      body.removeAttribute("aria-busy");
      showError(error, errorSlot);
    }
  }

  const busy = (button, on) => {
    save.disabled = on;
    reset.disabled = on;
    button.setAttribute("aria-busy", on ? "true" : "false");
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorSlot.replaceChildren();
    saved.hide();
    busy(save, true);
    try {
      for (const item of inputs) {
        const label = item.input.value.trim();
        if (label === item.saved) continue;
        await api.setStateName(workspace, { kind: item.kind, value: item.value, label: label === "" ? null : label });
        item.saved = label;
      }
      announce(t("stateNames.saved"));
      await load();
      saved.show();
    } catch (error) {
      showError(error, errorSlot);
    } finally {
      busy(save, false);
    }
  });
  reset.addEventListener("click", async () => {
    errorSlot.replaceChildren();
    saved.hide();
    busy(reset, true);
    try {
      await api.resetStateNames(workspace);
      announce(t("stateNames.resetDone"));
      await load();
      saved.show();
    } catch (error) {
      showError(error, errorSlot);
    } finally {
      busy(reset, false);
    }
  });
  return { form, load };
}

const CATEGORIES = ["Identity", "Data", "Devices", "Apps", "Infrastructure"];

function categoryMappingCard(workspace) {
  const body = el("div", { class: "state-names-body", "aria-busy": "true" });
  const errorSlot = el("div", { class: "form-error-slot", id: "category-mapping-error" });
  const save = el("button", { type: "submit", id: "save-category-mapping", class: "btn btn-primary", text: t("categoryMapping.save") });
  const saved = savedNote("category-mapping-saved");
  const form = el("form", { class: "card", id: "category-mapping", novalidate: true, "aria-labelledby": "category-mapping-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "category-mapping-title", text: t("categoryMapping.title") })]),
    el("div", { class: "card-body" }, [el("p", { text: t("categoryMapping.intro") }), body, errorSlot]),
    el("div", { class: "card-actions" }, [save, saved.node]),
  ]);
  form.addEventListener("input", () => saved.hide());
  const inputs = new Map();

  function show(mapping) {
    inputs.clear();
    const rows = CATEGORIES.map((category) => {
      const id = `category-map-${category}`;
      const input = el("input", {
        type: "text",
        id,
        name: id,
        class: "input",
        autocomplete: "off",
        maxlength: String(limits().categoryValueChars),
        placeholder: t("categoryMapping.none"),
        value: typeof mapping?.[category] === "string" ? mapping[category] : "",
      });
      inputs.set(category, input);
      return el("div", { class: "state-name-row" }, [
        el("label", { for: id, class: "state-name-instance" }, [el("span", { text: t(`categories.${category}`) })]),
        input,
      ]);
    });
    body.replaceChildren(...rows);
    body.removeAttribute("aria-busy");
  }

  async function load() {
    try {
      show(await api.categoryMapping(workspace));
    } catch (error) {
      body.removeAttribute("aria-busy");
      showError(error, errorSlot);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorSlot.replaceChildren();
    saved.hide();
    save.disabled = true;
    try {
      const mapping = {};
      for (const [category, input] of inputs) mapping[category] = input.value.trim();
      await api.setCategoryMapping(workspace, mapping);
      announce(t("categoryMapping.saved"));
      await load();
      saved.show();
    } catch (error) {
      showError(error, errorSlot);
    } finally {
      save.disabled = false;
    }
  });
  return { form, load };
}

let checkOnNextRender = false;

/** The next render of the manage page runs the connection check by itself. */
export function requestCheckAfterConnect() {
  checkOnNextRender = true;
}

/** The instances card: this workspace's name in Ticket Bridge, and Add another instance. */
function instancesCard(workspace) {
  const summary = currentSummary();
  const errorSlot = el("div", { class: "form-error-slot", id: "workspace-name-error" });
  const saved = el("span", { class: "saved-note", id: "workspace-name-saved", role: "status", hidden: true, text: t("workspaces.nameSaved") });
  const name = el("input", {
    type: "text",
    id: "workspace-name",
    name: "workspace-name",
    class: "input",
    autocomplete: "off",
    maxlength: String(limits().workspaceNameChars),
    placeholder: summary?.instance ? summary.instance.replace(/^https?:\/\//, "").replace(/\.service-now\.com$/, "") : "",
    value: summary && summary.instance && summary.name !== summary.instance.replace(/^https?:\/\//, "").replace(/\.service-now\.com$/, "") ? summary.name : "",
  });
  const saveName = el("button", { type: "submit", id: "save-workspace-name", class: "btn btn-secondary", text: t("workspaces.saveName") });
  const form = el("form", { class: "inline-form", id: "workspace-name-form", novalidate: true }, [
    el("div", { class: "field" }, [
      el("label", { for: "workspace-name", class: "field-label", text: t("workspaces.nameLabel") }),
      el("div", { class: "input-row" }, [name, saveName, saved]),
      el("p", { class: "field-help", text: t("workspaces.nameHelp") }),
    ]),
  ]);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorSlot.replaceChildren();
    saved.hidden = true;
    saveName.disabled = true;
    try {
      await api.renameWorkspace(workspace, name.value.trim());
      saved.hidden = false;
      announce(t("workspaces.nameSaved"));
    } catch (error) {
      showError(error, errorSlot);
    } finally {
      saveName.disabled = false;
    }
  });
  return el("section", { class: "card", id: "instances-card", "aria-labelledby": "instances-card-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "instances-card-title", text: t("workspaces.cardTitle") })]),
    el("div", { class: "card-body" }, [el("p", { text: t("workspaces.cardIntro") }), form, errorSlot]),
    el("div", { class: "card-actions" }, [
      el("a", { href: "#/connect", id: "add-instance", class: "btn btn-secondary", text: t("workspaces.add") }),
    ]),
  ]);
}

export async function render(view, params = {}) {
  let alive = true;
  const workspace = currentWorkspace();
  if (!workspace) {
    // Nothing to manage: the home page offers Connect to ServiceNow.
    location.replace("#/");
    return null;
  }
  let info = null;
  try {
    info = await api.connectionStatus(workspace);
  } catch (error) {
    showError(error);
  }
  if (!alive) return null;
  const summary = currentSummary();

  // Status card ------------------------------------------------------------
  const errorSlot = el("div", { class: "form-error-slot", id: "manage-error" });
  const factsSlot = el("div", { class: "facts-slot" });
  const badgeSlot = el("span", { class: "badge-slot" });
  const results = el("ul", { class: "checks", id: "doctor-results", "aria-labelledby": "doctor-results-title", hidden: true });
  const resultsTitle = el("h3", { class: "subheading", id: "doctor-results-title", text: t("doctor.title"), hidden: true });
  const summaryLine = el("p", { class: "checks-summary", id: "doctor-summary", hidden: true });

  const check = el("button", { type: "button", id: "check-connection", text: t("doctor.run"), on: { click: () => runChecks() } });
  const reauth = el("button", {
    type: "button",
    id: "reauthorize",
    text: t(info ? "manage.reauthorize" : "connection.reconnect"),
    on: { click: () => flow.run(() => api.reauthorize(workspace)) },
  });
  const actions = el("div", { class: "card-actions" }, [check, reauth]);

  const flow = createSignInFlow({
    errorSlot,
    onConnected: (connection) => {
      if (!info) {
        // Connected again: the whole page applies now.
        window.dispatchEvent(new Event("tb:rerender"));
        return;
      }
      update(connection);
      announce(t("manage.reauthorized"));
    },
    onState: (next) => (actions.hidden = next !== "idle"),
    idleFocus: () => reauth,
  });

  function update(next) {
    info = next;
    if (!info) {
      factsSlot.replaceChildren(
        el("dl", { class: "facts", id: "connection-facts" }, [
          el("dt", { text: t("connection.fields.instance") }),
          el("dd", { id: "status-instance", text: summary?.instance ?? summary?.name ?? "" }),
        ]),
        el("p", { id: "status-not-connected", text: t("manage.notConnected", { count: summary?.waiting ?? 0 }) }),
      );
      badgeSlot.replaceChildren(el("span", { class: "badge badge-neutral", id: "status-badge", text: t("connection.status.notConnected") }));
      reauth.className = "btn btn-primary";
      actions.replaceChildren(reauth);
      return;
    }
    factsSlot.replaceChildren(facts(info));
    badgeSlot.replaceChildren(statusBadge(info));
    // The check of a local test instance over plain HTTP gets a neutral mark, not a green tick (CSS).
    results.dataset.plainHttp = plainHttp(info.instance) ? "true" : "false";
    // One primary action: Re-authorize when the sign-in has run out, Check connection otherwise.
    check.className = info.needsReconnect ? "btn btn-secondary" : "btn btn-primary";
    reauth.className = info.needsReconnect ? "btn btn-primary" : "btn btn-secondary";
    actions.replaceChildren(...(info.needsReconnect ? [reauth, check] : [check, reauth]));
  }

  const statusCard = el("section", { class: "card", id: "connection-status", "aria-labelledby": "connection-status-title" }, [
    el("div", { class: "card-header" }, [
      cardIcon("ticket"),
      el("h2", { id: "connection-status-title", text: t("manage.status.title") }),
      badgeSlot,
    ]),
    el("div", { class: "card-body" }, [factsSlot, resultsTitle, summaryLine, results, ...flow.nodes, errorSlot]),
    actions,
  ]);

  let checking = false;
  async function runChecks() {
    if (checking || !info) return;
    checking = true;
    clearError();
    errorSlot.replaceChildren();
    check.disabled = true;
    check.setAttribute("aria-busy", "true");
    check.textContent = t("doctor.running");
    resultsTitle.hidden = false;
    summaryLine.hidden = true;
    results.hidden = false;
    results.setAttribute("aria-busy", "true");
    results.replaceChildren(
      el("li", { class: "check check-running", id: "doctor-running" }, [
        el("span", { class: "spinner", "aria-hidden": "true" }),
        el("p", { class: "check-title", text: t("doctor.running") }),
      ]),
    );
    announce(t("doctor.running"));
    try {
      const checks = normalizeChecks(await api.checkConnection(workspace), doctorIds());
      if (!alive) return;
      results.replaceChildren(...checks.map(checkItem));
      const counts = summarizeChecks(checks);
      const key = counts.fail ? "doctor.summary.fail" : counts.warn ? "doctor.summary.warn" : "doctor.summary.ok";
      summaryLine.textContent = t(key, { fail: counts.fail, warn: counts.warn, total: checks.length });
      summaryLine.dataset.status = counts.fail ? "fail" : counts.warn ? "warn" : "ok";
      summaryLine.hidden = checks.length === 0;
      announce(summaryLine.textContent);
    } catch (error) {
      if (!alive) return;
      results.replaceChildren();
      results.hidden = true;
      resultsTitle.hidden = true;
      showError(error, errorSlot);
    } finally {
      if (alive) {
        results.removeAttribute("aria-busy");
        check.disabled = false;
        check.setAttribute("aria-busy", "false");
        check.textContent = t("doctor.run");
      }
      checking = false;
    }
  }

  // Remove ---------------------------------------------------------------------
  // Without tasks waiting: Remove or Cancel. With tasks: they are listed, and the admin keeps
  // them (the instance stays in the list, without a connection, and they go out once it is
  // connected again) or discards them; nothing goes without that choice.
  const yes = el("button", { type: "button", id: "confirm-remove-yes", class: "btn btn-danger", text: t("manage.remove.confirmYes") });
  const keep = el("button", { type: "button", id: "confirm-remove-keep", class: "btn btn-primary", text: t("manage.remove.keep"), hidden: true });
  const discard = el("button", { type: "button", id: "confirm-remove-discard", class: "btn btn-danger", text: t("manage.remove.discard"), hidden: true });
  const no = el("button", { type: "button", id: "confirm-remove-no", class: "btn btn-secondary", text: t("common.cancel"), autofocus: true });
  const dialogError = el("div", { class: "form-error-slot", id: "confirm-remove-error" });
  const waitingSlot = el("div", { id: "confirm-remove-waiting", hidden: true });
  const effects = el("div", { id: "confirm-remove-effects" }, [
    el("p", { text: t("manage.remove.confirmIntro", { instance: info?.instance ?? summary?.instance ?? "" }) }),
    el("ul", { class: "plain-list" }, [
      el("li", { text: t("manage.remove.effects.revoke") }),
      el("li", { text: t("manage.remove.effects.secrets") }),
      el("li", { text: t("manage.remove.effects.settings") }),
    ]),
    el("p", { text: t("manage.remove.confirmAfter") }),
  ]);
  const dialog = el(
    "dialog",
    { id: "confirm-remove", class: "dialog", "aria-labelledby": "confirm-remove-title", "aria-describedby": "confirm-remove-body" },
    [
      el("h2", { id: "confirm-remove-title", text: t("manage.remove.confirmTitle") }),
      el("div", { id: "confirm-remove-body" }, [info ? effects : null, waitingSlot]),
      dialogError,
      el("div", { class: "dialog-actions", id: "confirm-remove-actions" }, [yes, keep, discard, no]),
    ],
  );
  const choices = [yes, keep, discard, no];
  no.addEventListener("click", () => dialog.close());
  dialog.addEventListener("cancel", (event) => {
    if (choices.some((b) => b.getAttribute("aria-busy") === "true")) event.preventDefault();
  });
  dialog.addEventListener("close", () => {
    dialogError.replaceChildren();
    remove.focus();
  });
  let removed = false;
  let removing = false;

  async function removeWith(button, waiting, label) {
    // The removal's own events (connection gone, list changed) must not redraw this page.
    removing = true;
    for (const b of choices) b.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = t("manage.remove.removing");
    try {
      const result = await api.removeConnection(workspace, waiting);
      if (!alive) return;
      removed = true;
      dialog.close();
      announce(t(result?.kept ? "manage.remove.doneKept" : "manage.remove.done"));
      location.hash = "#/";
    } catch (error) {
      if (!alive) return;
      removing = false;
      showError(error, dialogError);
    } finally {
      if (alive) {
        for (const b of choices) b.disabled = false;
        button.setAttribute("aria-busy", "false");
        button.textContent = label;
      }
    }
  }
  yes.addEventListener("click", () => removeWith(yes, null, t("manage.remove.confirmYes")));
  keep.addEventListener("click", () => removeWith(keep, "keep", t("manage.remove.keep")));
  discard.addEventListener("click", () => removeWith(discard, "discard", t("manage.remove.discard")));

  async function openRemove() {
    dialogError.replaceChildren();
    let waiting = [];
    try {
      waiting = await api.waitingTasks(workspace);
    } catch (error) {
      showError(error, errorSlot);
      return;
    }
    const some = Array.isArray(waiting) && waiting.length > 0;
    waitingSlot.hidden = !some;
    waitingSlot.replaceChildren(
      ...(some
        ? [
            el("p", { id: "confirm-remove-waiting-intro", text: t("manage.remove.waiting", { count: waiting.length, instance: summary?.name ?? "" }) }),
            el("ul", { class: "plain-list waiting-list", id: "confirm-remove-tasks" }, waiting.map((item) => el("li", {}, [
              el("span", { class: "waiting-name", text: item.name }),
              el("span", { class: "muted", text: ` · ${t(`kinds.${item.kind}`)}` }),
            ]))),
            el("p", { text: t(info ? "manage.remove.waitingChoice" : "manage.remove.waitingDiscardOnly") }),
          ]
        : []),
    );
    yes.hidden = some;
    // Two choices and Cancel: one per line, the safe one first.
    dialog.querySelector("#confirm-remove-actions").classList.toggle("dialog-actions-stacked", some);
    // Keeping the tasks is a choice only while there is a connection to remove.
    keep.hidden = !some || !info;
    discard.hidden = !some;
    dialog.showModal();
    no.focus();
  }

  const remove = el("button", {
    type: "button",
    id: "remove-connection",
    class: "btn btn-danger-outline",
    text: t(info ? "manage.remove.button" : "manage.remove.buttonKept"),
    on: { click: () => openRemove() },
  });
  const dangerCard = el("section", { class: "card card-danger", id: "danger-zone", "aria-labelledby": "danger-zone-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "danger-zone-title", text: t(info ? "manage.remove.title" : "manage.remove.titleKept") })]),
    el("div", { class: "card-body" }, [el("p", { text: t(info ? "manage.remove.body" : "manage.remove.bodyKept") })]),
    el("div", { class: "card-actions" }, [remove]),
  ]);

  const stateNames = stateNamesCard(workspace);
  const categoryMapping = categoryMappingCard(workspace);
  const watch = createWatchCard(workspace);

  // Page ---------------------------------------------------------------------
  const breadcrumb = el("nav", { class: "breadcrumb", "aria-label": t("common.breadcrumb") }, [
    el("ol", {}, [
      el("li", {}, [el("a", { href: "#/", id: "breadcrumb-home", text: t("home.title") })]),
      el("li", { "aria-current": "page", text: t("manage.title") }),
    ]),
  ]);
  const connectionPanel = el("div", { class: "manage-grid" }, [
    el("div", { class: "manage-column" }, [statusCard, instancesCard(workspace), dangerCard]),
    el("div", { class: "manage-column" }, [dataExchangeCard()]),
  ]);
  // Without a connection there is nothing to notify about, name or map: no tabs, the connection only.
  const tabs = info
    ? createTabs({
        id: "manage",
        label: t("manage.tabs.label"),
        selected: pickTab(TABS, params.tab),
        tabs: [
          { key: "connection", label: t("manage.tabs.connection"), panel: [connectionPanel] },
          { key: "notifications", label: t("manage.tabs.notifications"), panel: [el("div", { class: "manage-single" }, [watch.node])] },
          { key: "states", label: t("manage.tabs.states"), panel: [el("div", { class: "manage-single" }, [stateNames.form])] },
          { key: "categories", label: t("manage.tabs.categories"), panel: [el("div", { class: "manage-single" }, [categoryMapping.form])] },
        ],
        // The tab goes into the URL in place: no hashchange, so the page is not drawn again.
        onSelect: (key) => history.replaceState(history.state, "", manageHash(location.hash, key)),
      })
    : null;
  view.append(
    el("div", { class: "page" }, [
      breadcrumb,
      el("h1", { class: "page-title", text: t("manage.title") }),
      el("p", { class: "page-intro", text: t("manage.intro") }),
      ...(tabs ? [tabs.list, ...tabs.panels] : [connectionPanel]),
      dialog,
    ]),
  );
  update(info);
  if (info) {
    watch.load();
    stateNames.load();
    categoryMapping.load();
  }

  const stop = await api.onWorkspaceEvent(api.EVENT_CONNECTION_CHANGED, workspace, "connection", (next) => {
    if (!alive || removing || flow.state() !== "idle") return;
    if (next) update(next);
    else if (!removed && info) window.dispatchEvent(new Event("tb:rerender"));
  });

  // The token sentence ("in 28 minutes") follows the clock (once a minute, not while hidden).
  const stopClock = liveRelative(null, () => {
    if (alive && info && factsSlot.isConnected) factsSlot.replaceChildren(facts(info));
  });

  if (checkOnNextRender && info) {
    checkOnNextRender = false;
    runChecks();
  }
  return () => {
    alive = false;
    stopClock();
    stop();
    watch.destroy();
    flow.destroy();
    if (dialog.open) dialog.close();
  };
}
