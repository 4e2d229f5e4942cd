// The Notifications card of the manage page: what the watcher is doing (status line,
// kept current by the watch://status event), how often it checks, which changes
// notify, start at sign-in, pause for an hour or resume, and Check now.
// Every change of a control saves the whole settings object (set_watch_settings), and "Saved"
// shows beside that control once Rust has it.
import * as api from "./api.js";
import { currentLang, t } from "./i18n.js";
import { announce, el, showError } from "./ui.js";
import { field, savedNote } from "./widgets.js";
import {
  NOTIFY_KINDS,
  PAUSE_MINUTES,
  canCheckNow,
  formatDuration,
  intervalChoices,
  normalizeSettings,
  normalizeStatus,
  parseInstant,
  pausedMessage,
  settingsFromForm,
  statusSentence,
  statusTone,
} from "./watch-model.js";
import { applyPreset, preset } from "./policy.js";

// setTimeout takes at most 2^31 - 1 ms.
const MAX_TIMER = 2147483647;

/**
 * createWatchCard() → { node, load(), destroy() }. load() reads watch_settings and
 * starts listening to watch://status; destroy() stops both.
 */
export function createWatchCard(workspace) {
  let alive = true;
  let saved = null; // The last WatchSettings Rust returned, normalised.
  let status = null; // The WatchStatus on screen.
  let pauseTimer = null;
  let liveTimer = null;
  let unlisten = () => {};
  let saveSeq = 0;
  let saving = Promise.resolve();

  // Status ---------------------------------------------------------------------
  const statusText = el("p", { id: "watch-status", class: "watch-status-text", "aria-live": "polite" });
  const statusDetail = el("p", { id: "watch-status-detail", class: "watch-status-detail", hidden: true });
  const statusRow = el("div", { class: "watch-status", dataset: { tone: "off" }, hidden: true }, [
    el("span", { class: "watch-dot", "aria-hidden": "true" }),
    el("div", { class: "watch-status-body" }, [statusText, statusDetail]),
  ]);

  // Paused: the message with Resume beside it.
  const resume = el("button", {
    type: "button",
    id: "watch-resume",
    class: "btn btn-secondary",
    text: t("watch.resume"),
    on: { click: () => resumeNotifications() },
  });
  const pausedText = el("p", { id: "watch-paused", class: "callout-text" });
  const pausedBar = el("div", { class: "callout watch-paused", id: "watch-paused-bar", hidden: true }, [
    el("span", { class: "callout-icon", "aria-hidden": "true", text: "i" }),
    el("div", { class: "watch-paused-body" }, [pausedText]),
    resume,
  ]);

  // Settings -------------------------------------------------------------------
  const interval = field({
    id: "watch-interval",
    label: t("watch.interval.label"),
    help: t("watch.interval.help"),
    input: el("select", { class: "input input-medium" }),
  });
  // The list sits in a row, so that "Saved" can show beside it.
  const intervalRow = el("div", { class: "input-row input-row-inline" });
  interval.input.replaceWith(intervalRow);
  intervalRow.append(interval.input);

  const checkbox = (id, label, extraClass = null) => {
    const input = el("input", { type: "checkbox", id, name: id });
    return { input, wrap: el("div", { class: ["checkbox", extraClass] }, [input, el("label", { for: id, text: label })]) };
  };
  const notify = new Map(NOTIFY_KINDS.map((kind) => [kind, checkbox(`notify-${kind}`, t(`watch.notify.${kind}`))]));
  const notifySet = el("fieldset", { class: "fieldset-plain field watch-notify", id: "watch-notify" }, [
    el("legend", { class: "field-label", text: t("watch.notify.legend") }),
    ...[...notify.values()].map((c) => c.wrap),
  ]);
  const autostart = checkbox("watch-autostart", t("watch.autostart"), "watch-autostart");

  // Shown once the settings have arrived, so nothing can be changed from a blank form.
  const controls = el("fieldset", { class: "fieldset-plain", id: "watch-settings", hidden: true }, [
    interval.wrap,
    notifySet,
    autostart.wrap,
  ]);
  const errorSlot = el("div", { class: "form-error-slot", id: "watch-error" });
  const savedMark = savedNote("watch-saved");
  const body = el("div", { class: "card-body", "aria-busy": "true" }, [
    el("p", { text: t("watch.intro") }),
    statusRow,
    pausedBar,
    controls,
    errorSlot,
  ]);

  // Actions --------------------------------------------------------------------
  const checkNow = el("button", {
    type: "button",
    id: "watch-now",
    class: "btn btn-primary",
    text: t("watch.checkNow"),
    disabled: true,
    on: { click: () => runCheck() },
  });
  const pause = el("button", {
    type: "button",
    id: "watch-pause",
    class: "btn btn-secondary",
    text: t("watch.pause"),
    disabled: true,
    on: { click: () => pauseNotifications() },
  });
  const node = el("section", { class: "card", id: "notifications-card", "aria-labelledby": "watch-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "watch-title", text: t("watch.title") })]),
    body,
    el("div", { class: "card-actions" }, [checkNow, pause]),
  ]);

  // Drawing --------------------------------------------------------------------
  let checking = false;

  /**
   * Shows a WatchStatus. `quiet` updates that only move the times (a poll ended, the
   * state stayed) are not read out: the region stops being live for the change.
   */
  function showStatus(next, { quiet = false } = {}) {
    const previous = status;
    status = normalizeStatus(next);
    const text = statusSentence(status, { lang: currentLang(), translate: t });
    const silent = quiet && previous && previous.state === status.state && previous.message === status.message;
    if (statusText.textContent !== text) {
      if (silent) {
        clearTimeout(liveTimer);
        statusText.setAttribute("aria-live", "off");
        liveTimer = setTimeout(() => statusText.setAttribute("aria-live", "polite"), 1000);
      }
      statusText.textContent = text;
    }
    statusDetail.textContent = status.message ?? "";
    statusDetail.hidden = !status.message;
    statusRow.dataset.tone = statusTone(status);
    statusRow.hidden = false;
    checkNow.disabled = checking || !saved || !canCheckNow(status);
  }

  function showPause() {
    clearTimeout(pauseTimer);
    pauseTimer = null;
    const message = saved ? pausedMessage(saved, { lang: currentLang() }) : null;
    pausedBar.hidden = !message;
    pause.hidden = Boolean(message);
    pause.disabled = !saved;
    pausedText.textContent = message ? t(message.key, message.params) : "";
    if (message) {
      // The pause runs out by itself: show Pause again then.
      const left = parseInstant(saved.pausedUntil) - Date.now() + 500;
      pauseTimer = setTimeout(() => {
        if (!alive) return;
        const hadFocus = pausedBar.contains(document.activeElement);
        showPause();
        if (hadFocus) pause.focus();
      }, Math.min(Math.max(left, 0), MAX_TIMER));
    }
  }

  function fillIntervals(current) {
    const lang = currentLang();
    interval.input.replaceChildren(
      ...intervalChoices(current).map((secs) => el("option", { value: String(secs), text: formatDuration(secs, lang) })),
    );
    interval.input.value = String(current);
    // Locked by the organisation: shown, not changeable (Rust keeps the policy's value).
    const p = preset("notificationIntervalSecs");
    if (p?.locked) applyPreset(interval, { ...p, value: current });
  }

  function fillForm(settings) {
    fillIntervals(settings.intervalSecs);
    for (const [kind, { input }] of notify) input.checked = settings.notify[kind];
    autostart.input.checked = settings.autostart;
  }

  /** Takes WatchSettings from Rust; `form` false leaves the controls as they are. */
  function show(raw, { form = true } = {}) {
    saved = normalizeSettings(raw);
    if (form) fillForm(saved);
    controls.hidden = false;
    body.removeAttribute("aria-busy");
    showPause();
    showStatus(saved.status);
  }

  function readForm() {
    const values = {};
    for (const [kind, { input }] of notify) values[kind] = input.checked;
    return { interval: interval.input.value, notify: values, autostart: autostart.input.checked };
  }

  // Commands -------------------------------------------------------------------
  /** Where "Saved" goes for a changed control: after the list, or after a checkbox's label. */
  function savedAnchor(target) {
    if (target === interval.input) return interval.input;
    return target?.closest?.(".checkbox")?.lastElementChild ?? null;
  }

  function save(target = null) {
    if (!saved) return;
    const anchor = savedAnchor(target);
    // The snapshot is taken now; saves run one after the other, and only the last
    // one's answer is written back into the controls (earlier answers would undo
    // changes made since).
    const settings = settingsFromForm(readForm(), saved);
    const mine = ++saveSeq;
    errorSlot.replaceChildren();
    savedMark.hide();
    saving = saving.then(async () => {
      if (!alive) return;
      try {
        const next = await api.setWatchSettings(workspace, settings);
        if (!alive) return;
        show(next, { form: mine === saveSeq });
        if (mine === saveSeq) {
          savedMark.show(anchor);
          announce(t("watch.saved"));
        }
      } catch (error) {
        if (!alive) return;
        if (mine === saveSeq && saved) fillForm(saved);
        showError(error, errorSlot);
      }
    });
  }
  controls.addEventListener("change", (event) => save(event.target));

  async function runCheck() {
    if (checking) return;
    checking = true;
    errorSlot.replaceChildren();
    checkNow.disabled = true;
    checkNow.setAttribute("aria-busy", "true");
    checkNow.textContent = t("watch.checking");
    try {
      await api.watchNow(workspace);
      if (!alive) return;
      const next = await api.watchSettings(workspace);
      if (!alive) return;
      show(next, { form: false });
    } catch (error) {
      if (!alive) return;
      showError(error, errorSlot);
    } finally {
      checking = false;
      if (alive) {
        checkNow.setAttribute("aria-busy", "false");
        checkNow.textContent = t("watch.checkNow");
        checkNow.disabled = !saved || !canCheckNow(status);
        if (document.activeElement === document.body) checkNow.focus();
      }
    }
  }

  async function pauseOrResume(button, command, after) {
    errorSlot.replaceChildren();
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const next = await command();
      if (!alive) return;
      show(next, { form: false });
      after();
    } catch (error) {
      if (!alive) return;
      showError(error, errorSlot);
    } finally {
      if (alive) {
        button.disabled = false;
        button.setAttribute("aria-busy", "false");
        // Disabling the button took the focus away; give it back when nothing else took it.
        if (document.activeElement === document.body && !button.hidden && !button.closest("[hidden]")) button.focus();
      }
    }
  }

  function pauseNotifications() {
    pauseOrResume(pause, () => api.pauseNotifications(workspace, PAUSE_MINUTES), () => {
      if (pausedBar.hidden) return;
      resume.focus();
      announce(pausedText.textContent);
    });
  }

  function resumeNotifications() {
    pauseOrResume(resume, () => api.resumeNotifications(workspace), () => {
      if (!pause.hidden) pause.focus();
      announce(t("watch.resumed"));
    });
  }

  async function load() {
    const stopStatus = await api.onWorkspaceEvent(api.EVENT_WATCH_STATUS, workspace, "status", (next) => {
      if (!alive || !saved) return;
      saved.status = normalizeStatus(next);
      showStatus(saved.status, { quiet: true });
    });
    // Paused or resumed from the tray: the pause line follows; the form is left as it is.
    const stopSettings = await api.onEvent(api.EVENT_WATCH_SETTINGS, (next) => {
      if (!alive || !saved) return;
      // The shared settings carry no status: this workspace's stays.
      show({ ...next, status: saved.status }, { form: false });
    });
    unlisten = () => {
      stopStatus();
      stopSettings();
    };
    if (!alive) {
      unlisten();
      return;
    }
    try {
      const settings = await api.watchSettings(workspace);
      if (!alive) return;
      show(settings);
    } catch (error) {
      if (!alive) return;
      body.removeAttribute("aria-busy");
      showError(error, errorSlot);
    }
  }

  function destroy() {
    alive = false;
    clearTimeout(pauseTimer);
    clearTimeout(liveTimer);
    unlisten();
  }

  return { node, load, destroy };
}
