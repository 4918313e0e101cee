//! Names of the division codes 行政区划名称 (GB/T 2260) shown beside every region of the public
//! files: the table `data/regions/gbt2260.csv` (provenance in `data/regions/README.md`),
//! embedded in the binary so a run needs no extra file. A code missing from the table is shown
//! alone and listed in the manifest (`stages.disclose.regions_without_name`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::model::ids::NATIONAL;

/// The list the table is taken from.
pub const SOURCE: &str =
    "民政部《2023年中华人民共和国县以上行政区划代码》(as at 2023-12-31; data/regions/README.md)";

const TABLE: &str = include_str!("../../data/regions/gbt2260.csv");

/// The national level: not a GB/T 2260 code; the counterpart 全国 of 全国统筹 flows.
const NATIONAL_NAME: &str = "全国";

fn table() -> &'static BTreeMap<&'static str, &'static str> {
    static T: OnceLock<BTreeMap<&'static str, &'static str>> = OnceLock::new();
    T.get_or_init(|| {
        TABLE
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(','))
            .collect()
    })
}

/// The published name of a division code, if the table has it (`100000` is 全国).
pub fn name(code: &str) -> Option<&'static str> {
    if code == NATIONAL {
        return Some(NATIONAL_NAME);
    }
    table().get(code).copied()
}

/// `杭州市（330100）`, or the bare code when the table lacks it.
pub fn label(code: &str) -> String {
    match name(code) {
        Some(n) => format!("{n}（{code}）"),
        None => code.to_string(),
    }
}

/// The codes among `codes` that the table does not name, sorted, each once.
pub fn unnamed<'a>(codes: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = codes
        .into_iter()
        .filter(|c| name(c).is_none())
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_unique_and_well_formed() {
        let mut last = "";
        let mut n = 0;
        for l in TABLE.lines().skip(1) {
            let (code, name) = l.split_once(',').expect("code,name");
            assert!(
                code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
                "{l}"
            );
            assert!(code > last, "not sorted or repeated: {code} after {last}");
            assert!(
                !name.is_empty() && !name.contains(',') && name.trim() == name,
                "{l}"
            );
            last = code;
            n += 1;
        }
        assert_eq!(TABLE.lines().next(), Some("code,name"));
        let provinces = TABLE.lines().filter(|l| l[..6].ends_with("0000")).count();
        let cities = TABLE
            .lines()
            .skip(1)
            .filter(|l| l[..6].ends_with("00") && !l[..6].ends_with("0000"))
            .count();
        // 31 + 台湾, 香港, 澳门; every prefecture-level division of the 2023 list
        assert_eq!((provinces, cities), (34, 333));
        assert!(n > 400);
    }

    #[test]
    fn names_as_published() {
        assert_eq!(name("330100"), Some("杭州市"));
        assert_eq!(name("440300"), Some("深圳市"));
        assert_eq!(name("440100"), Some("广州市"));
        assert_eq!(name("320500"), Some("苏州市"));
        assert_eq!(name("440000"), Some("广东省"));
        assert_eq!(name("810000"), Some("香港特别行政区"));
        assert_eq!(name("100000"), Some("全国"));
        assert_eq!(name("449999"), None);
        assert_eq!(label("320100"), "南京市（320100）");
        assert_eq!(label("449999"), "449999");
        assert_eq!(unnamed(["449999", "440100", "449999"]), ["449999"]);
    }
}
