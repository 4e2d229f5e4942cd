//! The few strings Rust shows itself (tray menu, notifications), read from the same
//! `ui/locales/*.json` files as the UI so that every user-visible string has one home.
//! The language is the operating system's (the shell reads it), matched to the six the UI
//! speaks; English otherwise.

use serde_json::Value;
use std::sync::OnceLock;

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

fn lookup<'a>(root: &'a Value, key: &str) -> Option<&'a str> {
    if let Some(s) = root.get(key).and_then(Value::as_str) {
        return Some(s);
    }
    key.split('.')
        .try_fold(root, |v, part| v.get(part))
        .and_then(Value::as_str)
}

/// The text for `key` in `locale`, falling back to English, then to the key itself.
pub fn text(locale: &str, key: &str) -> String {
    lookup(parsed(locale), key)
        .or_else(|| lookup(parsed("en"), key))
        .unwrap_or(key)
        .to_owned()
}

/// `key`'s text with each `{name}` replaced by its value.
pub fn format(locale: &str, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = text(locale, key);
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
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
                let s = lookup(&v, key).unwrap_or_else(|| panic!("{code}.json lacks {key}"));
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
}
