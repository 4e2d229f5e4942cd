// Settings (#/settings, the header's Settings link and the tray's Settings…): the app's
// language, "System default" or one of the six, applied at once without a restart:
// set_language tells Rust (tray, notifications), then the UI loads the catalog of the language
// Rust answered, sets <html lang>, translates the static page and draws the current screen again
// (tb:rerender). A "Saved" mark beside the select shows it happened, and the live region says so.
// Network: the system's proxy settings (the default) or one proxy (address, optional user name,
// password kept by Rust in the keychain, never shown: the field stays empty and says it is
// saved), with one Save and a "Saved" mark.
// Updates: see updates-card.js.
// Help: Save diagnostics… (a zip in Downloads, then Show in folder) and Open log folder. About:
// the version, the app's licence and the crates it ships with their licences, from
// ui/licences.json (made by scripts/licences.py from Cargo.lock, never by hand).
import * as api from "../api.js";
import { appState, setLanguageState } from "../app-context.js";
import { LANGUAGE_NAMES, PSEUDO, SUPPORTED, applyTranslations, loadLanguage, matchLocale, t } from "../i18n.js";
import { announce, el, showError } from "../ui.js";
import { breadcrumb } from "../widgets.js";
import { updatesCard } from "../updates-card.js";

export const name = "settings";
export const titleKey = "settings.title";

/** The language the operating system speaks, as app_state or set_language said it. */
function systemLocale(state) {
  const said = state?.systemLocale ?? state?.system;
  if (typeof said === "string" && said) return said;
  return matchLocale(typeof navigator !== "undefined" ? navigator.languages ?? [navigator.language] : []);
}

/**
 * The options of the Language select: [{ value, label, lang }], "system" first, then each
 * language named in itself, the pseudo-locale only when Rust offers it. Pure but for t().
 */
export function languageChoices(state) {
  const offered = Array.isArray(state?.languages) && state.languages.length ? state.languages : ["system", ...SUPPORTED];
  const system = systemLocale(state);
  const choices = [];
  for (const value of offered) {
    if (value === "system") {
      choices.push({ value, label: t("settings.language.system", { language: LANGUAGE_NAMES[system] ?? system }), lang: null });
    } else if (value === PSEUDO) {
      choices.push({ value, label: t("settings.language.pseudo"), lang: null });
    } else if (Object.prototype.hasOwnProperty.call(LANGUAGE_NAMES, value)) {
      choices.push({ value, label: LANGUAGE_NAMES[value], lang: value });
    }
  }
  if (!choices.some((c) => c.value === "system")) choices.unshift({ value: "system", label: t("settings.language.system", { language: LANGUAGE_NAMES[system] ?? system }), lang: null });
  return choices;
}

/**
 * Speaks `locale` from now on, without a restart: its catalog, <html lang>, the static page's
 * words, and the current screen drawn again.
 */
export async function applyLanguage(locale) {
  const used = await loadLanguage(locale);
  if (typeof document !== "undefined") applyTranslations(document);
  if (typeof window !== "undefined") window.dispatchEvent(new Event("tb:rerender"));
  return used;
}

/** ui/licences.json: { app: { licence }, crates: [{ name, version, licence, repository }] }, or null. */
let licences;
async function loadLicences() {
  if (licences !== undefined) return licences;
  try {
    const response = await fetch(new URL("../../licences.json", import.meta.url));
    licences = response.ok ? await response.json() : null;
  } catch {
    licences = null;
  }
  return licences;
}

