//! The Linux package as an admin gets it: `dpkg -i` installs it, the installed
//! `/usr/bin/ticket-bridge` starts to its first screen (the connection card) under the test's X
//! display, and `dpkg -r` removes every file the package brought while the user's settings and
//! keychain entries stay as they were.
//!
//! Needs root (CI runs as root) and the .deb that `scripts/package.sh --debug` builds: run by
//! `scripts/test.sh` as `TB_DEB=<file> … --test package -- --ignored`.

use std::path::{Path, PathBuf};
use std::process::Command;
use ticket_bridge_core::secret::Secret;
use ticket_bridge_core::secrets::{Keychain, SecretKind};
use ticket_bridge_core::servicenow::InstanceUrl;
use ticket_bridge_e2e::output_dir;
use ticket_bridge_e2e::standalone::Standalone;

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} did not run: {e}"));
    assert!(
        out.status.success(),
        "{cmd} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every file of the user's data folder with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_none_or(|e| e != "log") {
                out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    out.sort();
    out
}

#[test]
#[ignore = "needs root and the .deb of scripts/package.sh --debug (scripts/test.sh runs it)"]
fn the_deb_installs_starts_and_removes_cleanly() {
    let deb = PathBuf::from(std::env::var("TB_DEB").expect("TB_DEB names the .deb to install"));
    assert!(deb.is_file(), "{} does not exist", deb.display());
    let package = run("dpkg-deb", &["-f", deb.to_str().unwrap(), "Package"])
        .trim()
        .to_owned();
    // A package left by an earlier run is removed first.
    let _ = Command::new("dpkg").args(["-r", &package]).output();

    run("dpkg", &["-i", deb.to_str().unwrap()]);
    let files: Vec<PathBuf> = run("dpkg", &["-L", &package])
        .lines()
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .collect();
    let binary = PathBuf::from("/usr/bin/ticket-bridge");
    assert!(files.contains(&binary), "{files:?}");
    let desktop = PathBuf::from("/usr/share/applications/Ticket Bridge.desktop");
    let entry = std::fs::read_to_string(&desktop).expect("the desktop entry is installed");
    assert!(entry.contains("Exec=ticket-bridge"), "{entry}");
    assert!(entry.contains("Icon=ticket-bridge"), "{entry}");
    assert!(entry.contains("Name=Ticket Bridge"), "{entry}");
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("/usr/share/icons/hicolor")
                && f.file_name().is_some_and(|n| n == "ticket-bridge.png")),
        "no icon in {files:?}"
    );
    let installed = run("dpkg-query", &["-W", "-f=${Installed-Size}", &package]);
    eprintln!("{package}: installed size {installed} KiB");

    // The installed app starts to its first screen, and leaves the user's settings behind.
    let home = output_dir("package");
    let app = Standalone::start(&binary, &home, &[]);
    app.wait_line("ui ready");
    drop(app);
    let data = home.join("data").join("com.ticketbridge.desktop");
    assert!(
        data.join("settings.json").is_file(),
        "the app kept no settings"
    );
    // A keychain entry of the user's, as a connection keeps them.
    ticket_bridge_core::secrets::use_platform_store().expect("the test session has a keychain");
    let keychain = Keychain::for_workspace(
        "ws-0000000000000001",
        &InstanceUrl::parse("https://contoso.service-now.com").unwrap(),
        "package-test",
    );
    keychain
        .set(SecretKind::RefreshToken, &Secret::new("package-test-token"))
        .expect("the test session has a keychain");
    let before = snapshot(&data);

    run("dpkg", &["-r", &package]);
    let left: Vec<_> = files.iter().filter(|f| f.exists()).collect();
    assert!(
        left.is_empty(),
        "files of the package left behind: {left:?}"
    );
    assert_eq!(
        snapshot(&data),
        before,
        "removing the package changed the user's data"
    );
    let kept = keychain.get(SecretKind::RefreshToken).unwrap();
    assert_eq!(
        kept.as_ref().map(|s| s.expose()),
        Some("package-test-token"),
        "removing the package touched the keychain"
    );
    keychain.delete_all().unwrap();
}
