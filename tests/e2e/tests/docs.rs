//! The README's screenshots come from the end-to-end tests: every picture it shows is taken by
//! a `doc_shot` (or `tray_menu_doc_shot`) in a test, and every file in `docs/screenshots/` is
//! shown somewhere, so `scripts/screenshots.sh` regenerates all of them and none goes stale.

use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Names `docs/screenshots/<name>.png` in a text.
fn shown_in(text: &str) -> BTreeSet<String> {
    text.split("docs/screenshots/")
        .skip(1)
        .filter_map(|rest| rest.split_once(".png").map(|(name, _)| name.to_owned()))
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .collect()
}

/// The sources of the tests that publish screenshots (those that call `doc_shot`).
fn publishing_tests() -> Vec<String> {
    std::fs::read_dir(root().join("tests/e2e/tests"))
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .filter(|text| text.contains("doc_shot("))
        .collect()
}

#[test]
fn every_readme_screenshot_is_taken_by_a_test_and_none_is_left_over() {
    let mut shown = BTreeSet::new();
    for doc in ["README.md", "ARCHITECTURE.md"] {
        shown.extend(shown_in(
            &std::fs::read_to_string(root().join(doc)).unwrap_or_default(),
        ));
    }
    assert!(!shown.is_empty(), "the README shows no screenshot?");
    let tests = publishing_tests();
    let untaken: Vec<_> = shown
        .iter()
        .filter(|name| !tests.iter().any(|t| t.contains(&format!("\"{name}\""))))
        .collect();
    assert!(
        untaken.is_empty(),
        "shown in the README but taken by no test's doc_shot: {untaken:?}"
    );
    let files: BTreeSet<String> = std::fs::read_dir(root().join("docs/screenshots"))
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".png").map(str::to_owned)
        })
        .collect();
    let missing: Vec<_> = shown.difference(&files).collect();
    assert!(
        missing.is_empty(),
        "the README shows missing files: {missing:?}"
    );
    let orphans: Vec<_> = files.difference(&shown).collect();
    assert!(orphans.is_empty(), "files no document shows: {orphans:?}");
}
