//! Atomic writes (saving a scenario, reports, charts) leave the permissions a user expects.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;

use cxsim::fsutil::write_atomic;

fn mode(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_new_file_gets_the_mode_file_create_gives() {
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference");
    std::fs::File::create(&reference).unwrap();
    let written = dir.path().join("written.ron");
    write_atomic(&written, b"(a: 1)").unwrap();
    assert_eq!(std::fs::read(&written).unwrap(), b"(a: 1)");
    assert_eq!(mode(&written), mode(&reference));
}

#[test]
fn an_existing_file_keeps_its_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journey.ron");
    std::fs::write(&path, b"old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    write_atomic(&path, b"new").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"new");
    assert_eq!(mode(&path), 0o640);
    // Nothing else is left in the directory (the temporary file was renamed).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
