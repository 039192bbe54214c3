//! Writing files so that a crash, a full disk or an unusual target never destroys anything: a
//! regular file is replaced atomically (never left half-written), a symlink is kept and its
//! target replaced, a device or FIFO is written through (never replaced by a file), and anything
//! else (a directory, a socket) is refused.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The name prefix of our temporary files, so that the leftovers of an interrupted write can be
/// recognised (and only ours removed).
pub const TEMP_PREFIX: &str = ".cxsim-save-";

/// Writes `contents` to `path` without destroying what is there.
///
/// * A regular file (or a path that does not exist yet) is replaced atomically: a temporary file
///   in the same directory is written, flushed and synced, then renamed over the target. It keeps
///   the old file's permissions and, where allowed, its owner and group; a new file gets what
///   `File::create` would give (0666 less the umask).
/// * A symlink is followed (however many hops) and its target replaced this way, in the target's
///   directory, so the link survives.
/// * A character device or FIFO (`/dev/null`, a named pipe, `/dev/stdout`) is opened and written
///   through: replacing it by a regular file would break it.
/// * Anything else (a directory, a socket, a block device) is refused.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if is_fd_path(path) {
        // The shell's redirection may be a file opened for appending: append, do not truncate.
        let mut f = std::fs::OpenOptions::new().append(true).open(path)?;
        f.write_all(contents)?;
        return f.flush();
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {
            let target = std::fs::canonicalize(path)?;
            replace(&target, contents, Some(&meta))
        }
        Ok(meta) if is_write_through(&meta.file_type()) => {
            let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
            f.write_all(contents)?;
            f.flush()
        }
        Ok(meta) => Err(not_a_file(&meta)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A new file, or a dangling symlink: create the link's target, keeping the link.
            let target = resolve_links(path)?;
            replace(&target, contents, None)
        }
        Err(e) => Err(e),
    }
}

/// Copies `from` to `to` atomically (for backups): the copy is written to a temporary file next
/// to `to` and renamed, so an interrupted copy never leaves a truncated backup.
pub fn copy_atomic(from: &Path, to: &Path) -> std::io::Result<()> {
    let bytes = std::fs::read(from)?;
    let target = match std::fs::metadata(to) {
        Ok(m) if m.is_file() => std::fs::canonicalize(to)?,
        Ok(m) => return Err(not_a_file(&m)),
        Err(_) => resolve_links(to)?,
    };
    let meta = std::fs::metadata(from)?;
    replace(&target, &bytes, Some(&meta))
}

/// Removes our temporary files (see [`TEMP_PREFIX`]) in `dir` older than `age`: what an
/// interrupted write left behind. Younger ones may belong to a write in progress. Returns how
/// many were removed; errors are ignored (a leftover is harmless).
pub fn remove_stale_temps(dir: &Path, age: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for e in entries.filter_map(Result::ok) {
        let name = e.file_name();
        if !name.to_string_lossy().starts_with(TEMP_PREFIX) {
            continue;
        }
        // symlink_metadata: a link named like ours is not ours to follow.
        let Ok(meta) = std::fs::symlink_metadata(e.path()) else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|d| d >= age);
        if meta.is_file() && old && std::fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Whether two paths name the same existing file (same device and inode on Unix; the same
/// canonical path elsewhere).
pub fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if ma.dev() == mb.dev() && ma.ino() == mb.ino() {
            return true;
        }
    }
    #[cfg(not(unix))]
    let _ = (ma, mb);
    matches!(
        (std::fs::canonicalize(a), std::fs::canonicalize(b)),
        (Ok(x), Ok(y)) if x == y
    )
}

/// Writes `contents` to a temporary file in `target`'s directory and renames it over `target`;
/// `old` is the metadata of the file replaced, whose permissions and owner are kept.
fn replace(target: &Path, contents: &[u8], old: Option<&std::fs::Metadata>) -> std::io::Result<()> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Passed to open(2), which applies the umask.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    if let Some(meta) = old {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // Only root can give a file away; for others this fails (or changes nothing) and the
            // file ends up theirs, as any editor would leave it. Before the permissions: chown
            // clears set-id bits.
            if let Ok(now) = tmp.as_file().metadata()
                && (now.uid() != meta.uid() || now.gid() != meta.gid())
            {
                let _ =
                    std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()));
            }
        }
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(target).map_err(|e| e.error)?;
    Ok(())
}

/// Follows symlinks from `path` to the first path that is not one (which may not exist).
fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    // The kernel's own limit on nested links (ELOOP).
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&p)?;
                p = match p.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// `/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`: a descriptor this process already holds,
/// which may be a pipe, a terminal or a file the shell opened (`>>` appends).
fn is_fd_path(path: &Path) -> bool {
    cfg!(unix)
        && (path == Path::new("/dev/stdout")
            || path == Path::new("/dev/stderr")
            || path.starts_with("/dev/fd/")
            || path.starts_with("/proc/self/fd/"))
}

#[cfg(unix)]
fn is_write_through(t: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    t.is_char_device() || t.is_fifo()
}

#[cfg(not(unix))]
fn is_write_through(_: &std::fs::FileType) -> bool {
    false
}

fn not_a_file(meta: &std::fs::Metadata) -> std::io::Error {
    std::io::Error::other(format!(
        "it is {}, not a regular file, a device or a FIFO; nothing was written",
        describe(&meta.file_type())
    ))
}

fn describe(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "something else"
    }
}
