//! Tauri's build step, with the app's own permissions: every command registered in
//! `src/lib.rs` (`generate_handler!`) gets `allow-<command>`, and the main window's capability
//! (`capabilities/default.json`) grants the set `app-commands`
//! (`permissions/app-commands.toml`) plus listening to events, nothing else. The list of
//! commands is read from `src/lib.rs`, so it cannot drift; a test checks the set against it.

fn commands() -> Vec<&'static str> {
    let lib = std::fs::read_to_string("src/lib.rs").expect("src/lib.rs");
    let start = lib
        .find("generate_handler![")
        .expect("generate_handler! in src/lib.rs");
    let end = start
        + lib[start..]
            .find(']')
            .expect("the end of generate_handler!");
    lib[start..end]
        .split(',')
        .filter_map(|item| item.trim().rsplit("::").next())
        .map(str::trim)
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(|name| &*Box::leak(name.to_owned().into_boxed_str()))
        .collect()
}

fn main() {
    println!("cargo:rerun-if-changed=src/lib.rs");
    println!("cargo:rerun-if-changed=permissions");
    let commands: &'static [&'static str] = Box::leak(commands().into_boxed_slice());
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("the Tauri build step");
}