/** The Network card: system proxy or this proxy; the fields only for this proxy. */
function networkCard() {
  const errorSlot = el("div", { class: "form-error-slot", id: "network-error" });
  const radio = (value, key) => {
    const id = `network-mode-${value}`;
    const input = el("input", { type: "radio", name: "network-mode", id, value, checked: value === "system" });
    return [input, el("div", { class: "radio" }, [input, el("label", { for: id, text: t(key) })])];
  };
  const [systemInput, systemRadio] = radio("system", "settings.network.system");
  const [explicitInput, explicitRadio] = radio("explicit", "settings.network.explicit");
  const input = (id, extra = {}) =>
    el("input", { id, name: id, type: "text", autocomplete: "off", autocapitalize: "off", spellcheck: "false", class: "input", ...extra });
  const address = input("proxy-address", { inputmode: "url", "aria-describedby": "proxy-address-help" });
  const username = input("proxy-username");
  const password = input("proxy-password", { type: "password", autocomplete: "new-password", "aria-describedby": "proxy-password-help" });
  const passwordHelp = el("p", { id: "proxy-password-help", class: "field-help", text: t("settings.network.passwordHelp") });
  const field = (id, key, control, help) => el("div", { class: "field" }, [el("label", { for: id, class: "field-label", text: t(key) }), control, help].filter(Boolean));
  const fields = el("div", { id: "proxy-fields" }, [
    field("proxy-address", "settings.network.address", address, el("p", { id: "proxy-address-help", class: "field-help", text: t("settings.network.addressHelp") })),
    field("proxy-username", "settings.network.username", username),
    field("proxy-password", "settings.network.password", password, passwordHelp),
  ]);
  const saved = el("span", { class: "saved-note", id: "network-saved", hidden: true }, [
    el("span", { class: "saved-icon", "aria-hidden": "true", text: "\u2713" }),
    el("span", { class: "saved-text", text: t("common.saved") }),
  ]);
  const save = el("button", { type: "submit", id: "network-save", class: "btn btn-primary", text: t("settings.network.save") });

  function show(state) {
    const explicit = state?.mode === "explicit";
    explicitInput.checked = explicit;
    systemInput.checked = !explicit;
    address.value = state?.address ?? "";
    username.value = state?.username ?? "";
    password.value = "";
    passwordHelp.textContent = t(state?.passwordSaved ? "settings.network.passwordSaved" : "settings.network.passwordHelp");
    fields.hidden = !explicit;
  }
  for (const r of [systemInput, explicitInput]) {
    r.addEventListener("change", () => {
      fields.hidden = !explicitInput.checked;
      saved.hidden = true;
    });
  }
  for (const f of [address, username, password]) f.addEventListener("input", () => (saved.hidden = true));

  const form = el("form", { id: "network-form", novalidate: true }, [
    el("fieldset", { class: "fieldset-plain field", id: "network-mode" }, [
      el("legend", { class: "visually-hidden", text: t("settings.network.title") }),
      systemRadio,
      explicitRadio,
    ]),
    fields,
    errorSlot,
    el("div", { class: "card-actions" }, [save, saved]),
  ]);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorSlot.replaceChildren();
    saved.hidden = true;
    save.disabled = true;
    save.setAttribute("aria-busy", "true");
    try {
      const typed = password.value;
      const state = await api.setNetwork({
        mode: explicitInput.checked ? "explicit" : "system",
        address: address.value,
        username: username.value,
        // An empty field keeps the saved password; no user name means no password.
        password: username.value.trim() ? (typed ? typed : undefined) : "",
      });
      show(state);
      saved.hidden = false;
      announce(t("common.saved"));
    } catch (error) {
      if (form.isConnected) showError(error, errorSlot);
    } finally {
      save.disabled = false;
      save.setAttribute("aria-busy", "false");
    }
  });
  show({ mode: "system" });
  api
    .networkSettings()
    .then((state) => {
      if (form.isConnected) show(state);
    })
    .catch((error) => {
      if (form.isConnected) showError(error, errorSlot);
    });

  return el("section", { class: "card", id: "network-card", "aria-labelledby": "network-card-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "network-card-title", text: t("settings.network.title") })]),
    el("div", { class: "card-body" }, [el("p", { text: t("settings.network.intro") }), form]),
  ]);
}

/** The Help card: Save diagnostics… (then where it is, and Show in folder), Open log folder. */
function helpCard() {
  const result = el("div", { id: "diagnostics-result", "aria-live": "polite" });
  const errorSlot = el("div", { class: "form-error-slot", id: "help-error" });
  const save = el("button", { type: "button", id: "save-diagnostics", class: "btn btn-secondary", text: t("settings.help.save") });
  const logs = el("button", { type: "button", id: "open-log-folder", class: "btn btn-secondary", text: t("settings.help.openLogs") });
  async function busy(button, work) {
    errorSlot.replaceChildren();
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      await work();
    } catch (error) {
      if (button.isConnected) showError(error, errorSlot);
    } finally {
      button.disabled = false;
      button.setAttribute("aria-busy", "false");
    }
  }
  save.addEventListener("click", () =>
    busy(save, async () => {
      result.replaceChildren();
      const saved = await api.saveDiagnostics();
      const path = saved?.path ?? "";
      const show = el("button", { type: "button", id: "show-diagnostics", class: "btn btn-subtle", text: t("settings.help.show") });
      show.addEventListener("click", () => busy(show, () => api.showDiagnostics(path)));
      const [before, after = ""] = t("settings.help.saved", { path: "\u0000" }).split("\u0000");
      result.replaceChildren(
        el("div", { class: "callout callout-success" }, [
          el("span", { class: "callout-icon", "aria-hidden": "true", text: "\u2713" }),
          el("p", { class: "callout-text" }, [before, el("span", { class: "mono path", id: "diagnostics-path", text: path }), after, " ", show]),
        ]),
      );
    }),
  );
  logs.addEventListener("click", () => busy(logs, () => api.openLogFolder()));
  return el("section", { class: "card", id: "help-card", "aria-labelledby": "help-card-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "help-card-title", text: t("settings.help.title") })]),
    el("div", { class: "card-body" }, [
      el("p", { text: t("settings.help.intro") }),
      el("div", { class: "card-actions" }, [save, logs]),
      result,
      errorSlot,
    ]),
  ]);
}

