// Home (#/): the workspace switcher (once there are two), the selected workspace's ServiceNow
// connection card and, once connected, its Microsoft 365 card and a ticket card per kind. Follows connection://changed,
// tickets://changed and workspaces://changed for that workspace.
import * as api from "../api.js";
import { appState, currentSummary, currentWorkspace, hasSeveral, kinds, onWorkspaces, setCurrentWorkspace, workspaces } from "../app-context.js";
import { t } from "../i18n.js";
import { announce, el, showError } from "../ui.js";
import { userLabel } from "../connection.js";
import { createSignInFlow } from "../signin.js";
import { isOverdue, newest, sortStateCounts } from "../tickets-model.js";
import { formatDate, openRecord, priorityLabel, verdictBadge, watchOutbox } from "../widgets.js";
import { createMicrosoftCard } from "../microsoft-card.js";
import { cardIcon } from "../icons.js";

export const name = "home";
export const titleKey = "home.title";

function cardHeader(id, titleText, icon = "icon-ticket", extra = null) {
  return el("div", { class: "card-header" }, [
    cardIcon(icon.includes("icon-shield") ? "shield" : "ticket", icon.split(" ").filter((c) => c !== "icon-ticket" && c !== "icon-shield").join(" ")),
    el("h2", { id, text: titleText }),
    extra,
  ]);
}

/**
 * The demo banner: a run pointed at a local demo instance (the README's demo command) says so
 * once, quietly, above the cards; developer wording stays out of the cards themselves.
 */
function demoBanner(state) {
  if (!state?.demoInstance) return null;
  return el("div", { class: "demo-banner", id: "demo-instance", role: "note" }, [
    el("span", { class: "demo-label", text: t("home.demo.label") }),
    el("p", { class: "demo-text", text: t("home.demo.text", { url: state.demoInstance }) }),
  ]);
}

function row(id, labelKey, value) {
  return [el("dt", { text: t(labelKey) }), el("dd", { id }, [value])];
}

function disconnectedCard(state, workspace) {
  const target = workspace ? `#/connect?workspace=${encodeURIComponent(workspace)}` : "#/connect";
  return el(
    "section",
    { class: "card connection-card", id: "connection-card", "aria-labelledby": "connection-card-title", "aria-busy": state ? null : "true" },
    [
      cardHeader("connection-card-title", t("home.connection.title")),
      el("div", { class: "card-body" }, [
        el("p", { class: "card-lead", text: t("home.connection.question") }),
        el("p", { text: t("home.connection.body") }),
      ]),
      el("div", { class: "card-actions" }, [
        el("button", {
          type: "button",
          id: "connect-servicenow",
          class: "btn btn-primary",
          text: t("home.connection.connect"),
          on: { click: () => (location.hash = target) },
        }),
      ]),
    ],
  );
}

/** A workspace whose connection was removed while tasks still wait: Reconnect sends them. */
function keptCard(summary, ctx) {
  const errorSlot = el("div", { class: "form-error-slot", id: "connection-error" });
  const actions = el("div", { class: "card-actions" });
  const reconnect = el("button", {
    type: "button",
    id: "reconnect",
    class: "btn btn-primary",
    text: t("connection.reconnect"),
    on: { click: () => flow.run(() => api.reauthorize(summary.id)) },
  });
  const flow = createSignInFlow({
    errorSlot,
    onConnected: (connection) => ctx.show(connection),
    onState: (next) => (actions.hidden = next !== "idle"),
    idleFocus: () => reconnect,
  });
  ctx.flow = flow;
  actions.append(
    reconnect,
    el("a", { href: "#/manage", id: "manage-servicenow", class: "btn btn-secondary", text: t("home.connection.manage") }),
  );
  return el("section", { class: "card connection-card", id: "connection-card", "aria-labelledby": "connection-card-title" }, [
    cardHeader(
      "connection-card-title",
      t("home.connection.title"),
      "icon-ticket",
      el("span", { class: "badge badge-neutral", id: "connection-badge", text: t("connection.status.notConnected") }),
    ),
    el("div", { class: "card-body" }, [
      el("dl", { class: "facts" }, [row("connection-instance", "connection.fields.instance", summary.instance ?? summary.name)]),
      el("div", { class: "callout callout-warning", id: "kept-note" }, [
        el("span", { class: "callout-icon", "aria-hidden": "true", text: "!" }),
        el("p", {
          class: "callout-text",
          text: summary.waiting
            ? t("home.kept.waiting", { count: summary.waiting, instance: summary.name })
            : t("home.kept.none", { instance: summary.name }),
        }),
      ]),
      ...flow.nodes,
      errorSlot,
    ]),
    actions,
  ]);
}

