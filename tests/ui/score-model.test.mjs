// The actions page's logic: search, filters, sort, the score's numbers and verdicts, the task
// description and the upload's encoding.
import test from "node:test";
import assert from "node:assert/strict";
import {
  SORTS,
  STATUSES,
  TICKET_FILTERS,
  VERDICT_TONES,
  base64Of,
  descriptionFor,
  facets,
  filterActions,
  formatNumber,
  hasPoints,
  minutesSince,
  scoreNumbers,
  sortActions,
  verdictOf,
} from "../../ui/js/score-model.js";

const A = [
  { id: "AdminMFAV2", title: "Require MFA for administrative roles", category: "Identity", status: "to_address", rank: 2, toGain: 10, points: 0, maxPoints: 10, service: "Microsoft Entra ID", ticket: null, queued: false },
  { id: "DLPEnabled", title: "Créer des stratégies DLP", category: "Data", status: "completed", rank: 1, toGain: 0, points: 1, maxPoints: 1, ticket: { number: "CHG0001", done: true, score: { verdict: "verified" } }, queued: false },
  { id: "user-1", title: "Turn on MFA for the help desk", category: "Identity", status: null, rank: null, toGain: null, points: null, maxPoints: null, ticket: { number: "INC0001", done: false, score: null }, queued: false },
  { id: "Legacy", title: "Block legacy authentication", category: "Identity", status: "planned", rank: 3, toGain: 8, points: 0, maxPoints: 8, ticket: { number: "INC0002", done: true, score: { verdict: "closed_not_fixed" } }, queued: false },
  { id: "Queued", title: "Enable audit log search", category: "Apps", status: "to_address", rank: 4, toGain: 10, points: 0, maxPoints: 10, ticket: null, queued: true },
];

test("search folds case and accents and needs every word", () => {
  const ids = (q) => filterActions(A, { query: q }).map((a) => a.id);
  assert.deepEqual(ids("mfa"), ["AdminMFAV2", "user-1"]);
  assert.deepEqual(ids("creer dlp"), ["DLPEnabled"], "accents fold away");
  assert.deepEqual(ids("MFA desk"), ["user-1"]);
  assert.deepEqual(ids("entra"), ["AdminMFAV2"], "the product is searched too");
  assert.deepEqual(ids("   "), A.map((a) => a.id));
  assert.deepEqual(ids("nothing like this"), []);
});

test("filters: category, status, and the ticket's standing", () => {
  const ids = (f) => filterActions(A, f).map((a) => a.id);
  assert.deepEqual(ids({ category: "Identity" }), ["AdminMFAV2", "user-1", "Legacy"]);
  assert.deepEqual(ids({ status: "to_address" }), ["AdminMFAV2", "Queued"]);
  // "No open ticket": none yet, or the last one is closed without the score's word.
  assert.deepEqual(ids({ ticket: "none" }), ["AdminMFAV2", "Legacy"]);
  // A waiting task counts as open: no second ticket is suggested.
  assert.deepEqual(ids({ ticket: "open" }), ["user-1", "Queued"]);
  assert.deepEqual(ids({ ticket: "verified" }), ["DLPEnabled"]);
  assert.deepEqual(ids({ category: "Identity", ticket: "none", query: "legacy" }), ["Legacy"]);
  assert.ok(TICKET_FILTERS.includes(""));
  assert.deepEqual(filterActions(null), []);
});

test("sort: rank (unranked last), points to gain (then rank), name", () => {
  assert.deepEqual(sortActions(A, "rank").map((a) => a.id), ["DLPEnabled", "AdminMFAV2", "Legacy", "Queued", "user-1"]);
  assert.deepEqual(sortActions(A, "toGain").map((a) => a.id), ["AdminMFAV2", "Queued", "Legacy", "DLPEnabled", "user-1"]);
  assert.deepEqual(sortActions(A, "title").map((a) => a.id), ["Legacy", "DLPEnabled", "Queued", "AdminMFAV2", "user-1"]);
  assert.notEqual(sortActions(A, "rank"), A, "a copy");
  assert.equal(A[0].id, "AdminMFAV2", "the input keeps its order");
  assert.deepEqual([...SORTS], ["rank", "toGain", "title"]);
});

test("facets offer what the list has, statuses in their own order", () => {
  const f = facets(A);
  assert.deepEqual(f.categories.sort(), ["Apps", "Data", "Identity"]);
  assert.deepEqual(f.statuses, ["to_address", "planned", "completed"]);
  assert.ok(f.statuses.every((s) => STATUSES.includes(s)));
});

test("points: only what a tenant reported", () => {
  assert.equal(hasPoints(A), true);
  assert.equal(hasPoints([{ points: null }, { points: undefined }, {}]), false);
  assert.equal(hasPoints([{ points: Number.NaN }]), false);
  assert.equal(scoreNumbers(null), null);
  assert.equal(scoreNumbers({ currentScore: null, maxScore: 80 }), null);
  assert.deepEqual(scoreNumbers({ currentScore: 40, maxScore: 80, percentage: null }), { score: 40, max: 80, percent: 50 });
  assert.deepEqual(scoreNumbers({ currentScore: 40, maxScore: 80, percentage: 49.9 }), { score: 40, max: 80, percent: 49.9 });
  assert.deepEqual(scoreNumbers({ currentScore: 40 }), { score: 40, max: null, percent: null });
  assert.equal(formatNumber(52.314, "en"), "52.31");
  assert.equal(formatNumber(52.3, "fr"), "52,3");
  assert.equal(formatNumber(null, "en"), "");
});

test("verdicts: known ones only, each with a tone", () => {
  assert.equal(verdictOf(A[1].ticket), "verified");
  assert.equal(verdictOf(A[3].ticket), "closed_not_fixed");
  assert.equal(verdictOf({ score: { verdict: "made_up" } }), null);
  assert.equal(verdictOf(null), null);
  assert.deepEqual(Object.keys(VERDICT_TONES), ["verified", "closed_not_fixed", "regressed"]);
});

test("the task's description: remediation, impact, and an https link only", () => {
  assert.equal(descriptionFor({ remediation: " Do it. ", remediationImpact: "", actionUrl: null }), "Do it.");
  assert.equal(descriptionFor({ remediation: "A", remediationImpact: "B", actionUrl: "https://x.example/a" }), "A\n\nB\n\nhttps://x.example/a");
  assert.equal(descriptionFor({ remediation: "A", actionUrl: "http://x.example/a" }), "A");
  assert.equal(descriptionFor({ remediation: "A", actionUrl: "javascript:alert(1)" }), "A");
  assert.equal(descriptionFor({}), "");
});

test("uploads are base64 of the exact bytes, big files included", () => {
  const small = new TextEncoder().encode("\uFEFFRank,Recommended action\r\n1,Réseau\r\n");
  assert.equal(base64Of(small), Buffer.from(small).toString("base64"));
  const big = new Uint8Array(300_000).map((_, i) => (i * 7) % 256);
  assert.equal(base64Of(big.buffer), Buffer.from(big).toString("base64"));
});

test("minutes since a time", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");
  assert.equal(minutesSince("2026-12-01T11:30:00Z", now), 30);
  assert.equal(minutesSince("2026-12-01T12:30:00Z", now), 0);
  assert.equal(minutesSince("not a date", now), null);
});
