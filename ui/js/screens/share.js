// Share an improvement action to ServiceNow (#/share/<actionId>[?kind=incident]).
// First asks open_ticket_for_action: an active ticket for this action is shown
// instead of the form (with "Create another anyway"). The form checks itself,
// then asks preview_task (what exactly goes to ServiceNow, and ServiceNow-side
// field errors), then submit_task: sent → the new number; waiting → the outbox.
import * as api from "../api.js";
import { currentSummary, currentWorkspace, hasSeveral, kinds, kindNames, limits } from "../app-context.js";
import { currentLang, has, intlLang, t } from "../i18n.js";
import { announce, el, showError, errorText } from "../ui.js";
import { CATEGORIES, PRIORITIES, checkDraft, draftFor, recordEntries, textLength, todayIso } from "../tickets-model.js";
import { formatNumber } from "../score-model.js";
import { formatLongDate } from "../format.js";
import { breadcrumb, categoryLabel, field, kindLabel, openRecord, priorityLabel, sourceLabel } from "../widgets.js";

export const name = "share";
export const titleKey = "share.title";

const FIELD_NAMES = ["name", "description", "dueDate", "category"];

function notFound() {
  return el("section", { class: "card", id: "share-not-found", "aria-labelledby": "share-not-found-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "share-not-found-title", text: t("share.notFound.title") })]),
    el("div", { class: "card-body" }, [el("p", { text: t("share.notFound.body") })]),
    el("div", { class: "card-actions" }, [el("a", { href: "#/actions", class: "btn btn-primary", id: "back-to-actions", text: t("share.backActions") })]),
  ]);
}

function alreadyOpenCard(workspace, ref, onAnyway) {
  const anyway = el("button", { type: "button", id: "create-anyway", class: "btn btn-secondary", text: t("share.createAnyway") });
  const card = el("section", { class: "card card-notice", id: "already-open", "aria-labelledby": "already-open-title" }, [
    el("div", { class: "card-header" }, [
      el("span", { class: "callout-icon", "aria-hidden": "true", text: "i" }),
      el("h2", { id: "already-open-title", text: t("share.alreadyOpen", { number: ref.number }) }),
    ]),
    el("div", { class: "card-body" }, [
      el("p", { text: t("share.alreadyOpenBody", { kind: kindLabel(ref.kind), state: ref.stateLabel || String(ref.state ?? "") }) }),
    ]),
    el("div", { class: "card-actions" }, [
      el("button", { type: "button", id: "open-existing", class: "btn btn-primary", text: t("share.open"), on: { click: () => openRecord(workspace, ref.url) } }),
      anyway,
    ]),
  ]);
  anyway.addEventListener("click", () => {
    anyway.hidden = true;
    onAnyway();
  });
  return card;
}

/** The preview: the table and every field of the record, as text. */
function previewBody(preview) {
  const entries = recordEntries(preview.record);
  return [
    el("p", { class: "preview-intro", text: t("share.preview.intro") }),
    el("dl", { class: "facts preview-facts", id: "task-preview-record" }, [
      el("dt", { text: t("share.preview.table") }),
      el("dd", { class: "mono", id: "task-preview-table", text: preview.table ?? "" }),
      ...entries.flatMap(([key, value]) => [el("dt", { class: "mono", text: key }), el("dd", { class: "preview-value", text: value })]),
    ]),
  ];
}

function resultCard({ id, tone, title, body, extra = [], primary }) {
  return el("section", { class: ["card", `card-${tone}`], id, "aria-labelledby": `${id}-title` }, [
    el("div", { class: "card-header" }, [
      el("span", { class: ["status-icon", `status-${tone}`], "aria-hidden": "true", text: tone === "success" ? "\u2713" : "!" }),
      el("h2", { id: `${id}-title`, tabindex: "-1", text: title }),
    ]),
    el("div", { class: "card-body" }, [...body, ...extra]),
    el("div", { class: "card-actions" }, [
      primary,
      el("a", { href: "#/actions", id: "back-to-actions", class: "btn btn-secondary", text: t("share.backActions") }),
      el("a", { href: "#/", id: "back-home", class: "btn btn-secondary", text: t("share.backHome") }),
    ]),
  ]);
}

/** A field error of preview_task ({ field, reason, params, message, hint }) as errorText words it. */
function fieldErrorText(e) {
  return errorText({ kind: "invalid_input", reason: e.reason, params: e.params, message: e.message, hint: e.hint });
}

/**
 * What ServiceNow did with a field it did not store as sent ({ field, reason, params, message }),
 * in the admin's words: a priority with its name. Without words for its reason (a warning kept
 * from an older version), Rust's own sentence.
 */
