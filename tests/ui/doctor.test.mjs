// The connection check's lines in the admin's language: worded from the keys and params Rust sends
// (doctor.details.*, doctor.fixes.*), or from the error of a call that failed, never from Rust's
// English unless a key is missing.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { setMessages } from "../../ui/js/i18n.js";
import { normalizeChecks } from "../../ui/js/connection.js";
import { checkWords } from "../../ui/js/doctor.js";
import { errorText } from "../../ui/js/ui.js";
import { readLocale } from "./helpers.mjs";

const en = readLocale("en");
const fr = readLocale("fr");

beforeEach(() => setMessages("fr", fr, en));

const HOST = "https://acme.service-now.com";

/** A report as check_connection sends it (see doctor.rs `Check`). */
const REPORT = {
  checks: [
    {
      id: "https", status: "fail",
      detail: `Ticket Bridge could not reach ${HOST}.`, fix: "Check your network connection and the instance address, then try again.",
      error: {
        kind: "instance_unreachable", reason: "net_unreachable", params: { instance: HOST },
        message: `Ticket Bridge could not reach ${HOST}.`, hint: "Check your network connection and the instance address, then try again.",
      },
    },
    {
      id: "token", status: "ok", detail: "The access token is valid until 2026-07-12T10:30:00Z; Ticket Bridge renews it before then.", fix: null,
      detailText: { key: "doctor.details.token.ok", params: { expiresAt: "2026-07-12T10:30:00Z" } },
    },
    {
      id: "identity", status: "warn", detail: "Signed in as Beth Anglin (beth.anglin), not as the integration user svc_tb.", fix: "Select Re-authorize.",
      detailText: { key: "doctor.details.identity.someone_else", params: { name: "Beth Anglin", user: "beth.anglin", expected: "svc_tb" } },
      fixText: { key: "doctor.fixes.identity.someone_else", params: { expected: "svc_tb", loginUrl: `${HOST}/login.do` } },
    },
    {
      id: "incident_rights", status: "fail", detail: "ServiceNow did not let the integration user read incidents: …", fix: "Give the integration user the roles…",
      error: {
        kind: "acl_denied", reason: "sn_acl_denied", status: 403,
        params: { doing: "read_incidents", status: "403", detail: "User Not Authorized: Failed API level ACL Validation" },
        message: "ServiceNow did not let the integration user read incidents: User Not Authorized: Failed API level ACL Validation.",
        hint: "Give the integration user the roles…",
      },
    },
    {
      id: "change_rights", status: "fail", detail: "The integration user can read change requests but has no role that creates them (itil, admin).", fix: "In ServiceNow…",
      detailText: { key: "doctor.details.change_rights.no_create_role", params: { roles: "itil, admin" } },
      fixText: { key: "doctor.fixes.change_rights.no_create_role" },
    },
    {
      id: "lookup", status: "ok", detail: "Tickets can be found by their correlation ID.", fix: null,
      detailText: { key: "doctor.details.lookup.works" },
    },
    {
      id: "release", status: "ok", detail: "Release: Zurich (Kingston or later).", fix: null,
      detailText: { key: "doctor.details.release.no_such_key", params: { name: "Zurich" } },
    },
  ],
};

const lines = () => Object.fromEntries(normalizeChecks(REPORT).map((c) => [c.id, { status: c.status, ...checkWords(c) }]));

