//! The strings Rust shows itself (tray menu, notifications, the browser pages after a sign-in),
//! read from the same `ui/locales/*.json` files as the UI so that every user-visible string has
//! one home. The language is the admin's choice in Settings, or the operating system's (the shell
//! reads it) matched to the six the UI speaks; English otherwise.
//!
//! A catalog value is a string, or for counts an object of CLDR plural categories
//! (`{"one": "{count} ticket changed", "other": "{count} tickets changed"}`, `other` always
//! there): [`plural`] picks the form by ICU4X's plural rules and writes the count with the
//! language's digit grouping, as the UI does with `Intl.PluralRules` and `Intl.NumberFormat`.

use icu_decimal::DecimalFormatter;
use icu_decimal::input::Decimal;
use icu_locale_core::Locale;
use icu_plurals::{PluralCategory, PluralRules};
use serde_json::Value;
use std::sync::OnceLock;

/// The languages the app speaks, as BCP 47 tags.
pub const LANGUAGES: [&str; 6] = ["en", "fr", "ja", "nl", "sv", "zh-TW"];

/// The language setting that follows the operating system.
pub const SYSTEM: &str = "system";

/// A pseudo-locale for tests: English, accented and about 40 % longer, so that text that is cut
/// off or overlaps shows on screen. Offered only when [`PSEUDO_ENV`] is `1`.
pub const PSEUDO: &str = "x-pseudo";

/// The environment variable that offers [`PSEUDO`] in Settings (tests and screenshots only).
pub const PSEUDO_ENV: &str = "TICKET_BRIDGE_PSEUDO_LOCALE";

/// The language the app speaks now, shared by everything that words text for the admin (the
/// sign-in listeners' browser pages). Cloning shares it; the language setting changes it.
#[derive(Debug, Clone)]
pub struct Speaking(std::sync::Arc<std::sync::RwLock<String>>);

impl Default for Speaking {
    fn default() -> Self {
        Self::new("en")
    }
}

impl Speaking {
    pub fn new(locale: &str) -> Self {
        Self(std::sync::Arc::new(std::sync::RwLock::new(
            locale.to_owned(),
        )))
    }

    pub fn get(&self) -> String {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set(&self, locale: &str) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = locale.to_owned();
    }
}

/// The values the language setting may take: [`SYSTEM`] first, then the six, then the
/// pseudo-locale when it is offered.
pub fn choices(pseudo: bool) -> Vec<&'static str> {
    let mut v = vec![SYSTEM];
    v.extend(LANGUAGES);
    if pseudo {
        v.push(PSEUDO);
    }
    v
}

/// The language a setting stands for: the system's for [`SYSTEM`] or anything not offered.
pub fn resolve(choice: &str, system: &str, pseudo: bool) -> String {
    if choice == PSEUDO && pseudo {
        return PSEUDO.to_owned();
    }
    match LANGUAGES.iter().find(|l| **l == choice) {
        Some(l) => (*l).to_owned(),
        None => match_locale(system).to_owned(),
    }
}

const LOCALES: [(&str, &str); 6] = [
    ("en", include_str!("../../../ui/locales/en.json")),
    ("fr", include_str!("../../../ui/locales/fr.json")),
    ("ja", include_str!("../../../ui/locales/ja.json")),
    ("nl", include_str!("../../../ui/locales/nl.json")),
    ("sv", include_str!("../../../ui/locales/sv.json")),
    ("zh-TW", include_str!("../../../ui/locales/zh-TW.json")),
];

/// Picks one of the six for a BCP 47 tag such as `fr-CA`, `zh-Hant-TW` or `sv_SE.UTF-8`.
pub fn match_locale(tag: &str) -> &'static str {
    let tag = tag.split('.').next().unwrap_or("").replace('_', "-");
    let lower = tag.to_ascii_lowercase();
    if lower.starts_with("zh") {
        // Traditional Chinese is the one the app has; Simplified speakers read English better
        // than a wrong script, so only Hant regions and explicit Hant map here.
        let hant = lower.contains("hant")
            || lower.ends_with("-tw")
            || lower.ends_with("-hk")
            || lower.ends_with("-mo");
        return if hant { "zh-TW" } else { "en" };
    }
    let primary = lower.split('-').next().unwrap_or("");
    LOCALES
        .iter()
        .map(|(code, _)| *code)
        .find(|code| *code == primary)
        .unwrap_or("en")
}

fn parsed(code: &str) -> &'static Value {
    static ALL: OnceLock<Vec<(&'static str, Value)>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        LOCALES
            .iter()
            .map(|(c, text)| (*c, serde_json::from_str(text).unwrap_or(Value::Null)))
            .collect()
    });
    all.iter()
        .find(|(c, _)| *c == code)
        .map(|(_, v)| v)
        .unwrap_or(&all[0].1)
}

fn lookup<'a>(root: &'a Value, key: &str) -> Option<&'a Value> {
    if let Some(v) = root.get(key).filter(|v| is_text(v)) {
        return Some(v);
    }
    key.split('.')
        .try_fold(root, |v, part| v.get(part))
        .filter(|v| is_text(v))
}

