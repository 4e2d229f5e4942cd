// Improvement actions (#/actions[?kind=incident][&import=1]): the tenant's own Secure Score
// actions (Graph, after the Microsoft 365 sign-in), the portal's CSV export, and the ones the
// admin typed in (list_actions); the score in a header (score_view, read again when old); search,
// filters and sort; the ticket made for each action with the score's verdict; a Share →
// ServiceNow button per row (#/share/<id>); the CSV import with a preview; and a form that adds
// an action (add_action). ?kind= carries the ticket type chosen on a home card.
import * as api from "../api.js";
import { currentWorkspace, kindNames } from "../app-context.js";
import { currentLang, intlLang, t } from "../i18n.js";
import { announce, el, errorText, showError } from "../ui.js";
import { formatDateTime, formatRelative, liveRelative } from "../format.js";
import { CATEGORIES, checkNewAction } from "../tickets-model.js";
import { SORTS, TICKET_FILTERS, base64Of, facets, filterActions, formatNumber, sortActions } from "../score-model.js";
import { refreshButton, scoreText } from "../microsoft-card.js";
import { breadcrumb, categoryLabel, field, openRecord, shareIcon, verdictBadge, watchOutbox } from "../widgets.js";
import { cardIcon } from "../icons.js";

export const name = "actions";
export const titleKey = "actions.title";

/** The largest file the import takes (Rust checks again). */
const MAX_FILE_BYTES = 5 * 1024 * 1024;

function pointsCell(action) {
  const lang = currentLang();
  if (typeof action.points !== "number") return el("span", { class: "muted", text: t("actions.notScored") });
  if (typeof action.maxPoints !== "number") return formatNumber(action.points, lang);
  return t("actions.points", { points: formatNumber(action.points, lang), max: formatNumber(action.maxPoints, lang) });
}

function gainCell(action) {
  if (typeof action.toGain !== "number") return el("span", { class: "muted", text: "–" });
  if (action.toGain <= 0) return el("span", { class: "gain-none", text: t("actions.gainNone") });
  return el("span", { class: "gain", text: t("actions.gain", { points: formatNumber(action.toGain, currentLang()) }) });
}

/** Product · tier · user impact · cost · where it came from: one quiet line under the title. */
function metaLine(action) {
  const bits = [
    action.service,
    action.tier && action.tier !== "other" ? t(`actions.tier.${action.tier}`) : null,
    action.userImpact ? t("actions.userImpact", { level: t(`actions.level.${action.userImpact}`) }) : null,
    action.implementationCost ? t("actions.cost", { level: t(`actions.level.${action.implementationCost}`) }) : null,
    action.origin === "csv" ? t("actions.origin.csv") : action.origin === "typed" ? t("actions.origin.typed") : null,
  ].filter(Boolean);
  return bits.length ? el("span", { class: "action-meta", text: bits.join(" · ") }) : null;
}

function ticketCell(workspace, action) {
  if (action.ticket) {
    const ref = action.ticket;
    return el("div", { class: "ticket-cell" }, [
      el(
        "button",
        {
          type: "button",
          class: "link-button",
          id: `ticket-${action.id}`,
          "aria-label": t("tickets.openLabel", { number: ref.number, name: action.title }),
          on: { click: () => openRecord(workspace, ref.url) },
        },
        [el("span", { class: "ticket-number", text: ref.number }), el("span", { class: "ticket-state", text: ref.stateLabel || String(ref.state ?? "") })],
      ),
      verdictBadge(ref, `verdict-${action.id}`),
    ]);
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
    el("th", { scope: "row", class: "cell-title" }, [el("span", { class: "action-title", text: action.title }), metaLine(action)]),
    el("td", { dataset: { label: t("actions.columns.category") }, text: action.category ? categoryLabel(action.category) : "–" }),
    el("td", { class: "cell-num", dataset: { label: t("actions.columns.points") } }, [pointsCell(action)]),
    el("td", { class: "cell-num", dataset: { label: t("actions.columns.toGain") } }, [gainCell(action)]),
    el("td", { class: "cell-status", dataset: { label: t("actions.columns.status") }, text: action.status ? t(`actions.status.${action.status}`) : "–" }),
    el("td", { class: "cell-ticket", dataset: { label: t("actions.columns.ticket") } }, [ticketCell(workspace, action)]),
    el("td", { class: "cell-action" }, [
      el(
        "button",
        {
          type: "button",
          id: `share-${action.id}`,
          class: "btn btn-secondary btn-share",
          "aria-label": t("actions.shareLabel", { title: action.title }),
          on: { click: () => (location.hash = shareHref(action, kind)) },
        },
        [shareIcon(), el("span", { text: t("actions.share") })],
      ),
    ]),
  ]);
}

