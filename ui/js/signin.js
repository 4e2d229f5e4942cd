// The browser sign-in as a card state, shared by the setup page (connect), the
// home page (Reconnect) and the manage page (Re-authorize):
//   waiting    spinner, the sign-in link in case no browser appeared, Cancel
//   wrong_user who signed in instead, Sign in again (primary) or Keep this account
// The host card hides its own actions while the flow is not idle (onState).
import * as api from "./api.js";
import { currentLang, t } from "./i18n.js";
import { announce, clearError, copyButton, el, showError } from "./ui.js";
import { firstNameOrDisplayName, isCancelled, readOutcome } from "./connection.js";

/**
 * The "waiting for the browser" block of a sign-in: a spinner, the sign-in address with Copy (shown
 * once known, in case no browser appeared) and Cancel. Ids are prefixed (`ms-` for Microsoft).
 * → { node, cancelButton, showUrl(url), reset() }
 */
export function createWaitingPanel({ prefix, onCancel, text = t("signIn.waiting") }) {
  const id = (name) => `${prefix}${name}`;
  const authorizeInput = el("input", {
    id: id("authorize-url"),
    class: "input input-mono",
    type: "text",
    readonly: true,
    spellcheck: "false",
  });
  const authorizeField = el("div", { class: "field", id: id("authorize-url-field"), hidden: true }, [
    el("label", { for: id("authorize-url"), class: "field-label", text: t("connect.authorizeLink") }),
    el("div", { class: "input-row" }, [
      authorizeInput,
      copyButton({ id: id("copy-authorize-url"), getText: () => authorizeInput.value, input: authorizeInput, label: t("connect.copyLink") }),
    ]),
  ]);
  const cancelButton = el("button", {
    type: "button",
    id: id("cancel-sign-in"),
    class: "btn btn-secondary",
    text: t("common.cancel"),
    on: { click: () => onCancel() },
  });
  const node = el("div", { class: "progress", id: id("sign-in-progress"), hidden: true }, [
    el("div", { class: "progress-row" }, [
      el("span", { class: "spinner", "aria-hidden": "true" }),
      el("p", { class: "progress-text", id: id("sign-in-progress-text"), text }),
    ]),
    authorizeField,
    el("div", { class: "progress-actions" }, [cancelButton]),
  ]);
  return {
    node,
    cancelButton,
    showUrl(url) {
      authorizeInput.value = url;
      authorizeField.hidden = false;
    },
    reset() {
      authorizeField.hidden = true;
      authorizeInput.value = "";
    },
  };
}

/**
 * createSignInFlow({ errorSlot, onConnected(connection, workspace), onState(state), idleFocus() })
 * → { nodes: [progress, wrongUser], run(start), busy(), destroy() }
 * `start` is a function returning the promise of a ConnectResult (api.connect, api.reauthorize…):
 * { workspace, status, … }.
 */
