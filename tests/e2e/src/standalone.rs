//! The app on its own, without WebDriver (a WebDriver session ends with its window, and an
//! installed package is started as an admin would): a private home, the test session's display
//! and D-Bus, and every line it logs on stdout, to wait for ("ui ready", "main window closed").

use crate::PATIENCE;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

/// The command that starts `binary` with `args` and its folders in `home`.
pub fn command(binary: &Path, home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(binary);
    cmd.args(args)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("LANG", "en_US.UTF-8")
        .env_remove("TAURI_WEBVIEW_AUTOMATION");
    cmd
}

/// A running app and its log lines. Killed when dropped.
pub struct Standalone {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub binary: PathBuf,
    pub home: PathBuf,
}

impl Standalone {
    pub fn start(binary: &Path, home: &Path, args: &[&str]) -> Self {
        let mut child = command(binary, home, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", binary.display()));
        let out = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            binary: binary.to_owned(),
            home: home.to_owned(),
        }
    }

    /// Waits for a logged line containing `what`; panics after PATIENCE.
    pub fn wait_line(&self, what: &str) -> String {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(what) => return line,
                Ok(_) => {}
                Err(_) => panic!("{} never logged {what:?}", self.binary.display()),
            }
        }
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