/// A string, or a plural object (an object whose `other` is a string).
fn is_text(v: &Value) -> bool {
    v.is_string() || v.get("other").is_some_and(Value::is_string)
}

/// The catalog the language's texts come from: the pseudo-locale is made from English.
fn source(locale: &str) -> &str {
    if locale == PSEUDO { "en" } else { locale }
}

fn value(locale: &str, key: &str) -> Option<&'static Value> {
    lookup(parsed(source(locale)), key).or_else(|| lookup(parsed("en"), key))
}

fn finish(locale: &str, s: &str) -> String {
    if locale == PSEUDO {
        pseudo(s)
    } else {
        s.to_owned()
    }
}

/// The text for `key` in `locale`, falling back to English, then to the key itself. For a
/// plural object, its `other` form.
pub fn text(locale: &str, key: &str) -> String {
    match value(locale, key) {
        Some(Value::String(s)) => finish(locale, s),
        Some(v) => finish(
            locale,
            v.get("other").and_then(Value::as_str).unwrap_or(key),
        ),
        None => key.to_owned(),
    }
}

fn fill(mut s: String, args: &[(&str, &str)]) -> String {
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// `key`'s text with each `{name}` replaced by its value.
pub fn format(locale: &str, key: &str, args: &[(&str, &str)]) -> String {
    fill(text(locale, key), args)
}

fn icu_locale(locale: &str) -> Locale {
    Locale::try_from_str(source(locale)).unwrap_or(Locale::UNKNOWN)
}

fn category_name(c: PluralCategory) -> &'static str {
    match c {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}

/// The CLDR plural category of `count` in `locale` ("one", "other", …).
pub fn plural_category(locale: &str, count: u64) -> &'static str {
    PluralRules::try_new_cardinal(icu_locale(locale).into())
        .map(|rules| category_name(rules.category_for(count)))
        .unwrap_or("other")
}

/// `count` written the way `locale` writes numbers (`12,500`, `12 500`, `12.500`).
pub fn number(locale: &str, count: u64) -> String {
    match DecimalFormatter::try_new(icu_locale(locale).into(), Default::default()) {
        Ok(f) => f.format(&Decimal::from(count)).to_string(),
        Err(_) => count.to_string(),
    }
}

/// The form of `key` for `count` (by the language's plural rules), with `{count}` written in the
/// language's digits and each other `{name}` replaced. A plain string key works too.
pub fn plural(locale: &str, key: &str, count: u64, args: &[(&str, &str)]) -> String {
    let form = match value(locale, key) {
        Some(Value::String(s)) => s.as_str(),
        Some(v) => v
            .get(plural_category(locale, count))
            .or_else(|| v.get("other"))
            .and_then(Value::as_str)
            .unwrap_or(key),
        None => key,
    };
    let n = number(locale, count);
    let mut all = vec![("count", n.as_str())];
    all.extend_from_slice(args);
    fill(finish(locale, form), &all)
}

