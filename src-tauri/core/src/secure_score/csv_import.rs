//! Import of the Microsoft Defender portal's Secure Score "Recommended actions"
//! CSV export.
//!
//! The module is self-contained: it defines every type it uses and depends only
//! on `serde` (derive), `sha2` and `csv`, which splits the records.
//!
//! What it accepts:
//! - UTF-8 with or without a BOM, CRLF, LF or lone CR line ends, an optional
//!   Excel `sep=X` first line.
//! - Comma, semicolon (or tab) separated; the delimiter is the one that splits
//!   the header line into the most known columns.
//! - RFC 4180 quoting (`""` inside quotes, delimiters and line breaks inside
//!   quoted fields), read leniently (text after a closing quote is kept).
//! - Headers in English, French, Japanese, Dutch, Swedish or Traditional
//!   Chinese, in any order; matching ignores case, accents, surrounding
//!   spaces, inner spaces and hyphens, a trailing `?` or `:` and full-width
//!   ASCII forms. A few non-empty rows before the header (a title line, say)
//!   are passed over.
//!
//! What it refuses (returning `Err`, so nothing is imported): more than
//! [`MAX_BYTES`] bytes, more than [`MAX_ROWS`] data rows, text that is not
//! UTF-8 (UTF-16 and NUL bytes included), an Excel workbook, a cut-off file, a
//! file without the "Recommended action" column, and a file with no data row.
//! Rows without a title, with a title over [`MAX_TITLE_CHARS`] characters, or
//! repeating an earlier title are skipped and reported in
//! [`CsvImport::skipped`].
//!
//! Cells are never evaluated: a cell that starts with `=`, `+`, `-` or `@` is
//! kept verbatim in text columns and is read in numeric columns only when the
//! whole cell is a plain number such as `-2` or `+8.57%`.

use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::OnceLock;

/// The largest input accepted, in bytes.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The most data rows accepted (entirely empty rows are not counted).
pub const MAX_ROWS: usize = 5_000;
/// The longest title accepted, in characters; longer rows are skipped.
pub const MAX_TITLE_CHARS: usize = 500;

/// How many characters of a skipped row are kept in [`SkippedRow::text`].
const SKIP_TEXT_CHARS: usize = 80;
/// How many non-empty records are searched for the header row.
const HEADER_SEARCH_ROWS: usize = 10;
/// The delimiters tried, in order of preference when they tie.
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// One recommended action read from the export.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CsvAction {
    /// `csv-` and the first 12 hex digits of the SHA-256 of the normalized
    /// title (see [`action_id`]).
    pub id: String,
    /// The title, trimmed, otherwise as written.
    pub title: String,
    pub rank: Option<u32>,
    /// Score impact in percent (`1.23%` → `1.23`).
    pub score_impact: Option<f64>,
    pub points: Option<f64>,
    pub max_points: Option<f64>,
    pub status: Option<CsvStatus>,
    /// The status cell as written (trimmed).
    pub status_text: Option<String>,
    /// One of `Identity`, `Data`, `Devices`, `Apps`, `Infrastructure`, or
    /// `None` when the category is missing or not recognised.
    pub category: Option<&'static str>,
    /// The category cell as written (trimmed).
    pub category_text: Option<String>,
    pub product: Option<String>,
    /// 1-based line of the row's start in the file.
    pub line: usize,
}

/// The status of a recommended action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CsvStatus {
    ToAddress,
    Planned,
    RiskAccepted,
    /// Resolved through third party.
    ThirdParty,
    /// Resolved through alternate mitigation.
    AlternateMitigation,
    Completed,
    /// Not recognised; the text is in [`CsvAction::status_text`].
    Other,
}

/// The result of a successful import.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CsvImport {
    /// The actions, in file order. Empty only when every data row was skipped
    /// (see `skipped`); a file without data rows is an error instead.
    pub actions: Vec<CsvAction>,
    pub delimiter: char,
    /// The known columns found, by their canonical English name, in file order.
    pub columns: Vec<String>,
    /// Header texts not used: not recognised, or a second copy of a known column.
    pub ignored_columns: Vec<String>,
    pub skipped: Vec<SkippedRow>,
}

/// A data row that was not imported.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedRow {
    /// 1-based line of the row's start in the file.
    pub line: usize,
    pub reason: SkipReason,
    /// The first 80 characters of the row's title, or of its raw text when it
    /// has no title.
    pub text: String,
}

/// Why a data row was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    NoTitle,
    TitleTooLong,
    Duplicate,
}

/// Why the file could not be imported. Nothing is imported on any error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvError {
    TooLarge {
        limit: usize,
    },
    TooManyRows {
        limit: usize,
    },
    NotUtf8 {
        line: usize,
    },
    Truncated {
        line: usize,
    },
    /// Canonical English names of the missing required columns.
    MissingColumns {
        columns: Vec<&'static str>,
    },
    NoActions,
    Malformed {
        line: usize,
        detail: String,
    },
}

const EXPORT_HINT: &str =
    "export the list again from the portal (Secure Score > Recommended actions > Export)";

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvError::TooLarge { limit } => write!(
                f,
                "The file is larger than {}, too large for a Secure Score export: check that you chose the right file, or {EXPORT_HINT}.",
                size_text(*limit)
            ),
            CsvError::TooManyRows { limit } => write!(
                f,
                "The file has more than {limit} rows, more than a Secure Score export holds: check that you chose the right file, or split it and import the parts one by one."
            ),
            CsvError::NotUtf8 { line } => write!(
                f,
                "Line {line} of the file is not UTF-8 text (it was probably saved again in another encoding): {EXPORT_HINT}, or save it in Excel as \"CSV UTF-8\"."
            ),
            CsvError::Truncated { line } => write!(
                f,
                "The file ends in the middle of the row that starts on line {line}, so it looks cut off: {EXPORT_HINT} and import the complete file."
            ),
            CsvError::MissingColumns { columns } => {
                let names = columns.join(", ");
                if columns.len() == 1 {
                    write!(
                        f,
                        "The file is not the Secure Score export: it has no {names} column. Export the list again from the portal (Secure Score > Recommended actions > Export)."
                    )
                } else {
                    write!(
                        f,
                        "The file is not the Secure Score export: it lacks the columns {names}. Export the list again from the portal (Secure Score > Recommended actions > Export)."
                    )
                }
            }
            CsvError::NoActions => write!(
                f,
                "The file contains no recommended actions (it is empty or has only a header row): {EXPORT_HINT}."
            ),
            CsvError::Malformed { line, detail } => write!(
                f,
                "The file cannot be read as CSV text at line {line} ({detail}): {EXPORT_HINT} and import that file as it is."
            ),
        }
    }
}

impl std::error::Error for CsvError {}

impl CsvError {
    /// A stable machine-readable code for the error.
    pub fn code(&self) -> &'static str {
        match self {
            CsvError::TooLarge { .. } => "too_large",
            CsvError::TooManyRows { .. } => "too_many_rows",
            CsvError::NotUtf8 { .. } => "not_utf8",
            CsvError::Truncated { .. } => "truncated",
            CsvError::MissingColumns { .. } => "missing_columns",
            CsvError::NoActions => "no_actions",
            CsvError::Malformed { .. } => "malformed",
        }
    }
}

fn size_text(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

// ---------------------------------------------------------------------------
// Alias tables
// ---------------------------------------------------------------------------

/// Words for one thing in each of the app's six languages. Matching goes
/// through [`match_key`], so case, accents, spaces and hyphens do not matter.
struct Localized {
    en: &'static [&'static str],
    fr: &'static [&'static str],
    ja: &'static [&'static str],
    nl: &'static [&'static str],
    sv: &'static [&'static str],
    zh_tw: &'static [&'static str],
}

impl Localized {
    fn languages(&self) -> [&'static [&'static str]; 6] {
        [self.en, self.fr, self.ja, self.nl, self.sv, self.zh_tw]
    }

    fn all(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.languages().into_iter().flatten().copied()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Rank,
    Title,
    ScoreImpact,
    Points,
    Status,
    Category,
    Product,
}

const COLUMN_COUNT: usize = 7;

struct ColumnSpec {
    column: Column,
    canonical: &'static str,
    required: bool,
    aliases: Localized,
}