/** The catalog's text for `key` in `lang` with `{name}` filled from `params` (a plural: its `form`). */
function expected(lang, key, params = {}, form = "other") {
  let value = readLocale(lang);
  for (const part of key.split(".")) value = value?.[part];
  if (value && typeof value === "object") value = value[form];
  assert.equal(typeof value, "string", `${lang} has ${key}`);
  return value.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

const BETH = { name: "Beth Anglin", user: "beth.anglin", expected: "svc_tb" };

test("every line is worded in French from its key, with its params", () => {
  const w = lines();
  assert.equal(w.identity.title, expected("fr", "doctor.checks.identity"));
  assert.equal(w.identity.detail, expected("fr", "doctor.details.identity.someone_else", BETH));
  assert.notEqual(w.identity.detail, expected("en", "doctor.details.identity.someone_else", BETH));
  assert.match(w.identity.detail, /^Connecté en tant que Beth Anglin \(beth\.anglin\)/);
  const loginUrl = `${HOST}/login.do`;
  assert.equal(w.identity.fix, expected("fr", "doctor.fixes.identity.someone_else", { expected: "svc_tb", loginUrl }));
  for (const words of ["Autoriser à nouveau", "Not You?", loginUrl, "svc_tb"]) assert.ok(w.identity.fix.includes(words), words);
  assert.equal(w.change_rights.detail, expected("fr", "doctor.details.change_rights.no_create_role", { roles: "itil, admin" }));
  assert.match(w.change_rights.detail, /demandes de modification.*\(itil, admin\)/);
  assert.equal(w.change_rights.fix, expected("fr", "doctor.fixes.change_rights.no_create_role"));
  assert.equal(w.lookup.detail, expected("fr", "doctor.details.lookup.works"));
  assert.equal(w.lookup.title, expected("fr", "doctor.checks.lookup"));
  for (const id of ["token", "lookup"]) assert.equal(w[id].fix, null, `${id} has nothing to fix`);
  for (const [id, line] of Object.entries(w)) {
    for (const text of [line.detail, line.fix ?? ""]) assert.doesNotMatch(text, /[{}]/, `${id}: ${text}`);
  }
});

test("a failed call is worded by its error: reason, params, the doing code and ServiceNow's own words", () => {
  const w = lines();
  assert.equal(w.https.detail, expected("fr", "errors.reasons.net_unreachable.message", { instance: HOST }));
  assert.ok(w.https.detail.includes(HOST));
  assert.equal(w.https.fix, expected("fr", "errors.reasons.net_unreachable.hint", { instance: HOST }));
  assert.equal(w.https.note, "");
  const doing = expected("fr", "errors.doing.read_incidents");
  assert.equal(doing, "lire les incidents");
  assert.equal(w.incident_rights.detail, expected("fr", "errors.reasons.sn_acl_denied.message", { doing }));
  assert.ok(w.incident_rights.detail.includes("lire les incidents"));
  assert.equal(w.incident_rights.fix, expected("fr", "errors.reasons.sn_acl_denied.hint"));
  assert.equal(w.incident_rights.note, "User Not Authorized: Failed API level ACL Validation");
});

test("a time param is a date and time in the admin's locale, never ISO or UTC", () => {
  const { detail } = lines().token;
  assert.match(detail, /2026/);
  assert.match(detail, /juil\./);
  assert.doesNotMatch(detail, /T10:30|Z\b|UTC|2026-07-12/);
});

test("English comes from the catalog too, and Rust's English is only the last resort", () => {
  const w = lines();
  assert.equal(w.release.detail, "Release: Zurich (Kingston or later).", "a key this catalog lacks falls back to Rust's words");
  setMessages("en", en, en);
  const e = lines();
  assert.equal(e.identity.detail, expected("en", "doctor.details.identity.someone_else", BETH));
  assert.match(e.identity.detail, /^Signed in as Beth Anglin \(beth\.anglin\), not as the integration user svc_tb\./);
  assert.equal(e.incident_rights.detail, expected("en", "errors.reasons.sn_acl_denied.message", { doing: "read incidents" }));
  assert.equal(e.incident_rights.note, "User Not Authorized: Failed API level ACL Validation");
});

test("errorText words `doing` from errors.doing and takes the plural form from count", () => {
  const acl = { kind: "acl_denied", reason: "sn_acl_denied", params: { doing: "create_change_request" }, message: "m", hint: "h" };
  const doing = expected("fr", "errors.doing.create_change_request");
  assert.equal(errorText(acl).message, expected("fr", "errors.reasons.sn_acl_denied.message", { doing }));
  assert.ok(errorText(acl).message.includes("créer la demande de modification"));
  assert.equal(errorText(acl).detail, "", "no detail without ServiceNow's words");
  const unknownDoing = { ...acl, params: { doing: "no_such_code" } };
  assert.match(errorText(unknownDoing).message, /no_such_code/, "an unknown code is shown as it is");
  const slow = (n) => errorText({ kind: "rate_limited", reason: "sn_rate_limited", params: { secs: String(n), count: String(n) }, message: "m", hint: "h" }).hint;
  assert.equal(slow(1), expected("fr", "errors.reasons.sn_rate_limited.hint", { count: 1 }, "one"));
  assert.equal(slow(30), expected("fr", "errors.reasons.sn_rate_limited.hint", { count: 30 }, "other"));
  assert.match(slow(1), /1 seconde\b/);
  assert.match(slow(30), /30 secondes/);
  setMessages("ja", readLocale("ja"), en);
  const ja = errorText({ ...acl, params: { doing: "read_tickets" } }).message;
  assert.equal(ja, expected("ja", "errors.reasons.sn_acl_denied.message", { doing: expected("ja", "errors.doing.read_tickets") }));
});

test("a certificate no one trusts names its issuer and the root to install, as text", () => {
  // What doctor.rs sends when the second handshake read the chain (errors::tls_untrusted_issuer).
  const issuer = "<b>Contoso</b> Inspection CA";
  const params = { instance: HOST, host: "acme.service-now.com", issuer, root: "Contoso Root" };
  const check = {
    id: "https", status: "fail", detail: "The certificate for acme.service-now.com was issued by …", fix: "Ask IT …",
    error: { kind: "instance_unreachable", reason: "net_tls_untrusted_issuer", params, message: "m", hint: "h" },
  };
  const w = checkWords(check);
  assert.equal(w.detail, expected("fr", "errors.reasons.net_tls_untrusted_issuer.message", params));
  assert.ok(w.detail.includes("acme.service-now.com") && w.detail.includes(issuer), w.detail);
  assert.equal(w.fix, expected("fr", "errors.reasons.net_tls_untrusted_issuer.hint", params));
  assert.ok(w.fix.includes("« Contoso Root »"), w.fix);
  assert.equal(w.note, "");
});
