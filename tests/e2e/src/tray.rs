//! A system tray on the test's X display, so the app's tray can be seen and used.
//!
//! Under Xvfb there is no StatusNotifier host; libayatana-appindicator then falls back to a
//! GtkStatusIcon (XEmbed), which an XEmbed tray such as `trayer` draws, as a desktop panel
//! would. `xdotool` finds the icon, clicks it, and picks menu items with the keyboard.

use crate::process::Guard;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Where a window is on the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
}

pub struct TrayHost {
    _guard: Guard,
}

fn xdotool(args: &[&str]) -> String {
    Command::new("xdotool")
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

fn geometry(window: &str) -> Option<Rect> {
    let out = xdotool(&["getwindowgeometry", "--shell", window]);
    let get = |k: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.trim().parse().ok())
    };
    Some(Rect {
        x: get("X")?,
        y: get("Y")?,
        width: get("WIDTH")?,
        height: get("HEIGHT")?,
    })
}

/// Visible windows named `name`, with where they are.
fn windows(name: &str) -> Vec<(String, Rect)> {
    xdotool(&["search", "--onlyvisible", "--name", &format!("^{name}$")])
        .lines()
        .filter_map(|w| Some((w.to_owned(), geometry(w)?)))
        .collect()
}

async fn wait_until<T>(within: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl TrayHost {
    /// Starts `trayer` at the top right of the screen and waits for its panel. `None` when
    /// trayer is not installed.
    pub async fn start(log: &Path) -> Option<Self> {
        let mut cmd = Command::new("trayer");
        cmd.args([
            "--edge",
            "top",
            "--align",
            "right",
            "--widthtype",
            "pixel",
            "--width",
            "160",
            "--height",
            "32",
            "--SetDockType",
            "true",
            "--transparent",
            "false",
            "--tint",
            "0xdddddd",
        ]);
        let guard = Guard::spawn("trayer", cmd, log).ok()?;
        wait_until(Duration::from_secs(10), || {
            windows("panel").into_iter().next()
        })
        .await?;
        Some(Self { _guard: guard })
    }

    /// The app's icon in the tray (a small window named after the process).
    pub async fn icon(&self, within: Duration) -> Option<(String, Rect)> {
        wait_until(within, || {
            windows("ticket-bridge")
                .into_iter()
                .find(|(_, r)| r.width <= 64 && r.height <= 64 && r.y < 40)
        })
        .await
    }

    /// Clicks the icon and waits for its menu; returns the menu's place.
    pub async fn open_menu(&self, within: Duration) -> Option<Rect> {
        let (icon, _) = self.icon(within).await?;
        xdotool(&["mousemove", "--window", &icon, "12", "12", "click", "1"]);
        wait_until(within, || {
            windows("ticket-bridge")
                .into_iter()
                .map(|(_, r)| r)
                .find(|r| r.height > 64 && r.width < 600)
        })
        .await
    }

    /// Picks the `n`-th enabled item of the open menu (1 = the first) with the keyboard.
    pub fn choose(&self, n: usize) {
        let mut args = vec!["key", "--delay", "50"];
        args.extend(std::iter::repeat_n("Down", n));
        args.push("Return");
        xdotool(&args);
    }

    /// Saves the top right of the screen (tray and open menu) to `path`.
    pub fn shot(&self, path: &Path, menu: Option<Rect>) -> bool {
        let (w, h) = match menu {
            Some(m) => ((m.width + 80).max(240), m.y + m.height + 16),
            None => (240, 48),
        };
        let screen = std::env::temp_dir().join(format!("tb-tray-{}.png", std::process::id()));
        let ok = Command::new("import")
            .args(["-window", "root"])
            .arg(&screen)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new("convert")
                .arg(&screen)
                .args([
                    "-gravity",
                    "NorthEast",
                    "-crop",
                    &format!("{w}x{h}+0+0"),
                    "+repage",
                ])
                .arg(path)
                .status()
                .is_ok_and(|s| s.success());
        let _ = std::fs::remove_file(screen);
        ok
    }
}