export function createSignInFlow({ errorSlot, onConnected, onState = () => {}, idleFocus = () => null }) {
  let alive = true;
  let state = "idle";
  let userCancelled = false;
  let unlisten = () => {};

  // Waiting for the browser.
  const waiting = createWaitingPanel({ prefix: "", onCancel: () => cancel() });
  const { node: progress, cancelButton } = waiting;

  // Someone other than the integration user signed in.
  const wrongTitle = el("h3", { id: "wrong-user-title", class: "panel-title", text: t("signIn.wrongUser.title") });
  const wrongBody = el("p", { id: "wrong-user-body" });
  const wrongAgainHelp = el("p", { id: "wrong-user-again-help", class: "panel-help" });
  const againButton = el("button", {
    type: "button",
    id: "sign-in-again",
    class: "btn btn-primary",
    text: t("signIn.wrongUser.again"),
    "aria-describedby": "wrong-user-again-help",
    on: { click: () => run(() => api.signInAgain()) },
  });
  const keepButton = el("button", {
    type: "button",
    id: "keep-account",
    class: "btn btn-secondary",
    text: t("signIn.wrongUser.keep"),
    on: { click: () => keep() },
  });
  const wrongUser = el(
    "section",
    {
      class: "panel panel-warning",
      id: "wrong-user",
      role: "alertdialog",
      "aria-labelledby": "wrong-user-title",
      "aria-describedby": "wrong-user-body wrong-user-again-help",
      tabindex: "-1",
      hidden: true,
    },
    [
      el("div", { class: "panel-header" }, [el("span", { class: "panel-icon", "aria-hidden": "true", text: "!" }), wrongTitle]),
      wrongBody,
      wrongAgainHelp,
      el("div", { class: "panel-actions" }, [againButton, keepButton]),
    ],
  );

  function setState(next) {
    const active = document.activeElement;
    const focusInside = !active || active === document.body || progress.contains(active) || wrongUser.contains(active);
    state = next;
    progress.hidden = next !== "waiting";
    wrongUser.hidden = next !== "wrong_user";
    if (next !== "waiting") waiting.reset();
    for (const b of [againButton, keepButton]) b.disabled = false;
    cancelButton.disabled = false;
    onState(next);
    // Keep the keyboard where the admin is: on Cancel while waiting, back on the card's action after.
    if (next === "waiting" && (focusInside || active?.disabled)) cancelButton.focus();
    if (next === "idle" && focusInside) idleFocus()?.focus();
  }

  function showWrongUser({ signedIn, expected }) {
    const name = firstNameOrDisplayName(signedIn.displayName, signedIn.userName, currentLang());
    const hasDisplay = signedIn.displayName.trim() !== "" && signedIn.displayName.trim() !== signedIn.userName.trim();
    wrongBody.textContent = hasDisplay
      ? t("signIn.wrongUser.body", { displayName: signedIn.displayName.trim(), userName: signedIn.userName, expected, name })
      : t("signIn.wrongUser.bodyNoName", { userName: signedIn.userName || signedIn.displayName, expected, name });
    wrongAgainHelp.textContent = t("signIn.wrongUser.againHelp", { expected });
    setState("wrong_user");
    wrongUser.focus();
  }

  async function settle(outcome) {
    const result = readOutcome(outcome);
    if (result.type === "connected") {
      setState("idle");
      announce(t("signIn.connected"));
      await onConnected(result.connection, outcome?.workspace ?? null);
    } else if (result.type === "wrong_user") {
      showWrongUser(result);
    } else {
      setState("idle");
      showError({ kind: "unknown" }, errorSlot);
    }
  }

  async function run(start) {
    if (state === "waiting") return;
    clearError();
    errorSlot?.replaceChildren();
    userCancelled = false;
    setState("waiting");
    announce(t("signIn.waiting"));
    unlisten();
    unlisten = await api.onEvent(api.EVENT_AUTHORIZE_URL, (payload) => {
      if (!alive || state !== "waiting" || typeof payload?.url !== "string") return;
      waiting.showUrl(payload.url);
    });
    try {
      const outcome = await start();
      if (alive) await settle(outcome);
    } catch (error) {
      if (!alive) return;
      setState("idle");
      if (isCancelled(error, userCancelled)) announce(t("signIn.cancelled"));
      else showError(error, errorSlot);
    } finally {
      unlisten();
      unlisten = () => {};
    }
  }

  async function cancel() {
    if (state !== "waiting") return;
    userCancelled = true;
    cancelButton.disabled = true;
    try {
      await api.cancelConnect();
    } catch (error) {
      if (!alive) return;
      cancelButton.disabled = false;
      showError(error, errorSlot);
    }
  }

  async function keep() {
    againButton.disabled = true;
    keepButton.disabled = true;
    try {
      const outcome = await api.keepAccount();
      if (!alive) return;
      await settle(outcome);
    } catch (error) {
      if (!alive) return;
      againButton.disabled = false;
      keepButton.disabled = false;
      showError(error, errorSlot);
    }
  }

  return {
    nodes: [progress, wrongUser],
    run,
    state: () => state,
    destroy() {
      // Leaving the page while the browser is still open closes the listener.
      if (state === "waiting") api.cancelConnect().catch(() => {});
      alive = false;
      unlisten();
    },
  };
}
