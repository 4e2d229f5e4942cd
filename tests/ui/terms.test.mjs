// One word for one thing in each language (issue #12): the term for a ticket, Microsoft's own
// name for Secure Score, one verb for signing in again with the saved settings (the button
// Re-authorize), one verb for the primary action of sending an improvement action to ServiceNow
// (Share), and ServiceNow's own buttons quoted the same way in every language: "Not You?" and
// "Allow", in English and in straight double quotes, as the instance shows them.
// Each banned variant below was on screen once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LOCALES, flatten, readLocale, texts } from "./helpers.mjs";

/** Every text of a catalog: [key, text], each form of a plural on its own. */
function entries(lang) {
  return Object.entries(flatten(readLocale(lang))).flatMap(([key, value]) => texts(value).map((text) => [key, text]));
}

function offenders(lang, pattern, skip = () => false) {
  return entries(lang)
    .filter(([key, text]) => pattern.test(text) && !skip(key, text))
    .map(([key, text]) => `${lang}:${key}: ${text}`);
}

// What each language must not say, and what it says instead.
const BANNED = {
  en: [
    [/\breconnect/i, "the button is Re-authorize"],
    [/^Sign in again$/, "the button is Re-authorize"],
    [/^(Create ticket|Send to ServiceNow)$/, "the primary action is Share to ServiceNow"],
    [/\bSecure score\b/, "Secure Score"],
  ],
  fr: [
    // "l’authentification unique vous reconnecte" (single sign-on signs you back in) is fine.
    [/se reconnecter|reconnectez-vous|vous reconnecter|reconnect(é|erez|iez)/i, "« Autoriser à nouveau »"],
    [/secret (du|de) client|clé secrète/i, "secret client"],
    [/Secure Score|score sécuris|note sécuris|niveau de sécurité/i, "Degré de sécurisation"],
    [/s[’']identifi|ouvr\w* une session|ouverture de session/i, "se connecter / connexion"],
    [/^(Créer un ticket|Envoyer à ServiceNow)$/, "Partager avec ServiceNow"],
  ],
  ja: [
    [/再接続/, "再承認"],
    [/Secure Score|セキュリティ スコア|セキュリティスコア/i, "セキュア スコア"],
    [/^(チケットを作成|ServiceNow に送信)$/, "ServiceNow に共有"],
  ],
  nl: [
    [/\bVervalt\b/, "Uiterlijk"],
    [/exemplaar/i, "instantie"],
    [/opnieuw verbinden|opnieuw verbinding/i, "Opnieuw autoriseren"],
    [/beveiligde score|beveiligingsscore/i, "Secure Score"],
    [/^(Ticket maken|Naar ServiceNow verzenden|Verzenden naar ServiceNow)$/, "Delen met ServiceNow"],
  ],
  sv: [
    [/biljett/i, "ärende"],
    [/anslut igen/i, "Auktorisera igen"],
    [/Secure Score|säker poäng|säkerhetsresultat/i, "Säkerhetspoäng"],
    [/Nästa 7 dagar/i, "Kommande 7 dagar"],
    [/^(Skapa ärende|Skicka till ServiceNow)$/, "Dela till ServiceNow"],
  ],
  "zh-TW": [
    [/改善動作|改善措施|改進措施/, "改進動作"],
    [/分享/, "共用"],
    [/重新連線/, "重新授權"],
    [/Secure Score|安全得分|安全性分數/i, "安全分數"],
    [/入場券|工單/, "票證"],
    [/^(建立票證|傳送至 ServiceNow)$/, "共用至 ServiceNow"],
  ],
};

for (const lang of LOCALES) {
  test(`${lang}: one word for each thing (no banned variants)`, () => {
    const found = BANNED[lang].flatMap(([pattern, instead]) => offenders(lang, pattern).map((o) => `${o}  → ${instead}`));
    assert.deepEqual(found, []);
  });

  test(`${lang}: ServiceNow's own buttons are written "Not You?" and "Allow", in English`, () => {
    const found = new Set([
      // Every Not You is the whole button name in its quotes.
      ...offenders(lang, /Not You/, (_, text) => !text.replace(/"Not You\?"/g, "").includes("Not You")),
      // Allow as ServiceNow's button (Entra's "Allow public client flows" is another product's setting).
      ...offenders(lang, /\bAllow\b/, (_, text) => !/\bAllow\b/.test(text.replace(/"Allow"/g, "").replace(/Allow public client flows/g, ""))),
    ]);
    assert.deepEqual([...found], []);
  });
}

test("the terms each language must use are there", () => {
  const flat = Object.fromEntries(LOCALES.map((l) => [l, flatten(readLocale(l))]));
  assert.equal(flat.nl["priority.p5"], "Planning");
  assert.doesNotMatch(flat.nl["tickets.due"], /Vervalt/);
  assert.equal(flat.sv["ticketList.due.next7"], "Kommande 7 dagar");
  // The Re-authorize button, in each language.
  const reauthorize = { en: "Re-authorize", fr: "Autoriser à nouveau", ja: "再承認", nl: "Opnieuw autoriseren", sv: "Auktorisera igen", "zh-TW": "重新授權" };
  for (const lang of LOCALES) {
    for (const key of ["manage.reauthorize", "connection.reconnect", "signIn.wrongUser.again"]) {
      assert.equal(flat[lang][key], reauthorize[lang], `${lang}:${key}`);
    }
  }
  // The primary action, in each language: the home cards' button and the form's submit.
  const share = { en: "Share to ServiceNow", fr: "Partager avec ServiceNow", ja: "ServiceNow に共有", nl: "Delen met ServiceNow", sv: "Dela till ServiceNow", "zh-TW": "共用至 ServiceNow" };
  for (const lang of LOCALES) {
    for (const key of ["tickets.create", "share.send", "share.title"]) assert.equal(flat[lang][key], share[lang], `${lang}:${key}`);
  }
  // Secure Score by the name Microsoft's localized documentation gives it.
  const score = { en: "Secure Score", fr: "Degré de sécurisation", ja: "セキュア スコア", nl: "Secure Score", sv: "Säkerhetspoäng", "zh-TW": "安全分數" };
  for (const lang of LOCALES) assert.equal(flat[lang]["microsoft.card.scoreLabel"], score[lang], lang);
});
