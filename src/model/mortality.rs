//! Mortality table 生命表: one-year death probabilities qx by age and sex, in millionths.
//!
//! Decision: the basic schemes prescribe no life table for budgeting, so the built-in table is
//! a **model, by sex** — **[R]**, no published table: a Gompertz curve with a childhood term,
//!
//!   qx = c·e^(−1.5x) + a·e^(b(x − 30)), capped at 0.35, closed at age 110 (q = 1),
//!
//! men a = 0.00108, b = 0.083, c = 0.0045; women a = 0.0005, b = 0.090, c = 0.0040. The
//! parameters are chosen so that life expectancy at birth is that of China's 2020 census
//! (men 75.4, women 80.9 years) and women's qx at 60–80 is 0.57–0.66 of men's (q60: 1.30 % and
//! 0.74 %; q80: 6.9 % and 4.5 %); the childhood term gives an infant mortality near 4.5 ‰.
//! Women live longer and retire earlier: a unisex curve would under-project pension months.
//! For real drafts name a CSV (`mortality = "path.csv"`, columns `age,sex,qx`), e.g. the
//! 中国人身保险业经验生命表 pension tables (养老类业务表) of the insurance regulator.
//! `sifund generate` does not use this table: its world has a mortality of its own.

use std::path::Path;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::error::{Error, Result};

/// One million: probabilities are integer millionths (ppm).
pub const PPM: i64 = 1_000_000;

// The built-in qx in ppm for ages 0..=110 (see the module note), from the formula above.
/// Men: e₀ ≈ 75.3 years.
#[rustfmt::skip]
const BUILTIN_MALE: [u32; 111] = [
    4590, 1101, 330, 165, 136, 138, 148, 160, 174, 189, 205, 223,
    242, 263, 286, 311, 338, 367, 399, 433, 471, 512, 556, 604,
    656, 713, 775, 842, 915, 994, 1080, 1173, 1275, 1385, 1505, 1636,
    1777, 1931, 2098, 2280, 2477, 2691, 2924, 3177, 3452, 3751, 4075, 4428,
    4811, 5228, 5680, 6172, 6706, 7286, 7917, 8602, 9346, 10155, 11034, 11989,
    13026, 14153, 15378, 16709, 18155, 19726, 21434, 23289, 25304, 27494, 29873, 32458,
    35267, 38320, 41636, 45239, 49154, 53408, 58030, 63052, 68509, 74438, 80880, 87879,
    95484, 103748, 112726, 122482, 133081, 144599, 157112, 170709, 185483, 201535, 218976, 237926,
    258517, 280889, 305198, 331610, 350000, 350000, 350000, 350000, 350000, 350000, 350000, 350000,
    350000, 350000, 1000000,
];
/// Women: e₀ ≈ 81.2 years.
#[rustfmt::skip]
const BUILTIN_FEMALE: [u32; 111] = [
    4034, 929, 239, 88, 58, 55, 58, 63, 69, 76, 83, 90,
    99, 108, 118, 130, 142, 155, 170, 186, 203, 222, 243, 266,
    291, 319, 349, 382, 418, 457, 500, 547, 599, 655, 717, 784,
    858, 939, 1027, 1124, 1230, 1346, 1472, 1611, 1763, 1929, 2110, 2309,
    2527, 2764, 3025, 3310, 3621, 3962, 4336, 4744, 5191, 5679, 6214, 6800,
    7440, 8141, 8907, 9746, 10664, 11668, 12767, 13969, 15285, 16724, 18299, 20022,
    21908, 23971, 26229, 28699, 31401, 34359, 37594, 41135, 45009, 49247, 53885, 58960,
    64512, 70587, 77235, 84509, 92467, 101175, 110703, 121129, 132536, 145017, 158674, 173617,
    189967, 207858, 227432, 248851, 272286, 297928, 325985, 350000, 350000, 350000, 350000, 350000,
    350000, 350000, 1000000,
];

/// A life table: qx by sex (`[male, female]`) and age.
#[derive(Debug, Clone)]
pub struct Table {
    pub source: String,
    q: [Vec<u32>; 2],
}

impl Table {
    pub fn builtin() -> Table {
        Table {
            source:
                "builtin model by sex: qx = c·e^(−1.5x) + a·e^(b(x−30)), men a 0.00108 b 0.083 \
                     c 0.0045, women a 0.0005 b 0.090 c 0.0040, cap 0.35, ω = 110 [R]"
                    .into(),
            q: [BUILTIN_MALE.to_vec(), BUILTIN_FEMALE.to_vec()],
        }
    }

