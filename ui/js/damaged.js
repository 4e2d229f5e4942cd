// The banner about data files that could not be read at start (damaged_files): which file of
// which instance, where it was moved, what was kept. It stays above every screen until the
// admin dismisses it. Paths are shown as text.
import * as api from "./api.js";
import { workspaces } from "./app-context.js";
import { t } from "./i18n.js";
import { el, showError } from "./ui.js";

/** One line per file, in words. */
export function damagedLine(d, names = {}) {
  const what = t(`damaged.file.${d.file}`);
  const where = d.workspace && names[d.workspace] ? t("damaged.of", { what, instance: names[d.workspace] }) : what;
  const moved = d.movedTo ? t("damaged.moved", { what: where, path: d.movedTo }) : t("damaged.left", { what: where, path: d.path });
  if (typeof d.kept === "number" && d.file === "outbox") {
    return `${moved} ${t("damaged.kept", { count: d.kept })}`;
  }
  return moved;
}

/** Draws the banner into #notice when files were damaged. */
export async function showDamaged() {
  const slot = document.getElementById("notice");
  if (!slot) return;
  let list = [];
  try {
    list = await api.damagedFiles();
  } catch {
    return;
  }
  if (!Array.isArray(list) || !list.length) return;
  const names = Object.fromEntries(workspaces().map((w) => [w.id, w.name]));
  const dismiss = el("button", {
    type: "button",
    id: "damaged-dismiss",
    class: "btn btn-secondary",
    text: t("damaged.dismiss"),
    on: {
      click: async () => {
        try {
          await api.dismissDamagedFiles();
          slot.replaceChildren();
        } catch (error) {
          showError(error);
        }
      },
    },
  });
  slot.replaceChildren(
    el("section", { class: "banner banner-warning", id: "damaged-banner", role: "alert", "aria-labelledby": "damaged-title" }, [
      el("span", { class: "banner-icon", "aria-hidden": "true", text: "!" }),
      el("div", { class: "banner-body" }, [
        el("p", { class: "banner-message", id: "damaged-title", text: t("damaged.title") }),
        el("ul", { class: "plain-list damaged-list" }, list.map((d) => el("li", { class: "mono-path", text: damagedLine(d, names) }))),
        el("p", { class: "banner-hint", text: t("damaged.hint") }),
      ]),
      dismiss,
    ]),
  );
}
