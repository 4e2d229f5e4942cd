// Microsoft 365 sign-in (#/microsoft): the tenant and the organisation's own app registration
// (a public client: no secret), national-cloud addresses under Advanced, who should sign in, the
// setup steps, and the sign-in in the system browser (microsoft_sign_in). Without consent the
// page shows the admin consent link to hand to a Global Administrator. Signed in, it goes to the
// actions page. The form's rules are Rust's (check_microsoft_form).
import * as api from "../api.js";
import { appState, currentWorkspace } from "../app-context.js";
import { t } from "../i18n.js";
import { announce, copyButton, el, errorText } from "../ui.js";
import { createMicrosoftFlow } from "../microsoft-flow.js";
import { breadcrumb, field } from "../widgets.js";
import { cardIcon } from "../icons.js";
import { applyPreset, preset } from "../policy.js";

export const name = "microsoft";
export const titleKey = "microsoft.pageTitle";

/** The form's fields, in the order their errors are shown. Rust names them by `reason`. */
const FIELDS = [
  ["tenant", "tenant"],
  ["clientId", "client_id"],
  ["authority", "authority"],
  ["graph", "graph"],
];

function textInput(extra = {}) {
  return el("input", { type: "text", class: "input", autocomplete: "off", autocapitalize: "off", spellcheck: "false", ...extra });
}

function stepsCard() {
  const steps = ["s1", "s2", "s3", "s4", "s5"].map((s) => el("li", { text: t(`microsoft.steps.${s}`) }));
  return el("section", { class: "card steps-card", id: "ms-setup-steps", "aria-labelledby": "ms-setup-steps-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "ms-setup-steps-title", text: t("microsoft.steps.title") })]),
    el("div", { class: "card-body" }, [
      el("p", { text: t("microsoft.steps.intro") }),
      el("ol", { class: "steps" }, steps),
      el("p", { class: "note", text: t("microsoft.steps.note") }),
    ]),
  ]);
}

/** Without consent: the link a Global Administrator opens once, with Copy, and Open for one who is. */
function consentCallout(url, onOpen) {
  const input = el("input", { id: "ms-consent-url", class: "input input-mono", type: "text", readonly: true, spellcheck: "false", value: url });
  return el("div", { class: "callout callout-warning", id: "ms-consent", role: "alert" }, [
    el("span", { class: "callout-icon", "aria-hidden": "true", text: "!" }),
    el("div", { class: "callout-content" }, [
      el("p", { class: "callout-text", text: t("microsoft.consent.title") }),
      el("p", { class: "callout-hint", text: t("microsoft.consent.body") }),
      el("div", { class: "field" }, [
        el("label", { for: "ms-consent-url", class: "field-label", text: t("microsoft.consent.link") }),
        el("div", { class: "input-row" }, [input, copyButton({ id: "ms-copy-consent-url", getText: () => input.value, input })]),
      ]),
      el("div", { class: "callout-actions" }, [
        el("button", { type: "button", id: "ms-open-consent", class: "btn btn-secondary", text: t("microsoft.consent.open"), on: { click: onOpen } }),
      ]),
    ]),
  ]);
}

