// validate.js keeps only the order of the connect form's fields: the rules are Rust's
// (connection::check_form, tested in Rust), so the UI holds no copy of them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIELD_ORDER } from "../../ui/js/validate.js";
import { ROOT } from "./helpers.mjs";

test("the form's fields are the ones Rust's check names", () => {
  assert.deepEqual(FIELD_ORDER, ["instance", "clientId", "clientSecret", "integrationUser", "port"]);
  const rust = readFileSync(join(ROOT, "src-tauri/core/src/connection.rs"), "utf8");
  for (const field of FIELD_ORDER) assert.ok(rust.includes(`errors.insert("${field}"`), field);
});

test("no UI module re-implements the instance or port rules", () => {
  const js = ["validate.js", "screens/connect.js"].map((f) => readFileSync(join(ROOT, "ui/js", f), "utf8")).join("\n");
  assert.doesNotMatch(js, /service-now\.com/);
  assert.doesNotMatch(js, /65535|1024/);
});