/** The switcher: one button per workspace, with what waits and what changed there. */
function switcher(list, selected, onSelect) {
  return el("nav", { class: "workspace-switcher", id: "workspace-switcher", "aria-label": t("workspaces.switcher") }, [
    el("ul", { class: "workspace-tabs" }, list.map((w) => {
      const badges = [
        w.waiting ? el("span", { class: "badge badge-warning", text: t("workspaces.waiting", { count: w.waiting }) }) : null,
        w.unseen ? el("span", { class: "badge badge-info", text: t("workspaces.unseen", { count: w.unseen }) }) : null,
        !w.connected ? el("span", { class: "badge badge-neutral", text: t("connection.status.notConnected") }) : null,
        w.needsReconnect ? el("span", { class: "badge badge-warning", text: t("connection.status.reconnect") }) : null,
      ];
      return el("li", {}, [
        el(
          "button",
          {
            type: "button",
            class: ["workspace-tab", w.id === selected && "is-selected"],
            id: `workspace-${w.id}`,
            dataset: { workspace: w.id },
            "aria-current": w.id === selected ? "page" : null,
            on: { click: () => w.id !== selected && onSelect(w.id) },
          },
          [
            el("span", { class: "workspace-name", text: w.name }),
            w.instance && w.instance !== w.name ? el("span", { class: "workspace-instance", text: w.instance }) : null,
            el("span", { class: "workspace-badges" }, badges),
          ],
        ),
      ]);
    })),
  ]);
}

function connectedCard(info, ctx) {
  const badge = info.needsReconnect
    ? el("span", { class: "badge badge-warning", id: "connection-badge", text: t("connection.status.reconnect") })
    : el("span", { class: "badge badge-success", id: "connection-badge", text: t("connection.status.connected") });

  const rows = el("dl", { class: "facts" }, [
    row("connection-instance", "connection.fields.instance", info.instance),
    row("connection-user", "connection.fields.signedIn", userLabel(info.signedIn) || info.integrationUser),
    info.release ? row("connection-release", "manage.facts.version", info.release) : null,
  ]);

  const errorSlot = el("div", { class: "form-error-slot", id: "connection-error" });
  const actions = el("div", { class: "card-actions" });
  let flow = null;
  // How long the sign-in lasts is told on the manage page, not here.
  const body = el("div", { class: "card-body" }, [rows]);

  if (info.needsReconnect) {
    const reconnect = el("button", {
      type: "button",
      id: "reconnect",
      class: "btn btn-primary",
      text: t("connection.reconnect"),
      on: { click: () => flow.run(() => api.reauthorize(ctx.workspace)) },
    });
    flow = createSignInFlow({
      errorSlot,
      onConnected: (connection) => ctx.show(connection),
      onState: (next) => (actions.hidden = next !== "idle"),
      idleFocus: () => reconnect,
    });
    body.append(
      el("div", { class: "callout callout-warning", id: "reconnect-note" }, [
        el("span", { class: "callout-icon", "aria-hidden": "true", text: "!" }),
        el("p", { class: "callout-text", text: t("connection.reconnectNote", { user: info.integrationUser }) }),
      ]),
      ...flow.nodes,
    );
    actions.append(reconnect);
  } else {
    actions.append(
      el("a", { href: "#/manage", id: "manage-servicenow", class: "btn btn-secondary", text: t("home.connection.manage") }),
    );
  }
  body.append(errorSlot);
  ctx.flow = flow;

  return el("section", { class: "card connection-card", id: "connection-card", "aria-labelledby": "connection-card-title" }, [
    cardHeader("connection-card-title", t("home.connection.title"), "icon-ticket", badge),
    body,
    actions,
  ]);
}

/** One card per ticket kind, in the registry's order: `change_request-card`, `incident-card`. */
function cardId(kind) {
  return `${kind}-card`;
}

const SEGMENTS = 8;

