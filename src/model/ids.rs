//! Identifier codes (DOMAIN.md §9): 公民身份号码 (GB 11643, MOD 11-2), 统一社会信用代码
//! (GB 32100, mod 31 with the inner GB 11714 check) and 行政区划代码 (GB/T 2260).

use super::date::{try_day, Day};

/// Why a citizen ID is not valid. Each variant is a reject reason of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdError {
    /// Not 18 characters of digits (with an optional final `X`).
    Format,
    /// The address part is not a known province prefix.
    Region,
    /// Characters 7–14 are not a calendar date.
    BirthDate,
    /// The MOD 11-2 check character is wrong.
    CheckDigit,
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The MOD 11-2 check character for the first 17 digits (ISO 7064).
pub fn citizen_id_check(d17: &[u8]) -> u8 {
    let s: u32 = d17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(&c, w)| (c - b'0') as u32 * w)
        .sum();
    ID_CHECK[(s % 11) as usize]
}

/// A parsed, valid citizen ID: birth date and sex are read from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CitizenId {
    pub birth: Day,
    pub male: bool,
}

/// Validates an 18-character citizen ID 公民身份号码.
pub fn parse_citizen_id(id: &str) -> Result<CitizenId, IdError> {
    let b = id.as_bytes();
    if b.len() != 18
        || !b[..17].iter().all(u8::is_ascii_digit)
        || !(b[17].is_ascii_digit() || b[17] == b'X')
    {
        return Err(IdError::Format);
    }
    if !is_province_prefix(&b[..2]) {
        return Err(IdError::Region);
    }
    let num = |r: std::ops::Range<usize>| -> u32 {
        b[r].iter().fold(0, |a, &c| a * 10 + (c - b'0') as u32)
    };
    let birth = try_day(num(6..10) as i32, num(10..12), num(12..14)).ok_or(IdError::BirthDate)?;
    if citizen_id_check(&b[..17]) != b[17] {
        return Err(IdError::CheckDigit);
    }
    Ok(CitizenId {
        birth,
        male: (b[16] - b'0') % 2 == 1,
    })
}

/// Builds a valid citizen ID from its parts (generator and tests).
pub fn make_citizen_id(region: u32, y: i32, m: u32, d: u32, seq: u32) -> String {
    let mut s = format!("{region:06}{y:04}{m:02}{d:02}{seq:03}");
    let c = citizen_id_check(s.as_bytes());
    s.push(c as char);
    s
}

/// GB 32100 character set: digits and capitals without I, O, S, V, Z.
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Value of each byte in the GB 32100 set, 255 where it is not in the set.
const USCC_VALUES: [u8; 256] = {
    let mut t = [255u8; 256];
    let mut i = 0;
    while i < USCC_CHARS.len() {
        t[USCC_CHARS[i] as usize] = i as u8;
        i += 1;
    }
    t
};

fn uscc_value(c: u8) -> Option<u32> {
    match USCC_VALUES[c as usize] {
        255 => None,
        v => Some(v as u32),
    }
}

/// The 18th (check) character of a unified social credit code, from the first 17.
pub fn uscc_check(c17: &[u8]) -> Option<u8> {
    let mut s = 0;
    for (&c, w) in c17.iter().zip(USCC_WEIGHTS) {
        s += uscc_value(c)? * w;
    }
    Some(USCC_CHARS[((31 - s % 31) % 31) as usize])
}

/// The check character of the inner 组织机构代码 (GB 11714) over its 8 body characters.
pub fn org_code_check(c8: &[u8]) -> Option<u8> {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let mut s = 0;
    for (&c, w) in c8.iter().zip(W) {
        let v = match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'A'..=b'Z' => (c - b'A') as u32 + 10,
            _ => return None,
        };
        s += v * w;
    }
    Some(match 11 - s % 11 {
        11 => b'0',
        10 => b'X',
        r => b'0' + r as u8,
    })
}

/// How a unified social credit code 统一社会信用代码 checks out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsccCheck {
    Valid,
    /// Well-formed, but the 18th character is wrong: a warning, not a reject (SPEC §2).
    BadCheckChar,
    /// Not 18 characters of the GB 32100 set: not a credit code at all.
    Malformed,
}

pub fn check_uscc(code: &str) -> UsccCheck {
    let b = code.as_bytes();
    if b.len() != 18 || !b.iter().all(|&c| uscc_value(c).is_some()) {
        return UsccCheck::Malformed;
    }
    match uscc_check(&b[..17]) {
        Some(c) if c == b[17] => UsccCheck::Valid,
        _ => UsccCheck::BadCheckChar,
    }
}