/// Header aliases per column, in the six languages. The first English alias
/// is the canonical name.
const HEADER_ALIASES: [ColumnSpec; COLUMN_COUNT] = [
    ColumnSpec {
        column: Column::Rank,
        canonical: "Rank",
        required: false,
        aliases: Localized {
            en: &["Rank", "Ranking"],
            fr: &["Rang", "Classement"],
            ja: &["ランク", "順位", "ランキング"],
            nl: &["Rang", "Rangorde", "Positie"],
            sv: &["Rangordning", "Rang", "Rankning"],
            zh_tw: &["排名", "名次", "排行"],
        },
    },
    ColumnSpec {
        column: Column::Title,
        canonical: "Recommended action",
        required: true,
        aliases: Localized {
            en: &[
                "Recommended action",
                "Recommended actions",
                "Recommendation",
                "Improvement action",
                "Improvement actions",
                "Action name",
            ],
            fr: &[
                "Action recommandée",
                "Actions recommandées",
                "Recommandation",
                "Action d'amélioration",
                "Actions d'amélioration",
                "Nom de l'action",
            ],
            ja: &[
                "推奨される操作",
                "推奨アクション",
                "推奨される対処法",
                "推奨される措置",
                "推奨事項",
                "改善アクション",
                "改善処置",
            ],
            nl: &[
                "Aanbevolen actie",
                "Aanbevolen acties",
                "Aanbeveling",
                "Verbeteractie",
                "Verbeteringsactie",
            ],
            sv: &[
                "Rekommenderad åtgärd",
                "Rekommenderade åtgärder",
                "Rekommendation",
                "Förbättringsåtgärd",
            ],
            zh_tw: &[
                "建議的動作",
                "建議動作",
                "建議的行動",
                "建議的動作名稱",
                "建議",
                "改善動作",
            ],
        },
    },
    ColumnSpec {
        column: Column::ScoreImpact,
        canonical: "Score impact",
        required: false,
        aliases: Localized {
            en: &["Score impact", "Impact on score"],
            fr: &[
                "Impact sur le score",
                "Impact du score",
                "Incidence sur le score",
                "Impact sur le degré de sécurisation",
            ],
            ja: &[
                "スコアへの影響",
                "スコアの影響",
                "スコア影響",
                "スコアに対する影響",
            ],
            nl: &["Score-impact", "Impact op score", "Impact op de score"],
            sv: &["Poängpåverkan", "Påverkan på poäng", "Påverkan på poängen"],
            zh_tw: &["分數影響", "對分數的影響", "分數的影響"],
        },
    },
    ColumnSpec {
        column: Column::Points,
        canonical: "Points achieved",
        required: false,
        aliases: Localized {
            en: &[
                "Points achieved",
                "Achieved points",
                "Points",
                "Score achieved",
            ],
            fr: &["Points obtenus", "Points atteints", "Points réalisés"],
            ja: &[
                "達成されたポイント",
                "獲得ポイント",
                "獲得したポイント",
                "獲得済みポイント",
                "達成ポイント",
                "ポイント",
            ],
            nl: &[
                "Behaalde punten",
                "Bereikte punten",
                "Verkregen punten",
                "Punten",
            ],
            sv: &["Uppnådda poäng", "Erhållna poäng", "Poäng"],
            zh_tw: &[
                "已達成的點數",
                "已獲得點數",
                "已獲得的點數",
                "已達成點數",
                "達成的點數",
                "點數",
            ],
        },
    },
    ColumnSpec {
        column: Column::Status,
        canonical: "Status",
        required: false,
        aliases: Localized {
            en: &["Status", "State"],
            fr: &["Statut", "État"],
            ja: &["状態", "ステータス"],
            nl: &["Status", "Staat"],
            sv: &["Status", "Tillstånd"],
            zh_tw: &["狀態", "狀況"],
        },
    },
    ColumnSpec {
        column: Column::Category,
        canonical: "Category",
        required: false,
        aliases: Localized {
            en: &["Category", "Categories"],
            fr: &["Catégorie", "Catégories"],
            ja: &["カテゴリ", "カテゴリー", "分類"],
            nl: &["Categorie", "Categorieën"],
            sv: &["Kategori", "Kategorier"],
            zh_tw: &["類別", "分類", "類型"],
        },
    },
    ColumnSpec {
        column: Column::Product,
        canonical: "Product",
        required: false,
        aliases: Localized {
            en: &["Product", "Products"],
            fr: &["Produit", "Produits"],
            ja: &["製品", "プロダクト"],
            nl: &["Product", "Producten"],
            sv: &["Produkt", "Produkter"],
            zh_tw: &["產品"],
        },
    },
];

/// The five category names a [`CsvAction::category`] can take, with their
/// localized forms.
const CATEGORY_ALIASES: [(&str, Localized); 5] = [
    (
        "Identity",
        Localized {
            en: &["Identity", "Identities", "Account", "Accounts"],
            fr: &["Identité", "Identités", "Compte", "Comptes"],
            ja: &["ID", "アイデンティティ", "アカウント"],
            nl: &["Identiteit", "Identiteiten"],
            sv: &["Identitet", "Identiteter", "Konto", "Konton"],
            zh_tw: &["身分識別", "身份識別", "身分", "身份", "帳戶"],
        },
    ),
    (
        "Data",
        Localized {
            en: &["Data"],
            fr: &["Données", "Donnée"],
            ja: &["データ"],
            nl: &["Gegevens", "Data"],
            sv: &["Data"],
            zh_tw: &["資料", "數據"],
        },
    ),
    (
        "Devices",
        Localized {
            en: &["Devices", "Device"],
            fr: &["Appareils", "Appareil"],
            ja: &["デバイス", "端末"],
            nl: &["Apparaten", "Apparaat"],
            sv: &["Enheter", "Enhet"],
            zh_tw: &["裝置", "設備"],
        },
    ),
    (
        "Apps",
        Localized {
            en: &["Apps", "App", "Applications", "Application"],
            fr: &["Applications", "Application", "Applis"],
            ja: &["アプリ", "アプリケーション"],
            nl: &["Apps", "App", "Toepassingen", "Toepassing"],
            sv: &["Appar", "App", "Program", "Applikationer"],
            zh_tw: &["應用程式", "應用"],
        },
    ),
    (
        "Infrastructure",
        Localized {
            en: &["Infrastructure"],
            fr: &["Infrastructure", "Infrastructures"],
            ja: &["インフラストラクチャ", "インフラストラクチャー", "インフラ"],
            nl: &["Infrastructuur"],
            sv: &["Infrastruktur"],
            zh_tw: &["基礎結構", "基礎架構", "基礎設施"],
        },
    ),
];

/// Status wordings, matched whole.
const STATUS_ALIASES: [(CsvStatus, Localized); 6] = [
    (
        CsvStatus::ToAddress,
        Localized {
            en: &[
                "To address",
                "Not addressed",
                "Not started",
                "Open",
                "Default",
                "To do",
            ],
            fr: &[
                "À traiter",
                "À résoudre",
                "À corriger",
                "Non traité",
                "À adresser",
            ],
            ja: &[
                "対処する",
                "対処が必要",
                "要対処",
                "未対処",
                "対応が必要",
                "未対応",
            ],
            nl: &[
                "Te verhelpen",
                "Aan te pakken",
                "Op te lossen",
                "Te behandelen",
                "Niet verholpen",
            ],
            sv: &["Att åtgärda", "Ska åtgärdas", "Ej åtgärdad", "Att hantera"],
            zh_tw: &["待處理", "待解決", "未處理", "需處理", "要處理"],
        },
    ),
    (
        CsvStatus::Planned,
        Localized {
            en: &["Planned"],
            fr: &["Planifié", "Planifiée", "Prévu", "Prévue"],
            ja: &["計画済み", "計画中", "予定", "予定済み", "計画"],
            nl: &["Gepland", "Ingepland"],
            sv: &["Planerad", "Planerat", "Planerade"],
            zh_tw: &["已計劃", "已規劃", "計劃中", "規劃中", "已排程"],
        },
    ),
    (
        CsvStatus::RiskAccepted,
        Localized {
            en: &[
                "Risk accepted",
                "Accepted risk",
                "Accept risk",
                "Risk acceptance",
                "Ignored",
            ],
            fr: &[
                "Risque accepté",
                "Accepter le risque",
                "Acceptation du risque",
            ],
            ja: &[
                "リスクの受容",
                "リスクを受け入れる",
                "リスクを受け入れ済み",
                "リスク受容",
                "リスクの許容",
                "リスク許容",
            ],
            nl: &[
                "Risico geaccepteerd",
                "Geaccepteerd risico",
                "Risico accepteren",
                "Risico aanvaard",
            ],
            sv: &[
                "Risk accepterad",
                "Accepterad risk",
                "Acceptera risk",
                "Risken accepterad",
            ],
            zh_tw: &["已接受風險", "接受風險", "風險已接受", "風險接受"],
        },
    ),
    (
        CsvStatus::ThirdParty,
        Localized {
            en: &[
                "Resolved through third party",
                "Resolved by third party",
                "Resolved via third party",
                "Third party",
            ],
            fr: &[
                "Résolu par un tiers",
                "Résolu via un tiers",
                "Résolu par une solution tierce",
                "Solution tierce",
                "Tiers",
            ],
            ja: &[
                "サード パーティによって解決済み",
                "サード パーティ経由で解決済み",
                "サード パーティによって解決",
                "サード パーティで解決済み",
                "サード パーティ",
            ],
            nl: &[
                "Opgelost via derde partij",
                "Opgelost door derde partij",
                "Opgelost via derden",
                "Opgelost door derden",
                "Derde partij",
            ],
            sv: &[
                "Löst via tredje part",
                "Löst genom tredje part",
                "Löst av tredje part",
                "Åtgärdad via tredje part",
                "Tredje part",
            ],
            zh_tw: &[
                "已透過協力廠商解決",
                "透過協力廠商解決",
                "已由協力廠商解決",
                "協力廠商",
                "第三方",
            ],
        },
    ),
    (
        CsvStatus::AlternateMitigation,
        Localized {
            en: &[
                "Resolved through alternate mitigation",
                "Resolved through alternative mitigation",
                "Resolved via alternate mitigation",
                "Alternate mitigation",
                "Alternative mitigation",
            ],
            fr: &[
                "Résolu par une atténuation alternative",
                "Résolu via une atténuation alternative",
                "Résolu par une autre atténuation",
                "Résolu par une autre mesure d'atténuation",
                "Atténuation alternative",
            ],
            ja: &[
                "代替の軽減策によって解決済み",
                "代替の軽減策で解決済み",
                "代替の軽減策によって解決",
                "代替の軽減策",
                "代替軽減策",
            ],
            nl: &[
                "Opgelost via alternatieve beperking",
                "Opgelost door alternatieve beperking",
                "Opgelost via alternatieve risicobeperking",
                "Alternatieve beperking",
                "Alternatieve risicobeperking",
            ],
            sv: &[
                "Löst via alternativ åtgärd",
                "Löst genom alternativ åtgärd",
                "Löst via alternativ riskreducering",
                "Alternativ riskreducering",
                "Alternativ åtgärd",
            ],
            zh_tw: &[
                "已透過替代緩和措施解決",
                "已透過替代風險降低措施解決",
                "透過替代緩和措施解決",
                "替代緩和措施",
                "替代風險降低措施",
            ],
        },
    ),
    (
        CsvStatus::Completed,
        Localized {
            en: &["Completed", "Complete", "Done", "Implemented"],
            fr: &["Terminé", "Terminée", "Complété", "Effectué", "Implémenté"],
            ja: &["完了", "完了済み", "実装済み"],
            nl: &["Voltooid", "Afgerond", "Gereed", "Geïmplementeerd"],
            sv: &["Slutförd", "Slutfört", "Klar", "Genomförd", "Implementerad"],
            zh_tw: &["已完成", "完成", "已實作"],
        },
    ),
];

/// Fallback for status wordings not in [`STATUS_ALIASES`]: a key that
/// contains one of these fragments (already in [`match_key`] form) takes the
/// status. Checked in this order.
const STATUS_KEYWORDS: [(CsvStatus, &[&str]); 3] = [
    (
        CsvStatus::ThirdParty,
        &[
            "thirdparty",
            "tiers",
            "tierce",
            "derdepartij",
            "derden",
            "tredjepart",
            "サードパーティ",
            "協力廠商",
            "第三方",
        ],
    ),
    (
        CsvStatus::AlternateMitigation,
        &[
            "mitigation",
            "attenuation",
            "beperking",
            "riskreducering",
            "軽減",
            "緩和",
            "風險降低",
        ],
    ),
    (
        CsvStatus::RiskAccepted,
        &[
            "riskaccept",
            "acceptedrisk",
            "risqueaccept",
            "risicogeaccepteerd",
            "riskaccepterad",
            "リスク",
            "風險",
        ],
    ),
];