/** Counts by state (ticket_summary's, for one kind): a stacked bar (SVG rects sized by attributes) and a legend. */
function stateBar(id, states, total) {
  const counts = sortStateCounts(states);
  const svg = el("svg", { svg: true, class: "state-bar", viewBox: "0 0 100 8", preserveAspectRatio: "none", "aria-hidden": "true", focusable: "false" });
  let x = 0;
  counts.forEach((entry, index) => {
    const width = (entry.count / total) * 100;
    svg.append(el("rect", { svg: true, class: `seg seg-${index % SEGMENTS}`, x: x.toFixed(3), y: "0", width: width.toFixed(3), height: "8" }));
    x += width;
  });
  const legend = el(
    "ul",
    { class: "state-legend", "aria-label": t("tickets.byState") },
    counts.map((entry, index) =>
      el("li", { dataset: { state: entry.value } }, [
        el("span", { class: `swatch seg-${index % SEGMENTS}`, "aria-hidden": "true" }),
        el("span", { class: "legend-label", text: entry.label }),
        el("span", { class: "legend-count", text: String(entry.count) }),
      ]),
    ),
  );
  return el("div", { class: "state-summary", id }, [
    el("p", { class: "state-total", text: t("tickets.total", { count: total }) }),
    svg,
    legend,
  ]);
}

function ticketItem(workspace, ticket, now) {
  const overdue = isOverdue(ticket, now);
  const due = formatDate(ticket.dueDate);
  const meta = [
    el("span", { class: "ticket-state", text: ticket.stateLabel || String(ticket.state ?? "") }),
    ticket.priority ? el("span", { class: "ticket-priority", text: priorityLabel(ticket.priority) }) : null,
    due ? el("span", { class: ["ticket-due", overdue && "is-overdue"], text: t("tickets.due", { date: due }) }) : null,
    overdue ? el("span", { class: "badge badge-danger", text: t("tickets.overdue") }) : null,
    verdictBadge(ticket),
  ];
  return el("li", {}, [
    el(
      "button",
      {
        type: "button",
        class: "ticket-item",
        dataset: { sysId: ticket.sysId },
        "aria-label": t("tickets.openLabel", { number: ticket.number, name: ticket.name ?? "" }),
        on: { click: () => openRecord(workspace, ticket.url) },
      },
      [
        el("span", { class: "ticket-line" }, [
          el("span", { class: "ticket-number", text: ticket.number }),
          el("span", { class: "ticket-name", text: ticket.name ?? "" }),
        ]),
        el("span", { class: "ticket-meta" }, meta),
      ],
    ),
  ]);
}

/** One kind's card, from the summary of the cached tickets (ticket_summary). */
function ticketCard(workspace, kind, summary, now = Date.now()) {
  const id = cardId(kind);
  const mine = (summary?.kinds ?? []).find((k) => k.kind === kind);
  const total = Number(mine?.total) || 0;
  const body = total
    ? [
        stateBar(`${id}-states`, mine.states, total),
        el("h3", { class: "subheading", text: t("tickets.newest") }),
        el("ul", { class: "ticket-items", id: `${id}-newest` }, newest(mine.newest ?? [], 5).map((ticket) => ticketItem(workspace, ticket, now))),
      ]
    : [
        el("div", { class: "empty-state", id: `${id}-empty` }, [
          el("p", { class: "empty-title", text: t("tickets.empty.title") }),
          el("p", { text: t("tickets.empty.body") }),
        ]),
      ];
  return el("section", { class: "card ticket-card", id, "aria-labelledby": `${id}-title`, dataset: { kind } }, [
    cardHeader(`${id}-title`, t(`tickets.cards.${kind}`), `icon-ticket icon-${kind}`),
    el("div", { class: "card-body" }, body),
    el("div", { class: "card-actions" }, [
      el("a", { href: `#/actions?kind=${kind}`, id: `${id}-create`, class: "btn btn-primary", text: t("tickets.create") }),
      el("a", { href: `#/tickets?kind=${kind}`, id: `${id}-view-all`, class: "btn btn-secondary", text: t("tickets.viewAll") }),
    ]),
    el("div", { class: "card-actions card-actions-link" }, [
      el("a", { href: "#/manage", id: `${id}-manage`, class: "link", text: t("home.connection.manage") }),
    ]),
  ]);
}

