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
//   ?doctor=ok|mixed|fail|pending|error   what check_connection returns (default mixed)
//   ?act=filled|pending|bad   fill the setup form and select Sign in (pending: fill, and wait forever)
//   ?act=cancel         fill, sign in, then select Cancel while waiting
//   ?act=check|reauth|remove|reconnect   select that button on the page
//   ?lang=fr            app_state's locale
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
  let pendingReject = null;
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
      emit("connection://changed", info);
      return { status: "connected", connection: info };
    }
    return { status: "wrong_user", signedIn: { userName: "beth.anglin", displayName: "Beth Anglin" }, expected: lastArgs.integrationUser };
  }

  const CHECKS = {
    ok: [
      ["https", "ok", "https://contoso.service-now.com answered over HTTPS with a trusted certificate.", null],
      ["oauth", "ok", "/oauth_auth.do and /oauth_token.do answered.", null],
      ["token", "ok", "The access token is valid for 28 more minutes; a refresh token is stored.", null],
      ["identity", "ok", "Signed in as svc_ticket_bridge (Ticket Bridge Integration).", null],
      ["incident_rights", "ok", "svc_ticket_bridge can read and create incident records.", null],
      ["change_rights", "ok", "svc_ticket_bridge can read and create change_request records.", null],
      ["release", "ok", "Washington DC (later than Kingston).", null],
    ],
  };
  CHECKS.mixed = CHECKS.ok.map((c) => c.slice());
  CHECKS.mixed[3] = ["identity", "warn", "Signed in as beth.anglin (Beth Anglin), not as svc_ticket_bridge.", "Select Re-authorize, then select Not You? in ServiceNow and sign in as svc_ticket_bridge."];
  CHECKS.mixed[5] = ["change_rights", "fail", "svc_ticket_bridge can read change_request but not create it (403: ACL denied).", "In ServiceNow, give svc_ticket_bridge the itil role, or a role with create access on change_request."];
  CHECKS.mixed[6] = ["release", "warn", "The release could not be read (sys_properties is not readable).", "Nothing to do if your instance runs Kingston or later."];
  CHECKS.fail = [
    ["https", "ok", "https://contoso.service-now.com answered over HTTPS.", null],
    ["oauth", "fail", "/oauth_token.do answered 401: invalid client.", "Check the client ID and client secret in System OAuth > Application Registry, then remove the connection and connect again."],
    ["token", "fail", "No valid access token.", "Select Re-authorize."],
    ["identity", "fail", "Unknown: no valid token.", null],
    ["incident_rights", "fail", "Not checked: no valid token.", null],
    ["change_rights", "fail", "Not checked: no valid token.", null],
    ["release", "warn", "Unknown.", null],
  ];

  window.__TAURI__ = {
    core: {
      invoke: async (cmd, args) => {
        switch (cmd) {
          case "app_state":
            return { version: "0.1.0", connected, demoInstance: q.get("demo"), locale: q.get("lang") || "en-US" };
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
            emit("connection://changed", info);
            return info;
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
            return { checks: (CHECKS[which] || CHECKS.mixed).map(([id, status, detail, fix]) => ({ id, status, detail, fix })) };
          }
          case "remove_connection":
            await wait(300);
            connected = false;
            emit("connection://changed", null);
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
  const target = { check: "check-connection", reauth: "reauthorize", reconnect: "reconnect", remove: "remove-connection" }[act] || "start-sign-in";
  const ready = (then, tries = 0) =>
    document.getElementById(target) || tries > 100 ? setTimeout(then, 100) : setTimeout(() => ready(then, tries + 1), 50);
  ready(() => {
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
  });
})();
