//! Living in the tray costs no webview: closing the window destroys it and its WebKit web
//! process, the app lives on, and opening it again (a second launch, as from the desktop's menu;
//! the tray's Open does the same) makes a new window that draws its first screen. Started at
//! login (`--minimized`), there is no window and no web process until the admin opens it.
//!
//! The app runs on its own here, without WebDriver (a WebDriver session ends with its window),
//! in the test session's X display and D-Bus, with a private home. The window is closed the way
//! a window manager's close button does it (WM_DELETE_WINDOW, `tools/close-window.py`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;
use ticket_bridge_e2e::standalone::{Standalone, command};
use ticket_bridge_e2e::{PATIENCE, app_binary, output_dir};

/// The app, with the checks this test makes on it.
struct App(Standalone);

impl std::ops::Deref for App {
    type Target = Standalone;
    fn deref(&self) -> &Standalone {
        &self.0
    }
}

impl App {
    fn start(home: &Path, args: &[&str]) -> Self {
        Self(Standalone::start(&app_binary(), home, args))
    }

    /// The app's WebKit web processes (its descendants named WebKitWebProcess).
    fn web_processes(&self) -> Vec<u32> {
        descendants(self.child.id())
            .into_iter()
            .filter(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/comm"))
                    .is_ok_and(|c| c.trim() == "WebKitWebProces" || c.trim() == "WebKitWebProcess")
            })
            .collect()
    }

    fn wait_web_processes(&self, present: bool) {
        let deadline = std::time::Instant::now() + PATIENCE;
        while self.web_processes().is_empty() == present {
            assert!(
                std::time::Instant::now() < deadline,
                "the web process is {}",
                if present {
                    "still missing"
                } else {
                    "still there"
                }
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A second launch: the first instance shows its window; the second exits.
    fn launch_again(&self) {
        let status = command(&self.binary, &self.home, &[])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("the second launch runs");
        assert!(status.success(), "the second launch failed: {status}");
    }
}

fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        let Ok(dir) = std::fs::read_dir("/proc") else {
            break;
        };
        for entry in dir.flatten() {
            let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let parent = std::fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|s| {
                    s.rsplit_once(')')
                        .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                });
            if parent == Some(p) {
                out.push(child);
                todo.push(child);
            }
        }
    }
    out
}

fn window_shown() -> bool {
    Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", "^Ticket Bridge$"])
        .output()
        .is_ok_and(|o| !o.stdout.is_empty())
}

fn close_window() {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/close-window.py");
    let status = Command::new("python3").arg(tool).status().unwrap();
    assert!(status.success(), "no window named Ticket Bridge to close");
}

#[test]
fn closing_the_window_releases_the_webview_and_opening_makes_it_again() {
    let out = output_dir("tray_only");
    let app = App::start(&out, &[]);
    app.wait_line("ui ready");
    assert!(window_shown());
    app.wait_web_processes(true);

    close_window();
    app.wait_line("main window closed");
    app.wait_web_processes(false);
    assert!(!window_shown(), "the window is still on screen");
    let mut app = app;
    assert!(
        app.0.child.try_wait().unwrap().is_none(),
        "closing the window ended the app: it must live on in the tray"
    );

    app.launch_again();
    app.wait_line("main window opened");
    app.wait_line("ui ready");
    assert!(window_shown(), "opening did not show a window");
    app.wait_web_processes(true);
}

#[test]
fn started_at_login_it_has_no_window_until_opened() {
    let out = output_dir("tray_only_minimized");
    let app = App::start(&out, &["--minimized"]);
    app.wait_line("started in the tray");
    assert!(
        app.web_processes().is_empty(),
        "a web process for no window"
    );
    assert!(!window_shown());
    app.launch_again();
    app.wait_line("ui ready");
    assert!(window_shown());
    app.wait_web_processes(true);
}