export async function render(view) {
  const title = el("h1", { class: "page-title", text: t("home.title") });
  const intro = el("p", { class: "page-intro", text: t("home.intro") });
  const switcherSlot = el("div", { class: "switcher-slot" });
  const demoSlot = el("div", { class: "demo-slot" });
  const grid = el("div", { class: "card-grid" }, [disconnectedCard(null, null)]);
  const outboxSlot = el("div", { class: "outbox-slot" });
  const footer = el("p", { class: "page-footer", id: "app-version" });
  view.append(el("div", { class: "page" }, [title, switcherSlot, intro, demoSlot, outboxSlot, grid, footer]));

  let alive = true;
  const workspace = currentWorkspace();
  const ctx = { flow: null, info: null, show, tickets: null, workspace };
  const microsoft = workspace ? createMicrosoftCard(workspace) : null;
  let stopOutbox = null;
  const state = appState() ?? (await api.appState().catch(() => null));
  if (state?.version) footer.textContent = t("home.version", { version: state.version });
  demoSlot.replaceChildren(...[demoBanner(state)].filter(Boolean));

  function drawSwitcher() {
    switcherSlot.replaceChildren(...(hasSeveral() ? [switcher(workspaces(), workspace, select)] : []));
  }

  async function select(id) {
    try {
      await api.selectWorkspace(id);
      setCurrentWorkspace(id);
      announce(t("workspaces.selected", { name: workspaces().find((w) => w.id === id)?.name ?? id }));
      window.dispatchEvent(new Event("tb:rerender"));
    } catch (error) {
      showError(error);
    }
  }

  function show(info) {
    if (!alive) return;
    ctx.info = info;
    ctx.flow?.destroy();
    ctx.flow = null;
    grid.classList.toggle("card-grid-connected", Boolean(info));
    const summary = currentSummary();
    // What the page shows, for the "ui ready" line of the first screen.
    view.dataset.state = info ? "connected" : summary?.instance ? "kept" : "disconnected";
    let cards;
    if (info) {
      cards = [connectedCard(info, ctx), microsoft.node, ...kinds().map((k) => ticketCard(workspace, k.kind, ctx.tickets))];
      if (!ctx.scoreLoaded) {
        ctx.scoreLoaded = true;
        microsoft.refresh();
      }
    }
    else if (summary?.instance) cards = [keptCard(summary, ctx)];
    else cards = [disconnectedCard(state ?? {}, workspace)];
    grid.replaceChildren(...cards);
    if (info && !ctx.ticketsLoaded) {
      ctx.ticketsLoaded = true;
      api.ticketSummary(workspace).then(showTickets, () => {});
    }
    if (workspace && !stopOutbox) watchOutbox(workspace, outboxSlot).then((stop) => (alive ? (stopOutbox = stop) : stop()));
  }

  /** Redraws only the ticket cards, keeping the connection card (and a sign-in in progress). */
  function showTickets(summary) {
    ctx.tickets = summary && typeof summary === "object" ? summary : null;
    if (!alive || !ctx.info) return;
    for (const k of kinds()) {
      const old = document.getElementById(cardId(k.kind));
      if (old && grid.contains(old)) old.replaceWith(ticketCard(workspace, k.kind, ctx.tickets));
    }
  }

  drawSwitcher();
  const stopList = onWorkspaces(() => {
    if (!alive) return;
    drawSwitcher();
    // The workspace shown was removed: draw the one selected now.
    if (workspace && !workspaces().some((w) => w.id === workspace)) window.dispatchEvent(new Event("tb:rerender"));
    else if (!ctx.info && (!ctx.flow || ctx.flow.state() === "idle")) show(null);
  });
  // The listeners first (so that no change is missed), together; then the two local reads.
  const [stopTickets, stop] = await Promise.all([
    workspace ? api.onWorkspaceEvent(api.EVENT_TICKETS_CHANGED, workspace, "summary", (summary) => showTickets(summary)) : () => {},
    api.onEvent(api.EVENT_CONNECTION_CHANGED, (payload) => {
      // A sign-in in progress on this card finishes through its own outcome.
      if (ctx.flow && ctx.flow.state() !== "idle") return;
      if (!workspace || payload?.workspace === workspace) show(payload?.connection ?? null);
      else if (payload?.connection && !workspace) window.dispatchEvent(new Event("tb:rerender"));
    }),
  ]);

  let info = null;
  if (workspace) {
    // At start a connected workspace is drawn connected with its cached tickets, never first
    // as not connected: the saved connection and the cache's summary, both local reads, asked
    // together. The network catches up afterwards (tickets://changed).
    const [status, summary] = await Promise.allSettled([api.connectionStatus(workspace), api.ticketSummary(workspace)]);
    if (status.status === "fulfilled") info = status.value ?? null;
    else showError(status.reason);
    performance.mark?.("homeStatus");
    if (info) {
      if (summary.status === "fulfilled") {
        ctx.tickets = summary.value ?? null;
        ctx.ticketsLoaded = true;
      } else showError(summary.reason);
      performance.mark?.("homeTickets");
    }
  }
  show(info ?? null);

  return () => {
    alive = false;
    stop();
    stopList();
    stopTickets();
    stopOutbox?.();
    ctx.flow?.destroy();
    microsoft?.destroy();
  };
}