function actionsTable(workspace, actions, kind) {
  const head = ["title", "category", "points", "toGain", "status", "ticket", "share"].map((key) =>
    el("th", { scope: "col", class: key === "share" ? "cell-action" : key === "points" || key === "toGain" ? "cell-num" : null }, [
      key === "share" ? el("span", { class: "visually-hidden", text: t("actions.columns.share") }) : t(`actions.columns.${key}`),
    ]),
  );
  return el("table", { class: "data-table actions-table", id: "actions-table" }, [
    el("caption", { class: "visually-hidden", text: t("actions.title") }),
    el("thead", {}, [el("tr", {}, head)]),
    el("tbody", {}, actions.map((action) => actionRow(workspace, action, kind))),
  ]);
}

/** Nothing at all yet: the three ways to get actions. */
function emptyState(view) {
  const signedIn = Boolean(view?.microsoft);
  return el("div", { class: "empty-state", id: "actions-empty" }, [
    el("p", { class: "empty-title", text: t("actions.empty.title") }),
    el("p", { text: t(signedIn ? "actions.empty.bodySignedIn" : "actions.empty.body") }),
    el("div", { class: "empty-actions" }, [
      signedIn ? null : el("a", { href: "#/microsoft", id: "empty-sign-in", class: "btn btn-primary", text: t("microsoft.card.signIn") }),
      el("a", { href: "#/actions?import=1", id: "empty-import", class: "btn btn-secondary", text: t("microsoft.card.import") }),
      el("a", { href: "#add-action-form", id: "empty-type", class: "btn btn-secondary", text: t("actions.empty.type") }),
    ]),
  ]);
}

/** The score header: the tenant's points, when Microsoft computed them, when they were read. */
function scoreCard(workspace, view, onView) {
  const lang = currentLang();
  const summary = view.summary;
  const errorSlot = el("div", { class: "form-error-slot", id: "score-refresh-error" });
  const refresh = refreshButton({ id: "score-refresh", workspace, errorSlot, onView });
  const text = scoreText(summary, lang);
  const whenText = (now) =>
    [
      summary?.asOf ? t("actions.score.asOf", { date: formatDateTime(summary.asOf, lang) }) : null,
      summary?.fetchedAt ? t("actions.score.fetched", { time: formatRelative(summary.fetchedAt, now, lang) }) : null,
    ]
      .filter(Boolean)
      .join(" · ");
  const when = whenText(Date.now()) ? el("p", { class: "score-when", id: "score-when", text: whenText(Date.now()) }) : null;
  // "read 3 minutes ago" follows the clock.
  if (when) liveRelative(when, (now) => (when.textContent = whenText(now)));
  const error = view.error ? errorText(view.error) : null;
  return el("section", { class: "card score-card", id: "score-card", "aria-labelledby": "score-card-title" }, [
    el("div", { class: "score-main" }, [
      cardIcon("shield"),
      el("div", { class: "score-text" }, [
        el("h2", { id: "score-card-title", class: "score-label", text: t("actions.score.title", { tenant: view.microsoft.tenant }) }),
        el("p", { class: "score-value", id: "score-value", text: text ?? t(view.stale ? "microsoft.card.reading" : "microsoft.card.noScore") }),
        when,
        summary?.deprecatedHidden ? el("p", { class: "note", id: "score-hidden", text: t("actions.score.hidden", { count: summary.deprecatedHidden }) }) : null,
      ]),
      el("div", { class: "score-actions" }, [refresh]),
    ]),
    error
      ? el("div", { class: "callout callout-warning", id: "score-error" }, [
          el("span", { class: "callout-icon", "aria-hidden": "true", text: "!" }),
          el("div", { class: "callout-content" }, [
            el("p", { class: "callout-text", text: error.message }),
            error.hint ? el("p", { class: "callout-hint", text: error.hint }) : null,
          ]),
        ])
      : null,
    errorSlot,
  ]);
}

