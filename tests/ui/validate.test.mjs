// Pure validation of the connect form.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_PORT,
  normalizeInstance,
  parseInstance,
  parsePort,
  redirectUrl,
  validateConnectForm,
  validateInstance,
  validatePort,
  validateRequired,
} from "../../ui/js/validate.js";

test("good instances", () => {
  for (const value of [
    "contoso",
    "dev12345",
    "contoso-prod",
    "  contoso  ",
    "C0ntoso",
    "https://contoso.service-now.com",
    "https://contoso.service-now.com/",
    "HTTPS://Contoso.Service-Now.com",
    "https://servicenow.contoso.com",
    "https://contoso.service-now.com:8443",
    "https://contoso.service-now.com/now/nav/ui/home",
    "http://127.0.0.1:8080",
    "http://127.0.0.1:8080/",
    "http://localhost:4000",
    "https://10.0.0.5",
  ]) {
    assert.equal(validateInstance(value), null, value);
  }
});

test("bad instances", () => {
  for (const value of [
    "-contoso",
    "contoso-",
    "con toso",
    "contoso.service-now.com",
    "contoso_prod",
    "http://contoso.service-now.com",
    "http://127.0.0.1",
    "http://localhost",
    "http://127.0.0.2:8080",
    "http://127.0.0.1:99999",
    "http://127.0.0.1:0",
    "http://localhost:80/path",
    "ftp://contoso.service-now.com",
    "https://",
    "https://user:pass@contoso.service-now.com",
    "https://contoso.service-now.com/?x=1",
    "https://contoso.service-now.com/#top",
    "https://contoso..service-now.com",
    "https://contoso .service-now.com",
    "javascript:alert(1)",
    "a".repeat(64),
  ]) {
    assert.equal(validateInstance(value), "validation.instanceShape", value);
  }
});

test("empty instance is required, not malformed", () => {
  assert.equal(validateInstance(""), "validation.instanceRequired");
  assert.equal(validateInstance("   "), "validation.instanceRequired");
  assert.equal(validateInstance(undefined), "validation.instanceRequired");
  assert.equal(validateInstance(null), "validation.instanceRequired");
});

test("instances are normalised to a name or an origin", () => {
  assert.equal(normalizeInstance(" Contoso "), "contoso");
  assert.equal(normalizeInstance("https://Contoso.service-now.com/now/nav/ui/home"), "https://contoso.service-now.com");
  assert.equal(normalizeInstance("https://contoso.service-now.com:443/"), "https://contoso.service-now.com");
  assert.equal(normalizeInstance("http://LOCALHOST:4000/"), "http://localhost:4000");
  assert.deepEqual(parseInstance("http://127.0.0.1:9000"), { kind: "loopback", value: "http://127.0.0.1:9000" });
  assert.equal(parseInstance("nope nope"), null);
});

test("ports", () => {
  for (const good of ["1024", "8765", "65535", 8765, " 9000 "]) assert.equal(validatePort(good), null, String(good));
  for (const bad of ["", "1023", "65536", "0", "-1", "80", "8765a", "87.65", "1e4", null, undefined, "123456"]) {
    assert.equal(validatePort(bad), "validation.portRange", String(bad));
  }
  assert.equal(parsePort("08765"), 8765);
});

test("required fields", () => {
  assert.equal(validateRequired(""), "validation.required");
  assert.equal(validateRequired("  \t"), "validation.required");
  assert.equal(validateRequired("x"), null);
  assert.equal(validateRequired("", "validation.clientIdRequired"), "validation.clientIdRequired");
});

test("redirect URL follows the port", () => {
  assert.equal(redirectUrl(), "http://127.0.0.1:8765/callback");
  assert.equal(redirectUrl(DEFAULT_PORT), "http://127.0.0.1:8765/callback");
  assert.equal(redirectUrl(9000), "http://127.0.0.1:9000/callback");
});

test("empty form reports every required field", () => {
  const result = validateConnectForm({});
  assert.equal(result.ok, false);
  assert.equal(result.request, null);
  assert.deepEqual(result.errors, {
    instance: "validation.instanceRequired",
    clientId: "validation.clientIdRequired",
    clientSecret: "validation.clientSecretRequired",
    integrationUser: "validation.integrationUserRequired",
  });
});

test("valid form yields the connect request", () => {
  const result = validateConnectForm({
    instance: " https://Contoso.service-now.com/ ",
    clientId: " abc123 ",
    clientSecret: " s3cret ",
    integrationUser: " svc_ticket_bridge ",
    port: "9000",
  });
  assert.equal(result.ok, true);
  assert.deepEqual(result.errors, {});
  assert.deepEqual(result.request, {
    instance: "https://contoso.service-now.com",
    clientId: "abc123",
    clientSecret: " s3cret ",
    integrationUser: "svc_ticket_bridge",
    port: 9000,
  });
});

test("a bad port alone fails the form", () => {
  const result = validateConnectForm({
    instance: "contoso",
    clientId: "a",
    clientSecret: "b",
    integrationUser: "c",
    port: "80",
  });
  assert.deepEqual(result.errors, { port: "validation.portRange" });
  assert.equal(result.ok, false);
});

test("the port defaults to 8765", () => {
  const result = validateConnectForm({ instance: "contoso", clientId: "a", clientSecret: "b", integrationUser: "c" });
  assert.equal(result.request.port, 8765);
});
