// The home page's Microsoft 365 card (#microsoft-card): the tenant's own Secure Score once
// signed in (points, percentage, when Microsoft computed it, when Ticket Bridge read it), with
// View improvement actions as its one primary action, Refresh and Sign out beside it; before the
// sign-in, Sign in to Microsoft 365 or import the portal's CSV export; Reconnect when Microsoft
// stopped accepting the sign-in. Follows score://changed and microsoft://changed.
import * as api from "./api.js";
import { currentLang, t } from "./i18n.js";
import { announce, el, errorText, showError } from "./ui.js";
import { formatDateTime, formatRelative, liveRelative } from "./format.js";
import { createMicrosoftFlow } from "./microsoft-flow.js";
import { formatNumber, scoreNumbers } from "./score-model.js";
import { cardIcon } from "./icons.js";

function header(badge) {
  return el("div", { class: "card-header" }, [
    cardIcon("shield"),
    el("h2", { id: "microsoft-card-title", text: t("microsoft.card.title") }),
    badge,
  ]);
}

function fact(id, labelKey, value, title = null) {
  return [el("dt", { text: t(labelKey) }), el("dd", { id, title }, [value])];
}

/** "52.3 of 81 points (64.6%)", or null before the first read. */
export function scoreText(summary, lang = currentLang()) {
  const n = scoreNumbers(summary);
  if (!n) return null;
  const score = formatNumber(n.score, lang, 2);
  if (n.max === null) return t("microsoft.card.scoreOnly", { score });
  return t("microsoft.card.score", {
    score,
    max: formatNumber(n.max, lang, 2),
    percent: formatNumber(n.percent, lang, 1),
  });
}

/**
 * The Refresh button of the score (home card and actions page): reads the score now, says so,
 * and hands the new ScoreView to `onView`; a failure shows in `errorSlot` and the button comes
 * back.
 */
export function refreshButton({ id, workspace, errorSlot, onView }) {
  const button = el("button", { type: "button", id, class: "btn btn-secondary", text: t("microsoft.card.refresh") });
  const busy = (on) => {
    button.disabled = on;
    button.setAttribute("aria-busy", on ? "true" : "false");
    button.textContent = t(on ? "microsoft.card.refreshing" : "microsoft.card.refresh");
  };
  button.addEventListener("click", async () => {
    busy(true);
    errorSlot.replaceChildren();
    try {
      const next = await api.refreshScore(workspace);
      announce(t("microsoft.card.refreshed"));
      onView(next);
    } catch (error) {
      if (!button.isConnected) return;
      showError(error, errorSlot);
      busy(false);
    }
  });
  return button;
}

function errorCallout(error) {
  const text = errorText(error);
  return el("div", { class: "callout callout-warning", id: "microsoft-score-error" }, [
    el("span", { class: "callout-icon", "aria-hidden": "true", text: "!" }),
    el("div", { class: "callout-content" }, [
      el("p", { class: "callout-text", text: text.message }),
      text.hint ? el("p", { class: "callout-hint", text: text.hint }) : null,
    ]),
  ]);
}

function signedOut(view) {
  const csv = view?.csv;
  return el("section", { class: "card microsoft-card", id: "microsoft-card", "aria-labelledby": "microsoft-card-title" }, [
    header(el("span", { class: "badge badge-neutral", id: "microsoft-badge", text: t("microsoft.card.notSignedIn") })),
    el("div", { class: "card-body" }, [
      el("p", { class: "card-lead", text: t("microsoft.card.lead") }),
      el("p", { text: t("microsoft.card.body") }),
      csv
        ? el("p", {
            class: "note",
            id: "microsoft-csv",
            text: t("microsoft.card.imported", {
              count: csv.actions,
              date: formatDateTime(csv.importedAt, currentLang()),
            }),
          })
        : null,
    ]),
    el("div", { class: "card-actions" }, [
      el("a", { href: "#/microsoft", id: "microsoft-sign-in", class: "btn btn-primary", text: t("microsoft.card.signIn") }),
      el("a", { href: "#/actions?import=1", id: "microsoft-import", class: "btn btn-secondary", text: t("microsoft.card.import") }),
    ]),
  ]);
}

/**
 * createMicrosoftCard(workspace) → { node, show(view), destroy() }. `show` redraws from a
 * ScoreView; the card keeps a Reconnect in progress.
 */