function warningText(w) {
  if (typeof w.reason !== "string" || !has(`errors.reasons.${w.reason}.message`)) return { message: w.message ?? "", hint: "" };
  const params = { ...(w.params ?? {}) };
  if (w.reason === "priority_recomputed") {
    for (const k of ["sent", "stored"]) params[k] = priorityLabel(Number(params[k])) || params[k];
  }
  return errorText({ kind: "servicenow", reason: w.reason, params, message: w.message });
}

function sentCard(workspace, sent) {
  const warnings = Array.isArray(sent.warnings) ? sent.warnings : [];
  return resultCard({
    id: "task-sent",
    tone: "success",
    title: t("share.sent.title", { number: sent.number }),
    body: [el("p", { text: t("share.sent.body") })],
    extra: warnings.length
      ? [
          el("h3", { class: "subheading", text: t("share.sent.warnings") }),
          el(
            "ul",
            { class: "plain-list", id: "task-warnings" },
            warnings.map((w) => {
              const words = warningText(w);
              return el("li", {}, [el("span", { class: "mono", text: w.field }), `: ${words.message}`, words.hint ? ` ${words.hint}` : ""]);
            }),
          ),
        ]
      : [],
    primary: el("button", { type: "button", id: "open-sent", class: "btn btn-primary", text: t("share.sent.open"), on: { click: () => openRecord(workspace, sent.url) } }),
  });
}

function waitingCard(item) {
  const error = item?.error;
  return resultCard({
    id: "task-waiting",
    tone: "warning",
    title: t("share.waiting.title"),
    body: [el("p", { text: t("share.waiting.body") })],
    extra: error
      ? [
          el("div", { class: "callout callout-warning", id: "task-waiting-error" }, [
            el("span", { class: "callout-icon", "aria-hidden": "true", text: "!" }),
            el("div", {}, [
              el("p", { class: "callout-text", text: errorText(error).message }),
              errorText(error).hint ? el("p", { class: "callout-hint", text: errorText(error).hint }) : null,
            ]),
          ]),
        ]
      : [],
    primary: el("a", { href: "#/outbox", id: "review-outbox", class: "btn btn-primary", text: t("share.waiting.review") }),
  });
}

