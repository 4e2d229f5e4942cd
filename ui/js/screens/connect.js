// Connect setup (#/connect[?workspace=<id>]): OAuth app details, the redirect URL to register,
// and the sign-in button that calls the `connect` command. Without a workspace it adds a new
// one (a new instance); with one, it connects that workspace again (its instance is fixed).
// A connected workspace's page is #/manage. The form's rules are Rust's (check_connect_form).
import { requestCheckAfterConnect } from "./manage.js";
import * as api from "../api.js";
import { appState, limits, setCurrentWorkspace, workspaces } from "../app-context.js";
import { t } from "../i18n.js";
import { announce, copyButton, el } from "../ui.js";
import { createSignInFlow } from "../signin.js";
import { FIELD_ORDER } from "../validate.js";
import { applyPreset, preset } from "../policy.js";

export const name = "connect";
export const titleKey = "connect.pageTitle";

// Field name in validate.js → DOM id.
const FIELD_IDS = {
  instance: "instance",
  clientId: "client-id",
  clientSecret: "client-secret",
  integrationUser: "integration-user",
  port: "port",
};

function field({ id, labelKey, helpKey, input, required = true }) {
  const helpId = helpKey ? `${id}-help` : null;
  const errorId = `${id}-error`;
  const label = el("label", { for: id, class: "field-label" }, [
    el("span", { text: t(labelKey) }),
    required ? el("span", { class: "required-mark", "aria-hidden": "true", text: "*" }) : null,
  ]);
  if (required) input.setAttribute("aria-required", "true");
  const help = helpKey ? el("p", { id: helpId, class: "field-help", text: t(helpKey) }) : null;
  const error = el("p", { id: errorId, class: "field-error", hidden: true });
  input.setAttribute("aria-describedby", helpId ?? "");
  if (!helpId) input.removeAttribute("aria-describedby");
  const wrap = el("div", { class: "field" }, [label, input, help, error]);
  return { wrap, input, error, helpId, errorId };
}

function textInput(id, extra = {}) {
  return el("input", {
    id,
    name: id,
    type: "text",
    autocomplete: "off",
    autocapitalize: "off",
    spellcheck: "false",
    class: "input",
    ...extra,
  });
}

function setFieldError(f, key) {
  const described = [f.helpId, key ? f.errorId : null].filter(Boolean).join(" ");
  if (key) {
    f.error.textContent = t(key);
    f.error.hidden = false;
    f.input.setAttribute("aria-invalid", "true");
  } else {
    f.error.textContent = "";
    f.error.hidden = true;
    f.input.removeAttribute("aria-invalid");
  }
  if (described) f.input.setAttribute("aria-describedby", described);
  else f.input.removeAttribute("aria-describedby");
}

function stepsCard() {
  const steps = ["s1", "s2", "s3", "s4", "s5"].map((s) => el("li", { text: t(`connect.steps.${s}`) }));
  return el("section", { class: "card steps-card", id: "setup-steps", "aria-labelledby": "setup-steps-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "setup-steps-title", text: t("connect.steps.title") })]),
    el("div", { class: "card-body" }, [
      el("p", { text: t("connect.steps.intro") }),
      el("ol", { class: "steps" }, steps),
      el("p", { class: "note", text: t("connect.steps.note") }),
    ]),
  ]);
}