    /// `builtin` or a CSV path (relative to the pipeline's folder).
    pub fn load(spec: &str, base: &Path) -> Result<Table> {
        if spec == "builtin" {
            return Ok(Table::builtin());
        }
        let path = base.join(spec);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::Config(format!("mortality {}: {e}", path.display())))?;
        Table::parse(&text, &path.display().to_string())
    }

    /// Parses `age,sex,qx`; every age from 0 up to the table's last age must be given for
    /// both sexes, qx in [0, 1].
    pub fn parse(text: &str, name: &str) -> Result<Table> {
        let bad = |line: usize, why: &str| Error::Config(format!("{name}: line {line}: {why}"));
        let mut q: [Vec<Option<u32>>; 2] = [Vec::new(), Vec::new()];
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, h)) if h.trim().replace(' ', "") == "age,sex,qx" => {}
            _ => return Err(bad(1, "header must be age,sex,qx")),
        }
        for (i, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split(',').map(str::trim).collect();
            if f.len() != 3 {
                return Err(bad(i + 1, "expected 3 fields"));
            }
            let age: usize = f[0]
                .parse()
                .ok()
                .filter(|a| *a <= 130)
                .ok_or_else(|| bad(i + 1, "age must be an integer 0..=130"))?;
            let sex = match f[1] {
                "M" => 0,
                "F" => 1,
                _ => return Err(bad(i + 1, "sex must be M or F")),
            };
            let qx: Decimal = f[2]
                .parse()
                .ok()
                .filter(|d: &Decimal| *d >= Decimal::ZERO && *d <= Decimal::ONE)
                .ok_or_else(|| bad(i + 1, "qx must be a decimal in [0, 1]"))?;
            let ppm = (qx * Decimal::from(PPM))
                .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                .to_u32()
                .expect("in [0, 1e6]");
            let v = &mut q[sex];
            if v.len() <= age {
                v.resize(age + 1, None);
            }
            if v[age].replace(ppm).is_some() {
                return Err(bad(i + 1, "age and sex given twice"));
            }
        }
        let mut out: [Vec<u32>; 2] = [Vec::new(), Vec::new()];
        for s in 0..2 {
            for (age, v) in q[s].iter().enumerate() {
                out[s].push(v.ok_or_else(|| {
                    Error::Config(format!(
                        "{name}: no qx for age {age}, sex {}",
                        ["M", "F"][s]
                    ))
                })?);
            }
            if out[s].is_empty() {
                return Err(Error::Config(format!(
                    "{name}: no rows for sex {}",
                    ["M", "F"][s]
                )));
            }
        }
        Ok(Table {
            source: name.to_string(),
            q: out,
        })
    }

    /// qx in ppm, or `None` past the table's last age.
    pub fn qx(&self, male: bool, age: i32) -> Option<i64> {
        let v = &self.q[usize::from(!male)];
        usize::try_from(age)
            .ok()
            .and_then(|a| v.get(a))
            .map(|&q| q as i64)
    }

    /// The last age of the table for a sex.
    pub fn last_age(&self, male: bool) -> i32 {
        self.q[usize::from(!male)].len() as i32 - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_the_documented_curve_by_sex() {
        let curve = |x: f64, a: f64, b: f64, c: f64| {
            (c * (-1.5 * x).exp() + a * (b * (x - 30.0)).exp()).min(0.35)
        };
        for age in 0..110 {
            let x = age as f64;
            let (m, f) = (
                BUILTIN_MALE[age] as f64 / 1e6,
                BUILTIN_FEMALE[age] as f64 / 1e6,
            );
            assert!(
                (m - curve(x, 0.00108, 0.083, 0.0045)).abs() <= 0.5e-6,
                "male {age}"
            );
            assert!(
                (f - curve(x, 0.0005, 0.090, 0.0040)).abs() <= 0.5e-6,
                "female {age}"
            );
            if age >= 5 {
                assert!(BUILTIN_MALE[age + 1] >= BUILTIN_MALE[age]);
                assert!(BUILTIN_FEMALE[age + 1] >= BUILTIN_FEMALE[age]);
            }
        }
        assert_eq!(
            (BUILTIN_MALE[110], BUILTIN_FEMALE[110]),
            (1_000_000, 1_000_000)
        );
    }

    /// The calibration the module note states: e₀ of the 2020 census, women's qx at 60–80
    /// 0.55–0.7 of men's.
    #[test]
    fn builtin_matches_its_calibration() {
        let e0 = |q: &[u32]| {
            let (mut alive, mut years) = (1.0f64, 0.0);
            for &qx in q {
                let qx = qx as f64 / 1e6;
                years += alive * (1.0 - qx / 2.0);
                alive *= 1.0 - qx;
            }
            years
        };
        assert!(
            (e0(&BUILTIN_MALE) - 75.4).abs() < 0.3,
            "{}",
            e0(&BUILTIN_MALE)
        );
        assert!(
            (e0(&BUILTIN_FEMALE) - 80.9).abs() < 0.4,
            "{}",
            e0(&BUILTIN_FEMALE)
        );
        for age in 60..=80 {
            let r = BUILTIN_FEMALE[age] as f64 / BUILTIN_MALE[age] as f64;
            assert!((0.55..0.7).contains(&r), "age {age}: {r}");
        }
        let t = Table::builtin();
        assert!(t.qx(false, 70).unwrap() < t.qx(true, 70).unwrap());
    }

    #[test]
    fn csv_tables_are_checked() {
        let t = Table::parse("age,sex,qx\n0,M,0.001\n1,M,0.5\n0,F,0.0005\n", "t").unwrap();
        assert_eq!(t.qx(true, 1), Some(500_000));
        assert_eq!(t.qx(false, 0), Some(500));
        assert_eq!(t.qx(false, 1), None);
        assert_eq!(t.last_age(true), 1);
        for bad in [
            "age,sex,q\n",
            "age,sex,qx\n0,X,0.1\n0,F,0.1\n",
            "age,sex,qx\n0,M,1.5\n0,F,0.1\n",
            "age,sex,qx\n1,M,0.1\n0,F,0.1\n",
            "age,sex,qx\n0,M,0.1\n",
            "age,sex,qx\n0,M,0.1\n0,M,0.2\n0,F,0.1\n",
        ] {
            assert!(Table::parse(bad, "t").is_err(), "{bad:?} accepted");
        }
    }
}