struct Lookup {
    headers: HashMap<String, Column>,
    statuses: HashMap<String, CsvStatus>,
    categories: HashMap<String, &'static str>,
}

fn lookup() -> &'static Lookup {
    static LOOKUP: OnceLock<Lookup> = OnceLock::new();
    LOOKUP.get_or_init(|| {
        let mut headers = HashMap::new();
        for spec in &HEADER_ALIASES {
            for alias in spec.aliases.all() {
                headers.entry(match_key(alias)).or_insert(spec.column);
            }
        }
        let mut statuses = HashMap::new();
        for (status, aliases) in &STATUS_ALIASES {
            for alias in aliases.all() {
                statuses.entry(match_key(alias)).or_insert(*status);
            }
        }
        let mut categories = HashMap::new();
        for (name, aliases) in &CATEGORY_ALIASES {
            categories.entry(match_key(name)).or_insert(*name);
            for alias in aliases.all() {
                categories.entry(match_key(alias)).or_insert(*name);
            }
        }
        Lookup {
            headers,
            statuses,
            categories,
        }
    })
}

fn canonical_name(column: Column) -> &'static str {
    HEADER_ALIASES
        .iter()
        .find(|spec| spec.column == column)
        .map_or("", |spec| spec.canonical)
}

// ---------------------------------------------------------------------------
// Text normalization
// ---------------------------------------------------------------------------

/// Maps full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space to
/// their ASCII counterparts.
fn half_width(c: char) -> char {
    match c as u32 {
        cp @ 0xFF01..=0xFF5E => char::from_u32(cp - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// Removes the accent from a lowercase Latin letter (common Western European
/// ones only).
fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

/// The form in which headers, statuses and categories are compared:
/// full-width forms made ASCII, lowercased, accents removed, a trailing `?`
/// or `:` dropped, and whitespace, hyphens, underscores, dots and the
/// katakana middle dot removed.
fn match_key(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        let c = half_width(c);
        match c {
            // Invisible marks and combining accents.
            '\u{FEFF}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{0300}'..='\u{036F}' => {}
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`' | '\u{B4}' => folded.push('\''),
            'œ' | 'Œ' => folded.push_str("oe"),
            'æ' | 'Æ' => folded.push_str("ae"),
            _ => folded.extend(c.to_lowercase().map(fold_accent)),
        }
    }
    folded
        .trim_end_matches(|c: char| c == '?' || c == ':' || c.is_whitespace())
        .chars()
        .filter(|&c| {
            !c.is_whitespace()
                && !matches!(c, '-' | '_' | '.' | '\u{2010}'..='\u{2015}' | '\u{30FB}')
        })
        .collect()
}

/// A cell that a spreadsheet would take for a formula.
fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@'])
}

/// The id of an action: `csv-` and the first 12 hex digits of the SHA-256 of
/// the title trimmed, lowercased and with inner whitespace collapsed to one
/// space. The same title always gives the same id.
pub fn action_id(title: &str) -> String {
    let normalized = title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let digest = Sha256::digest(normalized.as_bytes());
    let mut id = String::with_capacity(16);
    id.push_str("csv-");
    for byte in digest.iter().take(6) {
        id.push_str(&format!("{byte:02x}"));
    }
    id
}

fn excerpt(text: &str) -> String {
    text.chars().take(SKIP_TEXT_CHARS).collect()
}

// ---------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------

/// A plain decimal number: an optional sign, digits, and at most one decimal
/// point or decimal comma. Anything else (a formula, `1e5`, `inf`, a
/// thousands separator) gives `None`.
fn parse_number(text: &str) -> Option<f64> {
    let mut cleaned = String::with_capacity(text.len());
    for c in text.trim().chars() {
        match half_width(c) {
            '\u{2212}' => cleaned.push('-'),
            ',' => cleaned.push('.'),
            c => cleaned.push(c),
        }
    }
    let body = cleaned.strip_prefix(['+', '-']).unwrap_or(cleaned.as_str());
    let digits = body.chars().filter(char::is_ascii_digit).count();
    let points = body.chars().filter(|&c| c == '.').count();
    if digits == 0 || points > 1 || digits + points != body.chars().count() {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `3/9`, `3.5 / 10`, `3,5/10` → (achieved, max); `7` → (7, none); anything
/// else → (none, none).
fn parse_points(text: &str) -> (Option<f64>, Option<f64>) {
    let text: String = text.chars().map(half_width).collect();
    let mut parts = text.split('/');
    let first = parts.next().unwrap_or("");
    match (parts.next(), parts.next()) {
        (None, _) => (parse_number(first), None),
        (Some(second), None) => match (parse_number(first), parse_number(second)) {
            (Some(a), Some(b)) => (Some(a), Some(b)),
            _ => (None, None),
        },
        _ => (None, None),
    }
}

/// `1.23%`, `1,23 %`, `+8.57%` or `1.23` → the number of percent.
fn parse_percent(text: &str) -> Option<f64> {
    let text: String = text.chars().map(half_width).collect();
    let text = text.trim();
    let number = text.strip_suffix('%').unwrap_or(text);
    parse_number(number)
}

/// A whole number, possibly written `#3` or `+3`.
fn parse_rank(text: &str) -> Option<u32> {
    let text: String = text.chars().map(half_width).collect();
    let text = text.trim();
    let text = text.strip_prefix('#').unwrap_or(text);
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn normalize_status(text: &str, lookup: &Lookup) -> CsvStatus {
    if looks_like_formula(text) {
        return CsvStatus::Other;
    }
    let key = match_key(text);
    if key.is_empty() {
        return CsvStatus::Other;
    }
    if let Some(status) = lookup.statuses.get(&key) {
        return *status;
    }
    STATUS_KEYWORDS
        .iter()
        .find(|(_, fragments)| fragments.iter().any(|f| key.contains(f)))
        .map_or(CsvStatus::Other, |(status, _)| *status)
}

fn normalize_category(text: &str, lookup: &Lookup) -> Option<&'static str> {
    if looks_like_formula(text) {
        return None;
    }
    lookup.categories.get(&match_key(text)).copied()
}

// ---------------------------------------------------------------------------
// CSV reading
// ---------------------------------------------------------------------------

struct Record {
    fields: csv::StringRecord,
    /// 1-based line of the record's start.
    line: usize,
    /// Whether a line break ended the record (false at the end of the input).
    terminated: bool,
}

impl Record {
    fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.trim().is_empty())
    }
}

/// The text handed to `csv::Reader` for one delimiter.
struct Prepared<'a> {
    text: Cow<'a, str>,
    /// Where the record that the input ends inside of (in an open quoted
    /// field) starts, as a byte offset in `text`.
    cut_at: Option<usize>,
}

/// Where [`prepare`]'s scan is in the CSV grammar.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scan {
    RecordStart,
    FieldStart,
    Unquoted,
    Quoted,
}

/// Adapts `text` for `csv::Reader` and finds a cut-off last record, in one
/// pass that follows the reader's own rules (RFC 4180 with `""` escapes, no
/// escape character; a quote opens a field only as its first byte; CR, LF
/// and CRLF end a record, and line breaks before a record are passed over).
///
/// - Lenient quoting: blanks (spaces, and tabs unless tab is the delimiter)
///   before an opening quote are removed, so `a, "b, c"` reads as `a` and
///   `b, c`. The `csv` crate would take that quote as text and split at the
///   comma inside it. Only spaces and tabs are removed, never a line break,
///   so line numbers in the result are those of the input. (Text after a
///   closing quote needs nothing: the `csv` crate keeps it, as we want.)
/// - Truncation: `csv::Reader` returns a field that the input ends inside of
///   as if it had been closed, so a cut-off file would import its last,
///   partial row silently. This scan tracks the quote state with the same
///   delimiter and notes where the record holding a quote still open at the
///   end starts; [`Records`] stops there with [`CsvError::Truncated`].
/// - BOM: `csv::Reader` drops a BOM at the start of its input. [`parse`] has
///   already removed the file's own, so a BOM still at the start (a second
///   one, or one after the `sep=` line) is text, kept in the first cell as
///   it always was here: one more BOM is put in front for the reader to drop.
fn prepare(text: &str, delimiter: u8) -> Prepared<'_> {
    let bytes = text.as_bytes();
    let is_blank = |b: u8| (b == b' ' || b == b'\t') && b != delimiter;
    let lead = if text.starts_with('\u{FEFF}') {
        "\u{FEFF}"
    } else {
        ""
    };
    // Built only once something is added or removed; until then `text` is
    // used as is.
    let mut adapted: Option<String> = (!lead.is_empty()).then(|| {
        let mut out = String::with_capacity(text.len() + lead.len());
        out.push_str(lead);
        out
    });
    // Input bytes before `copied` are in `adapted` (or were removed).
    let mut copied = 0;
    let mut removed = 0;
    // The current record's start, in output offsets.
    let mut record_start = 0;
    let mut state = Scan::RecordStart;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match state {
            Scan::RecordStart if b == b'\r' || b == b'\n' => i += 1,
            Scan::RecordStart | Scan::FieldStart => {
                if state == Scan::RecordStart {
                    record_start = i + lead.len() - removed;
                }
                let mut j = i;
                while bytes.get(j).copied().is_some_and(is_blank) {
                    j += 1;
                }
                if bytes.get(j) == Some(&b'"') {
                    if j > i {
                        let out = adapted.get_or_insert_with(|| String::with_capacity(text.len()));
                        // `i` and `j` are at ASCII bytes: character boundaries.
                        out.push_str(text.get(copied..i).unwrap_or(""));
                        copied = j;
                        removed += j - i;
                    }
                    i = j + 1;
                    state = Scan::Quoted;
                } else {
                    state = Scan::Unquoted;
                }
            }
            Scan::Unquoted => {
                if b == delimiter {
                    state = Scan::FieldStart;
                } else if b == b'\r' || b == b'\n' {
                    state = Scan::RecordStart;
                }
                i += 1;
            }
            Scan::Quoted => {
                if b == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        i += 2;
                    } else {
                        // Closed; what follows up to the delimiter is text.
                        i += 1;
                        state = Scan::Unquoted;
                    }
                } else {
                    i += 1;
                }
            }
        }
    }
    let text = match adapted {
        Some(mut out) => {
            out.push_str(text.get(copied..).unwrap_or(""));
            Cow::Owned(out)
        }
        None => Cow::Borrowed(text),
    };
    Prepared {
        text,
        cut_at: (state == Scan::Quoted).then_some(record_start),
    }
}