/// The pseudo-locale's version of an English text: letters accented, `{placeholders}` kept,
/// about 40 % longer, in brackets so that a cut-off end shows. The same as the UI's
/// `pseudoText` (ui/js/i18n.js).
pub fn pseudo(s: &str) -> String {
    const FROM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const TO: [char; 52] = [
        'á', 'ƀ', 'ç', 'ð', 'é', 'ƒ', 'ĝ', 'ĥ', 'í', 'ĵ', 'ķ', 'ĺ', 'ɱ', 'ñ', 'ö', 'þ', 'ǫ', 'ŕ',
        'š', 'ţ', 'û', 'ṽ', 'ŵ', 'ẋ', 'ý', 'ž', 'Á', 'Ɓ', 'Ç', 'Ð', 'É', 'Ƒ', 'Ĝ', 'Ĥ', 'Í', 'Ĵ',
        'Ķ', 'Ĺ', 'Ṁ', 'Ñ', 'Ö', 'Þ', 'Ǫ', 'Ŕ', 'Š', 'Ţ', 'Û', 'Ṽ', 'Ŵ', 'Ẋ', 'Ý', 'Ž',
    ];
    let mut out = String::with_capacity(s.len() * 2 + 4);
    out.push('[');
    let mut in_placeholder = false;
    let mut letters = 0usize;
    for c in s.chars() {
        match c {
            '{' => in_placeholder = true,
            '}' => in_placeholder = false,
            _ => {}
        }
        match FROM.find(c) {
            Some(i) if !in_placeholder => {
                letters += 1;
                out.push(TO[i]);
            }
            _ => out.push(c),
        }
    }
    // Runs of at most 8, so the padding wraps like words (as the UI's pseudo-locale does).
    let mut pad = (letters * 2).div_ceil(5);
    while pad > 0 {
        let run = pad.min(8);
        out.push(' ');
        out.extend(std::iter::repeat_n('~', run));
        pad -= run;
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_six_languages() {
        assert_eq!(match_locale("fr-CA"), "fr");
        assert_eq!(match_locale("ja_JP.UTF-8"), "ja");
        assert_eq!(match_locale("nl-BE"), "nl");
        assert_eq!(match_locale("sv"), "sv");
        assert_eq!(match_locale("zh-Hant-TW"), "zh-TW");
        assert_eq!(match_locale("zh_TW"), "zh-TW");
        assert_eq!(match_locale("zh-CN"), "en");
        assert_eq!(match_locale("de-DE"), "en");
        assert_eq!(match_locale(""), "en");
    }

    #[test]
    fn every_locale_parses_and_has_the_tray_words() {
        for (code, text_json) in LOCALES {
            let v: Value = serde_json::from_str(text_json)
                .unwrap_or_else(|e| panic!("{code}.json does not parse: {e}"));
            for key in ["tray.open", "tray.quit", "tray.tooltip"] {
                let s = lookup(&v, key)
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("{code}.json lacks {key}"));
                assert!(!s.trim().is_empty(), "{code}.json has an empty {key}");
            }
        }
        assert_eq!(text("fr", "no.such.key"), "no.such.key");
        assert_ne!(text("ja", "tray.quit"), text("en", "tray.quit"));
        assert_eq!(
            format("en", "home.version", &[("version", "1.2")]),
            "Ticket Bridge version 1.2"
        );
    }

    #[test]
    fn plural_forms_follow_each_language_rules() {
        assert_eq!(plural_category("en", 1), "one");
        assert_eq!(plural_category("en", 2), "other");
        assert_eq!(
            plural_category("fr", 0),
            "one",
            "French counts 0 as singular"
        );
        assert_eq!(plural_category("fr", 2), "other");
        assert_eq!(plural_category("ja", 1), "other");
        assert_eq!(plural_category("zh-TW", 1), "other");
        assert_eq!(plural_category("sv", 1), "one");
        assert_eq!(plural_category("x-pseudo", 1), "one");
    }

    #[test]
    fn numbers_use_each_language_grouping() {
        assert_eq!(number("en", 12500), "12,500");
        assert_eq!(number("fr", 12500), "12\u{202f}500");
        assert_eq!(number("sv", 12500), "12\u{a0}500");
        assert_eq!(number("nl", 12500), "12.500");
        assert_eq!(number("ja", 12500), "12,500");
        assert_eq!(number("en", 7), "7");
    }

    #[test]
    fn plural_picks_the_form_and_fills_the_count() {
        assert_eq!(
            plural("en", "notify.summaryTitle", 1, &[]),
            "1 ticket changed"
        );
        assert_eq!(
            plural("en", "notify.summaryTitle", 2, &[]),
            "2 tickets changed"
        );
        let fr1 = plural("fr", "notify.summaryTitle", 1, &[]);
        let fr2 = plural("fr", "notify.summaryTitle", 2, &[]);
        assert_ne!(fr1, fr2, "French has a singular and a plural form");
        assert!(fr2.starts_with("2 "), "{fr2}");
        assert!(plural("en", "notify.summaryTitle", 12500, &[]).starts_with("12,500 "));
        // A plain string still works, and its other placeholders are filled.
        assert_eq!(
            plural("en", "home.version", 3, &[("version", "1.2")]),
            "Ticket Bridge version 1.2"
        );
    }

    #[test]
    fn the_setting_resolves_to_a_language() {
        assert_eq!(resolve("system", "fr-CA", false), "fr");
        assert_eq!(resolve("ja", "fr-CA", false), "ja");
        assert_eq!(
            resolve("de", "sv_SE.UTF-8", false),
            "sv",
            "not offered: the system's"
        );
        assert_eq!(
            resolve("x-pseudo", "en", false),
            "en",
            "pseudo only when offered"
        );
        assert_eq!(resolve("x-pseudo", "en", true), "x-pseudo");
        assert_eq!(
            choices(false),
            ["system", "en", "fr", "ja", "nl", "sv", "zh-TW"]
        );
        assert_eq!(choices(true).last(), Some(&"x-pseudo"));
    }

    #[test]
    fn the_pseudo_locale_is_longer_accented_and_keeps_placeholders() {
        let p = pseudo("Open {name} now");
        assert!(p.starts_with("[Öþéñ {name} ñöŵ"), "{p}");
        assert!(p.ends_with("~]"), "{p}");
        let long = pseudo("Ticket Bridge could not reach the instance");
        assert!(
            long.ends_with(" ~~~~~~~~ ~~~~~~~ ~]") || long.contains(" ~~~~~~~~ "),
            "{long}"
        );
        assert!(!long.contains("~~~~~~~~~"), "runs of at most 8: {long}");
        assert!(p.chars().count() as f64 >= "Open {name} now".len() as f64 * 1.3);
        assert_eq!(
            format("x-pseudo", "home.version", &[("version", "1.2")]),
            pseudo("Ticket Bridge version {version}").replace("{version}", "1.2")
        );
    }
}