function taskForm(workspace, action, kind, done) {
  const NAME_MAX = limits().taskNameChars;
  const draft = draftFor(action, { kind });

  // Name, with a counter -------------------------------------------------------
  const counter = el("span", { class: "counter", id: "task-name-counter" });
  const name = field({
    id: "task-name",
    label: t("share.name.label"),
    required: true,
    input: el("input", { type: "text", class: "input", autocomplete: "off", value: draft.name }),
    describedBy: ["task-name-counter"],
  });
  name.wrap.querySelector(".field-label").after(counter);
  const updateCounter = () => {
    const n = textLength(name.input.value);
    counter.textContent = t("share.counter", { count: n, max: NAME_MAX });
    counter.classList.toggle("is-over", n > NAME_MAX);
  };

  const description = field({
    id: "task-description",
    label: t("share.description.label"),
    help: t("share.description.help"),
    required: true,
    input: el("textarea", { class: "input textarea", rows: "7", spellcheck: "true" }),
  });
  description.input.value = draft.description;

  const priority = field({
    id: "task-priority",
    label: t("share.priority.label"),
    input: el("select", { class: "input input-medium" }, PRIORITIES.map((p) => el("option", { value: String(p), text: priorityLabel(p) }))),
  });
  priority.input.value = String(draft.priority);

  // The date input keeps ISO (YYYY-MM-DD) inside, and WebKitGTK lays its fields out in the
  // operating system's format whatever the app's language (lang= does not change it): the
  // chosen day is also written out beside it in the admin's language ("lundi 27 juillet 2026").
  const dueSpoken = el("p", { class: "field-help due-spoken", id: "task-due-spoken" });
  const due = field({
    id: "task-due",
    label: t("share.due.label"),
    required: true,
    input: el("input", { type: "date", class: "input input-medium", min: todayIso(), value: draft.dueDate, lang: intlLang() }),
    extra: dueSpoken,
    describedBy: ["task-due-spoken"],
  });
  const speakDue = () => (dueSpoken.textContent = formatLongDate(due.input.value));
  speakDue();
  due.input.addEventListener("input", speakDue);
  due.input.addEventListener("change", speakDue);

  // The category goes along from the action; an action that came without one (an imported
  // row the export left blank) asks for it here.
  const category = field({
    id: "task-category-choice",
    label: t("share.category"),
    required: true,
    help: t("share.categoryHelp"),
    input: el("select", { class: "input input-medium" }, [
      el("option", { value: "", text: t("actions.add.chooseCategory") }),
      ...CATEGORIES.map((c) => el("option", { value: c, text: categoryLabel(c) })),
    ]),
  });
  const askCategory = !draft.category;
  category.wrap.hidden = !askCategory;

  // One radio per kind: task-kind-change_request, task-kind-incident.
  const radio = (value) => {
    const id = `task-kind-${value}`;
    const input = el("input", { type: "radio", name: "task-kind", id, value, checked: value === draft.kind });
    return el("div", { class: "radio" }, [input, el("label", { for: id, text: t(`share.kind.${value}`) })]);
  };
  // The ticket type comes first: it decides what the rest of the form becomes.
  const kindSet = el("fieldset", { class: "fieldset-plain field kind-choice", id: "task-kind" }, [
    el("legend", { class: "field-label", text: t("share.kind.legend") }),
    el("div", { class: "kind-options" }, kinds().map((k) => radio(k.kind))),
  ]);

  const alongside = el("div", { class: "along", id: "task-along" }, [
    el("h3", { class: "subheading", text: t("share.goesAlong") }),
    el("dl", { class: "facts" }, [
      el("dt", { text: t("share.action") }),
      el("dd", { id: "task-action", text: action.title }),
      el("dt", { text: t("share.source") }),
      el("dd", { id: "task-source", text: sourceLabel(draft.source) }),
      askCategory ? null : el("dt", { text: t("share.category") }),
      askCategory ? null : el("dd", { id: "task-category", text: categoryLabel(draft.category) }),
      typeof action.points === "number" && typeof action.maxPoints === "number"
        ? [
            el("dt", { text: t("share.points") }),
            el("dd", {
              id: "task-points",
              text: t("actions.points", { points: formatNumber(action.points, currentLang()), max: formatNumber(action.maxPoints, currentLang()) }),
            }),
          ]
        : null,
    ]),
  ]);

  // Preview --------------------------------------------------------------------
  const previewBodyNode = el("div", { class: "preview-body", id: "task-preview-body", "aria-live": "polite" });
  const preview = el("details", { class: "advanced preview", id: "task-preview" }, [
    el("summary", { text: t("share.preview.summary") }),
    previewBodyNode,
  ]);

  const errorSlot = el("div", { class: "form-error-slot", id: "task-error" });
  const send = el("button", { type: "submit", id: "send-task", class: "btn btn-primary", text: t("share.send") });
  const cancel = el("a", { href: "#/actions", id: "cancel-task", class: "btn btn-secondary", text: t("common.cancel") });

  const form = el("form", { class: "card", id: "task-form", novalidate: true, "aria-labelledby": "task-form-title" }, [
    el("div", { class: "card-header" }, [el("h2", { id: "task-form-title", text: t("share.form.title") })]),
    el("div", { class: "card-body" }, [
      kindSet,
      el("div", { class: "form-columns" }, [
        el("div", { class: "form-main" }, [name.wrap, description.wrap]),
        el("div", { class: "form-side" }, [priority.wrap, due.wrap, category.wrap, alongside]),
      ]),
      preview,
      errorSlot,
    ]),
    // Send stays in view at the bottom of the window while the form scrolls (CSS: sticky).
    el("div", { class: "card-actions card-actions-sticky" }, [send, cancel]),
  ]);

  const fields = { name, description, dueDate: due, category };

  function read() {
    const checked = form.querySelector('input[name="task-kind"]:checked');
    return {
      ...draft,
      name: name.input.value.trim(),
      description: description.input.value,
      priority: Number(priority.input.value),
      dueDate: due.input.value,
      category: askCategory ? category.input.value || null : draft.category,
      kind: kindNames().includes(checked?.value) ? checked.value : kindNames()[0],
    };
  }

  /** Client-side checks; shows messages beside the fields. True when fine. */
  function check(focus) {
    const errors = checkDraft(read());
    for (const key of FIELD_NAMES) fields[key].setError(errors[key] ? t(errors[key]) : null);
    const first = FIELD_NAMES.find((key) => errors[key]);
    if (first && focus) fields[first].input.focus();
    return !first;
  }

  /** ServiceNow-side checks from preview_task; true when it found nothing. */
  function showServerErrors(errors, focus) {
    const list = Array.isArray(errors) ? errors : [];
    for (const key of FIELD_NAMES) {
      const e = list.find((x) => x.field === key);
      const words = e ? fieldErrorText(e) : null;
      fields[key].setError(words ? words.message : null, words?.hint ?? "");
    }
    const other = list.filter((x) => !FIELD_NAMES.includes(x.field));
    if (other.length) showError({ kind: "invalid_input", reason: other[0].reason, params: other[0].params, message: other[0].message, hint: other[0].hint }, errorSlot);
    const first = FIELD_NAMES.find((key) => list.some((x) => x.field === key));
    if (first && focus) fields[first].input.focus();
    return list.length === 0;
  }

  let previewSeq = 0;
  async function refreshPreview() {
    if (!preview.open) return;
    const seq = ++previewSeq;
    if (!check(false)) {
      previewBodyNode.replaceChildren(el("p", { class: "muted", text: t("share.preview.fixFirst") }));
      return;
    }
    previewBodyNode.setAttribute("aria-busy", "true");
    if (!previewBodyNode.firstChild) previewBodyNode.append(el("p", { class: "muted", text: t("share.preview.loading") }));
    try {
      const result = await api.previewTask(workspace, read());
      if (seq !== previewSeq) return;
      showServerErrors(result?.errors, false);
      previewBodyNode.replaceChildren(...previewBody(result ?? {}));
    } catch (error) {
      if (seq !== previewSeq) return;
      previewBodyNode.replaceChildren();
      showError(error, errorSlot);
    } finally {
      if (seq === previewSeq) previewBodyNode.removeAttribute("aria-busy");
    }
  }

  let timer = null;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(refreshPreview, 300);
  };
  name.input.addEventListener("input", () => {
    updateCounter();
    if (name.input.getAttribute("aria-invalid") === "true") check(false);
    changed();
  });
  for (const f of [description, due]) {
    f.input.addEventListener("input", () => {
      if (f.input.getAttribute("aria-invalid") === "true") check(false);
      changed();
    });
  }
  priority.input.addEventListener("change", changed);
  category.input.addEventListener("change", () => {
    if (category.input.getAttribute("aria-invalid") === "true") check(false);
    changed();
  });
  kindSet.addEventListener("change", changed);
  preview.addEventListener("toggle", () => refreshPreview());
  updateCounter();

  let sending = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending) return;
    errorSlot.replaceChildren();
    if (!check(true)) return;
    sending = true;
    send.disabled = true;
    send.setAttribute("aria-busy", "true");
    send.textContent = t("share.sending");
    try {
      const value = read();
      const checked = await api.previewTask(workspace, value);
      if (!showServerErrors(checked?.errors, true)) return;
      const result = await api.submitTask(workspace, value);
      done(result);
    } catch (error) {
      showError(error, errorSlot);
    } finally {
      sending = false;
      if (form.isConnected) {
        send.disabled = false;
        send.setAttribute("aria-busy", "false");
        send.textContent = t("share.send");
      }
    }
  });

  return { form, destroy: () => clearTimeout(timer), focus: () => name.input.focus() };
}