/// The records of a [`Prepared`] text, read by `csv::Reader`, with 1-based
/// line numbers counted as [`count_line_breaks`] does (the reader's own
/// `Position::line` counts LF only, and lone CR files are accepted).
struct Records<'a> {
    reader: csv::Reader<&'a [u8]>,
    bytes: &'a [u8],
    cut_at: Option<usize>,
    /// Lines are counted up to this byte offset, which is always a record's
    /// start (never between the CR and LF of a CRLF).
    counted: usize,
    /// The line at `counted`.
    line: usize,
    first_line: usize,
    done: bool,
}

impl<'a> Records<'a> {
    /// `first_line` is the line on which `prepared` starts.
    fn new(prepared: &'a Prepared<'_>, delimiter: u8, first_line: usize) -> Self {
        let bytes = prepared.text.as_bytes();
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .quote(b'"')
            .quoting(true)
            .double_quote(true)
            .escape(None)
            .comment(None)
            .trim(csv::Trim::None)
            .terminator(csv::Terminator::CRLF)
            .from_reader(bytes);
        Records {
            reader,
            bytes,
            cut_at: prepared.cut_at,
            counted: 0,
            line: first_line,
            first_line,
            done: false,
        }
    }

    fn offset(position: Option<&csv::Position>) -> Option<usize> {
        position.and_then(|p| usize::try_from(p.byte()).ok())
    }

    /// The 1-based line of a byte offset.
    fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.bytes.len());
        if offset < self.counted {
            self.counted = 0;
            self.line = self.first_line;
        }
        self.line += count_line_breaks(self.bytes.get(self.counted..offset).unwrap_or(&[]));
        self.counted = offset;
        self.line
    }

    fn next_record(&mut self) -> Option<Result<Record, CsvError>> {
        if self.done {
            return None;
        }
        let mut fields = csv::StringRecord::new();
        match self.reader.read_record(&mut fields) {
            Ok(true) => {}
            Ok(false) => {
                self.done = true;
                return None;
            }
            // Not expected (the text is valid UTF-8 and the reader flexible),
            // but reported rather than trusted.
            Err(error) => {
                self.done = true;
                let offset = Self::offset(error.position())
                    .or_else(|| Self::offset(fields.position()))
                    .unwrap_or(0)
                    .min(self.bytes.len());
                // Counted from the start: an error's offset may be anywhere.
                let line =
                    self.first_line + count_line_breaks(self.bytes.get(..offset).unwrap_or(&[]));
                return Some(Err(CsvError::Malformed {
                    line,
                    detail: error.to_string(),
                }));
            }
        }
        // The reader has read up to this record's end. Reading past the
        // start of the cut-off record means this is that record (the last).
        let end = Self::offset(Some(self.reader.position())).unwrap_or(usize::MAX);
        if let Some(cut) = self.cut_at.filter(|&cut| end > cut) {
            self.done = true;
            return Some(Err(CsvError::Truncated {
                line: self.line_at(cut),
            }));
        }
        // Input left after the record means a line break ended it; otherwise
        // it is the last record, ended by a line break only if the input
        // ends with one.
        let terminated = end < self.bytes.len() || matches!(self.bytes.last(), Some(b'\r' | b'\n'));
        // The record's position is where the previous one ended; the reader
        // passes over the line breaks (empty lines) after that.
        let mut start = Self::offset(fields.position()).unwrap_or(self.counted);
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        Some(Ok(Record {
            fields,
            line: self.line_at(start),
            terminated,
        }))
    }
}

/// Line breaks in a byte string, counted as `csv::Reader` ends records (CRLF,
/// LF or a lone CR each end one line).
fn count_line_breaks(bytes: &[u8]) -> usize {
    let mut count = 0;
    let mut iter = bytes.iter().peekable();
    while let Some(&b) = iter.next() {
        match b {
            b'\n' => count += 1,
            b'\r' if iter.peek() != Some(&&b'\n') => count += 1,
            _ => {}
        }
    }
    count
}

/// Refuses files that are plainly not UTF-8 CSV text: an Excel workbook
/// (Malformed, with a reason the user can act on), UTF-16 text or anything
/// with NUL bytes (NotUtf8: valid UTF-8 in the narrow sense, but never text a
/// CSV export contains).
fn check_text(bytes: &[u8]) -> Result<(), CsvError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(CsvError::Malformed {
            line: 1,
            detail: "it is an Excel workbook, not a CSV file".to_owned(),
        });
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(CsvError::NotUtf8 { line: 1 });
    }
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        return Err(CsvError::NotUtf8 {
            line: 1 + count_line_breaks(bytes.get(..nul).unwrap_or(bytes)),
        });
    }
    Ok(())
}

/// An Excel `sep=X` first line: the delimiter it names and where the next
/// line starts.
fn sep_line(text: &str) -> Option<(u8, usize)> {
    let end = text.find(['\r', '\n']).unwrap_or(text.len());
    let line = text.get(..end)?;
    let line = line.trim_matches(|c: char| c == '"' || c == ' ');
    let prefix = line.get(..4)?;
    if !prefix.eq_ignore_ascii_case("sep=") {
        return None;
    }
    let rest = line.get(4..)?.as_bytes();
    let &[delimiter] = rest else {
        return None;
    };
    if delimiter.is_ascii_alphanumeric()
        || !(delimiter.is_ascii_punctuation() || delimiter == b'\t')
        || delimiter == b'"'
    {
        return None;
    }
    let mut next = end;
    if text.as_bytes().get(next) == Some(&b'\r') {
        next += 1;
    }
    if text.as_bytes().get(next) == Some(&b'\n') {
        next += 1;
    }
    Some((delimiter, next))
}

struct Header {
    index: [Option<usize>; COLUMN_COUNT],
    columns: Vec<String>,
    ignored: Vec<String>,
    /// Cells up to the last non-empty header cell.
    width: usize,
}

impl Header {
    fn slot(&self, column: Column) -> Option<usize> {
        self.index.get(column as usize).copied().flatten()
    }

    fn has(&self, column: Column) -> bool {
        self.slot(column).is_some()
    }

    fn missing_required(&self) -> Vec<&'static str> {
        HEADER_ALIASES
            .iter()
            .filter(|spec| spec.required && !self.has(spec.column))
            .map(|spec| spec.canonical)
            .collect()
    }
}

fn map_header(fields: &csv::StringRecord, lookup: &Lookup) -> Header {
    let mut header = Header {
        index: [None; COLUMN_COUNT],
        columns: Vec::new(),
        ignored: Vec::new(),
        width: 0,
    };
    for (i, field) in fields.iter().enumerate() {
        let text = field.trim();
        if text.is_empty() {
            continue;
        }
        header.width = i + 1;
        match lookup.headers.get(&match_key(text)) {
            Some(&column) if !header.has(column) => {
                if let Some(slot) = header.index.get_mut(column as usize) {
                    *slot = Some(i);
                }
                header.columns.push(canonical_name(column).to_owned());
            }
            _ => header.ignored.push(text.to_owned()),
        }
    }
    header
}