/// Builds a valid credit code: registering authority 9, type 1 (enterprise), region, and an
/// organisation code derived from `serial` (generator and tests).
pub fn make_uscc(region: u32, serial: u64) -> String {
    const ORG: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut body = [0u8; 8];
    let mut n = serial;
    for slot in body.iter_mut().rev() {
        *slot = ORG[(n % 10) as usize]; // digits only: they are valid in both alphabets
        n /= 10;
    }
    let org_check = org_code_check(&body).expect("digits");
    // GB 32100 has no 'X' at position 17 in its alphabet? It has X; '0'..'9' and 'X' are both valid.
    let mut s = format!("91{region:06}");
    s.push_str(std::str::from_utf8(&body).expect("ascii"));
    s.push(org_check as char);
    let c = uscc_check(s.as_bytes()).expect("valid chars");
    s.push(c as char);
    s
}

/// Province prefixes of GB/T 2260 (DOMAIN.md §9.1).
const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

fn is_province_prefix(two: &[u8]) -> bool {
    two.len() == 2
        && two.iter().all(u8::is_ascii_digit)
        && PROVINCES.contains(&((two[0] - b'0') * 10 + (two[1] - b'0')))
}

/// Structural check of a 6-digit administrative division code: known province prefix.
/// (The yearly 民政部 code list is not bundled; see ARCHITECTURE.md "deliberately absent".)
pub fn is_region_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 6 && b.iter().all(u8::is_ascii_digit) && is_province_prefix(&b[..2])
}

/// The national level 中央 as the other side of a flow: the central adjustment fund of
/// enterprise pensions 全国统筹 (since 2022) receives provinces' 上解 and makes its 下拨. GB/T
/// 2260 lists no code for the whole country; `100000` is the one statistical tables put beside
/// the list for 全国. Allowed only as a `counter_region`, never as a fund's own region.
pub const NATIONAL: &str = "100000";

/// A `counter_region`: a division code, or [`NATIONAL`].
pub fn is_counter_region(code: &str) -> bool {
    code == NATIONAL || is_region_code(code)
}

/// Administrative level of a division code: province `PP0000`, city `PPCC00`, county otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
}

pub fn level_of(code: &str) -> Level {
    if code.ends_with("0000") {
        Level::Province
    } else if code.ends_with("00") {
        Level::City
    } else {
        Level::County
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_code_only_as_counter_region() {
        assert!(is_counter_region(NATIONAL) && is_counter_region("440000"));
        assert!(!is_region_code(NATIONAL));
        assert!(!is_counter_region("100100") && !is_counter_region("000000"));
    }

    #[test]
    fn citizen_id_published_example() {
        // GB 11643 standard example (DOMAIN.md §9.3)
        let p = parse_citizen_id("11010519491231002X").unwrap();
        assert_eq!(p.birth, crate::model::date::day(1949, 12, 31));
        assert!(!p.male); // sequence 002 is even: female
        assert_eq!(citizen_id_check(b"11010519491231002"), b'X');
    }

    #[test]
    fn citizen_id_failures() {
        assert_eq!(
            parse_citizen_id("110105194912310021"),
            Err(IdError::CheckDigit)
        );
        assert_eq!(parse_citizen_id("11010519491231002"), Err(IdError::Format));
        assert_eq!(parse_citizen_id("11010519491231002x"), Err(IdError::Format));
        assert_eq!(parse_citizen_id("990105194912310020"), Err(IdError::Region));
        let bad_date = make_citizen_id(110105, 1949, 2, 30, 2);
        assert_eq!(bad_date.len(), 17 + 1);
        assert_eq!(parse_citizen_id(&bad_date), Err(IdError::BirthDate));
    }

    #[test]
    fn made_ids_are_valid() {
        let id = make_citizen_id(440106, 1965, 5, 17, 123);
        let p = parse_citizen_id(&id).unwrap();
        assert!(p.male);
        assert_eq!(p.birth, crate::model::date::day(1965, 5, 17));
    }

    #[test]
    fn uscc_published_examples() {
        for ok in [
            "91350200776049653A",
            "91350500798359476R",
            "91350503MA31DKY80A",
            "91440101MA5CJQ4N59",
            "913502000728319549",
            "123502001549897397",
        ] {
            assert_eq!(check_uscc(ok), UsccCheck::Valid, "{ok}");
        }
        assert_eq!(check_uscc("91350203M0001QAY9B"), UsccCheck::BadCheckChar);
        assert_eq!(check_uscc("91350203M0001QAY9"), UsccCheck::Malformed);
        assert_eq!(check_uscc("9135020OM0001QAY9B"), UsccCheck::Malformed); // letter O is not in the set
        assert_eq!(uscc_check(b"91350200776049653"), Some(b'A'));
    }

    #[test]
    fn made_uscc_are_valid() {
        for serial in [0, 1, 77_604_965, 99_999_999] {
            let c = make_uscc(440106, serial);
            assert_eq!(check_uscc(&c), UsccCheck::Valid, "{c}");
        }
    }

    #[test]
    fn region_codes_and_levels() {
        assert!(is_region_code("440100"));
        assert!(!is_region_code("990100"));
        assert!(!is_region_code("44010"));
        assert_eq!(level_of("440000"), Level::Province);
        assert_eq!(level_of("440100"), Level::City);
        assert_eq!(level_of("440106"), Level::County);
    }
}
