//! Replays every kept crash input, `regressions/<target>/*`, through the same harness the fuzz
//! target runs, so a fixed crash stays fixed under plain `cargo test`.

use std::path::Path;

use pg_jwt_claims_fuzz::targets::TARGETS;

#[test]
fn replay_regressions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&root).expect("fuzz/regressions exists") {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let run = TARGETS
            .iter()
            .find(|(target, _)| *target == name)
            .unwrap_or_else(|| panic!("regressions/{name}: no fuzz target of that name"))
            .1;
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            if path.file_name().is_some_and(|f| f == ".gitkeep") {
                continue;
            }
            let input = std::fs::read(&path).unwrap();
            eprintln!("replaying {}", path.display());
            run(&input);
            replayed += 1;
        }
    }
    eprintln!("{replayed} regression inputs replayed");
}
