//! The shell's side of the translations: the operating system's language. The texts and the
//! matching live in `ticket_bridge_core::i18n`.

pub use ticket_bridge_core::i18n::{plural, text};

/// The operating system's language, matched to one of the six.
pub fn system_locale() -> &'static str {
    sys_locale::get_locale()
        .map(|l| ticket_bridge_core::i18n::match_locale(&l))
        .unwrap_or("en")
}
