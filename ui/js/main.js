// Boot: load the locale, translate the static page, route between screens by hash.
import { initI18n, applyTranslations, t } from "./i18n.js";
import { clearError } from "./ui.js";
import { appState, onEvent, uiReady, EVENT_NAVIGATE, EVENT_WORKSPACES_CHANGED } from "./api.js";
import { currentSummary, hasSeveral, onWorkspaces, setAppState, setWorkspaces } from "./app-context.js";
import * as home from "./screens/home.js";
import * as connect from "./screens/connect.js";
import * as manage from "./screens/manage.js";
import * as actions from "./screens/actions.js";
import * as share from "./screens/share.js";
import * as outbox from "./screens/outbox.js";
import * as tickets from "./screens/tickets.js";
import * as microsoft from "./screens/microsoft.js";
import * as settings from "./screens/settings.js";
import { parseRoute } from "./tickets-model.js";
import { showDamaged } from "./damaged.js";

// "#/share/<actionId>" carries its parameter in the path; the others take ?query parameters.
const routes = {
  "/": home,
  "/connect": connect,
  "/manage": manage,
  "/actions": actions,
  "/share": share,
  "/outbox": outbox,
  "/tickets": tickets,
  "/microsoft": microsoft,
  "/settings": settings,
};

let cleanup = null;
let generation = 0;

function currentRoute() {
  const { path, params } = parseRoute(location.hash);
  return Object.prototype.hasOwnProperty.call(routes, path) ? { path, params } : { path: "/", params: {} };
}

async function render() {
  const current = ++generation;
  const route = currentRoute();
  const screen = routes[route.path];
  const view = document.getElementById("screen");
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
  clearError();
  // Each render draws into its own host: a render overtaken by a newer one (the hash
  // changed while it awaited the back end) is left detached and cleaned up.
  const host = document.createElement("div");
  host.className = "screen-host";
  view.replaceChildren(host);
  view.dataset.screen = screen.name;
  document.title = `${t(screen.titleKey)} - ${t("app.name")}`;
  const done = await screen.render(host, route.params);
  if (current !== generation) {
    if (typeof done === "function") done();
    return;
  }
  cleanup = done;
  applyTranslations(view);
  const heading = view.querySelector("h1");
  if (heading && document.body.dataset.booted === "true") {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: false });
  }
  document.body.dataset.booted = "true";
}

/** With several workspaces, the header names the one the screens show. */
function drawHeader() {
  const slot = document.getElementById("header-workspace");
  if (!slot) return;
  const summary = hasSeveral() ? currentSummary() : null;
  slot.textContent = summary ? summary.name : "";
  slot.hidden = !summary;
}

// Milliseconds since the page began, at each step of the first screen: the start-up benchmark
// reads them from the log (scripts/bench-start.py). A screen marks its own steps with
// performance.mark(name); they are sent with these.
const marks = { modules: Math.round(performance.now()) };
const mark = (name) => (marks[name] = Math.round(performance.now()));

/** What the first screen shows: its name and the state it drew (`home:connected`). */
function shown() {
  const view = document.getElementById("screen");
  const host = view?.querySelector(".screen-host");
  return [view?.dataset.screen, host?.dataset.state].filter(Boolean).join(":") || null;
}

async function boot() {
  // The OS language comes from Rust (WebKitGTK's navigator.language may not follow it);
  // navigator.languages is the fallback, and the only source in a browser preview.
  const state = await appState().catch(() => null);
  mark("appState");
  setAppState(state);
  onWorkspaces(drawHeader);
  drawHeader();
  // Rust's `locale` is the language setting applied (Settings), so Rust and the UI agree.
  const browser = typeof navigator !== "undefined" ? navigator.languages ?? [navigator.language] : [];
  // The catalogs and the two listeners at once: none waits for another.
  await Promise.all([
    initI18n(state?.locale ? [state.locale, ...browser] : undefined).then(() => mark("i18n")),
    onEvent(EVENT_WORKSPACES_CHANGED, (list) => setWorkspaces(list)),
    // The tray's Settings…: only a route this UI has is followed.
    onEvent(EVENT_NAVIGATE, (route) => {
      if (typeof route === "string" && Object.prototype.hasOwnProperty.call(routes, route)) location.hash = `#${route}`;
    }),
  ]);
  applyTranslations(document);
  // A window the tray opened for one screen (Settings…) starts on it.
  if (typeof state?.openAt === "string" && Object.prototype.hasOwnProperty.call(routes, state.openAt)) {
    history.replaceState(null, "", `#${state.openAt}`);
  }
  window.addEventListener("hashchange", () => {
    render().catch((error) => console.error(error));
  });
  // Another workspace was selected (or the shown one removed): draw the screen again.
  window.addEventListener("tb:rerender", () => {
    render().catch((error) => console.error(error));
  });
  await render();
  mark("render");
  showDamaged();
  // Two frames later the first screen has been painted.
  requestAnimationFrame(() => {
    mark("frame");
    requestAnimationFrame(() => {
      mark("painted");
      for (const m of performance.getEntriesByType?.("mark") ?? []) marks[m.name] ??= Math.round(m.startTime);
      uiReady(marks, shown());
    });
  });
}

boot().catch((error) => console.error(error));