export async function render(view, params = {}) {
  const target = workspaces().some((w) => w.id === params.workspace) ? params.workspace : null;
  // Connected already: the settings live on the manage page.
  const [state, info, profile] = await Promise.all([
    Promise.resolve(appState()),
    target ? api.connectionStatus(target).catch(() => null) : null,
    target ? api.connectProfile(target).catch(() => null) : null,
  ]);
  if (info) {
    location.replace("#/manage");
    return null;
  }
  const { defaultPort } = limits();
  const adding = !target && workspaces().length > 0;

  const fields = {
    instance: field({
      id: FIELD_IDS.instance,
      labelKey: "connect.instance.label",
      helpKey: "connect.instance.help",
      input: textInput(FIELD_IDS.instance, { placeholder: t("connect.instance.placeholder"), inputmode: "url" }),
    }),
    clientId: field({
      id: FIELD_IDS.clientId,
      labelKey: "connect.clientId.label",
      input: textInput(FIELD_IDS.clientId),
    }),
    clientSecret: field({
      id: FIELD_IDS.clientSecret,
      labelKey: "connect.clientSecret.label",
      helpKey: "connect.clientSecret.help",
      input: textInput(FIELD_IDS.clientSecret, { type: "password" }),
    }),
    integrationUser: field({
      id: FIELD_IDS.integrationUser,
      labelKey: "connect.integrationUser.label",
      helpKey: "connect.integrationUser.help",
      input: textInput(FIELD_IDS.integrationUser),
    }),
    port: field({
      id: FIELD_IDS.port,
      labelKey: "connect.port.label",
      helpKey: "connect.port.help",
      input: textInput(FIELD_IDS.port, {
        inputmode: "numeric",
        class: "input input-short",
        value: String(profile?.port ?? defaultPort),
        maxlength: "5",
      }),
    }),
  };

  // Redirect URL, read-only, with Copy.
  const redirect = el("input", {
    id: "redirect-url",
    class: "input input-mono",
    type: "text",
    readonly: true,
    value: "",
    "aria-describedby": "redirect-url-help",
    spellcheck: "false",
  });
  const redirectField = el("div", { class: "field" }, [
    el("label", { for: "redirect-url", class: "field-label", text: t("connect.redirect.label") }),
    el("div", { class: "input-row" }, [
      redirect,
      copyButton({ id: "copy-redirect-url", getText: () => redirect.value, input: redirect }),
    ]),
    el("p", { id: "redirect-url-help", class: "field-help", text: t("connect.redirect.help") }),
  ]);

  const advanced = el("details", { class: "advanced", id: "advanced-settings" }, [
    el("summary", { text: t("connect.advanced.summary") }),
    el("div", { class: "advanced-body" }, [fields.port.wrap]),
  ]);

  // Errors from `connect` show next to the buttons, where the admin is looking.
  const formError = el("div", { class: "form-error-slot", id: "connect-error" });

  // Said before the browser opens: which account to use, and how to switch.
  const noteText = el("p", { class: "callout-text", id: "integration-user-note-text" });
  const note = el("div", { class: "callout", id: "integration-user-note" }, [
    el("span", { class: "callout-icon", "aria-hidden": "true", text: "i" }),
    noteText,
  ]);
  function updateNote() {
    const user = fields.integrationUser.input.value.trim();
    noteText.textContent = user ? t("connect.note", { user }) : t("connect.noteNoUser");
  }
  fields.integrationUser.input.addEventListener("input", updateNote);
  updateNote();

  const submit = el("button", {
    type: "submit",
    id: "start-sign-in",
    class: "btn btn-primary",
    text: t("connect.submit"),
    "aria-describedby": "integration-user-note-text",
  });
  const cancel = el("button", {
    type: "button",
    id: "cancel-connect",
    class: "btn btn-secondary",
    text: t("common.cancel"),
    on: { click: () => (location.hash = "#/") },
  });

  const fieldset = el("fieldset", { class: "fieldset-plain" }, [
    fields.instance.wrap,
    fields.clientId.wrap,
    fields.clientSecret.wrap,
    fields.integrationUser.wrap,
    redirectField,
    advanced,
  ]);
  const actions = el("div", { class: "card-actions" }, [submit, cancel]);

  const flow = createSignInFlow({
    errorSlot: formError,
    onConnected: (_connection, workspace) => {
      // Right after connecting, the manage page of that workspace runs the connection check once.
      if (workspace) setCurrentWorkspace(workspace);
      requestCheckAfterConnect();
      location.hash = "#/manage";
    },
    onState: (next) => {
      const busy = next !== "idle";
      fieldset.disabled = busy;
      submit.disabled = busy;
      submit.setAttribute("aria-busy", next === "waiting" ? "true" : "false");
      submit.textContent = next === "waiting" ? t("connect.waiting") : t("connect.submit");
      cancel.hidden = busy;
      actions.hidden = next === "wrong_user";
    },
    idleFocus: () => submit,
  });

  const form = el("form", { class: "card form-card", id: "connect-form", novalidate: true, "aria-labelledby": "connect-form-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "connect-form-title", text: t(adding ? "connect.form.titleAnother" : "connect.form.title") })]),
    el("div", { class: "card-body" }, [
      el("p", { class: "card-lead-small", text: t("connect.form.intro") }),
      fieldset,
      note,
      ...flow.nodes,
      formError,
    ]),
    actions,
  ]);

  if (profile) {
    // A workspace keeps its instance: connect it again, or add another instance instead.
    fields.instance.input.value = profile.instance;
    fields.instance.input.readOnly = true;
    fields.clientId.input.value = profile.clientId ?? "";
    fields.integrationUser.input.value = profile.integrationUser ?? "";
    updateNote();
  } else if (state?.demoInstance && fields.instance.input.value === "" && !adding) {
    fields.instance.input.value = state.demoInstance;
  }
  // The organisation's presets: they fill what is empty; locked ones are the only values.
  applyPreset(fields.instance, profile ? null : preset("servicenowInstance"));
  applyPreset(fields.clientId, preset("servicenowClientId"));
  applyPreset(fields.integrationUser, preset("integrationUser"));
  if (applyPreset(fields.port, preset("redirectPort"))) advanced.open = true;
  updateNote();

  function values() {
    return {
      instance: fields.instance.input.value,
      clientId: fields.clientId.input.value,
      clientSecret: fields.clientSecret.input.value,
      integrationUser: fields.integrationUser.input.value,
      port: fields.port.input.value,
    };
  }

  // Rust's answer for the form as it is now; a newer check wins over an older one.
  let seq = 0;
  async function checkForm() {
    const mine = ++seq;
    try {
      const result = await api.checkConnectForm(values());
      return mine === seq ? result : null;
    } catch {
      return null;
    }
  }

  async function check(names) {
    const result = await checkForm();
    if (!result) return null;
    for (const key of names) setFieldError(fields[key], result.errors?.[key] ?? null);
    return result;
  }

  // Validate a field when it loses focus, and clear its message as soon as it is fixed.
  for (const [key, f] of Object.entries(fields)) {
    f.input.addEventListener("blur", () => {
      if (f.input.value !== "" || f.input.hasAttribute("aria-invalid")) check([key]);
    });
    f.input.addEventListener("input", () => {
      if (f.input.hasAttribute("aria-invalid")) check([key]);
    });
  }
  fields.port.input.addEventListener("input", async () => {
    const result = await checkForm();
    if (result?.redirectUri) redirect.value = result.redirectUri;
  });

  // The redirect URL as Rust builds it for the port shown.
  checkForm().then((result) => {
    if (result?.redirectUri && !redirect.value) redirect.value = result.redirectUri;
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (flow.state() !== "idle") return;
    const v = values();
    const result = await checkForm();
    if (!result) return;
    const errors = result.errors ?? {};
    for (const key of Object.keys(fields)) setFieldError(fields[key], errors[key] ?? null);
    const first = FIELD_ORDER.find((key) => errors[key]);
    if (first) {
      if (first === "port") advanced.open = true;
      fields[first].input.focus();
      announce(t("validation.summary"));
      return;
    }
    await flow.run(() =>
      api.connect(target, {
        instance: result.instance,
        clientId: v.clientId.trim(),
        clientSecret: v.clientSecret,
        integrationUser: v.integrationUser.trim(),
        port: result.port,
      }),
    );
  });

  const breadcrumb = el("nav", { class: "breadcrumb", "aria-label": t("common.breadcrumb") }, [
    el("ol", {}, [
      el("li", {}, [el("a", { href: "#/", text: t("home.title") })]),
      el("li", { "aria-current": "page", text: t("connect.pageTitle") }),
    ]),
  ]);

  view.append(
    el("div", { class: "page" }, [
      breadcrumb,
      el("h1", { class: "page-title", text: t("connect.pageTitle") }),
      el("p", { class: "page-intro", text: t(adding ? "connect.introAnother" : "connect.intro") }),
      el("div", { class: "setup-grid" }, [stepsCard(), form]),
    ]),
  );

  return () => flow.destroy();
}
