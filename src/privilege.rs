//! The package installs the program set-group-id `jijiao` so that only it can open the shared
//! database (R5.5). That group's rights are for the store alone: every other file a clerk names —
//! a roster, a configuration, a backup, a print to a file or a device — is opened with the
//! clerk's own rights, or a clerk could have the program overwrite the database or the anchor
//! log with a print.

use nix::unistd::{getegid, getgid, setegid};

/// Run `f` with the effective group set back to the real one (the clerk's), then restore it.
/// Outside a set-group-id run (the groups are equal) just `f()`.
///
/// Errors: the system refused to switch the group (then `f` did not run, or the group could not
/// be restored — the caller must stop).
pub fn as_clerk<T>(f: impl FnOnce() -> T) -> std::io::Result<T> {
    let (real, effective) = (getgid(), getegid());
    if real == effective {
        return Ok(f());
    }
    setegid(real).map_err(std::io::Error::from)?;
    let out = f();
    setegid(effective).map_err(std::io::Error::from)?;
    Ok(out)
}

/// Whether this is a system install: the process runs set-group-id (effective group other than
/// the real one), or its program file is set-group-id and it is run by an account of that group
/// (the nightly job).
pub fn set_group_id() -> bool {
    getegid() != getgid() || installed_set_group_id()
}

/// The program file has its set-group-id bit: installed by the package.
pub fn installed_set_group_id() -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::current_exe()
        .and_then(std::fs::metadata)
        .is_ok_and(|m| m.permissions().mode() & 0o2000 != 0)
}
