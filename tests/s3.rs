//! The partitioned run with its work folder on S3-compatible object storage: a local S3 server
//! (moto, from PyPI, offline) started by the test. `SIFUND_MOTO` names its `moto_server`
//! (default: on PATH); without one the test says so and passes, unless
//! `SIFUND_REQUIRE_MOTO=1` (as `.ci/run` sets it), where a missing server is a failure.

mod common;
use common::*;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Option<Server> {
    let bin = std::env::var("SIFUND_MOTO").unwrap_or_else(|_| "moto_server".into());
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = match Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            let required = std::env::var("SIFUND_REQUIRE_MOTO").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "SIFUND_REQUIRE_MOTO=1 but {bin} does not start: {e}"
            );
            eprintln!("skipped: no S3 server ({bin}: {e}); set SIFUND_MOTO to a moto_server");
            return None;
        }
    };
    let server = Server { child, port };
    let t0 = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "moto_server did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(server)
}

/// A bare HTTP request to the server (moto takes unsigned requests); the status code.
fn http(port: u16, method: &str, path: &str) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

fn sifund_s3(port: u16, args: &[&str], index: Option<usize>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sifund"));
    cmd.args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .env("AWS_ALLOW_HTTP", "true");
    if let Some(i) = index {
        cmd.env("JOB_COMPLETION_INDEX", i.to_string());
    }
    cmd.output().unwrap()
}

fn outputs(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut t = tree(dir);
    let m = manifest_without_timings(&t["manifest.json"]);
    t.insert("manifest.json".into(), serde_json::to_vec(&m).unwrap());
    t
}

#[test]
fn the_partitioned_run_over_s3_writes_the_single_runs_outputs() {
    let Some(server) = start() else { return };
    let port = server.port;
    assert_eq!(http(port, "PUT", "/sifund-work"), 200, "bucket made");
    let dir = temp("s3");
    let data = dataset(&dir, 800, 31, true);
    let single = dir.join("single");
    std::fs::create_dir_all(&single).unwrap();
    let p = write_pipeline(&single, &data, "");
    let o = sifund(&["run", p.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let want = outputs(&single.join("out"));

    let run = dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    let p = write_pipeline(&run, &data, "");
    let p = p.to_str().unwrap();
    let work = "s3://sifund-work/2025/run-1";
    for i in 0..3 {
        let o = sifund_s3(port, &["map", p, "--work", work, "--slices", "3"], Some(i));
        assert_eq!(code(&o), 0, "map {i}: {}", stderr(&o));
    }
    for i in 0..2 {
        let o = sifund_s3(
            port,
            &["reduce", p, "--work", work, "--workers", "2"],
            Some(i),
        );
        assert_eq!(code(&o), 0, "reduce {i}: {}", stderr(&o));
    }
    let o = sifund_s3(port, &["merge", p, "--work", work], None);
    assert_eq!(code(&o), 0, "merge: {}", stderr(&o));
    let got = outputs(&run.join("out"));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &want {
        assert!(got[name] == *bytes, "{name} differs");
    }

    // Another run whose second reduce index never ran: the merge refuses and names the groups.
    let work = "s3://sifund-work/2025/run-2";
    let o = sifund_s3(port, &["map", p, "--work", work, "--slices", "1"], Some(0));
    assert_eq!(code(&o), 0, "map: {}", stderr(&o));
    let o = sifund_s3(
        port,
        &["reduce", p, "--work", work, "--workers", "2"],
        Some(0),
    );
    assert_eq!(code(&o), 0, "reduce: {}", stderr(&o));
    let before = tree(&run.join("out"));
    let o = sifund_s3(port, &["merge", p, "--work", work], None);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("32 of 65 groups (g01, g03"),
        "{}",
        stderr(&o)
    );
    assert!(
        tree(&run.join("out")) == before,
        "the output is left as it was"
    );
}
