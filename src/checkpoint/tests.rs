use rand::rngs::StdRng;
use rand::{Rng, RngCore};

use super::*;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mlnotes-ckpt-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    dir
}

fn run(learning_rate: f64) -> serde_json::Value {
    let params = serde_json::json!({ "learning_rate": learning_rate, "checkpoint": "ignored" });
    run_id("test", &params, 42).unwrap()
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn loop_rng_is_std_rng_and_its_position_round_trips() {
    let (mut ours, mut std) = (loop_rng(42), StdRng::seed_from_u64(42));
    for _ in 0..100 {
        assert_eq!(ours.next_u64(), std.next_u64());
    }
    // Mid-stream (not on a block boundary): the restored generator continues identically.
    let _: u32 = ours.random();
    let saved = RngState::of(&ours);
    let json = serde_json::to_string(&saved).unwrap();
    let mut restored = serde_json::from_str::<RngState>(&json).unwrap().restore();
    for _ in 0..1000 {
        assert_eq!(restored.next_u32(), ours.next_u32());
    }
}

#[test]
fn the_latest_complete_checkpoint_is_found_and_older_ones_removed() {
    let dir = scratch("latest");
    let ckpt = Checkpointing::new(&dir, 2).resume(true);
    assert!(
        ckpt.start(&run(0.1)).unwrap().is_none(),
        "no folder yet: start afresh"
    );
    for step in [2, 4] {
        ckpt.save(step, &run(0.1), |w| w.json("state", &step))
            .unwrap();
    }
    let snap = ckpt.start(&run(0.1)).unwrap().unwrap();
    assert_eq!(snap.json::<usize>("state").unwrap(), 4);
    // One complete checkpoint (of step 4) and the pointer to it.
    let listed = names(&dir);
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed[1].starts_with("step-0000000004-"), "{listed:?}");
    // A save that fails half way leaves the previous checkpoint the latest one.
    let err = ckpt.save(6, &run(0.1), |w| {
        w.json("state", &6)?;
        Err(Error::invalid("interrupted"))
    });
    assert!(err.is_err());
    assert_eq!(
        ckpt.start(&run(0.1))
            .unwrap()
            .unwrap()
            .json::<usize>("state")
            .unwrap(),
        4
    );
    // State JSON cannot hold is refused at save time, not found unreadable at resume.
    assert!(
        ckpt.save(8, &run(0.1), |w| w.json("state", &f64::NAN))
            .is_err()
    );
    // A missing part and a corrupt pointer are errors naming the file.
    let err = snap.json::<usize>("other").unwrap_err();
    assert!(err.to_string().contains("other.json"), "{err}");
    std::fs::write(dir.join("LATEST"), "../elsewhere").unwrap();
    let err = ckpt.start(&run(0.1)).err().unwrap();
    assert!(matches!(err, Error::ModelFile { .. }), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn another_runs_checkpoint_is_refused_and_a_fresh_start_forgets_it() {
    let dir = scratch("other-run");
    let ckpt = Checkpointing::new(&dir, 1).resume(true);
    ckpt.save(3, &run(0.1), |w| w.json("state", &3)).unwrap();
    // Other settings: refused, naming where the runs differ.
    let err = ckpt.start(&run(0.2)).err().unwrap();
    assert!(
        matches!(&err, Error::Config { param: "checkpoint", reason } if reason.contains(".params.learning_rate")),
        "{err}"
    );
    // The checkpoint settings themselves do not count.
    assert!(ckpt.start(&run(0.1)).unwrap().is_some());
    // A fresh start forgets the folder's latest checkpoint: a later resume starts afresh.
    assert!(
        Checkpointing::new(&dir, 1)
            .start(&run(0.2))
            .unwrap()
            .is_none()
    );
    assert!(ckpt.start(&run(0.1)).unwrap().is_none());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn due_steps_fingerprints_and_bad_settings() {
    let ckpt = Checkpointing::new("x", 3);
    let due: Vec<usize> = (1..=10).filter(|&s| ckpt.due(s, 10)).collect();
    assert_eq!(due, vec![3, 6, 9, 10]);
    let err = Checkpointing::new("x", 0).check().unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config {
                param: "checkpoint.every",
                ..
            }
        ),
        "{err}"
    );
    assert!(Checkpointing::new("", 1).check().is_err());
    assert_ne!(step_seed(0, 1), step_seed(0, 2));
    assert_ne!(step_seed(0, 1), step_seed(1, 1));
    assert_eq!(fingerprint([1.0, 2.0]), fingerprint([1.0, 2.0]));
    assert_ne!(fingerprint([1.0, 2.0]), fingerprint([2.0, 1.0]));
    assert_ne!(fingerprint([0.0]), fingerprint([-0.0]));
}
