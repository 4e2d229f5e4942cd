// Pure validation for the connect form. No DOM, no i18n: every function returns
// null when the value is fine, or the locale key of the message to show.

export const DEFAULT_PORT = 8765;
export const MIN_PORT = 1024;
export const MAX_PORT = 65535;

const BARE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost):(\d{1,5})\/?$/i;

function text(value) {
  return typeof value === "string" ? value.trim() : value == null ? "" : String(value).trim();
}

/** Returns { kind: "name"|"https"|"loopback", value } for a valid instance, or null. */
export function parseInstance(value) {
  const input = text(value);
  if (input === "") return null;
  if (BARE_NAME.test(input)) return { kind: "name", value: input.toLowerCase() };

  const loop = LOOPBACK.exec(input);
  if (loop) {
    const port = Number(loop[2]);
    if (port < 1 || port > 65535) return null;
    const host = loop[1].toLowerCase(); // 127.0.0.1 or localhost only
    return { kind: "loopback", value: "http://" + host + ":" + port };
  }

  if (!/^https:\/\//i.test(input) || /\s/.test(input)) return null;
  let url;
  try {
    url = new URL(input);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" || url.username || url.password) return null;
  if (url.search || url.hash) return null;
  const host = url.hostname;
  if (!host || host.startsWith(".") || host.endsWith(".") || host.includes("..")) return null;
  if (!/^[a-z0-9.-]+$/.test(host)) return null;
  // The instance is its origin: a pasted path such as /now/nav/ui/home is dropped.
  return { kind: "https", value: url.origin };
}

export function validateInstance(value) {
  if (text(value) === "") return "validation.instanceRequired";
  return parseInstance(value) ? null : "validation.instanceShape";
}

/** The instance as it is sent to the back end: a bare name, or an origin. */
export function normalizeInstance(value) {
  const parsed = parseInstance(value);
  return parsed ? parsed.value : text(value);
}

export function parsePort(value) {
  const input = text(value);
  if (!/^\d{1,5}$/.test(input)) return null;
  const port = Number(input);
  return port >= MIN_PORT && port <= MAX_PORT ? port : null;
}

export function validatePort(value) {
  return parsePort(value) === null ? "validation.portRange" : null;
}

export function validateRequired(value, key = "validation.required") {
  return text(value) === "" ? key : null;
}

export function redirectUrl(port = DEFAULT_PORT) {
  return `http://127.0.0.1:${port}/callback`;
}

/**
 * Validates every field of the connect form.
 * values: { instance, clientId, clientSecret, integrationUser, port }
 * Returns { ok, errors: { field: key }, request } where request is the
 * normalised argument object for api.connect() when ok is true.
 */
export function validateConnectForm(values = {}) {
  const errors = {};
  const instance = validateInstance(values.instance);
  if (instance) errors.instance = instance;
  const clientId = validateRequired(values.clientId, "validation.clientIdRequired");
  if (clientId) errors.clientId = clientId;
  // The secret is not trimmed when sent, but a blank one is still missing.
  const clientSecret = validateRequired(values.clientSecret, "validation.clientSecretRequired");
  if (clientSecret) errors.clientSecret = clientSecret;
  const user = validateRequired(values.integrationUser, "validation.integrationUserRequired");
  if (user) errors.integrationUser = user;
  const port = validatePort(values.port ?? DEFAULT_PORT);
  if (port) errors.port = port;

  const ok = Object.keys(errors).length === 0;
  return {
    ok,
    errors,
    request: ok
      ? {
          instance: normalizeInstance(values.instance),
          clientId: text(values.clientId),
          clientSecret: String(values.clientSecret),
          integrationUser: text(values.integrationUser),
          port: parsePort(values.port ?? DEFAULT_PORT),
        }
      : null,
  };
}