export function createMicrosoftCard(workspace) {
  let alive = true;
  let view = null;
  let flow = null;
  let relative = null;
  const slot = el("div", { class: "card-slot microsoft-slot" });

  function signedIn(v) {
    const ms = v.microsoft;
    const summary = v.summary;
    const lang = currentLang();
    const errorSlot = el("div", { class: "form-error-slot", id: "microsoft-error" });
    const reconnect = ms.needsReconnect;
    const badge = reconnect
      ? el("span", { class: "badge badge-warning", id: "microsoft-badge", text: t("connection.status.reconnect") })
      : el("span", { class: "badge badge-success", id: "microsoft-badge", text: t("microsoft.card.signedIn") });
    const who = ms.account?.name && ms.account.name !== ms.account.upn ? `${ms.account.name} (${ms.account.upn})` : ms.account?.upn ?? "";
    const score = scoreText(summary, lang);
    relative = el("span", { id: "microsoft-fetched" });
    const facts = el("dl", { class: "facts" }, [
      fact("microsoft-tenant", "microsoft.card.tenant", ms.tenant),
      fact("microsoft-account", "microsoft.card.account", who),
      fact("microsoft-score", "microsoft.card.scoreLabel", score ?? t(v.stale ? "microsoft.card.reading" : "microsoft.card.noScore")),
      summary?.asOf ? fact("microsoft-as-of", "microsoft.card.asOf", formatDateTime(summary.asOf, lang)) : null,
      summary?.fetchedAt ? fact("microsoft-fetched-row", "microsoft.card.fetched", relative, formatDateTime(summary.fetchedAt, lang)) : null,
    ]);
    updateRelative(summary);

    const actions = el("div", { class: "card-actions" });
    const body = el("div", { class: "card-body" }, [facts]);
    if (v.error && !reconnect) body.append(errorCallout(v.error));
    if (reconnect) {
      const button = el("button", {
        type: "button",
        id: "microsoft-reconnect",
        class: "btn btn-primary",
        text: t("connection.reconnect"),
        on: { click: () => flow.run(() => api.microsoftReconnect(workspace)) },
      });
      flow = createMicrosoftFlow({
        workspace,
        errorSlot,
        onSignedIn: () => refresh(),
        onState: (next) => (actions.hidden = next !== "idle"),
        idleFocus: () => button,
      });
      body.append(
        el("div", { class: "callout callout-warning", id: "microsoft-reconnect-note" }, [
          el("span", { class: "callout-icon", "aria-hidden": "true", text: "!" }),
          el("p", { class: "callout-text", text: t("microsoft.card.reconnectNote", { user: ms.account?.upn ?? "" }) }),
        ]),
        ...flow.nodes,
      );
      actions.append(button);
    } else {
      flow = null;
      const refresh = refreshButton({ id: "microsoft-refresh", workspace, errorSlot, onView: (next) => show(next) });
      actions.append(
        el("a", { href: "#/actions", id: "microsoft-view-actions", class: "btn btn-primary", text: t("microsoft.card.viewActions") }),
        refresh,
        signOutButton(errorSlot),
      );
    }
    body.append(errorSlot);
    return el("section", { class: "card microsoft-card", id: "microsoft-card", "aria-labelledby": "microsoft-card-title" }, [header(badge), body, actions]);
  }

  /** Sign out asks first, in place: the score is forgotten, the tickets stay. */
  function signOutButton(errorSlot) {
    const wrap = el("span", { class: "inline-confirm" });
    const ask = el("button", { type: "button", id: "microsoft-sign-out", class: "btn btn-subtle", text: t("microsoft.card.signOut") });
    const confirm = el("div", { class: "inline-confirm-panel", id: "microsoft-sign-out-confirm", role: "group", "aria-labelledby": "microsoft-sign-out-text", hidden: true }, [
      el("p", { id: "microsoft-sign-out-text", text: t("microsoft.card.signOutConfirm") }),
      el("div", { class: "panel-actions" }, [
        el("button", {
          type: "button",
          id: "microsoft-sign-out-yes",
          class: "btn btn-danger",
          text: t("microsoft.card.signOut"),
          on: {
            click: async (event) => {
              event.currentTarget.disabled = true;
              try {
                await api.microsoftSignOut(workspace);
                announce(t("microsoft.card.signedOut"));
                await refresh();
              } catch (error) {
                if (alive) showError(error, errorSlot);
              }
            },
          },
        }),
        el("button", {
          type: "button",
          id: "microsoft-sign-out-no",
          class: "btn btn-secondary",
          text: t("common.cancel"),
          on: {
            click: () => {
              confirm.hidden = true;
              ask.hidden = false;
              ask.focus();
            },
          },
        }),
      ]),
    ]);
    ask.addEventListener("click", () => {
      ask.hidden = true;
      confirm.hidden = false;
      confirm.querySelector("button")?.focus();
    });
    wrap.append(ask, confirm);
    return wrap;
  }

  function updateRelative(summary) {
    if (!relative) return;
    relative.textContent = summary?.fetchedAt ? formatRelative(summary.fetchedAt, Date.now(), currentLang()) : "";
  }

  function show(next) {
    if (!alive) return;
    // A Reconnect in progress finishes through its own outcome.
    if (flow && flow.state() !== "idle") return;
    view = next;
    flow?.destroy();
    flow = null;
    relative = null;
    slot.replaceChildren(next?.microsoft ? signedIn(next) : signedOut(next));
  }

  async function refresh() {
    try {
      show(await api.scoreView(workspace));
    } catch (error) {
      if (alive) showError(error);
    }
  }

  // "Read 3 minutes ago" follows the clock (once a minute, not while the window is hidden).
  const stopClock = liveRelative(null, () => updateRelative(view?.summary));
  const stops = [
    api.onWorkspaceEvent(api.EVENT_SCORE_CHANGED, workspace, "score", (next) => show(next)),
    api.onWorkspaceEvent(api.EVENT_MICROSOFT_CHANGED, workspace, "microsoft", () => refresh()),
  ];
  slot.replaceChildren(signedOut(null));
  slot.firstChild.setAttribute("aria-busy", "true");

  return {
    node: slot,
    refresh,
    destroy() {
      alive = false;
      stopClock();
      flow?.destroy();
      for (const stop of stops) stop.then((f) => f());
    },
  };
}
