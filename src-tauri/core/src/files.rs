//! The app's data files on disk: every write is atomic (a temporary file in the same folder,
//! flushed to disk, then renamed over the old one), so a crash or a full disk leaves the old
//! file or the new one, never half of one. Nothing here knows what the files hold.

use rand::Rng;
use std::fs;
use std::io::Write;
use std::path::Path;

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
        let mut f = fs::File::create(&tmp)?;
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