/** Not signed in: where the tenant's points come from. */
function signInCallout(onImport) {
  return el("div", { class: "callout", id: "score-sign-in" }, [
    el("span", { class: "callout-icon", "aria-hidden": "true", text: "i" }),
    el("div", { class: "callout-content" }, [
      el("p", { class: "callout-text", text: t("actions.score.signInTitle") }),
      el("p", { class: "callout-hint", text: t("actions.score.signInBody") }),
      el("div", { class: "callout-actions" }, [
        el("a", { href: "#/microsoft", id: "actions-sign-in", class: "btn btn-primary", text: t("microsoft.card.signIn") }),
        el("button", { type: "button", id: "actions-import-open", class: "btn btn-secondary", text: t("microsoft.card.import"), on: { click: onImport } }),
      ]),
    ]),
  ]);
}

/** The CSV import: choose the file, see what it holds, then import (or cancel). */
function importCard(workspace, view, open, onDone) {
  const errorSlot = el("div", { class: "form-error-slot", id: "csv-error" });
  const previewSlot = el("div", { class: "csv-preview-slot", "aria-live": "polite" });
  const input = el("input", { type: "file", id: "csv-file", class: "file-input", accept: ".csv,text/csv" });
  const chooser = el("div", { class: "field" }, [
    el("label", { for: "csv-file", class: "field-label", text: t("csv.file") }),
    input,
    el("p", { class: "field-help", id: "csv-file-help", text: t("csv.fileHelp") }),
  ]);
  input.setAttribute("aria-describedby", "csv-file-help");
  const last = view?.csv
    ? el("div", { class: "csv-last", id: "csv-last" }, [
        el("p", {
          text: t("csv.last", {
            file: view.csv.fileName || t("csv.unnamed"),
            count: view.csv.actions,
            date: formatDateTime(view.csv.importedAt, currentLang()),
          }),
        }),
        el("button", {
          type: "button",
          id: "csv-clear",
          class: "btn btn-subtle",
          text: t("csv.clear"),
          on: {
            click: async (event) => {
              event.currentTarget.disabled = true;
              try {
                await api.csvClear(workspace);
                announce(t("csv.cleared"));
                await onDone();
              } catch (error) {
                showError(error, errorSlot);
              }
            },
          },
        }),
      ])
    : null;

  let content = null;
  let fileName = null;
  function reset() {
    content = null;
    fileName = null;
    input.value = "";
    previewSlot.replaceChildren();
  }

  function preview(result) {
    const lang = currentLang();
    const skipped = Array.isArray(result.skipped) ? result.skipped : [];
    const count = result.actions?.length ?? 0;
    const importButton = el("button", { type: "button", id: "csv-import", class: "btn btn-primary", text: t("csv.import", { count }) });
    importButton.addEventListener("click", async () => {
      importButton.disabled = true;
      importButton.setAttribute("aria-busy", "true");
      try {
        const summary = await api.csvImport(workspace, content, fileName);
        announce(t("csv.imported", { count: summary?.actions ?? count }));
        reset();
        await onDone();
      } catch (error) {
        importButton.disabled = false;
        importButton.setAttribute("aria-busy", "false");
        showError(error, errorSlot);
      }
    });
    const scored = (result.actions ?? []).filter((a) => typeof a.maxPoints === "number").length;
    previewSlot.replaceChildren(
      el("div", { class: "csv-preview", id: "csv-preview" }, [
        el("p", { class: "csv-preview-title", id: "csv-preview-count", text: t("csv.found", { count, file: fileName ?? "" }) }),
        el("dl", { class: "facts" }, [
          el("dt", { text: t("csv.columns") }),
          el("dd", { id: "csv-columns", text: (result.columns ?? []).join(", ") }),
          result.ignoredColumns?.length ? el("dt", { text: t("csv.ignored") }) : null,
          result.ignoredColumns?.length ? el("dd", { id: "csv-ignored", text: result.ignoredColumns.join(", ") }) : null,
          el("dt", { text: t("csv.withPoints") }),
          el("dd", { id: "csv-scored", text: formatNumber(scored, lang) }),
        ]),
        skipped.length
          ? el("div", { class: "callout callout-warning", id: "csv-skipped" }, [
              el("span", { class: "callout-icon", "aria-hidden": "true", text: "!" }),
              el("div", { class: "callout-content" }, [
                el("p", { class: "callout-text", text: t("csv.skipped", { count: skipped.length }) }),
                el(
                  "ul",
                  { class: "plain-list" },
                  skipped.slice(0, 5).map((s) => el("li", { text: t("csv.skippedLine", { line: s.line, reason: t(`csv.skipReason.${s.reason}`) }) })),
                ),
              ]),
            ])
          : null,
        el("div", { class: "card-actions" }, [
          importButton,
          el("button", { type: "button", id: "csv-cancel", class: "btn btn-secondary", text: t("common.cancel"), on: { click: () => reset() } }),
        ]),
      ]),
    );
    importButton.focus();
  }

  input.addEventListener("change", async () => {
    errorSlot.replaceChildren();
    previewSlot.replaceChildren();
    const file = input.files?.[0];
    if (!file) return;
    if (file.size > MAX_FILE_BYTES) {
      showError({ kind: "invalid_input", reason: "csv_too_large", params: { limit: String(MAX_FILE_BYTES / (1024 * 1024)) } }, errorSlot);
      input.value = "";
      return;
    }
    previewSlot.setAttribute("aria-busy", "true");
    try {
      content = base64Of(await file.arrayBuffer());
      fileName = file.name;
      preview(await api.csvPreview(workspace, content));
    } catch (error) {
      reset();
      showError(error, errorSlot);
    } finally {
      previewSlot.removeAttribute("aria-busy");
    }
  });

  return el("details", { class: "card card-details", id: "csv-card", open: open || null }, [
    el("summary", { class: "card-header" }, [el("h2", { id: "csv-card-title", text: t("csv.title") })]),
    el("div", { class: "card-body" }, [el("p", { text: t("csv.intro") }), last, chooser, previewSlot, errorSlot]),
  ]);
}

