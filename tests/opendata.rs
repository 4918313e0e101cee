//! `disclose/datapackage.json` as open-data tools read it: frictionless (PyPI `frictionless`,
//! installed by `.ci/run` into `target/frictionless-venv`) validates every resource of the
//! package of a full run against its data; every CSV under `disclose/` is a resource, and no
//! measure is typed as a string. Without frictionless the test says so and passes, unless
//! `SIFUND_REQUIRE_FRICTIONLESS=1` (CI). The program is `$SIFUND_FRICTIONLESS`, else
//! `target/frictionless-venv/bin/frictionless`, else `frictionless` on the PATH.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

fn frictionless() -> Option<PathBuf> {
    let runs = |p: &Path| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Ok(p) = std::env::var("SIFUND_FRICTIONLESS") {
        candidates.push(p.into());
    }
    candidates.push(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/frictionless-venv/bin/frictionless"),
    );
    candidates.push("frictionless".into());
    candidates.into_iter().find(|p| runs(p))
}

/// `frictionless validate --json` of a package: (valid, the report).
fn validate(tool: &Path, package: &Path) -> (bool, serde_json::Value) {
    let o = Command::new(tool)
        .args(["validate", "--json"])
        .arg(package.file_name().unwrap())
        .current_dir(package.parent().unwrap())
        .output()
        .expect("frictionless runs");
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "frictionless printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let valid = report["valid"].as_bool().unwrap();
    assert_eq!(
        valid,
        o.status.success(),
        "exit status agrees with the report"
    );
    (valid, report)
}

#[test]
fn frictionless_validates_every_resource_of_the_data_package() {
    let Some(tool) = frictionless() else {
        assert!(
            std::env::var("SIFUND_REQUIRE_FRICTIONLESS").is_err(),
            "SIFUND_REQUIRE_FRICTIONLESS is set but frictionless is not installed"
        );
        eprintln!(
            "SKIPPED: no frictionless (python3 -m pip install frictionless); .ci/run installs it"
        );
        return;
    };
    let dir = temp("opendata");
    let data = dataset(&dir, 1_200, 41, true);
    let pipeline = write_pipeline(&dir, &data, "");
    let o = sifund(&["run", pipeline.to_str().unwrap()]);
    assert!(code(&o) <= 1, "{}", stderr(&o));
    let disclose = dir.join("out/disclose");
    let package = disclose.join("datapackage.json");
    let descriptor: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&package).unwrap()).unwrap();

    // Every CSV of the folder is described, with typed fields and a primary key.
    let mut csvs: Vec<String> = std::fs::read_dir(&disclose)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    csvs.sort();
    let resources = descriptor["resources"].as_array().unwrap();
    let mut paths: Vec<String> = resources
        .iter()
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    assert_eq!(paths, csvs);
    assert!(
        !descriptor.to_string().contains("http"),
        "no remote profile or URL"
    );
    for r in resources {
        let schema = &r["schema"];
        let header = std::fs::read_to_string(disclose.join(r["path"].as_str().unwrap()))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string();
        let fields: Vec<&str> = schema["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields.join(","),
            header,
            "{} fields in file order",
            r["name"]
        );
        assert!(!schema["primaryKey"].as_array().unwrap().is_empty());
        for f in schema["fields"].as_array().unwrap() {
            let name = f["name"].as_str().unwrap();
            if ["value", "gross", "eliminated", "net", "amount"].contains(&name) {
                assert_eq!(f["type"], "number", "{} {name}", r["name"]);
            }
        }
    }
    assert!(resources[0]["schema"]["missingValues"]
        .as_array()
        .unwrap()
        .contains(&"suppressed".into()));

    let (valid, report) = validate(&tool, &package);
    assert!(
        valid,
        "{}",
        serde_json::to_string_pretty(&report["tasks"]).unwrap()
    );
    let tasks = report["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 3);
    for t in tasks {
        assert_eq!(t["valid"], true, "{t}");
        assert!(t["stats"]["rows"].as_u64().unwrap() > 10, "{t}");
    }

    // The validation can fail: a measure that is not a number, and a repeated key.
    let broken = dir.join("broken");
    copy_dataset(&disclose, &broken, &[]);
    let text = std::fs::read_to_string(broken.join("disclosure.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let k = lines.iter().position(|l| l.contains(",revenue,")).unwrap();
    lines[k] = lines[k]
        .replace(",revenue,", ",revenue,12 万元,")
        .replacen(",yuan", "", 1);
    let dup = lines[1].clone();
    lines.push(dup);
    std::fs::write(broken.join("disclosure.csv"), lines.join("\n") + "\n").unwrap();
    let (valid, report) = validate(&tool, &broken.join("datapackage.json"));
    assert!(!valid);
    let errors: Vec<&str> = report["tasks"][0]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert!(errors.contains(&"type-error"), "{errors:?}");
    assert!(errors.contains(&"primary-key"), "{errors:?}");
}
