//! Every error the admin sees is worded from the catalogs: this test reads the Rust sources (the
//! core's, and the shell's next to it) and fails when an `Error::new(..)`,
//! `Error::invalid_input(..)` or `FieldError::new(..)` gets no `.with_reason(..)` before its
//! expression ends, or when a reason has no `errors.reasons.<reason>.message` in one of the six
//! catalogs. Without a reason the UI can only show the kind's generic words, with Rust's English
//! sentence as a detail.
//!
//! `#[cfg(test)]` modules (inline, or out of line in their own file) are left out. Strings,
//! characters and comments are blanked before parentheses are matched, so a `"{"` or a `)` in a
//! message cannot mislead it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The calls whose error must be given a reason: `Self::new(` counts only inside `error.rs`.
const CONSTRUCTORS: [&str; 3] = ["Error::new(", "Error::invalid_input(", "FieldError::new("];

/// Helpers that make an error for their caller, who names the cause. Their own body is not
/// checked; when `calls_checked`, every call of the helper in that file must chain
/// `.with_reason(`. (file, function, calls_checked)
const HELPERS: &[(&str, &str, bool)] = &[
    // The one constructor behind `Error::invalid_input(..)`, whose calls are checked everywhere.
    ("core/error.rs", "invalid_input", true),
    // `Error::internal(..)`: a bug or a local failure, which the kind's generic words
    // (`errors.internal`) tell well enough; a call may still add a reason.
    ("core/error.rs", "internal", false),
    // The instance address's rejections share one hint; each caller names its cause.
    ("core/servicenow/instance.rs", "invalid", true),
    // The proxy address's rejections share one hint; each caller names its cause.
    ("core/network.rs", "bad_address", true),
];

/// Where a reason is not a literal: the reasons each such `.with_reason(<expr>)` can set.
/// (file, how the argument starts, the reasons it sets besides the literals inside it)
const INDIRECT: &[(&str, &str, Indirect)] = &[
    // unproven(): the reason is chosen together with the English words.
    (
        "core/tickets/outbox.rs",
        "reason",
        Indirect::Fixed(&["lookup_field_hidden", "lookup_condition_ignored"]),
    ),
    // enqueue(): the form's first problem, a FieldError whose reason is a literal in draft.rs.
    (
        "core/tickets/outbox.rs",
        "&first.reason",
        Indirect::Fixed(&[]),
    ),
    // import_error(): csv_ and CsvError::code(), read from csv_import.rs.
    (
        "core/secure_score/csv_source.rs",
        "&format!(\"csv_{}\"",
        Indirect::CsvCodes,
    ),
    // Failure::error(): a `match` of the four update failures, just above it.
    (
        "core/updates.rs",
        "reason",
        Indirect::Fixed(&[
            "update_unreachable",
            "update_manifest",
            "update_signature",
            "update_install",
        ]),
    ),
    // save_dir(): the caller names the reason (help.rs, tickets.rs).
    (
        "shell/commands/mod.rs",
        "reason",
        Indirect::Fixed(&["diagnostics_folder_missing", "downloads_folder_missing"]),
    ),
    // code_error(): a `match` whose arms are the literals inside the argument.
    (
        "core/oauth/microsoft.rs",
        "match code",
        Indirect::Fixed(&[]),
    ),
];

/// Reasons set without `.with_reason(..)`: `FieldWarning { reason, .. }` in the outbox.
const OTHER_REASONS: &[&str] = &[
    "field_left_unset",
    "priority_recomputed",
    "field_changed_on_save",
];

#[derive(Debug, Clone, Copy)]
enum Indirect {
    Fixed(&'static [&'static str]),
    CsvCodes,
}

