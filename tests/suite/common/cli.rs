//! The cxsim binary as a script runs it: from the crate root, thread count left to the default.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;

/// A `cxsim` command run in the crate root, with a generous hang guard.
pub fn cxsim() -> Command {
    let mut cmd = Command::cargo_bin("cxsim").expect("the cxsim binary is built");
    cmd.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env_remove("RAYON_NUM_THREADS")
        .timeout(Duration::from_secs(300));
    cmd
}
