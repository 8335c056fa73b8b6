//! Who may read the database's files: they hold ID numbers (R1.1), so nothing the program
//! creates — the database, its `-wal` and `-shm`, its folder, a backup — is open to every login
//! on the machine, whatever umask the clerk's shell left.
//!
//! A folder is *group-shared* when it is set-group-id, or when it belongs to another group than
//! the clerk's own and that group may write it (a bureau's `root:jijiao 2770` folder): files there
//! are `0660` and new folders `0770`, so the other clerks of the group (or the set-group-id
//! program) can use them. Everywhere else the database is personal: `0600`, folders `0700`. A
//! world-writable folder such as `/tmp` is never taken for a shared one.

use std::fs::{self, DirBuilder, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::{Result, StoreError};

/// The set-group-id bit of a folder: files created in it take the folder's group.
const SET_GROUP_ID: u32 = 0o2000;

/// Whether the database's files are for a group of clerks or for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// Files `0600`, folders `0700`.
    Personal,
    /// Files `0660`, folders `0770` (keeping the folder's set-group-id bit).
    Group,
}

impl Sharing {
    /// The mode of a file created here (permission bits only).
    pub fn file_mode(self) -> u32 {
        match self {
            Sharing::Personal => 0o600,
            Sharing::Group => 0o660,
        }
    }

    /// The mode of a folder created here (permission bits only).
    pub fn dir_mode(self) -> u32 {
        match self {
            Sharing::Personal => 0o700,
            Sharing::Group => 0o770,
        }
    }

    /// The process umask that makes SQLite's own files (journals, `-wal`, `-shm`) come out with
    /// these modes too.
    fn umask(self) -> u32 {
        match self {
            Sharing::Personal => 0o077,
            Sharing::Group => 0o007,
        }
    }

    /// How `folder` (which exists) shares what is created in it.
    pub fn of_folder(folder: &Path) -> Sharing {
        match fs::metadata(folder) {
            Ok(m) => {
                let mode = m.mode();
                let group_writable = mode & 0o020 != 0;
                let world_writable = mode & 0o002 != 0;
                if mode & SET_GROUP_ID != 0
                    || (m.gid() != real_gid() && group_writable && !world_writable)
                {
                    Sharing::Group
                } else {
                    Sharing::Personal
                }
            }
            // A folder we cannot even stat is no place to share; the open then fails and says so.
            Err(_) => Sharing::Personal,
        }
    }
}

/// The real group id: the clerk's primary group, also under a set-group-id binary.
fn real_gid() -> u32 {
    nix::unistd::getgid().as_raw()
}

/// Set the process umask so that whatever SQLite creates has no world access.
fn set_umask(sharing: Sharing) {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(
        sharing.umask() as _
    ));
}

fn io_error(path: &Path, e: &io::Error) -> StoreError {
    StoreError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Whether `path` names a file at all (not `:memory:` or a `file:` URI, which SQLite resolves).
pub fn is_plain_file(path: &Path) -> bool {
    let s = path.as_os_str().as_encoded_bytes();
    !(s.is_empty() || s == b":memory:" || s.starts_with(b"file:"))
}

/// The folder a database or backup file goes in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Create the folders of `folder` that are missing, without world access. A folder created
/// inside a set-group-id one inherits the bit and is group-shared like its parent.
fn create_folder(folder: &Path) -> Result<()> {
    if folder.is_dir() {
        return Ok(());
    }
    let mut missing: Vec<PathBuf> = Vec::new();
    let mut at = Some(folder);
    while let Some(p) = at.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        missing.push(p.to_path_buf());
        at = p.parent();
    }
    for dir in missing.iter().rev() {
        let parent = folder_of(dir);
        let sharing = Sharing::of_folder(parent);
        match DirBuilder::new().mode(sharing.dir_mode()).create(dir) {
            Ok(()) => {
                // The umask may have taken bits the mode asked for; set exactly what we mean.
                let inherited = fs::metadata(dir)
                    .map(|m| m.mode() & SET_GROUP_ID)
                    .map_err(|e| io_error(dir, &e))?;
                fs::set_permissions(dir, Permissions::from_mode(sharing.dir_mode() | inherited))
                    .map_err(|e| io_error(dir, &e))?;
            }
            // Another clerk made it meanwhile: theirs stands.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_error(dir, &e)),
        }
    }
    Ok(())
}

/// Create `path` empty with the mode of `sharing`, failing if it exists (never overwrite).
fn create_new(path: &Path, sharing: Sharing) -> io::Result<()> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(sharing.file_mode())
        .open(path)?;
    // Exactly this mode, whatever the umask took away or left.
    file.set_permissions(Permissions::from_mode(sharing.file_mode()))
}

/// Before SQLite opens `db`: its folder exists, the umask is set, and a new database file is
/// created by us with the right mode (SQLite gives its `-wal` and `-shm` the database's mode).
pub fn prepare_database(db: &Path) -> Result<Sharing> {
    let folder = folder_of(db);
    create_folder(folder)?;
    let sharing = Sharing::of_folder(folder);
    set_umask(sharing);
    match create_new(db, sharing) {
        Ok(()) => {
            if sharing == Sharing::Group {
                adopt_folder_group(db, folder);
            }
        }
        // An existing database (or one another clerk just created) keeps its owner.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io_error(db, &e)),
    }
    Ok(sharing)
}

/// In a shared folder that is not set-group-id a new file would take the creator's group, which
/// the other clerks are not in: give it the folder's group when we may (we are in that group).
fn adopt_folder_group(file: &Path, folder: &Path) {
    if let (Ok(f), Ok(d)) = (fs::metadata(file), fs::metadata(folder))
        && f.gid() != d.gid()
    {
        // Not being a member is no error: the mode still keeps the world out.
        let _ = std::os::unix::fs::chown(file, None, Some(d.gid()));
    }
}

/// After SQLite opened `db`: the database and its `-wal` and `-shm`, as far as this login owns
/// them, lose any world access an older jijiao or a copy left them with.
pub fn restrict_database(db: &Path) {
    let mut names = vec![db.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut s = db.as_os_str().to_owned();
        s.push(suffix);
        names.push(PathBuf::from(s));
    }
    for f in names {
        let Ok(m) = fs::metadata(&f) else { continue };
        if m.is_file() && m.mode() & 0o007 != 0 && m.uid() == effective_uid() {
            // Best effort: the file may vanish (a -wal at the last close) or belong to another.
            let _ = fs::set_permissions(&f, Permissions::from_mode(m.mode() & 0o7770));
        }
    }
}

fn effective_uid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// Create the (empty) file a backup goes to, with the mode of its folder's sharing; refused if it
/// exists, so a backup never overwrites anything.
pub fn create_backup_file(dest: &Path) -> Result<()> {
    let folder = folder_of(dest);
    let sharing = Sharing::of_folder(folder);
    set_umask(sharing);
    create_new(dest, sharing).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            StoreError::Exists(dest.display().to_string())
        } else {
            io_error(dest, &e)
        }
    })?;
    if sharing == Sharing::Group {
        adopt_folder_group(dest, folder);
    }
    Ok(())
}