/// One source file: its name (`core/…` or `shell/…`), its text, and the text with strings,
/// characters and comments blanked (same length, same line breaks; quotes kept).
struct Source {
    name: String,
    text: String,
    code: Vec<u8>,
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Blanks the inside of string, byte-string, raw-string and char literals and of comments.
fn mask(text: &str) -> Vec<u8> {
    let s = text.as_bytes();
    let mut out = s.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut out[from..to.min(s.len())] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    let mut i = 0;
    while i < s.len() {
        let prev_ident = i > 0 && is_ident(s[i - 1]);
        match s[i] {
            b'/' if s.get(i + 1) == Some(&b'/') => {
                let end = s[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(s.len(), |p| i + p);
                blank(&mut out, i, end);
                i = end;
            }
            b'/' if s.get(i + 1) == Some(&b'*') => {
                let (mut depth, mut j) = (0usize, i);
                while j < s.len() {
                    if s[j] == b'/' && s.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 2;
                    } else if s[j] == b'*' && s.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        j += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                blank(&mut out, i, j);
                i = j;
            }
            b'r' | b'b' if !prev_ident && raw_start(s, i).is_some() => {
                let (open, hashes) = raw_start(s, i).unwrap();
                let mut close = vec![b'"'];
                close.extend(std::iter::repeat_n(b'#', hashes));
                let body = open + 1;
                let end = s[body..]
                    .windows(close.len())
                    .position(|w| w == close.as_slice())
                    .map_or(s.len(), |p| body + p);
                blank(&mut out, body, end);
                i = end + close.len();
            }
            b'"' => {
                let mut j = i + 1;
                while j < s.len() && s[j] != b'"' {
                    j += if s[j] == b'\\' { 2 } else { 1 };
                }
                blank(&mut out, i + 1, j);
                i = j + 1;
            }
            b'\'' => {
                // A char literal ('x', '\n', '\u{201c}', '"'), or a lifetime ('a).
                let end = if s.get(i + 1) == Some(&b'\\') {
                    // Past the escaped character: '\'' ends at its third quote.
                    s.get(i + 3..)
                        .and_then(|t| t.iter().position(|&b| b == b'\''))
                        .map(|p| i + 3 + p)
                } else {
                    let len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                    (s.get(i + 1 + len) == Some(&b'\'')).then_some(i + 1 + len)
                };
                match end {
                    Some(end) => {
                        blank(&mut out, i + 1, end);
                        i = end + 1;
                    }
                    None => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// At `r"`, `r#"`, `br"`, `br#"`: the index of the opening quote and the number of `#`.
fn raw_start(s: &[u8], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    if s[j] == b'b' {
        j += 1;
        if s.get(j) == Some(&b'"') {
            return Some((j, 0)); // b"…" is an ordinary string with a prefix
        }
    }
    if s.get(j) != Some(&b'r') {
        return None;
    }
    j += 1;
    let hashes = s[j..].iter().take_while(|&&b| b == b'#').count();
    (s.get(j + hashes) == Some(&b'"')).then_some((j + hashes, hashes))
}

/// The index just past the bracket that closes the one at `open`.
fn close_of(code: &[u8], open: usize) -> usize {
    let (o, c) = match code[open] {
        b'(' => (b'(', b')'),
        b'[' => (b'[', b']'),
        _ => (b'{', b'}'),
    };
    let mut depth = 0usize;
    for (k, &b) in code.iter().enumerate().skip(open) {
        if b == o {
            depth += 1;
        } else if b == c {
            depth -= 1;
            if depth == 0 {
                return k + 1;
            }
        }
    }
    code.len()
}

fn skip_ws(code: &[u8], mut i: usize) -> usize {
    while i < code.len() && code[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

fn find_all(code: &[u8], needle: &str) -> Vec<usize> {
    let n = needle.as_bytes();
    code.windows(n.len())
        .enumerate()
        .filter(|(_, w)| *w == n)
        .map(|(i, _)| i)
        .collect()
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// The methods chained onto the call whose `(` is at `open`: (name, start of its arguments,
/// end of the call).
fn chain(code: &[u8], open: usize) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut i = close_of(code, open);
    loop {
        let dot = skip_ws(code, i);
        if code.get(dot) != Some(&b'.') {
            return out;
        }
        let start = skip_ws(code, dot + 1);
        let mut end = start;
        while end < code.len() && is_ident(code[end]) {
            end += 1;
        }
        let paren = skip_ws(code, end);
        if end == start || code.get(paren) != Some(&b'(') {
            return out; // a field, or `.await`
        }
        let name = String::from_utf8_lossy(&code[start..end]).into_owned();
        i = close_of(code, paren);
        out.push((name, paren + 1, i));
    }
}

/// The files of the core and of the shell, without `#[cfg(test)]` modules and files.
fn sources() -> Vec<Source> {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let shell = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src");
    let mut files = Vec::new();
    for (root, label) in [(&core, "core"), (&shell, "shell")] {
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}")) {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|x| x == "rs") {
                    let rel = path
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    files.push((path.clone(), format!("{label}/{rel}")));
                }
            }
        }
    }
    let mut test_files = BTreeSet::new();
    let mut out = Vec::new();
    for (path, name) in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let mut code = mask(&text);
        if String::from_utf8_lossy(&code)
            .trim_start()
            .starts_with("#![cfg(test)]")
        {
            test_files.insert(path.clone());
            continue;
        }
        for at in find_all(&code, "#[cfg(test)]") {
            // Not inside an item an earlier attribute blanked.
            if code[at] == b'#' {
                strip_test_item(path, &text, &mut code, at, &mut test_files);
            }
        }
        out.push(Source {
            name: name.clone(),
            text,
            code,
        });
    }
    let names: BTreeSet<String> = files
        .iter()
        .filter(|(p, _)| test_files.iter().any(|t| same_file(t, p)))
        .map(|(_, n)| n.clone())
        .collect();
    out.retain(|s| !names.contains(&s.name));
    assert!(out.len() > 40, "found only {} source files", out.len());
    out
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Blanks the item after `#[cfg(test)]` at `at`; a `mod name;` names a file to leave out.
fn strip_test_item(
    file: &Path,
    text: &str,
    code: &mut [u8],
    at: usize,
    test_files: &mut BTreeSet<PathBuf>,
) {
    let mut i = at + "#[cfg(test)]".len();
    let mut path_attr = None;
    loop {
        i = skip_ws(code, i);
        if code.get(i) == Some(&b'#') && code.get(i + 1) == Some(&b'[') {
            let end = close_of(code, i + 1);
            let attr = &text[i..end];
            if let Some(rest) = attr.strip_prefix("#[path = \"") {
                path_attr = rest.strip_suffix("\"]").map(str::to_owned);
            }
            i = end;
        } else {
            break;
        }
    }
    let rest = String::from_utf8_lossy(&code[i..]).into_owned();
    let rest = rest
        .trim_start_matches("pub(crate) ")
        .trim_start_matches("pub ");
    if let Some(after) = rest.strip_prefix("mod ") {
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let after_name = after[name.len()..].trim_start();
        if after_name.starts_with(';') {
            let dir = file.parent().unwrap();
            let stem = file.file_stem().unwrap().to_string_lossy();
            let base = if ["mod", "lib", "main"].contains(&stem.as_ref()) {
                dir.to_path_buf()
            } else {
                dir.join(stem.as_ref())
            };
            match path_attr {
                Some(p) => {
                    test_files.insert(dir.join(p));
                }
                None => {
                    test_files.insert(base.join(format!("{name}.rs")));
                    test_files.insert(base.join(&name).join("mod.rs"));
                }
            }
            for b in &mut code[at..i] {
                *b = b' ';
            }
            return;
        }
    }
    // An inline item: blank it to the end of its braces (or its `;`).
    let brace = code[i..].iter().position(|&b| b == b'{').map(|p| i + p);
    let semi = code[i..].iter().position(|&b| b == b';').map(|p| i + p);
    let end = match (brace, semi) {
        (Some(b), Some(s)) if s < b => s + 1,
        (Some(b), _) => close_of(code, b),
        (None, Some(s)) => s + 1,
        (None, None) => code.len(),
    };
    for b in &mut code[at..end] {
        if *b != b'\n' {
            *b = b' ';
        }
    }
}

/// The span of `fn name`'s body in `src`, if it has one.
fn body_of(src: &Source, name: &str) -> Option<(usize, usize)> {
    let at = find_all(&src.code, &format!("fn {name}"))
        .into_iter()
        .find(|&i| {
            let after = src.code.get(i + 3 + name.len()).copied();
            after.is_some_and(|b| b == b'(' || b == b'<') && (i == 0 || !is_ident(src.code[i - 1]))
        })?;
    let open = src.code[at..].iter().position(|&b| b == b'{')? + at;
    Some((open, close_of(&src.code, open)))
}

/// Every call that makes an error the admin may see: (position of its `(`, what it is).
fn calls(src: &Source) -> Vec<(usize, String)> {
    let mut needles: Vec<(String, bool)> =
        CONSTRUCTORS.iter().map(|c| (c.to_string(), true)).collect();
    if src.name == "core/error.rs" {
        needles.push(("Self::new(".into(), true));
    }
    for (file, name, checked) in HELPERS {
        if *file == src.name && *checked {
            needles.push((format!("{name}("), false));
        }
    }
    let exempt: Vec<(usize, usize)> = HELPERS
        .iter()
        .filter(|(file, ..)| *file == src.name)
        .filter_map(|(_, name, _)| body_of(src, name))
        .collect();
    let mut out = Vec::new();
    for (needle, qualified) in needles {
        for at in find_all(&src.code, &needle) {
            let before = &src.code[..at];
            if before
                .last()
                .is_some_and(|&b| is_ident(b) || (!qualified && (b == b'.' || b == b':')))
            {
                continue; // part of a longer name (FieldError for Error), or a method
            }
            if String::from_utf8_lossy(before).trim_end().ends_with("fn") {
                continue; // the definition
            }
            if exempt.iter().any(|&(from, to)| at > from && at < to) {
                continue;
            }
            out.push((
                at + needle.len() - 1,
                needle.trim_end_matches('(').to_owned(),
            ));
        }
    }
    out.sort();
    out
}

/// Reads a string literal that starts at `at` (its `"`), if it is one.
fn literal_at(src: &Source, at: usize) -> Option<String> {
    if src.code.get(at) != Some(&b'"') {
        return None;
    }
    let end = src.code[at + 1..].iter().position(|&b| b == b'"')? + at + 1;
    Some(src.text[at + 1..end].to_owned())
}

fn snake(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Every reason the sources set, with where (for the failure message).
fn reasons(sources: &[Source], problems: &mut Vec<String>) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for src in sources {
        for at in find_all(&src.code, ".with_reason(") {
            let open = at + ".with_reason".len();
            let end = close_of(&src.code, open);
            let arg_at = skip_ws(&src.code, open + 1);
            let place = format!("{}:{}", src.name, line_of(&src.text, at));
            if let Some(lit) = literal_at(src, arg_at)
                && skip_ws(&src.code, arg_at + lit.len() + 2) == end - 1
            {
                if snake(&lit) {
                    found.entry(lit).or_insert(place);
                } else {
                    problems.push(format!("{place}: reason {lit:?} is not snake_case"));
                }
                continue;
            }
            let arg = src.text[arg_at..end - 1].trim();
            let Some((_, _, how)) = INDIRECT
                .iter()
                .find(|(file, start, _)| *file == src.name && arg.starts_with(start))
            else {
                problems.push(format!(
                    "{place}: .with_reason({arg}) is not a literal: add it to INDIRECT with the reasons it sets"
                ));
                continue;
            };
            // Literals inside the argument (the arms of a `match`).
            let mut k = arg_at;
            while k < end {
                if let Some(lit) = literal_at(src, k) {
                    if snake(&lit) {
                        found.entry(lit.clone()).or_insert(place.clone());
                    }
                    k += lit.len() + 2;
                } else {
                    k += 1;
                }
            }
            match how {
                Indirect::Fixed(list) => {
                    for r in *list {
                        found.entry((*r).to_owned()).or_insert(place.clone());
                    }
                }
                Indirect::CsvCodes => {
                    let csv = sources
                        .iter()
                        .find(|s| s.name == "core/secure_score/csv_import.rs")
                        .expect("csv_import.rs");
                    let (from, to) = body_of(csv, "code").expect("CsvError::code");
                    let mut k = from;
                    let mut n = 0;
                    while k < to {
                        if let Some(lit) = literal_at(csv, k) {
                            found.entry(format!("csv_{lit}")).or_insert(place.clone());
                            n += 1;
                            k += lit.len() + 2;
                        } else {
                            k += 1;
                        }
                    }
                    assert!(n >= 5, "found only {n} CSV codes");
                }
            }
        }
    }
    for r in OTHER_REASONS {
        found
            .entry((*r).to_owned())
            .or_insert_with(|| "OTHER_REASONS".to_owned());
    }
    found
}

fn catalog(lang: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../ui/locales/{lang}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// A catalog text: a string, or a plural object whose `other` is one.
fn words(v: Option<&serde_json::Value>) -> Option<Vec<String>> {
    match v? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(vec![s.clone()]),
        serde_json::Value::Object(forms) if forms.get("other").is_some_and(|o| o.is_string()) => {
            Some(
                forms
                    .values()
                    .filter_map(|f| f.as_str().map(str::to_owned))
                    .collect(),
            )
        }
        _ => None,
    }
}

#[test]
fn every_error_the_admin_sees_has_a_reason_with_words_in_every_catalog() {
    let sources = sources();
    let mut problems = Vec::new();
    let mut checked = 0;
    for src in &sources {
        for (open, what) in calls(src) {
            checked += 1;
            if !chain(&src.code, open)
                .iter()
                .any(|(m, ..)| m == "with_reason")
            {
                problems.push(format!(
                    "{}:{}: {what}(..) has no .with_reason(..): give it a reason and its words in ui/locales",
                    src.name,
                    line_of(&src.text, open)
                ));
            }
        }
    }
    assert!(checked > 100, "checked only {checked} calls");
    let reasons = reasons(&sources, &mut problems);
    assert!(reasons.len() > 100, "found only {} reasons", reasons.len());
    for lang in crate::i18n::LANGUAGES {
        let cat = catalog(lang);
        for (reason, place) in &reasons {
            let entry = cat.pointer(&format!("/errors/reasons/{reason}"));
            if words(entry.and_then(|e| e.get("message"))).is_none() {
                problems.push(format!(
                    "{lang}: errors.reasons.{reason}.message is missing (set at {place})"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn the_scanner_sees_through_strings_comments_and_test_modules() {
    let text = r##"
        // Error::new( in a comment
        fn a() -> Error { Error::new(K, "(", ")").with_status(1).with_reason("no_connection") }
        fn b() -> Error { Error::invalid_input(r#"")"#, '(').with_param("p", "}") }
        #[cfg(test)]
        mod tests { fn c() { Error::new(K, "m", "h"); } }
        fn d() -> FieldError { FieldError::new("f", "m", "h") }
    "##;
    let code = mask(text);
    let src = Source {
        name: "core/x.rs".into(),
        text: text.into(),
        code,
    };
    let mut src = src;
    let mut files = BTreeSet::new();
    for at in find_all(&src.code, "#[cfg(test)]") {
        strip_test_item(
            Path::new("x.rs"),
            &src.text.clone(),
            &mut src.code,
            at,
            &mut files,
        );
    }
    let found: Vec<(String, bool)> = calls(&src)
        .into_iter()
        .map(|(open, what)| {
            (
                what,
                chain(&src.code, open)
                    .iter()
                    .any(|(m, ..)| m == "with_reason"),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("Error::new".to_owned(), true),
            ("Error::invalid_input".to_owned(), false),
            ("FieldError::new".to_owned(), false),
        ]
    );
    let mut problems = Vec::new();
    let r = reasons(std::slice::from_ref(&src), &mut problems);
    assert!(
        r.contains_key("no_connection") && problems.is_empty(),
        "{r:?} {problems:?}"
    );
}

/// The `{placeholders}` of a reason's words, in every catalog and plural form, are all in the
/// error's params (`count` included): a missing one would show as `{name}` on screen.
pub(crate) fn assert_worded(reason: &str, params: &BTreeMap<String, String>) {
    for lang in crate::i18n::LANGUAGES {
        let cat = catalog(lang);
        let entry = cat
            .pointer(&format!("/errors/reasons/{reason}"))
            .unwrap_or_else(|| panic!("{lang}: no errors.reasons.{reason}"));
        for part in ["message", "hint"] {
            for text in words(entry.get(part)).unwrap_or_default() {
                let mut rest = text.as_str();
                while let Some(open) = rest.find('{') {
                    let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
                    let name = &rest[open + 1..close];
                    assert!(
                        params.contains_key(name),
                        "{lang}: errors.reasons.{reason}.{part} needs {{{name}}}, params are {params:?}"
                    );
                    rest = &rest[close.min(rest.len() - 1) + 1..];
                }
            }
        }
    }
}

/// [`assert_worded`] for an [`crate::Error`], which must have a reason.
pub(crate) fn assert_error_worded(e: &crate::Error) {
    let reason = e
        .reason
        .as_deref()
        .unwrap_or_else(|| panic!("no reason: {e:?}"));
    assert_worded(reason, &e.params);
}

#[test]
fn errors_made_without_io_carry_the_params_their_words_need() {
    use crate::servicenow::InstanceUrl;
    for bad in [
        "",
        "con toso",
        "https://user:pw@contoso.service-now.com",
        "http://127.0.0.1",
        "http://contoso.service-now.com",
        "ftp://contoso.service-now.com",
        "https://intranet",
        "contoso_dev",
        "https://",
    ] {
        assert_error_worded(&InstanceUrl::parse(bad).unwrap_err());
    }
    assert_error_worded(&crate::Error::not_connected());
    assert_error_worded(&crate::secrets::map_keyring_error(
        keyring_core::Error::NotSupportedByStore("test".into()),
    ));
    let prefs = crate::tickets::watcher::WatchPrefs {
        interval_secs: 5,
        ..Default::default()
    };
    assert_error_worded(&prefs.validate().unwrap_err());
    let long = "x".repeat(1000);
    for (title, reason) in [
        ("", "action_title_missing"),
        (long.as_str(), "action_title_too_long"),
    ] {
        let e = crate::secure_score::new_user_action(title, crate::tickets::Category::Apps, "r")
            .unwrap_err();
        assert_eq!(e.reason.as_deref(), Some(reason));
        assert_error_worded(&e);
    }
    assert_error_worded(&crate::workspace::store::unknown_workspace("w1"));
}
