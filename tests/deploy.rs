//! The Kubernetes Jobs of deploy/k8s, run locally: each Job's own `args`, once for every index
//! with `JOB_COMPLETION_INDEX` set (as the Indexed Job sets it), the container paths replaced
//! by local ones. The YAML and the command line cannot drift apart: an argument the CLI does
//! not take, or `completions` unequal to `--slices`/`--workers`, fails here. (`.ci/run` also
//! validates the manifests with `kubernetes-validate --strict`.)

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

fn k8s(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy/k8s")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The value after `key:` on the line that starts with it (spaces before allowed).
fn field<'a>(yaml: &'a str, key: &str) -> &'a str {
    yaml.lines()
        .map(str::trim_start)
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no `{key}:` in the manifest"))
        .trim()
}

/// A Job's container args (written as a flow sequence of strings: JSON).
fn args(yaml: &str) -> Vec<String> {
    serde_json::from_str(field(yaml, "args")).expect("args as [\"…\", …]")
}

/// The pipeline file of the ConfigMap, its container paths made local.
fn pipeline(dir: &Path, data: &Path) -> PathBuf {
    let cm = k8s("pipeline-configmap.yaml");
    let body: Vec<&str> = cm
        .lines()
        .skip_while(|l| !l.contains("pipeline.toml: |"))
        .skip(1)
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .collect();
    let text = body
        .join("\n")
        .replace("/data/2025", data.to_str().unwrap())
        .replace("/out/2025", dir.join("out").to_str().unwrap());
    let p = dir.join("pipeline.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs a Job's args for every index; the exit codes.
fn run_job(yaml: &str, pipeline: &Path, work: &Path) -> Vec<i32> {
    let completions: usize = field(yaml, "completions").parse().unwrap();
    (0..completions)
        .map(|i| {
            let a: Vec<String> = args(yaml)
                .into_iter()
                .map(|x| match x.as_str() {
                    "/etc/sifund/pipeline.toml" => pipeline.to_str().unwrap().to_string(),
                    w if w.starts_with("s3://") => work.to_str().unwrap().to_string(),
                    _ => x,
                })
                .collect();
            let o = Command::new(env!("CARGO_BIN_EXE_sifund"))
                .args(&a)
                .env("JOB_COMPLETION_INDEX", i.to_string())
                .output()
                .unwrap();
            assert!(code(&o) <= 1, "{a:?} index {i}: {}", stderr(&o));
            code(&o)
        })
        .collect()
}

#[test]
fn the_jobs_are_indexed_fail_fast_on_exit_2_and_agree_with_their_args() {
    for (job, count_flag) in [
        ("map-job.yaml", Some("--slices")),
        ("reduce-job.yaml", Some("--workers")),
        ("merge-job.yaml", None),
    ] {
        let y = k8s(job);
        assert_eq!(field(&y, "completionMode"), "Indexed", "{job}");
        assert_eq!(field(&y, "podReplacementPolicy"), "Failed", "{job}");
        assert!(
            field(&y, "backoffLimitPerIndex").parse::<u32>().is_ok(),
            "{job}"
        );
        let rules = y
            .split("podFailurePolicy:")
            .nth(1)
            .expect("a podFailurePolicy");
        assert!(rules.contains("action: FailJob"), "{job}");
        assert_eq!(
            field(rules, "values"),
            "[2]",
            "{job}: fails at once on exit 2"
        );
        let a = args(&y);
        assert_eq!(a[0], job.trim_end_matches("-job.yaml"), "{job}");
        if let Some(flag) = count_flag {
            let k = a.iter().position(|x| x == flag).expect(flag);
            assert_eq!(
                a[k + 1],
                field(&y, "completions"),
                "{job}: {flag} = completions"
            );
        }
    }
}

#[test]
fn the_jobs_args_run_for_every_index_and_write_the_single_runs_outputs() {
    let dir = temp("deploy");
    let data = dataset(&dir, 800, 31, true);
    let single = dir.join("single");
    std::fs::create_dir_all(&single).unwrap();
    let p = pipeline(&single, &data);
    let o = sifund(&["run", p.to_str().unwrap()]);
    assert!(code(&o) <= 1, "{}", stderr(&o));
    let want_code = code(&o);
    let jobs = dir.join("jobs");
    std::fs::create_dir_all(&jobs).unwrap();
    let p = pipeline(&jobs, &data);
    let work = jobs.join("work");
    assert!(run_job(&k8s("map-job.yaml"), &p, &work)
        .iter()
        .all(|&c| c == 0));
    assert!(run_job(&k8s("reduce-job.yaml"), &p, &work)
        .iter()
        .all(|&c| c == 0));
    assert_eq!(run_job(&k8s("merge-job.yaml"), &p, &work), vec![want_code]);
    let strip = |d: &Path| {
        let mut t = tree(d);
        let m = manifest_without_timings(&t["manifest.json"]);
        t.insert("manifest.json".into(), serde_json::to_vec(&m).unwrap());
        t
    };
    let (want, got) = (strip(&single.join("out")), strip(&jobs.join("out")));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &want {
        if name == "manifest.json" {
            // The pipeline's output path differs (two folders); everything else is equal.
            let (mut a, mut b): (serde_json::Value, serde_json::Value) = (
                serde_json::from_slice(bytes).unwrap(),
                serde_json::from_slice(&got[name]).unwrap(),
            );
            for v in [&mut a, &mut b] {
                v["config"].as_object_mut().unwrap().remove("output");
            }
            assert_eq!(a, b, "manifest.json");
            continue;
        }
        assert!(got[name] == *bytes, "{name} differs");
    }
}
