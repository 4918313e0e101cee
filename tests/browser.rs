//! The public report in a real browser: headless Chromium (Debian package `chromium`, installed
//! by `.ci/run`) loads `disclosure.html`, the rendered page carries every figure of
//! `disclosure.json`, and a screenshot lands in `reports/disclosure-test.png` for review.
//! Without Chromium the test says so and passes, unless `SIFUND_REQUIRE_BROWSER=1` (CI).

mod common;
use common::*;

use std::process::Command;

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

fn headless(args: &[&str], profile: &std::path::Path) -> std::process::Output {
    let mut cmd = Command::new(chromium().unwrap());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]);
    cmd.arg(format!("--user-data-dir={}", profile.display()));
    cmd.args(args).output().expect("chromium starts")
}

#[test]
fn the_report_renders_in_headless_chromium_with_the_json_figures() {
    if chromium().is_none() {
        assert!(
            std::env::var("SIFUND_REQUIRE_BROWSER").is_err(),
            "SIFUND_REQUIRE_BROWSER is set but Chromium is not installed"
        );
        eprintln!("SKIPPED: no Chromium at /usr/bin/chromium (apt-get install chromium); .ci/run installs it");
        return;
    }
    let dir = temp("browser");
    let data = dataset(&dir, 1_500, 7, true);
    let out = dir.join("out");
    assert_eq!(code(&stage("disclose", &data, &out)), 0);
    let page = format!("file://{}", out.join("disclose/disclosure.html").display());
    let dom = headless(&["--dump-dom", &page], &dir.join("profile-a"));
    assert!(
        dom.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    assert!(
        dom.contains("社会保险基金收支、结余和收益情况"),
        "the page rendered"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("disclose/disclosure.json")).unwrap())
            .unwrap();
    for f in json["funds"].as_array().unwrap() {
        for measure in ["revenue", "expenditure", "closing_balance"] {
            let v = f[measure].as_str().unwrap();
            let cell = format!("data-measure=\"{measure}\" data-region=\"{}\" data-scheme=\"{}\" data-yuan=\"{v}\"", f["region"].as_str().unwrap(), f["scheme"].as_str().unwrap());
            assert!(dom.contains(&cell), "rendered page lacks {cell}");
        }
    }
    let shot = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/disclosure-test.png");
    let _ = std::fs::remove_file(&shot);
    let o = headless(
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1100,2200",
            &page,
        ],
        &dir.join("profile-b"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "screenshot written"
    );
}
