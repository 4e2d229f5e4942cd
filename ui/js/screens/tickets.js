// View all tickets (#/tickets[?kind=change_request&state=…&due=overdue]): every
// ticket of both kinds from the cache (list_tickets, then tickets://changed),
// filters, search, sortable columns, Export to CSV (export_tickets_csv of the
// filtered rows) and Refresh (refresh_tickets).
//
// Large lists are paged, 100 rows at a time, rather than virtualised: the
// document keeps its one scroll (no inner scroll container for WebKitGTK to
// paint on a layer of its own), every row on the page stays in the accessibility
// tree and in Ctrl+F, and a page of 100 rows draws in a few milliseconds. The
// filtering and sorting of 10,000 tickets happens in tickets-model.js.
import * as api from "../api.js";
import { currentWorkspace, kindNames } from "../app-context.js";
import { currentLang, t } from "../i18n.js";
import { announce, el, showError } from "../ui.js";
import { formatDateTime, formatRelative, liveRelative } from "../format.js";
import { CATEGORIES, PAGE_SIZE, PRIORITIES, emptyFilter, filterOptions, isEmptyFilter, isOverdue, isStale, view as viewOf, withCategories } from "../tickets-model.js";
import { breadcrumb, categoryLabel, formatDate, kindLabel, openRecord, priorityLabel, verdictBadge } from "../widgets.js";

export const name = "tickets";
export const titleKey = "ticketList.title";

const COLUMNS = [
  { key: "number", labelKey: "ticketList.columns.number" },
  { key: "name", labelKey: "ticketList.columns.name" },
  { key: "kind", labelKey: "ticketList.columns.kind", optional: true },
  { key: "stateLabel", labelKey: "ticketList.columns.state" },
  { key: "priority", labelKey: "ticketList.columns.priority" },
  { key: "dueDate", labelKey: "ticketList.columns.due" },
  { key: "category", labelKey: "ticketList.columns.category", optional: true },
  { key: "updatedAt", labelKey: "ticketList.columns.updated", optional: true },
];
const DUE = ["all", "overdue", "next7"];

function select(id, labelText, options, value) {
  const input = el(
    "select",
    { id, name: id, class: "input" },
    options.map(([v, text]) => el("option", { value: v, text })),
  );
  input.value = options.some(([v]) => v === value) ? value : options[0][0];
  return { input, wrap: el("div", { class: "field filter" }, [el("label", { for: id, class: "field-label", text: labelText }), input]) };
}

function initialFilter(params) {
  const f = emptyFilter();
  if (kindNames().includes(params.kind)) f.kind = params.kind;
  if (typeof params.state === "string" && params.state) f.state = params.state;
  if (PRIORITIES.map(String).includes(params.priority)) f.priority = params.priority;
  if (typeof params.category === "string" && params.category) f.category = params.category;
  if (DUE.includes(params.due)) f.due = params.due;
  if (typeof params.q === "string") f.search = params.q;
  return f;
}

