// Home (#/): the page title and the ServiceNow connection card.
import * as api from "../api.js";
import { t } from "../i18n.js";
import { el, showError } from "../ui.js";

export const name = "home";
export const titleKey = "home.title";

function connectionCard(state) {
  const connected = Boolean(state?.connected);
  const button = el("button", {
    type: "button",
    id: "connect-servicenow",
    class: connected ? "btn btn-secondary" : "btn btn-primary",
    text: connected ? t("home.connection.manage") : t("home.connection.connect"),
    on: { click: () => (location.hash = "#/connect") },
  });

  const body = connected
    ? [
        el("p", { class: "badge badge-success", text: t("home.connection.connected") }),
        el("p", { text: t("home.connection.connectedBody") }),
      ]
    : [
        el("p", { class: "card-lead", text: t("home.connection.question") }),
        el("p", { text: t("home.connection.body") }),
      ];

  const demo = state?.demoInstance
    ? el("p", { class: "note", id: "demo-instance", text: t("home.connection.demo", { url: state.demoInstance }) })
    : null;

  return el(
    "section",
    { class: "card connection-card", id: "connection-card", "aria-labelledby": "connection-card-title", "aria-busy": state ? null : "true" },
    [
      el("div", { class: "card-header" }, [
        el("span", { class: "card-icon icon-ticket", "aria-hidden": "true" }),
        el("h2", { id: "connection-card-title", text: t("home.connection.title") }),
      ]),
      el("div", { class: "card-body" }, [...body, demo]),
      el("div", { class: "card-actions" }, [button]),
    ],
  );
}

export async function render(view) {
  const title = el("h1", { class: "page-title", text: t("home.title") });
  const intro = el("p", { class: "page-intro", text: t("home.intro") });
  const grid = el("div", { class: "card-grid" }, [connectionCard(null)]);
  const footer = el("p", { class: "page-footer", id: "app-version" });
  view.append(el("div", { class: "page" }, [title, intro, grid, footer]));

  try {
    const state = await api.appState();
    grid.replaceChildren(connectionCard(state));
    if (state?.version) footer.textContent = t("home.version", { version: state.version });
  } catch (error) {
    grid.replaceChildren(connectionCard({ connected: false }));
    showError(error);
  }
  return null;
}