/// The delimiter that splits one of the first lines into the most known
/// columns; on a tie the earlier of [`DELIMITERS`].
fn detect_delimiter(text: &str, lookup: &Lookup) -> u8 {
    let mut best = (DELIMITERS[0], 0);
    for delimiter in DELIMITERS {
        let prepared = prepare(text, delimiter);
        let mut reader = Records::new(&prepared, delimiter, 1);
        let mut score = 0;
        let mut seen = 0;
        while let Some(Ok(record)) = reader.next_record() {
            if record.is_blank() {
                continue;
            }
            score = score.max(map_header(&record.fields, lookup).columns.len());
            seen += 1;
            if seen >= HEADER_SEARCH_ROWS {
                break;
            }
        }
        if score > best.1 {
            best = (delimiter, score);
        }
    }
    best.0
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/// Parses the export. Never panics; on Err nothing is imported.
pub fn parse(bytes: &[u8]) -> Result<CsvImport, CsvError> {
    if bytes.len() > MAX_BYTES {
        return Err(CsvError::TooLarge { limit: MAX_BYTES });
    }
    check_text(bytes)?;
    let text = std::str::from_utf8(bytes).map_err(|e| CsvError::NotUtf8 {
        line: 1 + count_line_breaks(bytes.get(..e.valid_up_to()).unwrap_or(bytes)),
    })?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let lookup = lookup();

    let (delimiter, start, start_line) = match sep_line(text) {
        Some((delimiter, next)) => (delimiter, next, 2),
        None => (detect_delimiter(text, lookup), 0, 1),
    };
    let prepared = prepare(text.get(start..).unwrap_or(""), delimiter);
    let mut reader = Records::new(&prepared, delimiter, start_line);

    // The header: the first non-empty record with a title column, within the
    // first few non-empty records.
    let mut first_header = None;
    let mut searched = 0;
    let header = loop {
        let Some(record) = reader.next_record() else {
            break None;
        };
        let record = record?;
        if record.is_blank() {
            continue;
        }
        let header = map_header(&record.fields, lookup);
        if header.has(Column::Title) {
            break Some(header);
        }
        first_header.get_or_insert(header);
        searched += 1;
        if searched >= HEADER_SEARCH_ROWS {
            break None;
        }
    };
    let header = match (header, first_header) {
        (Some(header), _) => header,
        (None, Some(first)) => {
            return Err(CsvError::MissingColumns {
                columns: first.missing_required(),
            });
        }
        (None, None) => return Err(CsvError::NoActions),
    };

    let delimiter_char = char::from(delimiter);
    let mut actions = Vec::new();
    let mut skipped = Vec::new();
    let mut ids = HashSet::new();
    let mut rows = 0;
    while let Some(record) = reader.next_record() {
        let record = record?;
        if record.is_blank() {
            continue;
        }
        rows += 1;
        if rows > MAX_ROWS {
            return Err(CsvError::TooManyRows { limit: MAX_ROWS });
        }
        if !record.terminated && record.fields.len() < header.width {
            return Err(CsvError::Truncated { line: record.line });
        }
        let cell = |column: Column| {
            header
                .slot(column)
                .and_then(|i| record.fields.get(i))
                .map(str::trim)
                .filter(|f| !f.is_empty())
        };
        let Some(title) = cell(Column::Title) else {
            let raw = record
                .fields
                .iter()
                .map(|f| f.trim())
                .collect::<Vec<_>>()
                .join(&delimiter_char.to_string());
            skipped.push(SkippedRow {
                line: record.line,
                reason: SkipReason::NoTitle,
                text: excerpt(raw.trim_end_matches(delimiter_char)),
            });
            continue;
        };
        if title.chars().count() > MAX_TITLE_CHARS {
            skipped.push(SkippedRow {
                line: record.line,
                reason: SkipReason::TitleTooLong,
                text: excerpt(title),
            });
            continue;
        }
        let id = action_id(title);
        if !ids.insert(id.clone()) {
            skipped.push(SkippedRow {
                line: record.line,
                reason: SkipReason::Duplicate,
                text: excerpt(title),
            });
            continue;
        }
        let (points, max_points) = cell(Column::Points).map_or((None, None), parse_points);
        let status_text = cell(Column::Status);
        let category_text = cell(Column::Category);
        actions.push(CsvAction {
            id,
            title: title.to_owned(),
            rank: cell(Column::Rank).and_then(parse_rank),
            score_impact: cell(Column::ScoreImpact).and_then(parse_percent),
            points,
            max_points,
            status: status_text.map(|s| normalize_status(s, lookup)),
            status_text: status_text.map(str::to_owned),
            category: category_text.and_then(|c| normalize_category(c, lookup)),
            category_text: category_text.map(str::to_owned),
            product: cell(Column::Product).map(str::to_owned),
            line: record.line,
        });
    }
    if rows == 0 {
        return Err(CsvError::NoActions);
    }
    Ok(CsvImport {
        actions,
        delimiter: delimiter_char,
        columns: header.columns,
        ignored_columns: header.ignored,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(input: &str) -> CsvImport {
        match parse(input.as_bytes()) {
            Ok(import) => import,
            Err(error) => panic!("unexpected error {error:?}: {error}"),
        }
    }

    fn err(input: &[u8]) -> CsvError {
        match parse(input) {
            Ok(import) => panic!("expected an error, got {import:?}"),
            Err(error) => error,
        }
    }

    fn titles(import: &CsvImport) -> Vec<&str> {
        import.actions.iter().map(|a| a.title.as_str()).collect()
    }

    fn statuses(import: &CsvImport) -> Vec<Option<CsvStatus>> {
        import.actions.iter().map(|a| a.status).collect()
    }

    fn categories(import: &CsvImport) -> Vec<Option<&'static str>> {
        import.actions.iter().map(|a| a.category).collect()
    }

    const ALL_STATUSES: [Option<CsvStatus>; 6] = [
        Some(CsvStatus::ToAddress),
        Some(CsvStatus::Planned),
        Some(CsvStatus::RiskAccepted),
        Some(CsvStatus::ThirdParty),
        Some(CsvStatus::Completed),
        Some(CsvStatus::AlternateMitigation),
    ];

    const ALL_CATEGORIES: [Option<&str>; 6] = [
        Some("Identity"),
        Some("Data"),
        Some("Devices"),
        Some("Apps"),
        Some("Infrastructure"),
        Some("Identity"),
    ];

    const ALL_COLUMNS: [&str; 7] = [
        "Rank",
        "Recommended action",
        "Score impact",
        "Points achieved",
        "Status",
        "Category",
        "Product",
    ];

    #[test]
    fn good_english_file_with_bom_crlf_and_quoted_title() {
        let input = "\u{FEFF}Rank,Recommended action,Score impact,Points achieved,Status,Regressed,Have license?,Category,Product,Last synced,Microsoft update,Notes\r\n\
            1,\"Require MFA for administrative roles, all of them\r\n(Entra ID)\",+8.57%,0/10,To address,No,Yes,Identity,Microsoft Entra ID,\"Jun 5, 2024\",,\r\n\
            2,Turn on PUA protection in block mode,1.23%,3/9,Completed,No,Yes,Device,Microsoft Defender for Endpoint,,,\r\n\
            3,Block executable content from email,\"0.94%\",\"3.5/10\",Risk accepted,No,Yes,Apps,Microsoft Defender for Endpoint,,,\"Says \"\"hi\"\"\"\r\n";
        let import = ok(input);
        assert_eq!(import.delimiter, ',');
        assert_eq!(import.columns, ALL_COLUMNS);
        assert_eq!(
            import.ignored_columns,
            [
                "Regressed",
                "Have license?",
                "Last synced",
                "Microsoft update",
                "Notes"
            ]
        );
        assert!(import.skipped.is_empty());
        assert_eq!(import.actions.len(), 3);

        let first = &import.actions[0];
        assert_eq!(
            first.title,
            "Require MFA for administrative roles, all of them\r\n(Entra ID)"
        );
        assert_eq!(first.id, action_id(&first.title));
        assert_eq!(first.rank, Some(1));
        assert_eq!(first.score_impact, Some(8.57));
        assert_eq!((first.points, first.max_points), (Some(0.0), Some(10.0)));
        assert_eq!(first.status, Some(CsvStatus::ToAddress));
        assert_eq!(first.status_text.as_deref(), Some("To address"));
        assert_eq!(first.category, Some("Identity"));
        assert_eq!(first.category_text.as_deref(), Some("Identity"));
        assert_eq!(first.product.as_deref(), Some("Microsoft Entra ID"));
        assert_eq!(first.line, 2);

        let second = &import.actions[1];
        assert_eq!(second.line, 4);
        assert_eq!(second.rank, Some(2));
        assert_eq!(second.score_impact, Some(1.23));
        assert_eq!((second.points, second.max_points), (Some(3.0), Some(9.0)));
        assert_eq!(second.status, Some(CsvStatus::Completed));
        assert_eq!(second.category, Some("Devices"));
        assert_eq!(second.category_text.as_deref(), Some("Device"));

        let third = &import.actions[2];
        assert_eq!(third.line, 5);
        assert_eq!(third.score_impact, Some(0.94));
        assert_eq!((third.points, third.max_points), (Some(3.5), Some(10.0)));
        assert_eq!(third.status, Some(CsvStatus::RiskAccepted));
        assert_eq!(third.category, Some("Apps"));
    }

    #[test]
    fn columns_in_any_order() {
        let import = ok(
            "Category,Status,Product,Recommended action,Points achieved,Rank\n\
             Data,Planned,Microsoft Purview,Apply sensitivity labels,2/5,7\n\
             Infrastructure,Resolved through third party,,Secure Azure VMs,,8\n",
        );
        assert_eq!(
            import.columns,
            [
                "Category",
                "Status",
                "Product",
                "Recommended action",
                "Points achieved",
                "Rank"
            ]
        );
        let a = &import.actions[0];
        assert_eq!(a.title, "Apply sensitivity labels");
        assert_eq!(a.rank, Some(7));
        assert_eq!((a.points, a.max_points), (Some(2.0), Some(5.0)));
        assert_eq!(a.status, Some(CsvStatus::Planned));
        assert_eq!(a.category, Some("Data"));
        assert_eq!(a.product.as_deref(), Some("Microsoft Purview"));
        assert_eq!(a.score_impact, None);
        let b = &import.actions[1];
        assert_eq!(b.status, Some(CsvStatus::ThirdParty));
        assert_eq!(b.category, Some("Infrastructure"));
        assert_eq!(b.product, None);
        assert_eq!((b.points, b.max_points), (None, None));
        assert_eq!(b.rank, Some(8));
    }

    #[test]
    fn semicolon_separated_with_decimal_commas() {
        let import = ok(
            "Rank;Recommended action;Score impact;Points achieved;Status;Category\r\n\
             1;Enable audit, logging and alerts;1,23 %;3,5/10;To address;Data\r\n\
             2;\"Quoted; with semicolon\";0,5%;\"2,25 / 9\";Completed;Apps\r\n",
        );
        assert_eq!(import.delimiter, ';');
        assert_eq!(
            titles(&import),
            ["Enable audit, logging and alerts", "Quoted; with semicolon"]
        );
        let a = &import.actions[0];
        assert_eq!(a.score_impact, Some(1.23));
        assert_eq!((a.points, a.max_points), (Some(3.5), Some(10.0)));
        let b = &import.actions[1];
        assert_eq!(b.score_impact, Some(0.5));
        assert_eq!((b.points, b.max_points), (Some(2.25), Some(9.0)));
    }

    /// The six statuses and five categories in the order of [`ALL_STATUSES`]
    /// and [`ALL_CATEGORIES`], all columns recognised, one ignored.
    fn check_localized(input: &str, delimiter: char, ignored: &str) -> CsvImport {
        let import = ok(input);
        assert_eq!(import.delimiter, delimiter);
        assert_eq!(import.columns, ALL_COLUMNS);
        assert_eq!(import.ignored_columns, [ignored]);
        assert!(import.skipped.is_empty(), "{:?}", import.skipped);
        assert_eq!(statuses(&import), ALL_STATUSES);
        assert_eq!(categories(&import), ALL_CATEGORIES);
        let ranks: Vec<_> = import.actions.iter().map(|a| a.rank).collect();
        assert_eq!(ranks, [1, 2, 3, 4, 5, 6].map(Some));
        import
    }

    #[test]
    fn french_headers_statuses_and_categories() {
        let import = check_localized(
            "Rang;Action recommandée;Impact sur le score;Points obtenus;Statut;Licence ?;Catégorie;Produit\r\n\
             1;Exiger l'authentification multifacteur pour les rôles d'administration;8,57 %;0/10;À traiter;Oui;Identité;Microsoft Entra ID\r\n\
             2;Appliquer des étiquettes de confidentialité;1,2 %;\"3,5/10\";Planifié;Oui;Données;Microsoft Purview\r\n\
             3;Activer la protection réseau;0,5 %;2/5;Risque accepté;Oui;Appareils;Defender for Endpoint\r\n\
             4;Bloquer les macros Office;0,4 %;1/4;Résolu par un tiers;Oui;Applications;Defender for Office 365\r\n\
             5;Désactiver SMBv1;0,3 %;4/4;Terminé;Oui;Infrastructure;Defender for Identity\r\n\
             6;Restreindre l'accès anonyme;0,3 %;4/4;Résolu par une atténuation alternative;Oui;Identités;Defender for Identity\r\n",
            ';',
            "Licence ?",
        );
        let a = &import.actions[0];
        assert_eq!(a.score_impact, Some(8.57));
        assert_eq!(a.status_text.as_deref(), Some("À traiter"));
        assert_eq!(a.category_text.as_deref(), Some("Identité"));
        assert_eq!(
            (import.actions[1].points, import.actions[1].max_points),
            (Some(3.5), Some(10.0))
        );
    }

    #[test]
    fn japanese_headers_statuses_and_categories() {
        let import = check_localized(
            "ランク,推奨される操作,スコアへの影響,達成されたポイント,状態,ライセンスがありますか?,カテゴリ,製品\n\
             1,管理者ロールに多要素認証を要求する,8.57%,0/10,対処する,はい,ID,Microsoft Entra ID\n\
             2,秘密度ラベルを適用する,１．２％,3/9,計画済み,はい,データ,Microsoft Purview\n\
             3,ネットワーク保護を有効にする,0.5%,2/5,リスクの受容,はい,デバイス,Defender for Endpoint\n\
             4,Office マクロをブロックする,0.4%,1/4,サード パーティによって解決済み,はい,アプリ,Defender for Office 365\n\
             5,SMBv1 を無効にする,0.3%,4/4,完了,はい,インフラストラクチャ,Defender for Identity\n\
             6,匿名アクセスを制限する,0.3%,4/4,代替の軽減策によって解決済み,はい,ＩＤ,Defender for Identity\n",
            ',',
            "ライセンスがありますか?",
        );
        assert_eq!(import.actions[1].score_impact, Some(1.2));
        // Other common wordings of the headers.
        let variants = ok(
            "ランク,推奨アクション,獲得ポイント,ステータス,カテゴリー\n1,テスト,3/9,予定,アプリケーション\n",
        );
        assert_eq!(
            variants.columns,
            [
                "Rank",
                "Recommended action",
                "Points achieved",
                "Status",
                "Category"
            ]
        );
        assert_eq!(variants.actions[0].status, Some(CsvStatus::Planned));
        assert_eq!(variants.actions[0].category, Some("Apps"));
    }

    #[test]
    fn dutch_headers_statuses_and_categories() {
        check_localized(
            "Rang;Aanbevolen actie;Score-impact;Behaalde punten;Status;Licentie?;Categorie;Product\n\
             1;MFA vereisen voor beheerdersrollen;8,57%;0/10;Te verhelpen;Ja;Identiteit;Microsoft Entra ID\n\
             2;Vertrouwelijkheidslabels toepassen;1,2%;3/9;Gepland;Ja;Gegevens;Microsoft Purview\n\
             3;Netwerkbeveiliging inschakelen;0,5%;2/5;Risico geaccepteerd;Ja;Apparaten;Defender for Endpoint\n\
             4;Office-macro's blokkeren;0,4%;1/4;Opgelost via derde partij;Ja;Apps;Defender for Office 365\n\
             5;SMBv1 uitschakelen;0,3%;4/4;Voltooid;Ja;Infrastructuur;Defender for Identity\n\
             6;Anonieme toegang beperken;0,3%;4/4;Opgelost via alternatieve beperking;Ja;identiteit;Defender for Identity\n",
            ';',
            "Licentie?",
        );
    }

    #[test]
    fn swedish_headers_statuses_and_categories() {
        let import = check_localized(
            "Rangordning;Rekommenderad åtgärd;Poängpåverkan;Uppnådda poäng;Status;Har licens?;Kategori;Produkt\n\
             1;Kräv MFA för administratörsroller;8,57 %;0/10;Att åtgärda;Ja;Identitet;Microsoft Entra ID\n\
             2;Tillämpa känslighetsetiketter;1,2 %;3/9;Planerad;Ja;Data;Microsoft Purview\n\
             3;Aktivera nätverksskydd;0,5 %;2/5;Risk accepterad;Ja;Enheter;Defender for Endpoint\n\
             4;Blockera Office-makron;0,4 %;1/4;Löst via tredje part;Ja;Appar;Defender for Office 365\n\
             5;Inaktivera SMBv1;0,3 %;4/4;Slutförd;Ja;Infrastruktur;Defender for Identity\n\
             6;Begränsa anonym åtkomst;0,3 %;4/4;Löst via alternativ åtgärd;Ja;IDENTITET;Defender for Identity\n",
            ';',
            "Har licens?",
        );
        assert_eq!(import.actions[0].score_impact, Some(8.57));
        let variant = ok("Rang;Rekommenderad åtgärd\n1;Test\n");
        assert_eq!(variant.columns, ["Rank", "Recommended action"]);
    }

    #[test]
    fn traditional_chinese_headers_statuses_and_categories() {
        check_localized(
            "排名,建議的動作,分數影響,已達成的點數,狀態,有授權嗎?,類別,產品\r\n\
             1,要求系統管理角色使用多重要素驗證,8.57%,0/10,待處理,是,身分識別,Microsoft Entra ID\r\n\
             2,套用敏感度標籤,1.2%,3/9,已計劃,是,資料,Microsoft Purview\r\n\
             3,開啟網路保護,0.5%,2/5,已接受風險,是,裝置,Defender for Endpoint\r\n\
             4,封鎖 Office 巨集,0.4%,1/4,已透過協力廠商解決,是,應用程式,Defender for Office 365\r\n\
             5,停用 SMBv1,0.3%,4/4,已完成,是,基礎結構,Defender for Identity\r\n\
             6,限制匿名存取,0.3%,4/4,已透過替代緩和措施解決,是,身份識別,Defender for Identity\r\n",
            ',',
            "有授權嗎?",
        );
        let variants = ok("排名,建議動作,已獲得點數\n1,測試,2/3\n");
        assert_eq!(
            variants.columns,
            ["Rank", "Recommended action", "Points achieved"]
        );
        assert_eq!(variants.actions[0].max_points, Some(3.0));
    }

    #[test]
    fn missing_required_column_is_named() {
        let error = err(b"Rank,Title,Status\n1,Enable MFA,Completed\n");
        assert_eq!(
            error,
            CsvError::MissingColumns {
                columns: vec!["Recommended action"]
            }
        );
        assert_eq!(error.code(), "missing_columns");
        let message = error.to_string();
        assert!(
            message.contains("no Recommended action column"),
            "{message}"
        );
        assert!(message.contains("Export"), "{message}");
    }

    #[test]
    fn unknown_and_repeated_columns_are_ignored_and_listed() {
        let import = ok(
            "Recommended action,Foo,Status,Tags, ,User impact,Status,Implementation cost,Tier\n\
             Enable MFA,x,Completed,t,,Low,Planned,Moderate,Core\n",
        );
        assert_eq!(import.columns, ["Recommended action", "Status"]);
        assert_eq!(
            import.ignored_columns,
            [
                "Foo",
                "Tags",
                "User impact",
                "Status",
                "Implementation cost",
                "Tier"
            ]
        );
        // The first Status column is the one used.
        assert_eq!(import.actions[0].status, Some(CsvStatus::Completed));
    }

    #[test]
    fn header_matching_ignores_case_spaces_punctuation_and_width() {
        let import = ok(
            "  ＲＡＮＫ ,recommended ACTION:,Status ?,category：,Points-achieved,Score  impact,PRODUCT\n\
             3,Enable MFA,completed,IDENTITY,1/2,5%,Entra\n",
        );
        assert_eq!(
            import.columns,
            [
                "Rank",
                "Recommended action",
                "Status",
                "Category",
                "Points achieved",
                "Score impact",
                "Product"
            ]
        );
        assert!(import.ignored_columns.is_empty());
        let a = &import.actions[0];
        assert_eq!(a.rank, Some(3));
        assert_eq!(a.status, Some(CsvStatus::Completed));
        assert_eq!(a.category, Some("Identity"));
    }

    #[test]
    fn file_cut_in_a_quoted_field_is_truncated() {
        let error =
            err(b"Recommended action,Status\r\n\"First\",To address\r\n\"Second, cut in the mid");
        assert_eq!(error, CsvError::Truncated { line: 3 });
        assert_eq!(error.code(), "truncated");
        assert!(error.to_string().contains("line 3"));
        // A quoted field over several lines: the row's first line is named.
        let error = err(b"Recommended action,Status\nA,B\n\"line 3\nline 4\nline 5");
        assert_eq!(error, CsvError::Truncated { line: 3 });
    }

    #[test]
    fn gaps_of_the_csv_crate_are_covered() {
        // `csv::Reader` closes a quote left open at the end; that is a cut file.
        let error = err(b"Rank,Recommended action\n1,\"unterminated\nmore");
        assert_eq!(error, CsvError::Truncated { line: 2 });
        // Also after blanks before the quote, with lone CR line ends.
        let error = err(b"Recommended action,Status\rA,B\r\rC,  \"open\r");
        assert_eq!(error, CsvError::Truncated { line: 4 });
        // A quote inside an unquoted field opens nothing, even at the end.
        assert_eq!(
            titles(&ok("Recommended action\nun\"quoted\n")),
            ["un\"quoted"]
        );
        // Blanks before a quote on a tab-separated line: the tab is the
        // delimiter, the spaces are dropped.
        let import = ok("Rank\tRecommended action\n1\t  \"A\tB\"\n");
        assert_eq!(titles(&import), ["A\tB"]);
        // `csv::Reader` drops a leading BOM; a second one stays text.
        assert_eq!(
            err("\u{FEFF}\u{FEFF}".as_bytes()),
            CsvError::MissingColumns {
                columns: vec!["Recommended action"]
            }
        );
        let import = ok("sep=;\n\u{FEFF}Recommended action;Status\n\"A\";B\n");
        assert_eq!(titles(&import), ["A"]);
        assert_eq!(import.actions[0].line, 3);
    }

    #[test]
    fn short_last_row_without_newline_is_truncated() {
        let cut = "Recommended action,Status,Category\nA,Completed,Data\nB,Compl";
        assert_eq!(err(cut.as_bytes()), CsvError::Truncated { line: 3 });
        // The same rows ending with a newline: a short row is only short.
        let import = ok(&format!("{cut}\n"));
        assert_eq!(titles(&import), ["A", "B"]);
        assert_eq!(import.actions[1].status, Some(CsvStatus::Other));
        assert_eq!(import.actions[1].status_text.as_deref(), Some("Compl"));
        // A complete last row without a newline is fine.
        let import = ok("Recommended action,Status,Category\nA,Completed,Data");
        assert_eq!(import.actions[0].category, Some("Data"));
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        let mut input = b"Recommended action,Status\r\nEnable MFA,Completed\r\nBad ".to_vec();
        input.push(0xFF);
        input.extend_from_slice(b" title,Planned\r\nFine,Planned\r\n");
        let error = err(&input);
        assert_eq!(error, CsvError::NotUtf8 { line: 3 });
        assert_eq!(error.code(), "not_utf8");
        assert!(error.to_string().contains("Line 3"));
        // Latin-1 "é" on the header line.
        assert_eq!(
            err(b"Action recommand\xE9e\nA\n"),
            CsvError::NotUtf8 { line: 1 }
        );
        // A cut multi-byte character at the very end.
        assert_eq!(
            err(b"Recommended action\nA\n\xE3\x81"),
            CsvError::NotUtf8 { line: 3 }
        );
    }

    #[test]
    fn too_large_is_refused_before_parsing() {
        // Invalid UTF-8 throughout: only the size check can answer TooLarge.
        let error = err(&vec![0xFF; MAX_BYTES + 1]);
        assert_eq!(error, CsvError::TooLarge { limit: MAX_BYTES });
        assert_eq!(error.code(), "too_large");
        assert!(error.to_string().contains("5 MiB"));
        // Exactly MAX_BYTES is accepted.
        let mut input = String::from("Recommended action,Notes\nEnable MFA,");
        let padding = MAX_BYTES - input.len() - 1;
        input.push_str(&" ".repeat(padding));
        input.push('\n');
        assert_eq!(input.len(), MAX_BYTES);
        assert_eq!(titles(&ok(&input)), ["Enable MFA"]);
    }

    fn rows(count: usize) -> String {
        let mut input = String::from("Rank,Recommended action\n");
        for i in 0..count {
            input.push_str(&format!("{i},Action number {i}\n"));
        }
        input
    }

    #[test]
    fn too_many_rows_is_refused() {
        let import = ok(&rows(MAX_ROWS));
        assert_eq!(import.actions.len(), MAX_ROWS);
        let error = err(rows(MAX_ROWS + 1).as_bytes());
        assert_eq!(error, CsvError::TooManyRows { limit: MAX_ROWS });
        assert_eq!(error.code(), "too_many_rows");
        // Empty rows do not count.
        let padded = format!("{}\n,\n , \n\n", rows(MAX_ROWS));
        assert_eq!(ok(&padded).actions.len(), MAX_ROWS);
    }

    #[test]
    fn duplicates_and_rows_without_title_are_reported() {
        let import = ok("Rank,Recommended action,Status\n\
             1,Enable MFA,Completed\n\
             2,  enable   mfa ,Planned\n\
             ,,\n\
             4,,Completed\n\
             5,\"  \",Planned\n\
             6,Block legacy authentication,To address\n");
        assert_eq!(
            titles(&import),
            ["Enable MFA", "Block legacy authentication"]
        );
        // The first copy is kept.
        assert_eq!(import.actions[0].status, Some(CsvStatus::Completed));
        assert_eq!(
            import.skipped,
            [
                SkippedRow {
                    line: 3,
                    reason: SkipReason::Duplicate,
                    text: "enable   mfa".into()
                },
                SkippedRow {
                    line: 5,
                    reason: SkipReason::NoTitle,
                    text: "4,,Completed".into()
                },
                SkippedRow {
                    line: 6,
                    reason: SkipReason::NoTitle,
                    text: "5,,Planned".into()
                },
            ]
        );
        assert_eq!(import.actions[1].line, 7);
    }

    #[test]
    fn overlong_titles_are_skipped_not_fatal() {
        let long = "x".repeat(MAX_TITLE_CHARS + 1);
        let limit = "é".repeat(MAX_TITLE_CHARS);
        let import = ok(&format!("Recommended action\n{long}\n{limit}\nShort\n"));
        assert_eq!(titles(&import), [limit.as_str(), "Short"]);
        assert_eq!(
            import.skipped,
            [SkippedRow {
                line: 2,
                reason: SkipReason::TitleTooLong,
                text: "x".repeat(80)
            }]
        );
    }

    #[test]
    fn only_skipped_rows_give_an_empty_import_not_an_error() {
        let import = ok("Recommended action,Status\n,Completed\n");
        assert!(import.actions.is_empty());
        assert_eq!(import.skipped.len(), 1);
        assert_eq!(import.skipped[0].reason, SkipReason::NoTitle);
    }

    #[test]
    fn formula_cells_stay_literal_text() {
        let import = ok("Recommended action,Status,Category,Product\n\
             \"=HYPERLINK(\"\"http://evil.example\"\",\"\"Click\"\")\",=1+1,=Identity,@SUM(A1)\n\
             +1,+Completed,+Data,-2+3\n\
             -2+3,-Planned,-Apps,=cmd|' /C calc'!A0\n\
             @SUM(A1),@Completed,@Devices,+1\n");
        assert_eq!(
            titles(&import),
            [
                "=HYPERLINK(\"http://evil.example\",\"Click\")",
                "+1",
                "-2+3",
                "@SUM(A1)"
            ]
        );
        for action in &import.actions {
            assert_eq!(action.status, Some(CsvStatus::Other), "{action:?}");
            assert_eq!(action.category, None, "{action:?}");
        }
        let texts: Vec<_> = import
            .actions
            .iter()
            .map(|a| {
                (
                    a.status_text.as_deref().unwrap_or(""),
                    a.category_text.as_deref().unwrap_or(""),
                    a.product.as_deref().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            texts,
            [
                ("=1+1", "=Identity", "@SUM(A1)"),
                ("+Completed", "+Data", "-2+3"),
                ("-Planned", "-Apps", "=cmd|' /C calc'!A0"),
                ("@Completed", "@Devices", "+1"),
            ]
        );
    }

    #[test]
    fn formula_cells_in_numeric_columns_are_not_evaluated() {
        let import = ok("Recommended action,Rank,Score impact,Points achieved\n\
             A,=1,=1%,=3/9\n\
             B,-2+3,-2+3,-2+3\n\
             C,@1,-2,-1/9\n\
             D,+4,+8.57%,+3/9\n");
        let values: Vec<_> = import
            .actions
            .iter()
            .map(|a| (a.rank, a.score_impact, a.points, a.max_points))
            .collect();
        assert_eq!(
            values,
            [
                (None, None, None, None),
                (None, None, None, None),
                (None, Some(-2.0), Some(-1.0), Some(9.0)),
                (Some(4), Some(8.57), Some(3.0), Some(9.0)),
            ]
        );
    }

    fn independent_id(normalized: &str) -> String {
        let digest = Sha256::digest(normalized.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("csv-{}", &hex[..12])
    }

    #[test]
    fn ids_are_stable_and_follow_the_normalized_title() {
        let expected = independent_id("require mfa for admins");
        let first = ok("Recommended action\n\"  Require   MFA\tfor ADMINS \"\n");
        let second = ok("Rank;Recommended action\n1;require mfa for admins\n");
        assert_eq!(first.actions[0].id, expected);
        assert_eq!(second.actions[0].id, expected);
        assert_eq!(action_id("REQUIRE MFA\r\nfor admins"), expected);
        assert_eq!(expected.len(), 16);
        // Importing the same export twice gives the same ids.
        let input = rows(20);
        let ids = |import: CsvImport| -> Vec<String> {
            import.actions.into_iter().map(|a| a.id).collect()
        };
        assert_eq!(ids(ok(&input)), ids(ok(&input)));
        assert_ne!(action_id("Action 1"), action_id("Action 2"));
        // A known value, computed outside this module.
        assert_eq!(action_id("Enable MFA"), independent_id("enable mfa"));
        assert_eq!(independent_id(""), "csv-e3b0c44298fc");
    }

    #[test]
    fn points_achieved_parsing() {
        assert_eq!(parse_points("3/9"), (Some(3.0), Some(9.0)));
        assert_eq!(parse_points("3.5 / 10"), (Some(3.5), Some(10.0)));
        assert_eq!(parse_points("3,5/10"), (Some(3.5), Some(10.0)));
        assert_eq!(parse_points("0/8"), (Some(0.0), Some(8.0)));
        assert_eq!(parse_points("7"), (Some(7.0), None));
        assert_eq!(parse_points("３／９"), (Some(3.0), Some(9.0)));
        for garbage in [
            "abc", "3/", "/9", "1/2/3", "3 of 9", "3/x", "1e3/9", "inf/9", "NaN", "1.2.3", "",
        ] {
            assert_eq!(parse_points(garbage), (None, None), "{garbage}");
        }
        let import =
            ok("Recommended action,Points achieved\nA,3/9\nB,3.5 / 10\nC,0/8\nD,7\nE,n/a\n");
        let values: Vec<_> = import
            .actions
            .iter()
            .map(|a| (a.points, a.max_points))
            .collect();
        assert_eq!(
            values,
            [
                (Some(3.0), Some(9.0)),
                (Some(3.5), Some(10.0)),
                (Some(0.0), Some(8.0)),
                (Some(7.0), None),
                (None, None)
            ]
        );
    }

    #[test]
    fn score_impact_and_rank_parsing() {
        assert_eq!(parse_percent("1.23%"), Some(1.23));
        assert_eq!(parse_percent("1,23 %"), Some(1.23));
        assert_eq!(parse_percent("1,23\u{A0}%"), Some(1.23));
        assert_eq!(parse_percent("+8.57%"), Some(8.57));
        assert_eq!(parse_percent("2"), Some(2.0));
        for garbage in ["", "%", "abc", "1.2.3%", "1,234.5%", "inf%", "1e5", "5%%"] {
            assert_eq!(parse_percent(garbage), None, "{garbage}");
        }
        assert_eq!(parse_rank("12"), Some(12));
        assert_eq!(parse_rank("#3"), Some(3));
        assert_eq!(parse_rank("１２"), Some(12));
        for garbage in ["", "-1", "1.5", "x", "99999999999", "=1"] {
            assert_eq!(parse_rank(garbage), None, "{garbage}");
        }
    }

    #[test]
    fn empty_file_or_header_only_has_no_actions() {
        for input in [
            &b""[..],
            b"\xEF\xBB\xBF",
            b"\n\r\n , \n",
            b"Recommended action,Status\r\n",
            b"Recommended action,Status",
            b"Recommended action,Status\n\n,\n",
        ] {
            assert_eq!(err(input), CsvError::NoActions, "{input:?}");
        }
        assert_eq!(CsvError::NoActions.code(), "no_actions");
    }

    #[test]
    fn empty_rows_are_skipped_silently() {
        let import =
            ok("Recommended action,Status\n\n,\n  ,  \nA,Completed\n\r\nB,Planned\n,,,,\n");
        assert_eq!(titles(&import), ["A", "B"]);
        assert!(import.skipped.is_empty());
        assert_eq!(import.actions[0].line, 5);
        assert_eq!(import.actions[1].line, 7);
    }

    #[test]
    fn workbooks_and_utf16_files_are_refused() {
        let error = err(b"PK\x03\x04\x14\x00\x06\x00rest of a workbook");
        assert_eq!(
            error,
            CsvError::Malformed {
                line: 1,
                detail: "it is an Excel workbook, not a CSV file".into()
            }
        );
        assert_eq!(error.code(), "malformed");
        assert!(error.to_string().contains("Excel workbook"));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "Recommended action"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        assert_eq!(err(&utf16), CsvError::NotUtf8 { line: 1 });
        // UTF-16 without a BOM is ASCII with NUL bytes.
        let no_bom: Vec<u8> = "Recommended action\nA\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(err(&no_bom), CsvError::NotUtf8 { line: 1 });
        assert_eq!(
            err(b"Recommended action\nA\nB\x00C\n"),
            CsvError::NotUtf8 { line: 3 }
        );
    }

    #[test]
    fn excel_sep_line_sets_the_delimiter() {
        let import = ok("sep=;\r\nRecommended action;Status\r\nA, B;Completed\r\n");
        assert_eq!(import.delimiter, ';');
        assert_eq!(titles(&import), ["A, B"]);
        assert_eq!(import.actions[0].line, 3);
        assert_eq!(import.actions[0].status, Some(CsvStatus::Completed));
        // With one column both delimiters tie: only the sep line decides.
        let import = ok("\"sep=;\"\nRecommended action\nA, B\n");
        assert_eq!(import.delimiter, ';');
        assert_eq!(titles(&import), ["A, B"]);
        assert_eq!(ok("Recommended action\nA, B\n").delimiter, ',');
    }

    #[test]
    fn delimiter_is_the_one_that_finds_most_columns() {
        // A comma inside a cell of a semicolon header must not win.
        let import = ok("Rank;Recommended action;Status;Notes, comments\n1;A, B;Completed;x\n");
        assert_eq!(import.delimiter, ';');
        assert_eq!(import.columns, ["Rank", "Recommended action", "Status"]);
        assert_eq!(import.ignored_columns, ["Notes, comments"]);
        assert_eq!(titles(&import), ["A, B"]);
        let import = ok("Rank,Recommended action,Status\n1,A;B,Completed\n");
        assert_eq!(import.delimiter, ',');
        assert_eq!(titles(&import), ["A;B"]);
        let import = ok("Rank\tRecommended action\n1\tA, B; C\n");
        assert_eq!(import.delimiter, '\t');
        assert_eq!(titles(&import), ["A, B; C"]);
    }

    #[test]
    fn lone_cr_line_ends_and_rows_before_the_header() {
        let import = ok("Recommended action,Status\rA,Completed\rB,Planned\r");
        assert_eq!(titles(&import), ["A", "B"]);
        assert_eq!(import.actions[1].line, 3);
        let import = ok("Microsoft Secure Score export\n\nRank,Recommended action\n1,A\n");
        assert_eq!(titles(&import), ["A"]);
        assert_eq!(import.actions[0].line, 4);
    }

    #[test]
    fn quoting_is_read_leniently() {
        let import = ok("Recommended action,Status\n\
             \"Say \"\"hi\"\"\",Completed\n \
             \"Spaced, quoted\" ,Planned\n\
             \"abc\"def,Done\n\
             un\"quoted\",Done\n");
        assert_eq!(
            titles(&import),
            ["Say \"hi\"", "Spaced, quoted", "abcdef", "un\"quoted\""]
        );
        assert_eq!(import.actions[1].status, Some(CsvStatus::Planned));
    }

    #[test]
    fn statuses_and_categories_normalize_loosely() {
        let lookup = lookup();
        assert_eq!(
            normalize_status("  to ADDRESS ", lookup),
            CsvStatus::ToAddress
        );
        assert_eq!(normalize_status("ToAddress", lookup), CsvStatus::ToAddress);
        assert_eq!(normalize_status("A traiter", lookup), CsvStatus::ToAddress);
        assert_eq!(
            normalize_status("Resolved through a third-party tool", lookup),
            CsvStatus::ThirdParty
        );
        assert_eq!(
            normalize_status("Resolved via alternative mitigation", lookup),
            CsvStatus::AlternateMitigation
        );
        assert_eq!(
            normalize_status("サードパーティ", lookup),
            CsvStatus::ThirdParty
        );
        assert_eq!(normalize_status("Regressed", lookup), CsvStatus::Other);
        assert_eq!(normalize_category("ACCOUNT", lookup), Some("Identity"));
        assert_eq!(normalize_category("device", lookup), Some("Devices"));
        assert_eq!(normalize_category("Donnees", lookup), Some("Data"));
        assert_eq!(normalize_category("Cloud", lookup), None);
        let import = ok("Recommended action,Category,Status\nA,Cloud,Regressed\n");
        let a = &import.actions[0];
        assert_eq!(a.category, None);
        assert_eq!(a.category_text.as_deref(), Some("Cloud"));
        assert_eq!(a.status, Some(CsvStatus::Other));
        assert_eq!(a.status_text.as_deref(), Some("Regressed"));
    }

    #[test]
    fn alias_tables_cover_every_language_without_conflicts() {
        let lookup = lookup();
        for spec in &HEADER_ALIASES {
            assert_eq!(spec.aliases.en.first(), Some(&spec.canonical));
            for (language, aliases) in spec.aliases.languages().iter().enumerate() {
                assert!(!aliases.is_empty(), "{} lang {language}", spec.canonical);
            }
            for alias in spec.aliases.all() {
                assert_eq!(
                    lookup.headers.get(&match_key(alias)),
                    Some(&spec.column),
                    "{alias}"
                );
            }
        }
        for (status, aliases) in &STATUS_ALIASES {
            assert!(aliases.languages().iter().all(|l| !l.is_empty()));
            for alias in aliases.all() {
                assert_eq!(normalize_status(alias, lookup), *status, "{alias}");
            }
        }
        for (name, aliases) in &CATEGORY_ALIASES {
            assert!(aliases.languages().iter().all(|l| !l.is_empty()));
            for alias in aliases.all() {
                assert_eq!(normalize_category(alias, lookup), Some(*name), "{alias}");
            }
        }
        for (_, fragments) in &STATUS_KEYWORDS {
            for fragment in *fragments {
                assert_eq!(match_key(fragment), *fragment);
            }
        }
    }

    #[test]
    fn every_error_has_a_code_and_a_sentence() {
        let errors = [
            (CsvError::TooLarge { limit: MAX_BYTES }, "too_large"),
            (CsvError::TooManyRows { limit: MAX_ROWS }, "too_many_rows"),
            (CsvError::NotUtf8 { line: 2 }, "not_utf8"),
            (CsvError::Truncated { line: 2 }, "truncated"),
            (
                CsvError::MissingColumns {
                    columns: vec!["Recommended action"],
                },
                "missing_columns",
            ),
            (CsvError::NoActions, "no_actions"),
            (
                CsvError::Malformed {
                    line: 1,
                    detail: "odd".into(),
                },
                "malformed",
            ),
        ];
        for (error, code) in errors {
            assert_eq!(error.code(), code);
            let message = error.to_string();
            assert!(message.starts_with(char::is_uppercase), "{message}");
            assert!(message.ends_with('.'), "{message}");
            assert!(
                message.contains("portal") || message.contains("file"),
                "{message}"
            );
        }
    }

    fn check_invariants(result: &Result<CsvImport, CsvError>) -> Result<(), TestCaseError> {
        match result {
            Ok(import) => {
                let mut ids = HashSet::new();
                for action in &import.actions {
                    prop_assert!(ids.insert(action.id.clone()), "duplicate id");
                    prop_assert_eq!(action.id.len(), 16);
                    prop_assert!(action.id.starts_with("csv-"));
                    prop_assert!(action.id[4..].chars().all(|c| c.is_ascii_hexdigit()));
                    prop_assert_eq!(action.title.trim(), action.title.as_str());
                    prop_assert!(!action.title.is_empty());
                    prop_assert!(action.title.chars().count() <= MAX_TITLE_CHARS);
                    prop_assert!(action.line >= 1);
                }
                prop_assert!(import.actions.len() + import.skipped.len() >= 1);
                prop_assert!(import.skipped.iter().all(|s| s.text.chars().count() <= 80));
            }
            Err(error) => {
                prop_assert!(!error.code().is_empty());
                prop_assert!(!error.to_string().is_empty());
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            check_invariants(&parse(&bytes))?;
        }

        #[test]
        fn never_panics_on_arbitrary_text(text in "\\PC{0,600}") {
            check_invariants(&parse(text.as_bytes()))?;
        }

        #[test]
        fn never_panics_on_csv_like_text_after_a_valid_header(
            body in "[,;\"\r\na-zA-Z]{0,2000}",
            semicolon in any::<bool>(),
        ) {
            let header = if semicolon {
                "Rank;Recommended action;Points achieved;Status;Category\r\n"
            } else {
                "Rank,Recommended action,Points achieved,Status,Category\r\n"
            };
            let input = format!("{header}{body}");
            let result = parse(input.as_bytes());
            check_invariants(&result)?;
            if let Ok(import) = &result {
                prop_assert_eq!(import.delimiter, if semicolon { ';' } else { ',' });
                prop_assert_eq!(import.columns.len(), 5);
            }
        }
    }
}