export async function render(view, params = {}) {
  let alive = true;
  // The workspace this task is made for, fixed now: it is sent there, whatever is selected later.
  const workspace = currentWorkspace();
  if (!workspace) {
    location.replace("#/");
    return null;
  }
  const target = currentSummary();
  const actionId = params.actionId ?? "";
  const kind = kindNames().includes(params.kind) ? params.kind : kindNames()[0];
  const intro = el("p", { class: "page-intro", id: "share-intro", text: t("share.intro") });
  const main = el("div", { class: "stack", id: "share-main", "aria-busy": "true" });
  view.append(
    el("div", { class: "page page-narrow" }, [
      breadcrumb(t("share.title"), [["#/actions", t("actions.title")]]),
      el("h1", { class: "page-title", text: t("share.title") }),
      intro,
      main,
    ]),
  );

  let action = null;
  let existing = null;
  try {
    const actions = await api.listActions(workspace);
    action = (Array.isArray(actions) ? actions : []).find((a) => a.id === actionId) ?? null;
    if (action) existing = await api.openTicketForAction(workspace, actionId);
  } catch (error) {
    if (alive) showError(error);
  }
  main.removeAttribute("aria-busy");
  if (!alive) return null;
  if (!action) {
    main.replaceChildren(notFound());
    return () => (alive = false);
  }
  intro.textContent = hasSeveral()
    ? t("share.introForOn", { title: action.title, instance: target?.name ?? "" })
    : t("share.introFor", { title: action.title });

  const task = taskForm(workspace, action, kind, (result) => {
    if (!alive) return;
    const card = result?.sent ? sentCard(workspace, result.sent) : waitingCard(result?.waiting ?? null);
    main.replaceChildren(card);
    announce(card.querySelector("h2")?.textContent ?? "");
    card.querySelector("h2")?.focus();
  });
  if (existing) {
    task.form.hidden = true;
    main.replaceChildren(
      alreadyOpenCard(workspace, existing, () => {
        task.form.hidden = false;
        task.focus();
      }),
      task.form,
    );
  } else {
    main.replaceChildren(task.form);
  }
  return () => {
    alive = false;
    task.destroy();
  };
}
