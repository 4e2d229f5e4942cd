// Boot: load the locale, translate the static page, route between screens by hash.
import { initI18n, applyTranslations, t } from "./i18n.js";
import { clearError } from "./ui.js";
import { appState, uiReady } from "./api.js";
import * as home from "./screens/home.js";
import * as connect from "./screens/connect.js";
import * as manage from "./screens/manage.js";

const routes = {
  "/": home,
  "/connect": connect,
  "/manage": manage,
};

let cleanup = null;
let generation = 0;

function currentPath() {
  const path = location.hash.replace(/^#/, "") || "/";
  return Object.prototype.hasOwnProperty.call(routes, path) ? path : "/";
}

async function render() {
  const current = ++generation;
  const screen = routes[currentPath()];
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
  const done = await screen.render(host);
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

async function boot() {
  // The OS language comes from Rust (WebKitGTK's navigator.language may not follow it);
  // navigator.languages is the fallback, and the only source in a browser preview.
  const state = await appState().catch(() => null);
  const browser = typeof navigator !== "undefined" ? navigator.languages ?? [navigator.language] : [];
  await initI18n(state?.locale ? [state.locale, ...browser] : undefined);
  applyTranslations(document);
  window.addEventListener("hashchange", () => {
    render().catch((error) => console.error(error));
  });
  await render();
  // Two frames later the first screen has been painted.
  requestAnimationFrame(() => requestAnimationFrame(() => uiReady()));
}

boot().catch((error) => console.error(error));