export async function render(host, params = {}) {
  let alive = true;
  const workspace = currentWorkspace();
  if (!workspace) {
    location.replace("#/");
    return null;
  }
  let data = { tickets: [], fetchedAt: null, fromCache: true };
  let filter = initialFilter(params);
  let sort = { key: "updatedAt", dir: "desc" };
  let page = 1;
  let current = { filtered: [] };

  // Filters ------------------------------------------------------------------
  const all = t("ticketList.filters.all");
  const kind = select("filter-kind", t("ticketList.filters.kind"), [["all", all], ...kindNames().map((k) => [k, kindLabel(k)])], filter.kind);
  const state = select("filter-state", t("ticketList.filters.state"), [["all", all]], "all");
  const priority = select("filter-priority", t("ticketList.filters.priority"), [["all", all], ...PRIORITIES.map((p) => [String(p), priorityLabel(p)])], filter.priority);
  const category = select("filter-category", t("ticketList.filters.category"), [["all", all]], "all");
  const due = select(
    "filter-due",
    t("ticketList.filters.due"),
    [["all", all], ["overdue", t("ticketList.due.overdue")], ["next7", t("ticketList.due.next7")]],
    filter.due,
  );
  const search = el("input", {
    type: "search",
    id: "ticket-search",
    name: "ticket-search",
    class: "input",
    autocomplete: "off",
    placeholder: t("ticketList.searchPlaceholder"),
    value: filter.search,
  });
  const searchWrap = el("div", { class: "field filter filter-search" }, [
    el("label", { for: "ticket-search", class: "field-label", text: t("ticketList.search") }),
    search,
  ]);
  const clear = el("button", { type: "button", id: "clear-filters", class: "btn btn-subtle", text: t("ticketList.clear") });

  // Status line and buttons --------------------------------------------------
  const updated = el("span", { id: "tickets-updated" });
  // Said only when the copy on screen is old, in words ("Shown from the copy saved 2 hours ago.").
  const staleText = el("span", { id: "tickets-stale-text" });
  const cacheBadge = el("span", { class: "list-stale", id: "tickets-from-cache", hidden: true }, [
    el("span", { class: "list-stale-icon", "aria-hidden": "true", text: "i" }),
    staleText,
  ]);
  const count = el("p", { class: "list-count", id: "tickets-count", "aria-live": "polite" });
  const refresh = el("button", { type: "button", id: "refresh-tickets", class: "btn btn-secondary", text: t("ticketList.refresh") });
  const exportBtn = el("button", { type: "button", id: "export-csv", class: "btn btn-secondary", text: t("ticketList.export") });
  const exportResult = el("div", { id: "export-result", class: "export-result", role: "status" });
  const errorSlot = el("div", { class: "form-error-slot", id: "tickets-error" });

  // Table ----------------------------------------------------------------------
  const headCells = COLUMNS.map((col) => {
    const button = el("button", { type: "button", class: "sort-button", id: `sort-${col.key}`, dataset: { key: col.key } }, [
      el("span", { text: t(col.labelKey) }),
      el("span", { class: "sort-arrow", "aria-hidden": "true" }),
    ]);
    button.addEventListener("click", () => {
      sort = sort.key === col.key ? { key: col.key, dir: sort.dir === "asc" ? "desc" : "asc" } : { key: col.key, dir: col.key === "updatedAt" || col.key === "dueDate" ? "desc" : "asc" };
      page = 1;
      update();
      announce(t(sort.dir === "asc" ? "ticketList.sortedAsc" : "ticketList.sortedDesc", { column: t(col.labelKey) }));
    });
    return el("th", { scope: "col", class: col.optional ? "col-optional" : null, dataset: { key: col.key } }, [button]);
  });
  const tbody = el("tbody");
  const table = el("table", { class: "data-table tickets-table", id: "tickets-table" }, [
    el("caption", { class: "visually-hidden", text: t("ticketList.title") }),
    el("thead", {}, [el("tr", {}, headCells)]),
    tbody,
  ]);
  // An empty list: a title, one sentence and what to do (share an action, or clear the filters).
  const emptyCreate = el("a", { href: "#/actions", id: "tickets-empty-create", class: "btn btn-primary", text: t("tickets.create") });
  const emptyClear = el("button", { type: "button", id: "tickets-empty-clear", class: "btn btn-secondary", text: t("ticketList.clear") });
  const emptyNode = el("div", { class: "empty-state", id: "tickets-empty", hidden: true }, [
    el("p", { class: "empty-title", id: "tickets-empty-title" }),
    el("p", { id: "tickets-empty-body" }),
    el("div", { class: "empty-actions" }, [emptyCreate, emptyClear]),
  ]);
  const prev = el("button", { type: "button", id: "tickets-prev", class: "btn btn-secondary", text: t("ticketList.prev") });
  const next = el("button", { type: "button", id: "tickets-next", class: "btn btn-secondary", text: t("ticketList.next") });
  const pageText = el("span", { id: "tickets-page", class: "pager-text" });
  const pager = el("nav", { class: "pager", id: "tickets-pager", "aria-label": t("ticketList.pages") }, [prev, pageText, next]);

  tbody.addEventListener("click", (event) => {
    if (event.target.closest("button")) return;
    const row = event.target.closest("tr[data-sys-id]");
    const ticket = row && current.filtered.find((x) => x.sysId === row.dataset.sysId);
    if (ticket) openRecord(workspace, ticket.url, errorSlot);
  });
  prev.addEventListener("click", () => {
    page -= 1;
    update();
    table.scrollIntoView({ block: "start" });
  });
  next.addEventListener("click", () => {
    page += 1;
    update();
    table.scrollIntoView({ block: "start" });
  });

  function row(ticket, now) {
    const overdue = isOverdue(ticket, now);
    const dueText = formatDate(ticket.dueDate);
    const updatedCell = el("td", { class: "col-optional", title: formatDateTime(ticket.updatedAt, currentLang()), text: formatRelative(ticket.updatedAt, now, currentLang()) });
    if (ticket.updatedAt) liveRelative(updatedCell, (at) => (updatedCell.textContent = formatRelative(ticket.updatedAt, at, currentLang())));
    return el("tr", { dataset: { sysId: ticket.sysId, kind: ticket.kind } }, [
      el("td", { class: "cell-number" }, [
        el("button", {
          type: "button",
          class: "link-button",
          "aria-label": t("tickets.openLabel", { number: ticket.number, name: ticket.name ?? "" }),
          text: ticket.number,
          on: { click: () => openRecord(workspace, ticket.url, errorSlot) },
        }),
      ]),
      el("td", { class: "cell-name", title: ticket.name || null }, [el("span", { class: "cell-name-text", text: ticket.name ?? "" })]),
      el("td", { class: "col-optional", text: kindLabel(ticket.kind) }),
      el("td", { class: "cell-state" }, [
        el("span", { text: ticket.stateLabel || String(ticket.state ?? "") }),
        verdictBadge(ticket),
      ]),
      el("td", { text: ticket.priority ? priorityLabel(ticket.priority) : "" }),
      el("td", { class: "cell-due" }, [
        dueText ? el("span", { class: overdue ? "is-overdue" : null, text: dueText }) : null,
        overdue ? el("span", { class: "badge badge-danger", text: t("tickets.overdue") }) : null,
      ]),
      el("td", { class: "col-optional", text: categoryLabel(ticket.category) }),
      updatedCell,
    ]);
  }

  function fillOptions(input, options, value) {
    input.replaceChildren(...options.map(([v, text]) => el("option", { value: v, text })));
    input.value = options.some(([v]) => v === value) ? value : "all";
    return input.value;
  }

  function refreshOptions() {
    const opts = filterOptions(data.tickets, filter.kind);
    filter.state = fillOptions(state.input, [["all", all], ...opts.states.map((s) => [s, s])], filter.state);
    const cats = [...new Set([...opts.categories, ...(filter.category !== "all" ? [filter.category] : [])])];
    cats.sort((a, b) => (CATEGORIES.indexOf(a) + 1 || 99) - (CATEGORIES.indexOf(b) + 1 || 99) || a.localeCompare(b));
    filter.category = fillOptions(category.input, [["all", all], ...cats.map((c) => [c, categoryLabel(c)])], filter.category);
  }

  function updateStatus() {
    const now = Date.now();
    const stale = isStale(data.fetchedAt, now);
    if (data.fetchedAt) {
      const time = formatRelative(data.fetchedAt, now, currentLang());
      const exact = formatDateTime(data.fetchedAt, currentLang());
      updated.textContent = t("ticketList.updated", { time });
      updated.title = exact;
      staleText.textContent = t("ticketList.stale", { time });
      cacheBadge.title = exact;
    } else {
      updated.textContent = t("ticketList.neverUpdated");
      updated.removeAttribute("title");
    }
    // One line: "Updated 3 minutes ago", or the saved copy's age once it is old.
    updated.hidden = stale;
    cacheBadge.hidden = !stale;
  }

  function update() {
    const now = Date.now();
    current = viewOf(data.tickets, { filter, sort, page, size: PAGE_SIZE, now });
    page = current.page;
    for (const th of headCells) {
      const key = th.dataset.key;
      if (key === sort.key) th.setAttribute("aria-sort", sort.dir === "asc" ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
      th.querySelector(".sort-arrow").textContent = key === sort.key ? (sort.dir === "asc" ? "\u2191" : "\u2193") : "";
    }
    tbody.replaceChildren(...current.rows.map((ticket) => row(ticket, now)));
    const none = current.total === 0;
    table.hidden = none;
    pager.hidden = current.pages <= 1;
    emptyNode.hidden = !none;
    if (none) {
      const noData = data.tickets.length === 0;
      emptyNode.querySelector("#tickets-empty-title").textContent = t(noData ? "tickets.empty.title" : "ticketList.none");
      emptyNode.querySelector("#tickets-empty-body").textContent = t(noData ? "tickets.empty.body" : "ticketList.noneBody");
      emptyCreate.hidden = !noData;
      emptyClear.hidden = noData;
    }
    count.textContent = none
      ? t("ticketList.count", { count: 0 })
      : t("ticketList.showing", { from: current.from, to: current.to, total: current.total });
    pageText.textContent = t("ticketList.page", { page: current.page, pages: current.pages });
    prev.disabled = current.page <= 1;
    next.disabled = current.page >= current.pages;
    clear.hidden = isEmptyFilter(filter);
    exportBtn.disabled = none;
    updateStatus();
  }

  // The Category column shows Secure Score's category: from the action each ticket was made
  // from, or the admin's category mapping read backwards (tickets-model.js withCategories).
  let lookup = { actions: [], mapping: {} };
  let rawTickets = [];
  function setData(next) {
    if (!alive || !next) return;
    rawTickets = Array.isArray(next.tickets) ? next.tickets : [];
    data = { tickets: withCategories(rawTickets, lookup), fetchedAt: next.fetchedAt ?? null, fromCache: Boolean(next.fromCache) };
    refreshOptions();
    update();
  }
  function setLookup(actions, mapping) {
    if (!alive) return;
    lookup = { actions: Array.isArray(actions) ? actions : [], mapping: mapping && typeof mapping === "object" ? mapping : {} };
    data = { ...data, tickets: withCategories(rawTickets, lookup) };
    refreshOptions();
    update();
  }

  const onFilter = () => {
    filter = { ...filter, kind: kind.input.value, state: state.input.value, priority: priority.input.value, category: category.input.value, due: due.input.value };
    page = 1;
    refreshOptions();
    update();
  };
  for (const s of [kind, state, priority, category, due]) s.input.addEventListener("change", onFilter);
  let searchTimer = null;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      filter = { ...filter, search: search.value };
      page = 1;
      update();
    }, 150);
  });
  clear.addEventListener("click", () => {
    filter = emptyFilter();
    for (const s of [kind, state, priority, category, due]) s.input.value = "all";
    search.value = "";
    page = 1;
    refreshOptions();
    update();
    kind.input.focus();
  });
  emptyClear.addEventListener("click", () => clear.click());

  refresh.addEventListener("click", async () => {
    errorSlot.replaceChildren();
    refresh.disabled = true;
    refresh.setAttribute("aria-busy", "true");
    refresh.textContent = t("ticketList.refreshing");
    try {
      setData(await api.refreshTickets(workspace));
      announce(updated.textContent);
    } catch (error) {
      if (alive) showError(error, errorSlot);
    } finally {
      refresh.disabled = false;
      refresh.setAttribute("aria-busy", "false");
      refresh.textContent = t("ticketList.refresh");
    }
  });

  exportBtn.addEventListener("click", async () => {
    errorSlot.replaceChildren();
    exportResult.replaceChildren();
    exportBtn.disabled = true;
    exportBtn.setAttribute("aria-busy", "true");
    try {
      const sysIds = isEmptyFilter(filter) ? null : current.filtered.map((ticket) => ticket.sysId);
      const result = await api.exportTicketsCsv(workspace, sysIds);
      exportResult.replaceChildren(
        el("div", { class: "callout callout-success" }, [
          el("span", { class: "callout-icon", "aria-hidden": "true", text: "\u2713" }),
          el("p", { class: "callout-text" }, [t("ticketList.exported"), " ", el("span", { class: "mono path", id: "export-path", text: result?.path ?? "" })]),
        ]),
      );
    } catch (error) {
      if (alive) showError(error, errorSlot);
    } finally {
      exportBtn.disabled = current.total === 0;
      exportBtn.setAttribute("aria-busy", "false");
    }
  });

  const filtersCard = el("section", { class: "card card-compact", id: "ticket-filters", "aria-labelledby": "ticket-filters-title" }, [
    el("h2", { class: "visually-hidden", id: "ticket-filters-title", text: t("ticketList.filters.title") }),
    el("div", { class: "filters" }, [searchWrap, kind.wrap, state.wrap, priority.wrap, category.wrap, due.wrap]),
    el("div", { class: "list-toolbar" }, [
      el("p", { class: "list-status" }, [updated, cacheBadge]),
      el("div", { class: "toolbar-actions" }, [clear, refresh, exportBtn]),
    ]),
    exportResult,
    errorSlot,
  ]);
  const listCard = el("section", { class: "card card-table", id: "ticket-list", "aria-labelledby": "ticket-list-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "ticket-list-title", text: t("ticketList.listTitle") }), count]),
    table,
    emptyNode,
    pager,
  ]);

  host.append(
    el("div", { class: "page page-wide" }, [
      breadcrumb(t("ticketList.title")),
      el("h1", { class: "page-title", text: t("ticketList.title") }),
      el("p", { class: "page-intro", text: t("ticketList.intro") }),
      el("div", { class: "stack" }, [filtersCard, listCard]),
    ]),
  );

  // Both are local reads; without them the column shows ServiceNow's own values.
  Promise.all([api.listActions(workspace).catch(() => []), api.categoryMapping(workspace).catch(() => ({}))]).then(
    ([actions, mapping]) => setLookup(actions, mapping),
  );
  try {
    setData(await api.listTickets(workspace));
  } catch (error) {
    if (alive) showError(error);
    refreshOptions();
    update();
  }
  // The event brings only the home page's summary: the list is read again from the cache.
  const stop = await api.onWorkspaceEvent(api.EVENT_TICKETS_CHANGED, workspace, "summary", () =>
    api.listTickets(workspace).then((next) => alive && setData(next), () => {}),
  );
  // "Updated 3 minutes ago" follows the clock (once a minute, not while the window is hidden).
  const stopClock = liveRelative(null, () => alive && updateStatus());
  return () => {
    alive = false;
    stop();
    stopClock();
    clearTimeout(searchTimer);
  };
}