function toolbar(state, all, onChange) {
  const { categories, statuses } = facets(all);
  const select = (id, label, options, value) => {
    const node = el(
      "select",
      { id, class: "input input-compact", "aria-label": label },
      options.map(([v, text]) => el("option", { value: v, text })),
    );
    node.value = value;
    return node;
  };
  const search = el("input", {
    type: "search",
    id: "actions-search",
    class: "input input-search",
    placeholder: t("actions.filters.search"),
    "aria-label": t("actions.filters.search"),
    value: state.query,
    autocomplete: "off",
  });
  const category = select(
    "actions-category",
    t("actions.filters.category"),
    [["", t("actions.filters.allCategories")], ...CATEGORIES.filter((c) => categories.includes(c)).map((c) => [c, categoryLabel(c)])],
    state.category,
  );
  const status = select(
    "actions-status",
    t("actions.filters.status"),
    [["", t("actions.filters.allStatuses")], ...statuses.map((s) => [s, t(`actions.status.${s}`)])],
    state.status,
  );
  const ticket = select(
    "actions-ticket",
    t("actions.filters.ticket"),
    TICKET_FILTERS.map((f) => [f, t(`actions.filters.ticketChoice.${f || "any"}`)]),
    state.ticket,
  );
  const sort = select("actions-sort", t("actions.filters.sort"), SORTS.map((s) => [s, t(`actions.filters.sortBy.${s}`)]), state.sort);
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange({ query: search.value }), 150);
  });
  category.addEventListener("change", () => onChange({ category: category.value }));
  status.addEventListener("change", () => onChange({ status: status.value }));
  ticket.addEventListener("change", () => onChange({ ticket: ticket.value }));
  sort.addEventListener("change", () => onChange({ sort: sort.value }));
  return el("div", { class: "toolbar", id: "actions-toolbar", role: "search" }, [search, category, status, ticket, sort]);
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
  const state = { query: "", category: "", status: "", ticket: "", sort: "rank" };
  let all = [];
  let drawnOnce = false;
  let score = null;
  let importOpen = params.import === "1";

  const headerSlot = el("div", { class: "score-slot" });
  const importSlot = el("div", { class: "import-slot" });
  const toolbarSlot = el("div", { class: "toolbar-slot" });
  const countLine = el("p", { class: "list-count", id: "actions-count", "aria-live": "polite" });
  const listSlot = el("div", { class: "table-slot", "aria-busy": "true" });
  const outboxSlot = el("div", { class: "outbox-slot" });

  function drawList() {
    const shown = sortActions(filterActions(all, state), state.sort, intlLang(currentLang()));
    if (!all.length) {
      toolbarSlot.replaceChildren();
      countLine.textContent = "";
      listSlot.replaceChildren(emptyState(score));
      return;
    }
    countLine.textContent = shown.length === all.length ? t("actions.count", { count: all.length }) : t("actions.countFiltered", { shown: shown.length, count: all.length });
    listSlot.replaceChildren(
      shown.length
        ? actionsTable(workspace, shown, kind)
        : el("div", { class: "empty-state", id: "actions-none-match" }, [el("p", { class: "empty-title", text: t("actions.noMatch") })]),
    );
  }

  function drawToolbar() {
    if (!all.length) return;
    toolbarSlot.replaceChildren(
      toolbar(state, all, (change) => {
        Object.assign(state, change);
        drawList();
      }),
    );
  }

  function drawHeader() {
    headerSlot.replaceChildren(score?.microsoft ? scoreCard(workspace, score, (next) => showScore(next)) : signInCallout(() => openImport()));
    const card = importCard(workspace, score, importOpen, () => reload());
    card.addEventListener("toggle", () => (importOpen = card.open));
    importSlot.replaceChildren(card);
  }

  function openImport() {
    importOpen = true;
    drawHeader();
    const card = document.getElementById("csv-card");
    card?.scrollIntoView({ block: "start" });
    document.getElementById("csv-file")?.focus();
  }

  function showScore(next) {
    if (!alive || !next) return;
    score = next;
    drawHeader();
  }

  async function loadActions() {
    try {
      const actions = await api.listActions(workspace);
      if (!alive) return;
      const next = Array.isArray(actions) ? actions : [];
      // A score read or a ticket elsewhere often brings the same list back: the rows stay, so a
      // click on one is not lost to a redraw under the pointer.
      if (drawnOnce && JSON.stringify(next) === JSON.stringify(all)) return;
      all = next;
      drawnOnce = true;
      drawToolbar();
      drawList();
    } catch (error) {
      if (!alive) return;
      listSlot.replaceChildren();
      showError(error);
    } finally {
      listSlot.removeAttribute("aria-busy");
      // How many reads the list has had (the end-to-end tests wait on it).
      listSlot.dataset.reads = String(Number(listSlot.dataset.reads ?? 0) + 1);
    }
  }

  async function reload() {
    const [next] = await Promise.all([api.scoreView(workspace).catch(() => null), loadActions()]);
    if (next) showScore(next);
  }

  const listCard = el("section", { class: "card", id: "actions-card", "aria-labelledby": "actions-card-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "actions-card-title", text: t("actions.listTitle") }), countLine]),
    el("div", { class: "card-body" }, [toolbarSlot, listSlot]),
  ]);

  view.append(
    el("div", { class: "page" }, [
      breadcrumb(t("actions.title")),
      el("h1", { class: "page-title", text: t("actions.title") }),
      el("p", { class: "page-intro", text: t(kind ? `actions.introFor.${kind}` : "actions.intro") }),
      outboxSlot,
      el("div", { class: "stack" }, [headerSlot, importSlot, listCard, addForm(workspace, () => loadActions())]),
    ]),
  );
  await reload();
  if (importOpen) document.getElementById("csv-file")?.focus();
  const stopOutbox = await watchOutbox(workspace, outboxSlot);
  // A task that reaches ServiceNow (or the outbox), a new score or import change the list.
  const stops = await Promise.all([
    api.onWorkspaceEvent(api.EVENT_TICKETS_CHANGED, workspace, "summary", () => loadActions()),
    api.onWorkspaceEvent(api.EVENT_OUTBOX_CHANGED, workspace, "items", () => loadActions()),
    api.onWorkspaceEvent(api.EVENT_SCORE_CHANGED, workspace, "score", (next) => {
      showScore(next);
      loadActions();
    }),
  ]);
  return () => {
    alive = false;
    stopOutbox();
    for (const stop of stops) stop();
  };
}
