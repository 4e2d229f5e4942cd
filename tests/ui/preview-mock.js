// Preview-only stand-in for window.__TAURI__, injected by serve.py --mock.
// Query parameters pick the state: ?connected=1, ?demo=URL, ?act=empty|filled|bad.
(function () {
  const q = new URLSearchParams(location.search);
  const listeners = {};
  window.__TAURI__ = {
    core: {
      invoke: async (cmd, args) => {
        if (cmd === "app_state") {
          return { version: "0.1.0", connected: q.get("connected") === "1", demoInstance: q.get("demo") };
        }
        if (cmd === "connect") {
          setTimeout(() => {
            for (const h of listeners["connect://authorize-url"] || []) {
              h({ payload: { url: "http://127.0.0.1:8080/oauth_auth.do?response_type=code&client_id=" + args.clientId } });
            }
          }, 100);
          if (q.get("act") === "pending") return new Promise(() => {});
          await new Promise((r) => setTimeout(r, 300));
          throw { kind: "wrong_user", message: "You signed in as admin, not as " + args.integrationUser + ".", hint: "Sign in again as the integration user. On the ServiceNow page, select Not you? to switch accounts." };
        }
        throw { kind: "invalid_input", message: "unknown command " + cmd, hint: "" };
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
  setTimeout(() => {
    if (act === "filled" || act === "pending") {
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
    document.getElementById("start-sign-in").click();
  }, 400);
})();
