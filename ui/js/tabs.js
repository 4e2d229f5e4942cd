// Tabs as the WAI-ARIA tabs pattern: a role=tablist of role=tab buttons, each controlling one
// role=tabpanel. One tab is in the Tab order (roving tabindex); Left/Right (Up/Down too), Home and
// End move between tabs and show the panel at once (automatic activation: the panels are drawn
// already, nothing loads on selection). The panels stay in the document while hidden, so the
// ids inside them keep existing. Text goes in as textContent.
import { el } from "./ui.js";

/** The key of `wanted` when it names a tab, else the first tab's. Pure. */
export function pickTab(keys, wanted) {
  return keys.includes(wanted) ? wanted : keys[0];
}

/** The tab a key press moves to from `index` among `count` tabs, or null for other keys. Pure. */
export function tabKeyTarget(key, index, count) {
  if (count <= 0) return null;
  switch (key) {
    case "ArrowRight":
    case "ArrowDown":
      return (index + 1) % count;
    case "ArrowLeft":
    case "ArrowUp":
      return (index - 1 + count) % count;
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}

/**
 * createTabs({ id, label, tabs: [{ key, label, panel: Node[] }], selected, onSelect(key) })
 * → { list, panels, select(key, { focus }), selected() }.
 * Tab ids are `${id}-tab-${key}`, panel ids `${id}-panel-${key}`.
 */
export function createTabs({ id, label, tabs, selected, onSelect = () => {} }) {
  const keys = tabs.map((tab) => tab.key);
  let current = pickTab(keys, selected);
  const buttons = tabs.map((tab) =>
    el("button", {
      type: "button",
      role: "tab",
      class: "tab",
      id: `${id}-tab-${tab.key}`,
      "aria-controls": `${id}-panel-${tab.key}`,
      dataset: { tab: tab.key },
    }, [el("span", { class: "tab-label", dataset: { text: tab.label }, text: tab.label })]),
  );
  const panels = tabs.map((tab) =>
    el("div", {
      role: "tabpanel",
      class: "tab-panel",
      id: `${id}-panel-${tab.key}`,
      "aria-labelledby": `${id}-tab-${tab.key}`,
      dataset: { tab: tab.key },
    }, tab.panel),
  );
  const list = el("div", { role: "tablist", class: "tab-list", id: `${id}-tabs`, "aria-label": label }, buttons);

  function draw() {
    buttons.forEach((button, index) => {
      const on = keys[index] === current;
      button.setAttribute("aria-selected", on ? "true" : "false");
      button.tabIndex = on ? 0 : -1;
      panels[index].hidden = !on;
      // A panel that starts with text (not a control) takes the focus itself, as the pattern asks.
      panels[index].tabIndex = 0;
    });
  }

  function select(key, { focus = false } = {}) {
    const next = pickTab(keys, key);
    const changed = next !== current;
    current = next;
    draw();
    if (focus) buttons[keys.indexOf(current)].focus();
    if (changed) onSelect(current);
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[role=tab]");
    if (button && list.contains(button)) select(button.dataset.tab, { focus: true });
  });
  list.addEventListener("keydown", (event) => {
    const index = buttons.indexOf(document.activeElement);
    if (index < 0) return;
    const target = tabKeyTarget(event.key, index, buttons.length);
    if (target === null) return;
    event.preventDefault();
    select(keys[target], { focus: true });
  });
  draw();
  return { list, panels, select, selected: () => current };
}
