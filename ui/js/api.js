// The only module that touches window.__TAURI__. Every call resolves with data
// or rejects with one error shape: { kind, message, hint }.
import { t } from "./i18n.js";

function tauri() {
  return typeof window !== "undefined" ? window.__TAURI__ : undefined;
}

/** True when the page runs inside the Tauri app (false in a browser preview). */
export function hasBackend() {
  return typeof tauri()?.core?.invoke === "function";
}

function noBackend() {
  return {
    kind: "not_connected",
    message: t("errors.noBackend.message"),
    hint: t("errors.noBackend.hint"),
  };
}

/** Turns whatever a command rejected with into { kind, message, hint }. */
export function toError(raw) {
  if (raw && typeof raw === "object" && typeof raw.kind === "string") {
    return {
      kind: raw.kind,
      message: typeof raw.message === "string" ? raw.message : "",
      hint: typeof raw.hint === "string" ? raw.hint : "",
      ...(raw.status !== undefined ? { status: raw.status } : {}),
    };
  }
  const message = typeof raw === "string" ? raw : raw instanceof Error ? raw.message : "";
  return { kind: "unknown", message, hint: "" };
}

async function call(command, args) {
  if (!hasBackend()) throw noBackend();
  try {
    return await tauri().core.invoke(command, args);
  } catch (raw) {
    throw toError(raw);
  }
}

/** app_state → { version: string, connected: boolean, demoInstance: string|null, locale: string } */
export function appState() {
  return call("app_state");
}

/** ui_ready → tells the back end the first screen is drawn (logged; read by the start benchmark). */
export function uiReady() {
  if (!hasBackend()) return Promise.resolve();
  return call("ui_ready").catch((error) => console.error(error));
}

/**
 * connect → resolves when the integration user has signed in and the tokens are
 * stored; rejects with { kind, message, hint } (for example wrong_user).
 * Arguments reach Rust as instance, client_id, client_secret, integration_user, port.
 */
export function connect({ instance, clientId, clientSecret, integrationUser, port }) {
  return call("connect", { instance, clientId, clientSecret, integrationUser, port });
}

/**
 * Listens to a back-end event. Resolves to an unlisten function; in a browser
 * preview it resolves to a no-op so screens need no special case.
 */
export async function onEvent(name, handler) {
  const listen = tauri()?.event?.listen;
  if (typeof listen !== "function") return () => {};
  try {
    return await listen(name, (event) => handler(event.payload));
  } catch (error) {
    console.error(error);
    return () => {};
  }
}

/** Event the back end emits while `connect` waits: { url } of the sign-in page. */
export const EVENT_AUTHORIZE_URL = "connect://authorize-url";
