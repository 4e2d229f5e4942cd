// Preview-only stand-in for window.__TAURI__, injected by serve.py --mock.
// Query parameters pick the state (combine them freely; the route goes in the hash):
//   ?connected=1        connection_status returns a connection (home shows the ticket cards)
//   ?reconnect=1        …that needs a new sign-in (implies connected)
//   ?norefresh=1        …without a refresh token
//   ?release=none       …on an unknown release
//   ?demo=URL           app_state's demoInstance
//   ?outcome=connected|wrong_user|error|pending   what connect / reauthorize resolve with
//                       (pending never settles; wrong_user is the default)
//   ?again=connected|wrong_user   what sign_in_again resolves with (default connected)
//   ?doctor=ok|mixed|fail|down|pending|error   what check_connection returns (default mixed)
//   ?act=filled|pending|bad   fill the setup form and select Sign in (pending: fill, and wait forever)
//   ?act=cancel         fill, sign in, then select Cancel while waiting
//   ?act=check|reauth|remove|reconnect   select that button on the page
//   ?act=diagnostics    Settings: Save diagnostics…, and the crates' licences unfolded
//   ?proxy=explicit     network_settings: this proxy, with a user name and a saved password
//   ?proxysave=error    set_network rejects (invalid_input, reason proxy_scheme)
//   ?act=proxy          Settings: choose Use this proxy, type an address with a path and Save
//   ?lang=fr            the operating system's language (app_state's locale while the setting is
//                       System default); ?lang=x-pseudo previews the pseudo-locale
//   ?language=ja        the saved language setting (default system); ?pseudo=1 offers x-pseudo
//   ?langsave=error     set_language rejects (invalid_input, reason language)
//   ?act=lang&to=fr     on #/settings: choose that language in the Language select
//   ?several=1          two workspaces (Production and Test): the switcher shows
// Tickets, actions and the outbox (connected=1 for the home cards):
//   ?tickets=none|few|many   list_tickets: nothing, 18 tickets (default), or 10,000
//   ?cache=1            list_tickets answers fromCache with a fetchedAt 2 hours old
//   ?refresh=error      refresh_tickets rejects (instance_unreachable)
//   ?actions=none       list_actions returns nothing
//   ?outbox=N|blocked   N tasks waiting (or 2, one blocked with mayExist)
//   ?existing=1         open_ticket_for_action finds CHG0030012 for every action
//   ?preview=errors     preview_task returns field errors (reason and params, as Rust's draft check)
//   ?submit=sent|warnings|waiting|error   what submit_task does (default sent)
//   ?act=share          select the first Share → ServiceNow button on #/actions
//   ?act=preview        open the Preview on #/share/…
//   ?act=send|badsend   send the task (badsend: empty name first)
//   ?act=anyway         select Create another anyway
//   ?act=discard        select Discard on the first outbox item
//   ?act=add            submit the add-an-action form empty (shows its messages)
//   ?act=filter         on #/tickets: overdue change requests, searched "MFA"
//   ?act=export         on #/tickets: export the rows
// Watching and notifications (connected=1, on #/manage):
//   ?watch=watching|first|offline|retrying|stopped|idle   the watcher's status (default watching;
//                       first: no check yet). While watching, a status event follows every interval.
//   ?paused=1           notifications paused for the next hour
//   ?interval=N         the saved interval in seconds (e.g. 120, which is not in the list)
//   ?autostart=1        start at sign-in is on
//   ?watchsave=error    set_watch_settings rejects (invalid_input)
//   ?act=watchnow|pause|resume   select Check now, Pause or Resume on the page
//   ?act=notify|interval   change a notification setting (a check box or the interval), which
//                       saves itself and shows "Saved" beside it
//   ?act=savestates|savemap   on #/manage?tab=states|categories: change a name and select Save
//   ?act=cutoff         on any screen: list the texts that do not fit their box (as the e2e
//                       language test does) in <body data-preview-cutoff> (for --dump-dom)
//   ?act=tabnext|tabend  on #/manage: press Right (or End) on the selected tab; the hash it
//                       leaves is copied to <body data-preview-hash> (for --dump-dom)
(function () {
  const q = new URLSearchParams(location.search);
  const listeners = {};
  const emit = (name, payload) => {
    for (const h of listeners[name] || []) h({ payload });
  };
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  const minutes = (n) => new Date(Date.now() + n * 60000).toISOString();

  const reconnect = q.get("reconnect") === "1";
  let connected = q.get("connected") === "1" || reconnect;
  // The workspace everything below belongs to; ?several=1 adds a second one, "Test".
  const WS = "ws-00000001";
  const summary = (extra) => ({ id: WS, name: "Production", instance: "https://contoso.service-now.com", connected, needsReconnect: reconnect, waiting: 0, unseen: 0, selected: true, ...extra });
  const workspaceList = () => {
    if (!connected && q.get("several") !== "1") return [];
    const list = [summary({ waiting: outbox.length })];
    if (q.get("several") === "1") list.push({ id: "ws-00000002", name: "Test", instance: "https://contoso-test.service-now.com", connected: true, needsReconnect: false, waiting: 1, unseen: 3, selected: false });
    return list;
  };
  let pendingReject = null;
  // The language setting (Settings): ?lang is the system's language, ?language the saved choice.
  const SIX = ["en", "fr", "ja", "nl", "sv", "zh-TW"];
  const six = (tag) => {
    const t = String(tag || "en").replace(/_/g, "-").toLowerCase();
    if (t.startsWith("zh")) return /hant|-tw|-hk|-mo/.test(t) ? "zh-TW" : "en";
    return SIX.find((l) => l === t.split("-")[0]) || "en";
  };
  const pseudoOffered = q.get("pseudo") === "1" || q.get("lang") === "x-pseudo" || q.get("language") === "x-pseudo";
  const systemLocale = six(q.get("lang") === "x-pseudo" ? "en" : q.get("lang"));
  let network =
    q.get("proxy") === "explicit"
      ? { mode: "explicit", address: "http://proxy.contoso.com:8080", username: "svc-ticketbridge", passwordSaved: true }
      : { mode: "system", address: "", username: "", passwordSaved: false };
  let language = q.get("language") || (q.get("lang") === "x-pseudo" ? "x-pseudo" : "system");
  const languageState = () => ({
    language,
    locale: language === "system" ? systemLocale : language,
    system: systemLocale,
    languages: ["system", ...SIX, ...(pseudoOffered ? ["x-pseudo"] : [])],
  });
  let lastArgs = { instance: "http://127.0.0.1:8080", clientId: "3f1c0a5e9b", integrationUser: "svc_ticket_bridge", port: 8765 };

  function connection(extra = {}) {
    return {
      instance: lastArgs.instance || "https://contoso.service-now.com",
      clientId: lastArgs.clientId,
      integrationUser: lastArgs.integrationUser,
      signedIn: { userName: lastArgs.integrationUser, displayName: "Ticket Bridge Integration" },
      release: q.get("release") === "none" ? null : "Washington DC",
      accessTokenExpiresAt: reconnect ? minutes(-90) : minutes(28),
      hasRefreshToken: q.get("norefresh") !== "1",
      needsReconnect: reconnect,
      port: lastArgs.port || 8765,
      publicClient: false,
      ...extra,
    };
  }

  async function signIn(outcome) {
    setTimeout(() => emit("connect://authorize-url", {
      workspace: null,
      url: "http://127.0.0.1:8080/oauth_auth.do?response_type=code&client_id=" + lastArgs.clientId + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&state=Zk9x2&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
    }), 100);
    if (outcome === "pending" || q.get("act") === "pending" || q.get("act") === "cancel") {
      return new Promise((_, reject) => (pendingReject = reject));
    }
    await wait(300);
    if (outcome === "error") throw { kind: "instance_unreachable", message: "", hint: "" };
    if (outcome === "connected") {
      connected = true;
      const info = connection({ needsReconnect: false, accessTokenExpiresAt: minutes(30) });
      emit("connection://changed", { workspace: WS, connection: info });
      emit("workspaces://changed", workspaceList());
      return { workspace: WS, status: "connected", connection: info };
    }
    return { workspace: WS, status: "wrong_user", signedIn: { userName: "beth.anglin", displayName: "Beth Anglin" }, expected: lastArgs.integrationUser };
  }

  // Lines as check_connection sends them: a key and its params (doctor.details.*, doctor.fixes.*),
  // or the error of a call that failed; `detail` and `fix` are Rust's English, for logs.
  const text = (key, params) => (params ? { key, params } : { key });
  const line = (id, status, detail, fix) => ({ id, status, detail: "", fix: null, detailText: text(...detail), ...(fix ? { fixText: text(...fix) } : {}) });
  const failed = (id, error) => ({ id, status: "fail", detail: error.message, fix: error.hint, error });
  const HOST = "https://contoso.service-now.com";
  const notChecked = (because) => (id) => line(id, "warn", ["doctor.details.not_checked." + because], ["doctor.fixes.not_checked"]);
  const AFTER_TOKEN = ["identity", "change_rights", "incident_rights", "lookup", "release"];
  const CHECKS = {
    ok: [
      line("https", "ok", ["doctor.details.https.ok", { instance: HOST }]),
      line("oauth", "ok", ["doctor.details.oauth.ok"]),
      line("token", "ok", ["doctor.details.token.ok", { expiresAt: minutes(28) }]),
      line("identity", "ok", ["doctor.details.identity.ok", { name: "Ticket Bridge Integration", user: "svc_ticket_bridge" }]),
      line("change_rights", "ok", ["doctor.details.change_rights.ok", { roles: "itil" }]),
      line("incident_rights", "ok", ["doctor.details.incident_rights.ok", { roles: "itil" }]),
      line("lookup", "ok", ["doctor.details.lookup.works"]),
      line("release", "ok", ["doctor.details.release.ok", { name: "Washington DC" }]),
    ],
  };
  CHECKS.mixed = CHECKS.ok.slice();
  CHECKS.mixed[3] = line(
    "identity", "warn",
    ["doctor.details.identity.someone_else", { name: "Beth Anglin", user: "beth.anglin", expected: "svc_ticket_bridge" }],
    ["doctor.fixes.identity.someone_else", { expected: "svc_ticket_bridge", loginUrl: HOST + "/login.do" }],
  );
  CHECKS.mixed[4] = line(
    "change_rights", "fail",
    ["doctor.details.change_rights.no_create_role", { roles: "itil, admin, sn_change_write" }],
    ["doctor.fixes.change_rights.no_create_role"],
  );
  CHECKS.mixed[6] = line("lookup", "fail", ["doctor.details.lookup.field_hidden"], ["doctor.fixes.lookup.field_hidden"]);
  CHECKS.mixed[7] = line("release", "ok", ["doctor.details.release.unreadable"]);
  CHECKS.fail = [
    CHECKS.ok[0],
    failed("oauth", {
      kind: "cross_scope_denied", reason: "sn_cross_scope", status: 403,
      params: { status: "403", detail: "Read operation against 'oauth_entity' from scope 'x_mioms_m365ticket' has been refused due to the table's cross-scope access policy" },
      message: "ServiceNow refused a read because of the table's cross-scope access policy (…).",
      hint: "In ServiceNow, open System Definition > Tables, find Application Registries (oauth_entity), and set it back to the defaults.",
    }),
    failed("token", {
      kind: "auth_expired", reason: "sn_auth_revoked", status: 401, params: { status: "401" },
      message: "ServiceNow no longer accepts Ticket Bridge's sign-in.",
      hint: "Reconnect: open Manage ServiceNow configuration and select Re-authorize, then sign in as the integration user.",
    }),
    ...AFTER_TOKEN.map(notChecked("token")),
  ];
  CHECKS.down = [
    failed("https", {
      kind: "instance_unreachable", reason: "net_unreachable", params: { instance: HOST },
      message: `Ticket Bridge could not reach ${HOST}.`,
      hint: "Check your network connection and the instance address, then try again.",
    }),
    ...["oauth", "token", ...AFTER_TOKEN].map(notChecked("unreachable")),
  ];

  // Tickets, actions and the outbox --------------------------------------------
  let seed = 7; // mulberry32: the same "random" tickets on every load
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const hex = () => Array.from({ length: 32 }, () => "0123456789abcdef"[Math.floor(rand() * 16)]).join("");
  const day = (n) => {
    const d = new Date(Date.now() + n * 86400000);
    return d.toISOString().slice(0, 10);
  };
  const INSTANCE = "http://127.0.0.1:8080";
  const STATES = {
    change_request: [["-5", "New"], ["-4", "Assess"], ["-3", "Authorize"], ["-2", "Scheduled"], ["-1", "Implement"], ["0", "Review"], ["3", "Closed"], ["4", "Canceled"]],
    incident: [["1", "New"], ["2", "In Progress"], ["3", "On Hold"], ["6", "Resolved"], ["7", "Closed"], ["8", "Canceled"]],
  };
  const custom = { change_request: { "-1": "Rolling out" }, incident: {} };
  const labelOf = (kind, value) => custom[kind][value] || (STATES[kind].find(([v]) => v === value) || [value, value])[1];
  const ACTIONS = [
    ["mfa-admins", "Require multifactor authentication for administrative roles", "Identity", 10, 10, "Create a Conditional Access policy that requires multifactor authentication for every directory role with administrative rights.\nExclude one emergency access account."],
    ["mfa-all", "Ensure all users can complete multifactor authentication", "Identity", 6, 9, "Enable Microsoft Entra multifactor authentication registration for all users, then remind the ones who haven't registered."],
    ["legacy-auth", "Enable policy to block legacy authentication", "Identity", 0, 8, "Block legacy authentication protocols with a Conditional Access policy. Check the sign-in logs for clients that still use them first."],
    ["user-risk", "Turn on user risk policy", "Identity", 0, 7, "In Identity Protection, require a password change when user risk is high."],
    ["app-consent", "Do not allow users to grant consent to unreviewed applications", "Apps", 4, 4, "Set user consent for applications to 'Do not allow user consent' and set up the admin consent workflow."],
    ["safe-links", "Turn on Safe Links for Office applications", "Apps", 2, 9, "In Microsoft Defender for Office 365, turn on Safe Links protection for Office apps and Teams."],
    ["asr-exe", "Block Office applications from creating executable content", "Devices", 0, 9, "Turn on the attack surface reduction rule 'Block Office applications from creating executable content' in block mode."],
    ["bitlocker", "Encrypt all devices with BitLocker", "Devices", 3, 10, "Deploy a BitLocker policy from Intune and escrow the recovery keys in Microsoft Entra ID."],
    ["labels", "Apply sensitivity labels to documents and email", "Data", 0, 5, "Publish sensitivity labels and a default label policy. <b>Train users</b> before you make labels mandatory."],
    ["mailbox-audit", "Ensure mailbox auditing for all users is on", "Infrastructure", 5, 5, "Mailbox auditing is on by default for new tenants. Check that no mailbox has AuditBypassEnabled."],
  ];
  let actions = q.get("actions") === "none" ? [] : ACTIONS.map(([id, title, category, points, maxPoints, remediation]) => ({
    id, title, category, source: "microsoft", points, maxPoints, remediation, ticket: null, queued: false,
  }));
  if (actions.length) actions.push({ id: "user-1", title: "Rotate the emergency access account passwords every 90 days", category: "Identity", source: "user", points: null, maxPoints: null, remediation: "Store the new passwords in the safe, split between two admins.", ticket: null, queued: false });

  function makeTicket(i, kind, extra = {}) {
    const states = STATES[kind];
    const [state] = pick(states);
    const action = actions.length ? pick(actions) : null;
    const closed = ["3", "4", "7", "8", "6"].includes(state) && !(kind === "change_request" && state === "6");
    const number = (kind === "incident" ? "INC" : "CHG") + String((kind === "incident" ? 10001 : 30001) + i).padStart(7, "0");
    const sysId = hex();
    return {
      sysId, number, kind,
      name: action ? action.title : "Security and configuration change " + i,
      state, stateLabel: labelOf(kind, state),
      priority: 1 + Math.floor(rand() * 5),
      dueDate: rand() < 0.1 ? null : day(Math.floor(rand() * 60) - 20),
      // ServiceNow's own category field, as the instance stores it: the value the admin mapped the
      // action's Secure Score category to (the UI names the Secure Score category from the action).
      category: { Identity: "Security", Devices: "Hardware", Apps: "Software", Infrastructure: "Network" }[action ? action.category : pick(["Identity", "Data", "Devices", "Apps", "Infrastructure"])] || "",
      actionId: action ? action.id : null,
      updatedAt: new Date(Date.now() - Math.floor(rand() * 40 * 86400000)).toISOString(),
      active: !closed,
      url: INSTANCE + "/nav_to.do?uri=" + kind + ".do%3Fsys_id%3D" + sysId,
      ...extra,
    };
  }
  const ticketCount = { none: 0, many: 10000 }[q.get("tickets")] ?? 18;
  let tickets = Array.from({ length: ticketCount }, (_, i) => makeTicket(i, i % 3 === 2 ? "incident" : "change_request"));
  // The first action has an open change request; the second one is queued.
  if (tickets.length && actions.length) {
    const t0 = tickets.find((x) => x.kind === "change_request");
    if (t0) {
      t0.actionId = actions[0].id; t0.name = actions[0].title; t0.state = "-1"; t0.stateLabel = labelOf("change_request", "-1"); t0.active = true;
      actions[0].ticket = { sysId: t0.sysId, number: t0.number, kind: t0.kind, state: t0.state, stateLabel: t0.stateLabel, url: t0.url };
    }
  }
  let fetchedAt = q.get("cache") === "1" ? new Date(Date.now() - 2 * 3600000).toISOString() : new Date(Date.now() - 3 * 60000).toISOString();
  const ticketList = () => ({ tickets, fetchedAt, fromCache: q.get("cache") === "1" });
  // As Rust's Board::summary: per kind, the count by state and the five changed last.
  const ticketSummary = () => {
    const kinds = [];
    for (const kind of ["change_request", "incident"]) {
      const mine = tickets.filter((t) => t.kind === kind);
      if (!mine.length) continue;
      const states = new Map();
      for (const t of mine) {
        const e = states.get(t.state) ?? { value: t.state, label: t.stateLabel, count: 0 };
        e.count += 1;
        states.set(t.state, e);
      }
      const newest = [...mine].sort((a, b) => String(b.updatedAt).localeCompare(String(a.updatedAt)) || String(b.number).localeCompare(String(a.number))).slice(0, 5);
      kinds.push({ kind, total: mine.length, states: [...states.values()], newest });
    }
    return { total: tickets.length, kinds, fetchedAt };
  };

  const outboxParam = q.get("outbox");
  let outbox = [];
  const queueItem = (id, name, kind, extra = {}) => ({
    id, name, kind, attempts: 3, state: "waiting",
    error: { kind: "instance_unreachable", message: "Ticket Bridge can't reach your ServiceNow instance.", hint: "Check the instance name and your network connection. Ticket Bridge tries again on its own." },
    nextAttemptAt: minutes(2), mayExist: false, ...extra,
  });
  if (outboxParam === "blocked") {
    outbox = [
      queueItem("ob-1", "Turn on user risk policy", "change_request"),
      queueItem("ob-2", "Encrypt all devices with BitLocker", "incident", {
        attempts: 5, state: "blocked", mayExist: true, nextAttemptAt: null,
        error: { kind: "acl_denied", message: "ServiceNow answered 403: Operation against file 'incident' was aborted by Business Rule 'Restrict creation'.", hint: "Give the integration user the rights to create incidents, then select Retry now." },
      }),
    ];
  } else if (Number(outboxParam) > 0) {
    outbox = Array.from({ length: Number(outboxParam) }, (_, i) => queueItem("ob-" + (i + 1), ACTIONS[(i + 3) % ACTIONS.length][1], i % 2 ? "incident" : "change_request"));
  }
  for (const item of outbox) {
    const a = actions.find((x) => x.title === item.name);
    if (a) a.queued = true;
  }

  function record(draft) {
    const impactUrgency = { 1: [1, 1], 2: [1, 2], 3: [2, 2], 4: [2, 3], 5: [3, 3] }[draft.priority] || [2, 2];
    const base = {
      short_description: draft.name,
      description: draft.description,
      impact: String(impactUrgency[0]),
      urgency: String(impactUrgency[1]),
      due_date: draft.dueDate + " 17:00:00",
      category: draft.kind === "incident" ? "security" : "other",
      correlation_id: "ticket-bridge:" + draft.actionId + ":7f3a9c",
      correlation_display: "Ticket Bridge",
      u_recommendation_source: draft.source === "user" ? "User recommendation" : "Microsoft recommendation",
      u_recommendation_category: draft.category,
    };
    return draft.kind === "change_request" ? { type: "normal", ...base } : base;
  }
  let nextChange = 30013;

  const categoryMap = { Identity: "Security", Data: "", Devices: "Hardware", Apps: "Software", Infrastructure: "Network" };

  // Watching -----------------------------------------------------------------------
  const secondsFrom = (n, from = Date.now()) => new Date(from + n * 1000).toISOString();
  const watch = {
    intervalSecs: Number(q.get("interval")) || 60,
    notify: { state: true, assigned: true, priority: true, due: true, comments: true, closed: true },
    autostart: q.get("autostart") === "1",
    pausedUntil: q.get("paused") === "1" ? minutes(60) : null,
    status: null,
  };
  const initialStatus = () => {
    const which = q.get("watch") || "watching";
    const base = { state: which, lastPollAt: null, nextPollAt: null, message: null };
    if (which === "watching") return { ...base, lastPollAt: secondsFrom(-20), nextPollAt: secondsFrom(watch.intervalSecs - 20) };
    if (which === "first") return { ...base, state: "watching", nextPollAt: secondsFrom(5) };
    if (which === "offline") return { ...base, lastPollAt: minutes(-3), nextPollAt: minutes(2), message: "The instance at http://127.0.0.1:8080 didn't answer (connection refused)." };
    if (which === "retrying") return { ...base, lastPollAt: minutes(-1), nextPollAt: minutes(1), message: "ServiceNow answered 429: too many requests. It asked to wait 60 seconds." };
    if (which === "stopped") return { ...base, lastPollAt: minutes(-12), message: "ServiceNow refused the refresh token (401)." };
    return { ...base, state: "idle" };
  };
  watch.status = initialStatus();
  let pollTimer = null;
  const schedulePoll = () => {
    clearTimeout(pollTimer);
    if (watch.status.state !== "watching") return;
    const delay = Math.max(Date.parse(watch.status.nextPollAt || "") - Date.now(), 1000) || watch.intervalSecs * 1000;
    pollTimer = setTimeout(() => {
      const now = Date.now();
      watch.status = { state: "watching", lastPollAt: new Date(now).toISOString(), nextPollAt: secondsFrom(watch.intervalSecs, now), message: null };
      emit("watch://status", { workspace: WS, status: { ...watch.status } });
      schedulePoll();
    }, delay);
  };
  schedulePoll();
  const watchSettings = () => ({ ...watch, notify: { ...watch.notify }, status: { ...watch.status } });

  window.__TAURI__ = {
    core: {
      invoke: async (cmd, args) => {
        switch (cmd) {
          case "app_state": {
            const lang = languageState();
            return { version: "0.1.0", demoInstance: q.get("demo"), locale: lang.locale, language: lang.language, languages: lang.languages, systemLocale: lang.system, workspaces: workspaceList(), selected: workspaceList().length ? WS : null };
          }
          case "set_language":
            await wait(80);
            if (q.get("langsave") === "error" || !languageState().languages.includes(args.language)) {
              throw { kind: "invalid_input", reason: "language", params: { language: String(args.language) }, message: `Ticket Bridge does not speak the language ${JSON.stringify(args.language)}.`, hint: "Choose one of the languages in the list." };
            }
            language = args.language;
            return languageState();
          case "list_workspaces":
            return workspaceList();
          case "select_workspace":
          case "rename_workspace":
            await wait(60);
            return null;
          case "waiting_tasks":
            return outbox.slice();
          case "connect_profile":
            return { instance: "https://contoso.service-now.com", clientId: lastArgs.clientId, integrationUser: lastArgs.integrationUser, port: 8765 };
          case "check_connect_form": {
            // A rough stand-in for Rust's rules, enough for a preview.
            const errors = {};
            if (!String(args.instance).trim()) errors.instance = "validation.instanceRequired";
            else if (/\s/.test(args.instance.trim())) errors.instance = "validation.instanceShape";
            if (!String(args.clientId).trim()) errors.clientId = "validation.clientIdRequired";
            if (!String(args.clientSecret ?? "").trim()) errors.clientSecret = "validation.clientSecretRequired";
            if (!String(args.integrationUser).trim()) errors.integrationUser = "validation.integrationUserRequired";
            const port = Number(args.port || 8765);
            if (!(port >= 1024 && port <= 65535)) errors.port = "validation.portRange";
            return { errors, instance: String(args.instance).trim(), port, redirectUri: `http://127.0.0.1:${port}/callback` };
          }
          case "ui_ready":
            return null;
          case "connection_status":
            return connected ? connection() : null;
          case "connect":
            lastArgs = { ...lastArgs, ...args };
            return signIn(q.get("outcome") || "wrong_user");
          case "reauthorize":
            return signIn(q.get("outcome") || "connected");
          case "sign_in_again":
            return signIn(q.get("again") || "connected");
          case "keep_account": {
            await wait(200);
            connected = true;
            const info = connection({ signedIn: { userName: "beth.anglin", displayName: "Beth Anglin" }, needsReconnect: false });
            emit("connection://changed", { workspace: WS, connection: info });
            return { workspace: WS, status: "connected", connection: info };
          }
          case "cancel_connect":
            if (pendingReject) {
              const reject = pendingReject;
              pendingReject = null;
              setTimeout(() => reject({ kind: "invalid_input", message: "Sign-in was cancelled.", hint: "" }), 50);
            }
            return null;
          case "check_connection": {
            const which = q.get("doctor") || "mixed";
            if (which === "pending") return new Promise(() => {});
            await wait(600);
            if (which === "error") throw { kind: "instance_unreachable", message: "", hint: "" };
            return { checks: (CHECKS[which] || CHECKS.mixed).map((c) => ({ ...c })) };
          }
          case "remove_connection":
            await wait(300);
            connected = false;
            emit("connection://changed", { workspace: WS, connection: null });
            emit("workspaces://changed", workspaceList());
            return { kept: args.waiting === "keep", discarded: 0, selected: null };
          // The Microsoft 365 card: not signed in, no score, no import (enough for the home page).
          case "microsoft_status":
            return null;
          case "score_view":
          case "refresh_score":
            return { summary: null, microsoft: null, csv: null, stale: false, error: null };
          case "damaged_files":
            return [];
          case "list_actions":
            await wait(80);
            return actions.map((a) => ({ ...a }));
          case "add_action": {
            await wait(200);
            const action = { id: "user-" + (actions.length + 1), title: args.title, category: args.category, source: "user", points: null, maxPoints: null, remediation: args.remediation, ticket: null, queued: false };
            actions.push(action);
            return action;
          }
          case "open_ticket_for_action": {
            await wait(80);
            if (q.get("existing") === "1") return { sysId: "a1b2c3", number: "CHG0030012", kind: "change_request", state: "-1", stateLabel: labelOf("change_request", "-1"), url: INSTANCE + "/nav_to.do?uri=change_request.do%3Fsys_id%3Da1b2c3" };
            const a = actions.find((x) => x.id === args.actionId);
            return a && a.ticket ? a.ticket : null;
          }
          case "preview_task": {
            await wait(150);
            const d = args.draft;
            const errors = q.get("preview") === "errors"
              ? [
                  { field: "name", reason: "task_name_too_long", params: { count: "180", limit: "160" }, message: "The name is 180 characters long; ServiceNow keeps at most 160.", hint: "Shorten the name and put the details in the description." },
                  { field: "dueDate", reason: "task_due_date_past", params: { date: "2026-06-28", today: "2026-06-29" }, message: "The due date 2026-06-28 is in the past.", hint: "Choose today (2026-06-29) or a later date." },
                ]
              : [];
            return { errors, table: d.kind, record: record(d) };
          }
          case "submit_task": {
            await wait(500);
            const d = args.draft;
            const mode = q.get("submit") || "sent";
            if (mode === "error") throw { kind: "acl_denied", message: "", hint: "" };
            if (mode === "waiting") {
              const item = queueItem("ob-" + Date.now(), d.name, d.kind, { attempts: 1 });
              outbox.push(item);
              const a = actions.find((x) => x.id === d.actionId);
              if (a) a.queued = true;
              emit("outbox://changed", { workspace: WS, items: outbox.slice() });
              return { outboxId: item.id, sent: null, waiting: item };
            }
            const kind = d.kind;
            const number = (kind === "incident" ? "INC00" : "CHG00") + String(nextChange++);
            const t = makeTicket(tickets.length, kind, { number, name: d.name, state: kind === "incident" ? "1" : "-5", priority: d.priority, dueDate: d.dueDate, actionId: d.actionId, category: d.category, active: true, updatedAt: new Date().toISOString() });
            t.stateLabel = labelOf(kind, t.state);
            tickets = [t, ...tickets];
            const a = actions.find((x) => x.id === d.actionId);
            if (a) a.ticket = { sysId: t.sysId, number, kind, state: t.state, stateLabel: t.stateLabel, url: t.url };
            emit("tickets://changed", { workspace: WS, summary: ticketSummary() });
            const warnings = mode === "warnings"
              ? [
                  { field: "urgency", sent: "2", stored: "", reason: "field_left_unset", params: { field: "urgency", sent: "2", stored: "" }, message: "ServiceNow left urgency unset (Ticket Bridge sent \"2\"). Check the instance's choices for urgency, and set it on the ticket." },
                  { field: "priority", sent: "2", stored: "3", reason: "priority_recomputed", params: { field: "priority", sent: "2", stored: "3" }, message: "ServiceNow gave the ticket priority 3 - Moderate, not 2: the instance computes priority from impact and urgency differently. Check its priority lookup rules." },
                ]
              : [];
            return { outboxId: "ob-sent", sent: { number, kind, sysId: t.sysId, url: t.url, warnings }, waiting: null };
          }
          case "outbox_list":
            await wait(50);
            return outbox.slice();
          case "outbox_retry": {
            await wait(600);
            const item = outbox.find((x) => x.id === args.id);
            if (item) { item.attempts += 1; item.nextAttemptAt = minutes(4); }
            emit("outbox://changed", { workspace: WS, items: outbox.slice() });
            return null;
          }
          case "outbox_discard":
            await wait(200);
            outbox = outbox.filter((x) => x.id !== args.id);
            emit("outbox://changed", { workspace: WS, items: outbox.slice() });
            return null;
          case "list_tickets":
            await wait(30);
            return ticketList();
          case "ticket_summary":
            await wait(10);
            return ticketSummary();
          case "refresh_tickets":
            await wait(800);
            if (q.get("refresh") === "error") throw { kind: "instance_unreachable", message: "", hint: "" };
            fetchedAt = new Date().toISOString();
            return { tickets, fetchedAt, fromCache: false };
          case "state_names":
            await wait(60);
            return ["change_request", "incident"].map((kind) => ({
              kind,
              states: STATES[kind].map(([value, instanceLabel]) => ({ value, instanceLabel, customLabel: custom[kind][value] || null })),
            }));
          case "set_state_name":
            await wait(40);
            if (args.label) custom[args.kind][args.value] = args.label;
            else delete custom[args.kind][args.value];
            for (const t of tickets) t.stateLabel = labelOf(t.kind, t.state);
            emit("tickets://changed", { workspace: WS, summary: ticketSummary() });
            return null;
          case "reset_state_names":
            await wait(100);
            custom.change_request = {};
            custom.incident = {};
            for (const t of tickets) t.stateLabel = labelOf(t.kind, t.state);
            emit("tickets://changed", { workspace: WS, summary: ticketSummary() });
            return null;
          case "export_tickets_csv":
            await wait(400);
            return { path: "/home/admin/Downloads/ticket-bridge-tickets-" + new Date().toISOString().slice(0, 10) + ".csv" };
          case "open_url":
            console.log("open_url", args.url);
            return null;
          case "category_mapping":
            await wait(40);
            return { ...categoryMap };
          case "set_category_mapping":
            await wait(80);
            for (const key of Object.keys(categoryMap)) categoryMap[key] = String(args.mapping?.[key] ?? "").trim();
            return null;
          case "watch_settings":
            await wait(60);
            return watchSettings();
          case "set_watch_settings": {
            await wait(120);
            const next = args.settings;
            if (q.get("watchsave") === "error" || !Number.isInteger(next.intervalSecs) || next.intervalSecs < 15 || next.intervalSecs > 3600) {
              throw { kind: "invalid_input", message: "The check interval must be from 15 seconds to 1 hour.", hint: "Choose one of the intervals in the list." };
            }
            watch.intervalSecs = next.intervalSecs;
            watch.notify = { ...next.notify };
            watch.autostart = next.autostart;
            if (watch.status.state === "watching") {
              watch.status = { ...watch.status, nextPollAt: secondsFrom(watch.intervalSecs, Date.parse(watch.status.lastPollAt || "") || Date.now()) };
              schedulePoll();
            }
            return watchSettings();
          }
          case "pause_notifications":
            await wait(100);
            watch.pausedUntil = minutes(args.minutes);
            return watchSettings();
          case "resume_notifications":
            await wait(100);
            watch.pausedUntil = null;
            return watchSettings();
          case "watch_now": {
            await wait(700);
            if (!["watching", "offline", "retrying"].includes(watch.status.state)) {
              throw { kind: "not_connected", message: "", hint: "" };
            }
            const now = Date.now();
            watch.status = { state: "watching", lastPollAt: new Date(now).toISOString(), nextPollAt: secondsFrom(watch.intervalSecs, now), message: null };
            emit("watch://status", { workspace: WS, status: { ...watch.status } });
            schedulePoll();
            return null;
          }
          case "network_settings":
            return network;
          case "set_network": {
            await wait(80);
            const addr = String(args.address ?? "").trim();
            if (q.get("proxysave") === "error") {
              throw { kind: "invalid_input", reason: "proxy_scheme", params: { scheme: "socks5" }, message: "A proxy address starts with http:// or https://, not socks5://.", hint: "Enter the proxy's address, such as http://proxy.contoso.com:8080, and the user name in its own field." };
            }
            if (args.mode === "explicit" && !/^https?:\/\/[^/@]+:\d+\/?$/.test(addr)) {
              throw { kind: "invalid_input", reason: "proxy_path", params: {}, message: "A proxy address has no path, only a host name and a port.", hint: "Enter the proxy's address, such as http://proxy.contoso.com:8080, and the user name in its own field." };
            }
            const username = String(args.username ?? "").trim();
            const passwordSaved = username ? (typeof args.password === "string" ? args.password !== "" : network.passwordSaved) : false;
            network = { mode: args.mode, address: addr.replace(/\/$/, ""), username, passwordSaved };
            return network;
          }
          case "save_diagnostics":
            return { path: "/home/admin/Downloads/ticket-bridge-diagnostics-2026-12-01-190000.zip" };
          case "show_diagnostics":
          case "open_log_folder":
            return null;
          default:
            throw { kind: "invalid_input", message: "unknown command " + cmd, hint: "" };
        }
      },
    },
    event: {
      listen: async (name, handler) => {
        (listeners[name] = listeners[name] || []).push(handler);
        return () => (listeners[name] = (listeners[name] || []).filter((h) => h !== handler));
      },
    },
  };

  const act = q.get("act");
  if (!act) return;
  const fill = (id, v) => {
    const node = document.getElementById(id);
    node.value = v;
    node.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const click = (id) => document.getElementById(id)?.click();
  // Waits for the screen to be drawn (locale files and the route load first).
  const target = {
    check: "check-connection", reauth: "reauthorize", reconnect: "reconnect", remove: "remove-connection",
    share: "actions-table", preview: "task-preview", send: "send-task", badsend: "send-task", anyway: "create-anyway",
    discard: "outbox-items", add: "add-action", filter: "tickets-table", export: "export-csv",
    watchnow: "watch-now", pause: "watch-pause", resume: "watch-resume",
    tabnext: "manage-tabs", tabend: "manage-tabs", cutoff: "main",
    notify: "watch-settings", interval: "watch-settings", savestates: "save-state-names", savemap: "save-category-mapping",
    lang: "language-select", diagnostics: "licences-table", proxy: "network-form",
  }[act] || "start-sign-in";
  const ready = (then, tries = 0) =>
    (document.getElementById(target) && !document.querySelector("[aria-busy=true]")) || tries > 100 ? setTimeout(then, 150) : setTimeout(() => ready(then, tries + 1), 50);
  ready(() => {
    if (act === "share") document.querySelector("#actions-table .btn-share")?.click();
    if (act === "preview") {
      document.getElementById("task-preview").open = true;
    }
    if (act === "badsend") fill("task-name", "");
    if (act === "send" || act === "badsend") click("send-task");
    if (act === "anyway") click("create-anyway");
    if (act === "discard") [...document.querySelectorAll("#outbox-items [id^=discard-]")].pop()?.click();
    if (act === "add") click("add-action");
    if (act === "proxy") {
      click("network-mode-explicit");
      fill("proxy-address", "http://proxy.contoso.com:8080/pac");
      click("network-save");
    }
    if (act === "diagnostics") {
      click("save-diagnostics");
      document.querySelector("#licences details").open = true;
    }
    if (act === "filter") {
      const kind = document.getElementById("filter-kind");
      kind.value = "change_request";
      kind.dispatchEvent(new Event("change", { bubbles: true }));
      const due = document.getElementById("filter-due");
      due.value = "overdue";
      due.dispatchEvent(new Event("change", { bubbles: true }));
      fill("ticket-search", "multifactor");
    }
    if (act === "export") click("export-csv");
    if (act === "filled" || act === "pending" || act === "cancel") {
      fill("instance", "http://127.0.0.1:8080");
      fill("client-id", "3f1c0a5e9b");
      fill("client-secret", "secret");
      fill("integration-user", "svc_ticket_bridge");
    }
    if (act === "bad") {
      fill("instance", "contoso.service-now.com");
      document.getElementById("advanced-settings").open = true;
      fill("port", "80");
    }
    if (["filled", "pending", "bad", "cancel"].includes(act)) click("start-sign-in");
    if (act === "cancel") setTimeout(() => click("cancel-sign-in"), 500);
    if (act === "check") click("check-connection");
    if (act === "reauth") click("reauthorize");
    if (act === "reconnect") click("reconnect");
    if (act === "remove") click("remove-connection");
    if (act === "watchnow") click("watch-now");
    if (act === "pause") click("watch-pause");
    if (act === "resume") click("watch-resume");
    if (act === "lang") {
      const select = document.getElementById("language-select");
      select.value = q.get("to") || "fr";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (act === "cutoff") {
      const out = [];
      const pick = "button, a, label, h1, h2, h3, th, td, legend, summary, .btn, [role=tab], .badge, .pill, select, p";
      for (const e of document.querySelectorAll(pick)) {
        if (e.closest("[hidden], .visually-hidden") || !e.getClientRects().length) continue;
        const style = getComputedStyle(e);
        if (style.display === "none" || style.visibility === "hidden" || ["auto", "scroll"].includes(style.overflowX)) continue;
        const wide = e.scrollWidth - e.clientWidth > 1;
        const tall = style.overflowY !== "visible" && e.scrollHeight - e.clientHeight > 1;
        const outside = e.getBoundingClientRect().right > document.documentElement.clientWidth + 1;
        if (wide || tall || outside) out.push(`${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}.${String(e.className).split(" ").join(".")} (${e.scrollWidth}/${e.clientWidth} × ${e.scrollHeight}/${e.clientHeight}): ${(e.innerText || e.value || "").slice(0, 50)}`);
      }
      document.body.dataset.previewCutoff = JSON.stringify(out);
    }
    if (act === "notify") click("notify-due");
    if (act === "interval") {
      const list = document.getElementById("watch-interval");
      list.value = list.options[list.options.length - 1].value;
      list.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (act === "savestates") {
      fill("state-name-incident-2", "Being fixed");
      click("save-state-names");
    }
    if (act === "savemap") {
      fill("category-map-Data", "security");
      click("save-category-mapping");
    }
    if (act === "tabnext" || act === "tabend") {
      const tab = document.querySelector("#manage-tabs [aria-selected=true]");
      tab.focus();
      tab.dispatchEvent(new KeyboardEvent("keydown", { key: act === "tabend" ? "End" : "ArrowRight", bubbles: true }));
      document.body.dataset.previewHash = location.hash;
    }
  });
})();
