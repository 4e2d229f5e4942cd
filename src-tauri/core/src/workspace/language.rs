//! The language setting: the operating system's language (`system`, the default) or one of the
//! six, kept in the settings file and applied at once to everything Rust words (tray,
//! notifications, the browser pages after a sign-in). The UI reads the same choice through
//! `app_state` and `set_language`, so Rust and the UI always speak the same language.

use super::store::SettingsKv;
use crate::error::{Error, Result};
use crate::i18n;
use serde::Serialize;
use std::sync::{Arc, RwLock};

/// The settings key of the language setting.
const KEY: &str = "language";

/// The language setting and what it stands for, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LanguageState {
    /// The setting: `system` or a language tag.
    pub language: String,
    /// The language the app speaks now.
    pub locale: String,
    /// The operating system's language, matched to the six (what `system` stands for).
    pub system_locale: String,
    /// What the setting may be set to, `system` first.
    pub languages: Vec<&'static str>,
}

pub struct Language {
    kv: Arc<dyn SettingsKv>,
    system: String,
    pseudo: bool,
    current: RwLock<(String, String)>,
    speaking: i18n::Speaking,
}

impl Language {
    /// Reads the saved setting; a value not offered (an old or hand-edited file) means `system`.
    pub fn load(kv: Arc<dyn SettingsKv>, system_locale: &str, pseudo: bool) -> Self {
        let system = i18n::match_locale(system_locale).to_owned();
        let saved = kv
            .get(KEY)
            .and_then(|v| v.as_str().map(str::to_owned))
            .filter(|c| i18n::choices(pseudo).contains(&c.as_str()))
            .unwrap_or_else(|| i18n::SYSTEM.to_owned());
        let locale = i18n::resolve(&saved, &system, pseudo);
        Self {
            kv,
            system,
            pseudo,
            speaking: i18n::Speaking::new(&locale),
            current: RwLock::new((saved, locale)),
        }
    }

    /// The language the app speaks now, as a handle that follows the setting.
    pub fn speaking(&self) -> i18n::Speaking {
        self.speaking.clone()
    }

    /// The language the app speaks now.
    pub fn locale(&self) -> String {
        self.read().1.clone()
    }

    pub fn state(&self) -> LanguageState {
        let (language, locale) = self.read().clone();
        LanguageState {
            language,
            locale,
            system_locale: self.system.clone(),
            languages: i18n::choices(self.pseudo),
        }
    }

    /// Saves `choice` and speaks it from now on. Anything not offered is refused and nothing
    /// changes.
    pub fn set(&self, choice: &str) -> Result<LanguageState> {
        if !i18n::choices(self.pseudo).contains(&choice) {
            return Err(Error::invalid_input(
                format!("Ticket Bridge does not speak the language {choice:?}."),
                "Choose one of the languages in the list.",
            )
            .with_reason("language")
            .with_param("language", choice));
        }
        if choice == i18n::SYSTEM {
            self.kv.write(Vec::new(), &[KEY])?;
        } else {
            self.kv.write(vec![(KEY, choice.into())], &[])?;
        }
        let locale = i18n::resolve(choice, &self.system, self.pseudo);
        self.speaking.set(&locale);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = (choice.to_owned(), locale);
        Ok(self.state())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, (String, String)> {
        self.current.read().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::MemoryKv;

    #[test]
    fn follows_the_system_until_a_language_is_chosen_and_remembers_it() {
        let kv: Arc<dyn SettingsKv> = Arc::new(MemoryKv::default());
        let lang = Language::load(kv.clone(), "fr_FR.UTF-8", false);
        assert_eq!(lang.locale(), "fr");
        assert_eq!(lang.state().language, "system");
        assert_eq!(lang.state().system_locale, "fr");

        let speaking = lang.speaking();
        let s = lang.set("ja").unwrap();
        assert_eq!(
            speaking.get(),
            "ja",
            "a handle taken before follows the setting"
        );
        assert_eq!((s.language.as_str(), s.locale.as_str()), ("ja", "ja"));
        assert_eq!(kv.get(KEY), Some("ja".into()));
        // The next start reads it back.
        assert_eq!(Language::load(kv.clone(), "fr_FR", false).locale(), "ja");

        lang.set("system").unwrap();
        assert_eq!(lang.locale(), "fr");
        assert_eq!(kv.get(KEY), None, "system is the default: nothing saved");
    }

    #[test]
    fn refuses_what_is_not_offered_and_changes_nothing() {
        let kv: Arc<dyn SettingsKv> = Arc::new(MemoryKv::default());
        let lang = Language::load(kv.clone(), "en-US", false);
        lang.set("sv").unwrap();
        for bad in ["de", "x-pseudo", "", "../en"] {
            let e = lang.set(bad).unwrap_err();
            assert_eq!(e.reason.as_deref(), Some("language"), "{bad}");
            assert_eq!(lang.locale(), "sv");
        }
        let with_pseudo = Language::load(kv.clone(), "en", true);
        assert_eq!(with_pseudo.set("x-pseudo").unwrap().locale, "x-pseudo");
        // A saved pseudo-locale means nothing where it is not offered.
        assert_eq!(Language::load(kv, "nl-BE", false).locale(), "nl");
    }
}
