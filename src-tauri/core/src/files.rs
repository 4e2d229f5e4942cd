//! The app's data files on disk: every write is atomic (a temporary file in the same folder,
//! flushed to disk, then renamed over the old one), so a crash or a full disk leaves the old
//! file or the new one, never half of one. Files are readable by their owner only (0600 in a
//! 0700 folder on Unix). A file that cannot be read is moved aside, never overwritten: see
//! [`quarantine`] and [`DamageReport`]. Nothing here knows what the files hold.

use rand::Rng;
use serde::Serialize;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A data file that could not be read at start, and where it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DamagedFile {
    /// What the file held: `outbox`, `tickets`, `watch`, `settings`, `typed_actions`,
    /// `secure_score`, `csv_actions`.
    pub file: &'static str,
    /// The workspace it belonged to, if any.
    pub workspace: Option<String>,
    pub path: PathBuf,
    /// Where it was moved (`None` when it could not be moved: it was left where it is).
    pub moved_to: Option<PathBuf>,
    /// What could still be read from it and was kept (tasks, for the outbox).
    pub kept: Option<usize>,
    /// Why it could not be read (for the log and the details line).
    pub reason: String,
}

/// The damaged files found since start, shared by everything that opens a data file. Clones
/// share the list.
#[derive(Debug, Clone, Default)]
pub struct DamageReport(Arc<Mutex<Vec<DamagedFile>>>);

impl DamageReport {
    pub fn add(&self, d: DamagedFile) {
        log::error!(
            "could not read {} ({}); moved to {}{}",
            d.path.display(),
            d.reason,
            d.moved_to.as_ref().map_or_else(
                || "nowhere (left in place)".into(),
                |p| p.display().to_string()
            ),
            d.kept.map(|n| format!("; {n} kept")).unwrap_or_default()
        );
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(d);
    }

    pub fn list(&self) -> Vec<DamagedFile> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The admin read the banner.
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Moves `path` aside and reports it; returns where it went.
    pub fn quarantine(
        &self,
        file: &'static str,
        workspace: Option<&str>,
        path: &Path,
        reason: impl std::fmt::Display,
        kept: Option<usize>,
    ) -> Option<PathBuf> {
        let moved_to = quarantine(path).ok();
        self.add(DamagedFile {
            file,
            workspace: workspace.map(str::to_owned),
            path: path.to_owned(),
            moved_to: moved_to.clone(),
            kept,
            reason: reason.to_string(),
        });
        moved_to
    }
}

/// Where a data file belongs, for the report of a damaged one.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub damage: DamageReport,
    pub workspace: Option<String>,
}

impl Ctx {
    pub fn new(damage: &DamageReport, workspace: Option<&str>) -> Self {
        Self {
            damage: damage.clone(),
            workspace: workspace.map(str::to_owned),
        }
    }

    /// [`read_json_or_quarantine`] in this context.
    pub fn read<T: serde::de::DeserializeOwned + Default>(
        &self,
        path: &Path,
        file: &'static str,
    ) -> T {
        read_json_or_quarantine(path, file, self.workspace.as_deref(), &self.damage)
    }
}

/// Moves a file that cannot be read to `<name>.damaged-<UTC time>` beside it, so that it is
/// kept for the admin (or support) and never overwritten.
pub fn quarantine(path: &Path) -> std::io::Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "data".into());
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut target = path.with_file_name(format!("{name}.damaged-{stamp}"));
    let mut n = 1;
    while target.exists() {
        n += 1;
        target = path.with_file_name(format!("{name}.damaged-{stamp}-{n}"));
    }
    fs::rename(path, &target)?;
    Ok(target)
}

/// What reading a JSON data file gave.
pub enum Loaded<T> {
    /// No file yet.
    Missing,
    Read(T),
    /// The file is there but is not what this version reads (the bytes, and why).
    Damaged(Vec<u8>, String),
}

/// Reads a JSON data file; see [`Loaded`].
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Loaded<T> {
    match fs::read(path) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(v) => Loaded::Read(v),
            Err(e) => Loaded::Damaged(bytes, e.to_string()),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Loaded::Missing,
        Err(e) => Loaded::Damaged(Vec::new(), e.to_string()),
    }
}

/// Reads a JSON data file of `file`'s kind; a damaged one is moved aside and reported, and the
/// default is used in its place.
pub fn read_json_or_quarantine<T: serde::de::DeserializeOwned + Default>(
    path: &Path,
    file: &'static str,
    workspace: Option<&str>,
    damage: &DamageReport,
) -> T {
    match read_json(path) {
        Loaded::Read(v) => v,
        Loaded::Missing => T::default(),
        Loaded::Damaged(_, reason) => {
            damage.quarantine(file, workspace, path, reason, None);
            T::default()
        }
    }
}

/// Creates `dir` (and its parents) readable by its owner only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn create_private_file(path: &Path) -> std::io::Result<fs::File> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "data".into());
    let tag: u32 = rand::rng().random();
    let tmp = dir.join(format!(".{name}.{tag:08x}.tmp"));
    let written = (|| {
        let mut f = create_private_file(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
        return written;
    }
    // Make the rename itself durable where the platform allows it.
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Runs blocking work (a file write, a keychain call) on a blocking thread, for async callers:
/// an async task or a command never waits on the disk itself.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> crate::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| crate::Error::internal(format_args!("a background task failed ({e})")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_file_is_moved_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tickets.json");
        fs::write(&path, b"{ not json").unwrap();
        let damage = DamageReport::default();
        let v: Vec<u32> = read_json_or_quarantine(&path, "tickets", Some("w1"), &damage);
        assert!(v.is_empty());
        assert!(!path.exists(), "moved, not left to be overwritten");
        let d = &damage.list()[0];
        assert_eq!((d.file, d.workspace.as_deref()), ("tickets", Some("w1")));
        let moved = d.moved_to.clone().unwrap();
        assert_eq!(fs::read(&moved).unwrap(), b"{ not json");
        assert!(
            moved
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("tickets.json.damaged-")
        );
        // A second damaged file in the same second gets its own name.
        fs::write(&path, b"[").unwrap();
        let _: Vec<u32> = read_json_or_quarantine(&path, "tickets", None, &damage);
        assert_eq!(damage.list().len(), 2);
        assert_ne!(damage.list()[1].moved_to, Some(moved));
        damage.clear();
        assert!(damage.list().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("w");
        create_private_dir(&sub).unwrap();
        let path = sub.join("outbox.json");
        write_atomic(&path, b"{}").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&sub), 0o700);
        assert_eq!(mode(&path), 0o600);
    }
}