/** The About card: version and licence at once, the crates once ui/licences.json is read. */
function aboutCard(state) {
  const list = el("div", { id: "licences", "aria-busy": "true" });
  const licence = el("p", { id: "about-licence" });
  loadLicences().then((data) => {
    list.removeAttribute("aria-busy");
    if (!data || !Array.isArray(data.crates)) {
      list.replaceChildren(el("p", { class: "field-help", text: t("settings.about.missing") }));
      return;
    }
    licence.textContent = t("settings.about.licence", { licence: data.app?.licence ?? "" });
    list.replaceChildren(
      el("details", { class: "licences" }, [
        el("summary", { text: t("settings.about.components") }),
        el("p", { class: "field-help", text: t("settings.about.componentsIntro", { count: data.crates.length }) }),
        el("div", { class: "table-slot licences-table" }, [
          el("table", { class: "data-table", id: "licences-table" }, [
            el("thead", {}, [
              el("tr", {}, [
                el("th", { scope: "col", text: t("settings.about.name") }),
                el("th", { scope: "col", text: t("settings.about.crateVersion") }),
                el("th", { scope: "col", text: t("settings.about.licenceColumn") }),
              ]),
            ]),
            el(
              "tbody",
              {},
              data.crates.map((c) =>
                el("tr", {}, [
                  el("th", { scope: "row", class: "mono", title: c.repository ?? "", text: c.name }),
                  el("td", { class: "mono", text: c.version }),
                  el("td", { text: c.licence }),
                ]),
              ),
            ),
          ]),
        ]),
      ]),
    );
  });
  return el("section", { class: "card", id: "about-card", "aria-labelledby": "about-card-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "about-card-title", text: t("settings.about.title") })]),
    el("div", { class: "card-body" }, [el("p", { class: "card-lead", id: "about-version", text: t("settings.about.version", { version: state?.version ?? "" }) }), licence, list]),
  ]);
}

// Set just before the screen is drawn again in the new language, so that the new screen shows
// (and says) "Saved" in the words of the language just chosen.
let justSaved = null;

export async function render(view) {
  const state = appState();
  const choices = languageChoices(state);
  const current = choices.some((c) => c.value === state?.language) ? state.language : "system";
  const errorSlot = el("div", { class: "form-error-slot", id: "language-error" });

  const select = el(
    "select",
    { id: "language-select", class: "input input-medium", "aria-describedby": "language-help" },
    choices.map((c) => el("option", { value: c.value, lang: c.lang, text: c.label })),
  );
  select.value = current;

  const saved = el("span", { class: "saved-note", id: "language-saved", hidden: !justSaved }, [
    el("span", { class: "saved-icon", "aria-hidden": "true", text: "\u2713" }),
    el("span", { class: "saved-text", text: t("common.saved") }),
  ]);

  async function choose() {
    const wanted = select.value;
    const before = appState()?.language ?? current;
    if (wanted === before) return;
    saved.hidden = true;
    errorSlot.replaceChildren();
    select.disabled = true;
    select.setAttribute("aria-busy", "true");
    try {
      const answer = await api.setLanguage(wanted);
      setLanguageState(answer);
      justSaved = { language: wanted, locale: answer?.locale };
      await applyLanguage(typeof answer?.locale === "string" ? answer.locale : matchLocale([wanted]));
    } catch (error) {
      justSaved = null;
      if (select.isConnected) {
        select.value = before;
        showError(error, errorSlot);
      }
    } finally {
      if (select.isConnected) {
        select.disabled = false;
        select.removeAttribute("aria-busy");
      }
    }
  }
  select.addEventListener("change", choose);
  const updates = updatesCard();

  view.append(
    el("div", { class: "page page-narrow" }, [
      breadcrumb(t("settings.title")),
      el("h1", { class: "page-title", text: t("settings.title") }),
      el("p", { class: "page-intro", text: t("settings.intro") }),
      el("div", { class: "stack" }, [
        el("section", { class: "card", id: "language-card", "aria-labelledby": "language-card-title" }, [
          el("div", { class: "card-header" }, [el("h2", { id: "language-card-title", text: t("settings.language.title") })]),
          el("div", { class: "card-body" }, [
            el("div", { class: "field" }, [
              el("label", { for: "language-select", class: "field-label", text: t("settings.language.label") }),
              el("div", { class: "setting-row" }, [select, saved]),
              el("p", { id: "language-help", class: "field-help", text: t("settings.language.help") }),
            ]),
            errorSlot,
          ]),
        ]),
        networkCard(),
        updates.card,
        helpCard(),
        aboutCard(state),
      ]),
    ]),
  );

  if (justSaved) {
    const chosen = choices.find((c) => c.value === justSaved.language);
    justSaved = null;
    announce(t("settings.language.saved", { language: chosen?.label ?? "" }));
    // The router focuses the heading after drawing; the admin goes on from the select.
    setTimeout(() => {
      if (select.isConnected) select.focus();
    }, 0);
  }
  return () => updates.stop();
}