export async function render(view) {
  const workspace = currentWorkspace();
  if (!workspace) {
    location.replace("#/");
    return null;
  }
  const state = appState();
  const saved = await api.microsoftStatus(workspace).catch(() => null);
  const demo = state?.demoMicrosoft ?? null;
  const defaults = state?.microsoftDefaults ?? { authority: "", graph: "" };

  const fields = {
    tenant: field({
      id: "ms-tenant",
      label: t("microsoft.tenant.label"),
      help: t("microsoft.tenant.help"),
      required: true,
      input: textInput({ placeholder: t("microsoft.tenant.placeholder") }),
    }),
    clientId: field({
      id: "ms-client-id",
      label: t("microsoft.clientId.label"),
      help: t("microsoft.clientId.help"),
      required: true,
      input: textInput({ placeholder: "00000000-0000-0000-0000-000000000000", class: "input input-mono" }),
    }),
    authority: field({
      id: "ms-authority",
      label: t("microsoft.authority.label"),
      input: textInput({ placeholder: defaults.authority, inputmode: "url" }),
    }),
    graph: field({
      id: "ms-graph",
      label: t("microsoft.graph.label"),
      input: textInput({ placeholder: defaults.graph, inputmode: "url" }),
    }),
  };
  const advanced = el("details", { class: "advanced", id: "ms-advanced" }, [
    el("summary", { text: t("microsoft.advanced.summary") }),
    el("div", { class: "advanced-body" }, [
      el("p", { class: "field-help", text: t("microsoft.advanced.help") }),
      fields.authority.wrap,
      fields.graph.wrap,
    ]),
  ]);

  const fill = (v) => {
    fields.tenant.input.value = v.tenant ?? "";
    fields.clientId.input.value = v.clientId ?? "";
    fields.authority.input.value = v.authority ?? "";
    fields.graph.input.value = v.graph ?? "";
  };
  if (saved) {
    fill({
      tenant: saved.tenant,
      clientId: saved.clientId,
      authority: saved.authority === defaults.authority ? "" : saved.authority,
      graph: saved.graph === defaults.graph ? "" : saved.graph,
    });
  } else if (demo) {
    fill({ tenant: demo.tenant, clientId: demo.clientId, authority: demo.endpoint, graph: demo.endpoint });
    if (demo.endpoint) advanced.open = true;
  }

  // The organisation's presets: they fill what is empty; locked ones are the only values.
  applyPreset(fields.tenant, preset("microsoftTenant"));
  applyPreset(fields.clientId, preset("microsoftClientId"));

  const values = () => ({
    tenant: fields.tenant.input.value.trim(),
    clientId: fields.clientId.input.value.trim(),
    authority: fields.authority.input.value.trim(),
    graph: fields.graph.input.value.trim(),
  });

  const who = el("div", { class: "callout", id: "ms-who" }, [
    el("span", { class: "callout-icon", "aria-hidden": "true", text: "i" }),
    el("div", { class: "callout-content" }, [
      el("p", { class: "callout-text", text: t("microsoft.who.title") }),
      el("p", { class: "callout-hint", text: t("microsoft.who.body") }),
    ]),
  ]);
  const demoNote = demo
    ? el("p", { class: "note", id: "ms-demo", text: t("microsoft.demo", { url: demo.endpoint }) })
    : null;
  const consentSlot = el("div", { class: "consent-slot" });
  const formError = el("div", { class: "form-error-slot", id: "ms-error" });
  const submit = el("button", { type: "submit", id: "ms-sign-in", class: "btn btn-primary", text: t("microsoft.submit"), "aria-describedby": "ms-who" });
  const cancel = el("a", { href: "#/", id: "ms-cancel", class: "btn btn-secondary", text: t("common.cancel") });
  const fieldset = el("fieldset", { class: "fieldset-plain" }, [fields.tenant.wrap, fields.clientId.wrap, advanced]);
  const actions = el("div", { class: "card-actions" }, [submit, cancel]);

  const flow = createMicrosoftFlow({
    workspace,
    errorSlot: formError,
    onSignedIn: () => {
      location.hash = "#/actions";
    },
    onError: (error) => {
      const url = error?.params?.consentUrl;
      if (error?.kind !== "consent_required" || typeof url !== "string") return false;
      consentSlot.replaceChildren(
        consentCallout(url, () => api.openAdminConsent(workspace, values()).catch((e) => showFieldless(e))),
      );
      return true;
    },
    onState: (next) => {
      const busy = next !== "idle";
      fieldset.disabled = busy;
      submit.disabled = busy;
      submit.setAttribute("aria-busy", busy ? "true" : "false");
      submit.textContent = busy ? t("microsoft.submitting") : t("microsoft.submit");
      cancel.hidden = busy;
    },
    idleFocus: () => submit,
  });
  function showFieldless(error) {
    formError.replaceChildren(el("p", { class: "field-error", text: errorText(error).message }));
  }

  const form = el("form", { class: "card form-card", id: "ms-form", novalidate: true, "aria-labelledby": "ms-form-title" }, [
    el("div", { class: "card-header" }, [
      cardIcon("shield"),
      el("h2", { id: "ms-form-title", text: t("microsoft.form.title") }),
    ]),
    el("div", { class: "card-body" }, [
      el("p", { class: "card-lead-small", text: t("microsoft.form.intro") }),
      fieldset,
      who,
      demoNote,
      ...flow.nodes,
      consentSlot,
      formError,
    ]),
    actions,
  ]);

  /** Rust's check; shows the message beside the field it names. True when the form is fine. */
  async function check(focus) {
    for (const [key] of FIELDS) fields[key].setError(null);
    try {
      await api.checkMicrosoftForm(values());
      return true;
    } catch (error) {
      const text = errorText(error);
      const key = FIELDS.find(([, reason]) => reason === error?.reason)?.[0];
      if (key) {
        if (key === "authority" || key === "graph") advanced.open = true;
        fields[key].setError(text.message, text.hint);
        if (focus) fields[key].input.focus();
      } else {
        showFieldless(error);
      }
      announce(t("validation.summary"));
      return false;
    }
  }
  for (const [key] of FIELDS) {
    fields[key].input.addEventListener("input", () => {
      if (fields[key].input.getAttribute("aria-invalid") === "true") check(false);
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (flow.state() !== "idle") return;
    consentSlot.replaceChildren();
    if (!(await check(true))) return;
    await flow.run(() => api.microsoftSignIn(workspace, values()));
  });

  view.append(
    el("div", { class: "page" }, [
      breadcrumb(t("microsoft.pageTitle")),
      el("h1", { class: "page-title", text: t("microsoft.pageTitle") }),
      el("p", { class: "page-intro", text: t("microsoft.intro") }),
      el("div", { class: "setup-grid" }, [stepsCard(), form]),
    ]),
  );
  return () => flow.destroy();
}
