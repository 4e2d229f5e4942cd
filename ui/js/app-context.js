// What every screen needs to know about the app, read once from app_state at boot and kept
// up to date from workspaces://changed: the workspaces and the selected one, the ticket kinds
// and the limits of the forms. Rust owns all of it; this module only remembers the last answer.
// No DOM and no IPC here: Node's test runner imports it directly.

// The ticket kinds a browser preview (no back end) shows; the app sends its own registry.
const PREVIEW_KINDS = Object.freeze([
  Object.freeze({ kind: "change_request", numberPrefix: "CHG", localeKey: "change_request", rightsCheck: "change_rights", states: [] }),
  Object.freeze({ kind: "incident", numberPrefix: "INC", localeKey: "incident", rightsCheck: "incident_rights", states: [] }),
]);

const PREVIEW_LIMITS = Object.freeze({
  defaultPort: 8765,
  minPort: 1024,
  maxPort: 65535,
  taskNameChars: 160,
  stateNameChars: 40,
  workspaceNameChars: 40,
  categoryValueChars: 40,
  actionTitleChars: 300,
});

const context = {
  state: null,
  workspaces: [],
  selected: null,
  listeners: new Set(),
};

/** Installs the answer of app_state. */
export function setAppState(state) {
  context.state = state && typeof state === "object" ? state : null;
  setWorkspaces(Array.isArray(state?.workspaces) ? state.workspaces : [], state?.selected ?? null);
}

export function appState() {
  return context.state;
}

/** Remembers what set_language answered ({ language, locale, system, languages }). */
export function setLanguageState(answer) {
  if (!answer || typeof answer !== "object") return;
  const next = { ...(context.state ?? {}) };
  if (typeof answer.language === "string") next.language = answer.language;
  if (typeof answer.locale === "string") next.locale = answer.locale;
  if (typeof answer.system === "string") next.systemLocale = answer.system;
  if (Array.isArray(answer.languages)) next.languages = answer.languages;
  context.state = next;
}

/** The ticket kinds, in the order the UI shows them: [{ kind, numberPrefix, localeKey, rightsCheck, states }]. */
export function kinds() {
  const list = context.state?.kinds;
  return Array.isArray(list) && list.length ? list : PREVIEW_KINDS;
}

/** The kind names ("change_request", "incident"). */
export function kindNames() {
  return kinds().map((k) => k.kind);
}

export function limits() {
  return { ...PREVIEW_LIMITS, ...(context.state?.limits ?? {}) };
}

/** Every workspace: [{ id, name, instance, connected, needsReconnect, waiting, unseen, selected }]. */
export function workspaces() {
  return context.workspaces;
}

/** The id of the workspace the screens show, or null when there is none yet. */
export function currentWorkspace() {
  return context.selected;
}

/** The summary of the current workspace, or null. */
export function currentSummary() {
  return context.workspaces.find((w) => w.id === context.selected) ?? null;
}

/** Replaces the list (from workspaces://changed); `selected` wins, else the list's own mark. */
export function setWorkspaces(list, selected) {
  context.workspaces = Array.isArray(list) ? list.filter((w) => w && typeof w.id === "string") : [];
  const marked = context.workspaces.find((w) => w.selected)?.id ?? null;
  const wanted = selected ?? marked ?? context.selected;
  context.selected = context.workspaces.some((w) => w.id === wanted) ? wanted : context.workspaces[0]?.id ?? null;
  for (const fn of context.listeners) fn(context.workspaces, context.selected);
}

/** Makes `id` the current workspace here (Rust is told by the caller). */
export function setCurrentWorkspace(id) {
  if (context.workspaces.some((w) => w.id === id)) {
    context.workspaces = context.workspaces.map((w) => ({ ...w, selected: w.id === id }));
    setWorkspaces(context.workspaces, id);
  }
}

/** Calls fn(list, selected) whenever the list changes; returns a stop function. */
export function onWorkspaces(fn) {
  context.listeners.add(fn);
  return () => context.listeners.delete(fn);
}

/** True when the switcher is shown: only once there are two workspaces. */
export function hasSeveral() {
  return context.workspaces.length > 1;
}
