//! Disclosure end to end: measures equal the books, consolidation eliminates every generated
//! inter-level pair, and no person id or credit code of the input reaches `disclose/`.

mod common;
use common::*;

use std::collections::HashSet;

#[test]
fn measures_equal_the_books_and_levels_consolidate() {
    let dir = temp("disclose");
    let data = dataset(&dir, 2_000, 23, true);
    let out = dir.join("out");
    let o = stage("disclose", &data, &out);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let statement = csv(&out.join("ledger/fund_statement.csv"));
    let pick = |r: &str, s: &str, k: &str| {
        statement
            .iter()
            .find(|x| x[0] == r && x[1] == s && x[2] == k)
            .map(|x| x[4].clone())
    };
    let disclosed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("disclose/disclosure.json")).unwrap())
            .unwrap();
    let funds = disclosed["funds"].as_array().unwrap();
    assert!(funds.len() > 20);
    for f in funds {
        let (r, s) = (f["region"].as_str().unwrap(), f["scheme"].as_str().unwrap());
        assert_eq!(
            Some(f["revenue"].as_str().unwrap().to_string()),
            pick(r, s, "total_revenue"),
            "{r}/{s}"
        );
        assert_eq!(
            Some(f["closing_balance"].as_str().unwrap().to_string()),
            pick(r, s, "closing_balance"),
            "{r}/{s}"
        );
    }
    // Every generated inter-level pair is booked by both levels: all eliminated.
    let elim = csv(&out.join("disclose/eliminations.csv"));
    assert!(!elim.is_empty());
    assert!(elim.iter().all(|e| e[8] == "eliminated"), "{elim:?}");
    // Province net revenue = Σ members' revenue − the pairs inside it.
    let cons = csv(&out.join("disclose/consolidated.csv"));
    let y = |s: &str| sifund::model::money::parse_yuan(s).unwrap();
    for row in cons
        .iter()
        .filter(|c| c[0] == "province" && c[3] == "revenue")
    {
        let members: i64 = funds
            .iter()
            .filter(|f| {
                f["scheme"] == row[2].as_str() && f["region"].as_str().unwrap()[..2] == row[1][..2]
            })
            .map(|f| y(f["revenue"].as_str().unwrap()))
            .sum();
        assert_eq!(y(&row[4]), members, "{row:?}");
        assert_eq!(y(&row[6]), y(&row[4]) - y(&row[5]));
    }
    // Participants, counted here from persons.parquet (accepted rows, not deceased or
    // transferred out, distinct persons per fund), against the published figure.
    let persons = sifund::engine::read_all(&data.join("persons.parquet")).unwrap();
    let rejected = rejected_rows(&out, "persons");
    let text = |n: &str| strings(&persons, n);
    let (pid, region, scheme, status) = (
        text("person_id"),
        text("region"),
        text("scheme"),
        text("status"),
    );
    let mut counted: std::collections::BTreeMap<
        (String, String),
        std::collections::BTreeSet<String>,
    > = Default::default();
    for k in 0..persons.height() {
        let st = status[k].as_deref().unwrap_or("");
        if rejected.contains(&(k as u64)) || st == "deceased" || st == "transferred_out" {
            continue;
        }
        counted
            .entry((region[k].clone().unwrap(), scheme[k].clone().unwrap()))
            .or_default()
            .insert(pid[k].clone().unwrap());
    }
    let mut compared = 0;
    for f in funds {
        let key = (
            f["region"].as_str().unwrap().to_string(),
            f["scheme"].as_str().unwrap().to_string(),
        );
        let want = counted.get(&key).map_or(0, |s| s.len() as u64);
        match f["participants"].as_u64() {
            Some(n) => {
                assert_eq!(n, want, "{key:?} participants");
                assert!(
                    n == 0 || n >= 10,
                    "{key:?}: {n} published, under the threshold"
                );
                compared += (n > 0) as usize;
            }
            None => assert!(
                (1..10).contains(&want),
                "{key:?}: withheld, but {want} counted"
            ),
        }
    }
    assert!(compared > 10, "{compared} funds compared");
    assert!(out.join("disclose/datapackage.json").is_file());
}

/// Every maximal run of 18+ ID characters in a file, as its 18-character windows.
fn id_like(text: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let ok = |b: u8| b.is_ascii_digit() || b.is_ascii_uppercase();
    let mut i = 0;
    while i < text.len() {
        let start = i;
        while i < text.len() && ok(text[i]) {
            i += 1;
        }
        if i - start >= 18 {
            for w in text[start..i].windows(18) {
                out.push(String::from_utf8_lossy(w).into_owned());
            }
        }
        i += 1;
    }
    out
}

#[test]
fn no_person_id_or_credit_code_reaches_the_public_files() {
    let dir = temp("privacy");
    let data = dataset(&dir, 1_500, 29, true);
    let out = dir.join("out");
    assert_eq!(code(&stage("disclose", &data, &out)), 0);
    let mut secrets: HashSet<String> = HashSet::new();
    for (table, column) in [
        ("persons", "person_id"),
        ("contributions", "person_id"),
        ("contributions", "employer_id"),
        ("payouts", "person_id"),
        ("deaths", "person_id"),
    ] {
        let df = sifund::engine::read_all(&data.join(format!("{table}.parquet"))).unwrap();
        for v in df.column(column).unwrap().str().unwrap().iter().flatten() {
            secrets.insert(v.to_string());
        }
    }
    assert!(secrets.len() > 1_000);
    let files = tree(&out.join("disclose"));
    assert!(files.len() >= 5);
    for (name, bytes) in files {
        let leaked: Vec<String> = id_like(&bytes)
            .into_iter()
            .filter(|w| secrets.contains(w))
            .collect();
        assert!(leaked.is_empty(), "{name} carries {leaked:?}");
    }
    // The scan itself can fail: a file with an id in it is caught.
    let planted = format!("x,{},y", secrets.iter().next().unwrap());
    assert!(id_like(planted.as_bytes())
        .iter()
        .any(|w| secrets.contains(w)));
}

#[test]
fn the_html_report_is_self_contained_and_shows_the_json_figures() {
    let dir = temp("html");
    let data = dataset(&dir, 1_200, 31, true);
    let out = dir.join("out");
    assert_eq!(code(&stage("disclose", &data, &out)), 0);
    let html = std::fs::read_to_string(out.join("disclose/disclosure.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("lang=\"zh-CN\""));
    for banned in ["<script", "<link", "@import", "url("] {
        assert!(
            !html.contains(banned),
            "external or active content: {banned}"
        );
    }
    let without_svg_ns = html.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !without_svg_ns.contains("http://") && !without_svg_ns.contains("https://"),
        "no network"
    );
    // Every figure cell's exact value equals disclosure.json.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("disclose/disclosure.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for f in json["funds"].as_array().unwrap() {
        for measure in [
            "revenue",
            "expenditure",
            "surplus",
            "closing_balance",
            "returns",
        ] {
            let cell = format!(
                "data-measure=\"{measure}\" data-region=\"{}\" data-scheme=\"{}\" data-yuan=\"{}\"",
                f["region"].as_str().unwrap(),
                f["scheme"].as_str().unwrap(),
                f[measure].as_str().unwrap()
            );
            assert!(html.contains(&cell), "missing on the page: {cell}");
            checked += 1;
        }
    }
    assert!(checked > 100);
    assert!(out.join("disclose/disclosure.xlsx").is_file());
}
