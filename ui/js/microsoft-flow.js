// The Microsoft 365 sign-in as a card state, shared by the sign-in page (#/microsoft) and the
// home card's Reconnect: while waiting, a spinner, the sign-in address with Copy and Cancel
// (ids prefixed `ms-`). The host card hides its own actions while the flow is not idle.
import * as api from "./api.js";
import { t } from "./i18n.js";
import { announce, clearError, showError } from "./ui.js";
import { createWaitingPanel } from "./signin.js";

/**
 * createMicrosoftFlow({ workspace, errorSlot, onSignedIn(info), onError(error), onState(state), idleFocus() })
 * → { nodes, run(start), state(), destroy() }. `start` returns the promise of a MicrosoftInfo
 * (api.microsoftSignIn, api.microsoftReconnect). `onError` may take an error (return true) to
 * show it its own way (the consent callout); the others go to `errorSlot`.
 */
export function createMicrosoftFlow({ workspace, errorSlot, onSignedIn, onError = () => false, onState = () => {}, idleFocus = () => null }) {
  let alive = true;
  let state = "idle";
  let unlisten = () => {};
  const waiting = createWaitingPanel({ prefix: "ms-", onCancel: () => cancel(), text: t("microsoft.waiting") });

  function setState(next) {
    const active = document.activeElement;
    const focusInside = !active || active === document.body || waiting.node.contains(active);
    state = next;
    waiting.node.hidden = next !== "waiting";
    if (next !== "waiting") waiting.reset();
    waiting.cancelButton.disabled = false;
    onState(next);
    if (next === "waiting" && (focusInside || active?.disabled)) waiting.cancelButton.focus();
    if (next === "idle" && focusInside) idleFocus()?.focus();
  }

  async function run(start) {
    if (state === "waiting") return;
    clearError();
    errorSlot?.replaceChildren();
    setState("waiting");
    announce(t("microsoft.waiting"));
    unlisten();
    unlisten = await api.onWorkspaceEvent(api.EVENT_MICROSOFT_AUTHORIZE_URL, workspace, "url", (url) => {
      if (alive && state === "waiting" && typeof url === "string") waiting.showUrl(url);
    });
    try {
      const info = await start();
      if (!alive) return;
      setState("idle");
      announce(t("microsoft.signedIn"));
      await onSignedIn(info);
    } catch (error) {
      if (!alive) return;
      setState("idle");
      if (error?.reason === "cancelled") announce(t("signIn.cancelled"));
      else if (!onError(error)) showError(error, errorSlot);
    } finally {
      unlisten();
      unlisten = () => {};
    }
  }

  async function cancel() {
    if (state !== "waiting") return;
    waiting.cancelButton.disabled = true;
    try {
      await api.microsoftCancel(workspace);
    } catch (error) {
      if (!alive) return;
      waiting.cancelButton.disabled = false;
      showError(error, errorSlot);
    }
  }

  return {
    nodes: [waiting.node],
    run,
    state: () => state,
    destroy() {
      // Leaving the page while the browser is still open closes the listener.
      if (state === "waiting") api.microsoftCancel(workspace).catch(() => {});
      alive = false;
      unlisten();
    },
  };
}
