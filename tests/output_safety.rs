//! What a run leaves on disk when things go wrong: leftovers of a killed run
//! are cleared by the next one, two runs into one directory cannot both win,
//! and a full disk gives a clear error and no half-written results.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{scenario, seqsim, seqsim_ok, stderr};

/// Entries of `dir` whose names start with a dot (staging directories, locks).
fn hidden(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
fn leftovers_of_killed_runs_are_removed_and_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    // A run killed with SIGKILL leaves `.NAME.partial-PID` (and maybe its
    // `.old` twin). PID 4194305 is above Linux's largest pid_max (2^22), so
    // no such process can exist; this test's own process does.
    let dead = dir.path().join(".quick.partial-4194305");
    let dead_old = dir.path().join(".other.partial-4194305.old");
    let live = dir.path().join(format!(".busy.partial-{}", std::process::id()));
    for d in [&dead, &dead_old, &live] {
        std::fs::create_dir_all(d.join("charts")).unwrap();
        std::fs::write(d.join("summary.csv"), "half,written").unwrap();
    }
    let out = dir.path().join("quick");
    let result = seqsim_ok(&[
        "run",
        scenario("quickstart.yaml").to_str().unwrap(),
        "--paths",
        "500",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&result);
    assert!(!dead.exists() && !dead_old.exists(), "leftovers of a dead process remain");
    assert!(live.exists(), "the staging directory of a live process was removed");
    assert!(
        err.contains(&format!("note: removed {}, left by a seqsim run that no longer exists", dead.display())),
        "{err}"
    );
    assert!(err.contains(&dead_old.display().to_string()), "{err}");
    assert!(out.join("manifest.json").is_file());
    // Nothing of this run is left beside its results: no lock, no staging.
    let mut left = hidden(dir.path());
    left.sort();
    assert_eq!(left, vec![live.file_name().unwrap().to_string_lossy().into_owned()]);
}

#[test]
fn two_runs_into_one_directory_cannot_both_win() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("national");
    let national = scenario("national.yaml");
    // The first run takes a few seconds (2,000,000 paths).
    let mut first = Command::new(env!("CARGO_BIN_EXE_seqsim"))
        .args(["run", national.to_str().unwrap(), "--paths", "2000000", "--out", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lock = dir.path().join(".national.lock");
    let started = Instant::now();
    while !lock.exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "the first run never took its lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    let holder = std::fs::read_to_string(&lock).unwrap();
    assert_eq!(holder.trim(), first.id().to_string());
    // The second, even with --force, is refused while the first runs.
    let second =
        seqsim(&["run", national.to_str().unwrap(), "--paths", "1000", "--out", out.to_str().unwrap(), "--force"]);
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    let err = stderr(&second);
    assert!(
        err.contains(&format!(
            "{}: another seqsim run (process {}) is writing these results now; wait for it to finish or choose another --out",
            out.display(),
            first.id()
        )),
        "{err}"
    );
    let status = first.wait().unwrap();
    assert!(status.success());
    // The first run's results are whole: its manifest lists every file, with 2,000,000 paths.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["paths"], 2_000_000);
    for file in manifest["files"].as_array().unwrap() {
        assert!(out.join(file["name"].as_str().unwrap()).is_file(), "{file}");
    }
    assert!(hidden(dir.path()).is_empty(), "left behind: {:?}", hidden(dir.path()));
}

/// A small tmpfs mounted for the test and unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().ok()?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", dir.path().to_str()?])
            .stderr(Stdio::null())
            .status()
            .ok()?;
        status.success().then_some(SmallDisk { dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_disk_is_a_clear_error_with_nothing_half_written() {
    // 64 KiB holds the first tables of the national run but not all of them.
    let Some(disk) = SmallDisk::mount("64k") else {
        // CI sets SEQSIM_REQUIRE_TMPFS=1 where it runs as root: there a skip
        // would be a test that did not run, so it fails instead.
        assert!(
            std::env::var_os("SEQSIM_REQUIRE_TMPFS").is_none(),
            "SEQSIM_REQUIRE_TMPFS is set but a tmpfs could not be mounted: the full-disk test cannot run"
        );
        eprintln!("skipped: this machine does not let the test mount a tmpfs (it needs root; SEQSIM_REQUIRE_TMPFS=1 makes this an error)");
        return;
    };
    let out = disk.dir.path().join("national");
    let result = seqsim(&[
        "run",
        scenario("national.yaml").to_str().unwrap(),
        "--paths",
        "2000",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    let err = stderr(&result);
    assert!(err.starts_with("error: ") && err.contains("No space left on device"), "{err}");
    assert!(!out.exists(), "a half-written results directory was left");
    let left: Vec<String> = std::fs::read_dir(disk.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "left on the disk: {left:?}");
}
