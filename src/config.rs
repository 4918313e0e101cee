//! The pipeline file (SPEC §3): raw TOML with unknown keys refused, then checked into a
//! [`Pipeline`]. Paths are relative to the pipeline file's folder.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::ids::is_region_code;
use crate::model::Scheme;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPipeline {
    dataset: String,
    year: i32,
    output: String,
    #[serde(default)]
    regions: Vec<String>,
    #[serde(default)]
    schemes: Vec<String>,
    #[serde(default)]
    strict: bool,
    #[serde(default)]
    max_reject_share: Option<f64>,
    #[serde(default)]
    fail_on: Vec<String>,
    #[serde(default)]
    assumptions: RawAssumptions,
    #[serde(default)]
    reconcile: RawReconcile,
    #[serde(default)]
    disclose: RawDisclose,
    #[serde(default)]
    consolidate: RawConsolidate,
    #[serde(default)]
    ledger: RawLedger,
    #[serde(default)]
    sub_funds: RawSubFunds,
    #[serde(default)]
    reserve: RawReserve,
    #[serde(default)]
    horizon: Option<u32>,
    #[serde(default)]
    scenarios: std::collections::BTreeMap<String, RawScenario>,
}

/// A named assumption set for `horizon` projections; unset keys take `[assumptions]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    wage_growth: Option<f64>,
    pension_adjustment: Option<f64>,
    interest_rate: Option<f64>,
    collection_rate: Option<f64>,
}

/// A scenario of the multi-year projection (`central` is `[assumptions]` itself).
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub name: String,
    pub wage_growth: Decimal,
    pub pension_adjustment: Decimal,
    pub interest_rate: Decimal,
    pub collection_rate: Decimal,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDisclose {
    min_persons: Option<u64>,
}

/// Disclosure settings. `min_persons` (default 10): head counts from 1 to `min_persons − 1`
/// are withheld from the public files.
#[derive(Debug, Clone, Serialize)]
pub struct DiscloseConfig {
    pub min_persons: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConsolidate {
    window_days: Option<i32>,
}

/// Consolidation settings. `window_days` (default [`DEFAULT_PAIR_WINDOW_DAYS`]): how far apart
/// the two levels' bookings of one 上解/补助 without a shared reference may be dated and still
/// pair on amount; also how close to the year's ends a lone flow must be to count as in transit
/// 在途. A decision of sifund, not a published rule.
#[derive(Debug, Clone, Serialize)]
pub struct ConsolidateConfig {
    pub window_days: i32,
}

/// Two weeks and a day: a quarter-end 上解 booked by a city on 28 December and by the province
/// in the first working days of January is 7–10 days apart; no rule fixes the interval.
pub const DEFAULT_PAIR_WINDOW_DAYS: i32 = 15;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLedger {
    trace: Option<bool>,
}

/// Ledger settings. `trace` (default false): also write `ledger/postings.parquet`, the voucher
/// of every accepted source row, for auditors who ask for it (the journal carries summary
/// vouchers 汇总记账凭证; the trace is the row-level 原始凭证 list behind them).
#[derive(Debug, Clone, Serialize)]
pub struct LedgerConfig {
    pub trace: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubFunds {
    account_rate: Option<f64>,
}

/// The parts of a fund 分账核算. `account_rate` (default 0.02, 国办发〔2021〕14号 "in
/// principle 2 % of the base"; [R]: the province sets it): the share of the contribution base
/// of a person's own 310 contribution credited to the individual account 个人账户.
#[derive(Debug, Clone, Serialize)]
pub struct SubFundConfig {
    pub account_rate: Decimal,
}

impl SubFundConfig {
    /// The rate in millionths (the config check allows at most six decimals, so this is exact).
    pub fn rate_ppm(&self) -> i64 {
        use rust_decimal::prelude::ToPrimitive;
        (self.account_rate * Decimal::from(1_000_000))
            .to_i64()
            .expect("account_rate checked within [0, 0.10]")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReserve {
    share: Option<f64>,
    cap: Option<f64>,
}

/// 410's reserve 储备金 (工伤保险条例 art. 17): the province sets its share, so sifund checks the
/// books against these when given and invents nothing when not. `share`: the expected share
/// of the year's contribution revenue set aside; `cap`: the largest share of the fund balance
/// the reserve may reach. Outside them: the warning `reserve_outside_policy`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReserveConfig {
    pub share: Option<Decimal>,
    pub cap: Option<Decimal>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReconcile {
    window_days: Option<i32>,
}

/// Reconciliation settings. `window_days` (default 3): how far apart a book item and a
/// statement line without a usable reference may be dated and still match on amount.
#[derive(Debug, Clone, Serialize)]
pub struct ReconcileConfig {
    pub window_days: i32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssumptions {
    wage_growth: Option<f64>,
    pension_adjustment: Option<f64>,
    interest_rate: Option<f64>,
    collection_rate: Option<f64>,
    mortality: Option<String>,
    medical_min_years_male: Option<u32>,
    medical_min_years_female: Option<u32>,
}

/// Budget-year assumptions. Defaults and their sources:
/// - `wage_growth` 0.05 — [R] recent nominal wage growth; set it per province.
/// - `pension_adjustment` 0.02 — the 2025 national 基本养老金调整 (DOMAIN.md §10.6, [S] S29).
/// - `interest_rate` 0.015 — [R] one-year deposit-like rate on fund balances.
/// - `collection_rate` 1.0 — all projected fees collected (征缴率).
/// - `mortality` "builtin" — the documented table of `model::mortality`, or a CSV path.
/// - `medical_min_years_male` 25, `medical_min_years_female` 20 — [R] the local minimum years
///   of employee medical insurance (职工医保最低缴费年限) after which a retiree pays no more
///   310 fees; set by each pooling region (25/20 is a common rule, e.g. Beijing). Whole years
///   from 1 to 50.
///
/// Growth rates lie in [-0.30, 0.30], `interest_rate` in [-0.10, 0.10], `collection_rate` in
/// [0, 1], `horizon` ≤ 50: a value outside is a config error (exit 2), see `GROWTH`.
#[derive(Debug, Clone, Serialize)]
pub struct Assumptions {
    pub wage_growth: Decimal,
    pub pension_adjustment: Decimal,
    pub interest_rate: Decimal,
    pub collection_rate: Decimal,
    pub mortality: String,
    pub medical_min_years_male: u32,
    pub medical_min_years_female: u32,
}

/// A checked pipeline.
#[derive(Debug, Clone, Serialize)]
pub struct Pipeline {
    /// As written in the file (the manifest records these, so it does not depend on where
    /// the checkout lives).
    pub dataset: String,
    pub year: i32,
    pub output: String,
    pub regions: Vec<String>,
    pub schemes: Vec<String>,
    pub strict: bool,
    /// More than this share of a table's rows rejected stops the run (exit 2): a wrong year or
    /// a broken extract is a configuration error, not a set of bad rows (SPEC §3, default 0.5).
    pub max_reject_share: Decimal,
    pub fail_on: Vec<String>,
    pub assumptions: Assumptions,
    pub reconcile: ReconcileConfig,
    pub disclose: DiscloseConfig,
    pub consolidate: ConsolidateConfig,
    pub ledger: LedgerConfig,
    pub sub_funds: SubFundConfig,
    pub reserve: ReserveConfig,
    /// Years projected into `budget/projection.csv` (0: none; the draft is always year + 1).
    pub horizon: u32,
    /// `central` (= `[assumptions]`) first, then the named `[scenarios]` in name order.
    pub scenarios: Vec<Scenario>,
    #[serde(skip)]
    pub dataset_path: PathBuf,
    /// The folder of the pipeline file (relative paths such as `mortality` start there).
    #[serde(skip)]
    pub base_path: PathBuf,
    #[serde(skip)]
    pub output_path: PathBuf,
}

/// Head counts below this are withheld from the public files (`[disclose] min_persons`).
pub const DEFAULT_MIN_PERSONS: u64 = 10;

/// `fail_on` values (SPEC §3).
pub const FAIL_ON: [&str; 2] = ["violations", "unreconciled"];

/// Exact decimal of a TOML float through its shortest decimal text (0.05 stays 0.05).
fn exact(v: f64, key: &str) -> Result<Decimal> {
    v.to_string()
        .parse::<Decimal>()
        .map_err(|_| Error::Config(format!("{key}: {v} is not a decimal")))
}

/// Bounds of the assumptions, in percent. Beyond them no projection is plausible, and within
/// them a 50-year projection of any dataset within `model::money::MAX_DATASET` fits exactly
/// (1.3⁵⁰ ≈ 5·10⁵, 1.1⁵⁰ ≈ 117: balances stay below 10²⁷ fen).
const GROWTH: (i64, i64) = (-30, 30);
const INTEREST: (i64, i64) = (-10, 10);
const SHARE: (i64, i64) = (0, 100);

/// A whole number of years from 1 to 50 (minimum contribution years), or its default.
fn years(v: Option<u32>, default: u32, key: &str) -> Result<u32> {
    let v = v.unwrap_or(default);
    match (1..=50).contains(&v) {
        true => Ok(v),
        false => Err(Error::Config(format!(
            "{key} = {v} is not a number of years from 1 to 50"
        ))),
    }
}

fn rate(v: Option<f64>, default: Decimal, key: &str, percent: (i64, i64)) -> Result<Decimal> {
    let d = match v {
        Some(v) => exact(v, key)?,
        None => default,
    };
    let range = (Decimal::new(percent.0, 2), Decimal::new(percent.1, 2));
    if d < range.0 || d > range.1 {
        return Err(Error::Config(format!(
            "{key} = {d} is outside [{}, {}]",
            range.0, range.1
        )));
    }
    Ok(d)
}

impl Pipeline {
    pub fn load(path: &Path) -> Result<Pipeline> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Pipeline::parse(&text, base).map_err(|e| match e {
            Error::Config(m) => Error::Config(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    pub fn parse(text: &str, base: &Path) -> Result<Pipeline> {
        let raw: RawPipeline = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        Pipeline::check(raw, base)
    }

    /// A pipeline from command-line arguments (stage commands without a pipeline file).
    pub fn from_args(dataset: &Path, year: i32, output: &Path) -> Result<Pipeline> {
        let raw = RawPipeline {
            dataset: dataset.to_string_lossy().into_owned(),
            year,
            output: output.to_string_lossy().into_owned(),
            regions: vec![],
            schemes: vec![],
            strict: false,
            max_reject_share: None,
            fail_on: vec![],
            assumptions: RawAssumptions::default(),
            reconcile: RawReconcile::default(),
            disclose: RawDisclose::default(),
            consolidate: RawConsolidate::default(),
            ledger: RawLedger::default(),
            sub_funds: RawSubFunds::default(),
            reserve: RawReserve::default(),
            horizon: None,
            scenarios: Default::default(),
        };
        Pipeline::check(raw, Path::new("."))
    }

    fn check(raw: RawPipeline, base: &Path) -> Result<Pipeline> {
        if !(1990..=2200).contains(&raw.year) {
            return Err(Error::Config(format!(
                "year = {} is not a plausible fiscal year",
                raw.year
            )));
        }
        for r in &raw.regions {
            if !is_region_code(r) {
                return Err(Error::Config(format!(
                    "regions: `{r}` is not a GB/T 2260 code"
                )));
            }
        }
        for s in &raw.schemes {
            if Scheme::from_code(s).is_none() {
                return Err(Error::Config(format!(
                    "schemes: `{s}` is not a scheme code (docs/inputs.md)"
                )));
            }
        }
        for f in &raw.fail_on {
            if !FAIL_ON.contains(&f.as_str()) {
                return Err(Error::Config(format!(
                    "fail_on: `{f}` is not one of {FAIL_ON:?}"
                )));
            }
        }
        let a = raw.assumptions;
        let assumptions = Assumptions {
            wage_growth: rate(
                a.wage_growth,
                Decimal::new(5, 2),
                "assumptions.wage_growth",
                GROWTH,
            )?,
            pension_adjustment: rate(
                a.pension_adjustment,
                Decimal::new(2, 2),
                "assumptions.pension_adjustment",
                GROWTH,
            )?,
            interest_rate: rate(
                a.interest_rate,
                Decimal::new(15, 3),
                "assumptions.interest_rate",
                INTEREST,
            )?,
            collection_rate: rate(
                a.collection_rate,
                Decimal::ONE,
                "assumptions.collection_rate",
                SHARE,
            )?,
            mortality: a.mortality.unwrap_or_else(|| "builtin".into()),
            medical_min_years_male: years(
                a.medical_min_years_male,
                25,
                "assumptions.medical_min_years_male",
            )?,
            medical_min_years_female: years(
                a.medical_min_years_female,
                20,
                "assumptions.medical_min_years_female",
            )?,
        };
        if assumptions.mortality != "builtin" {
            crate::model::mortality::Table::load(&assumptions.mortality, base)?;
        }
        let horizon = raw.horizon.unwrap_or(0);
        if horizon > 50 {
            return Err(Error::Config(format!(
                "horizon = {horizon} is above 50 years"
            )));
        }
        let mut scenarios = vec![Scenario {
            name: "central".into(),
            wage_growth: assumptions.wage_growth,
            pension_adjustment: assumptions.pension_adjustment,
            interest_rate: assumptions.interest_rate,
            collection_rate: assumptions.collection_rate,
        }];
        for (name, s) in raw.scenarios {
            if name == "central" {
                return Err(Error::Config(
                    "scenarios.central: the central scenario is [assumptions]".into(),
                ));
            }
            let c = &scenarios[0];
            let key = |k: &str| format!("scenarios.{name}.{k}");
            scenarios.push(Scenario {
                wage_growth: rate(s.wage_growth, c.wage_growth, &key("wage_growth"), GROWTH)?,
                pension_adjustment: rate(
                    s.pension_adjustment,
                    c.pension_adjustment,
                    &key("pension_adjustment"),
                    GROWTH,
                )?,
                interest_rate: rate(
                    s.interest_rate,
                    c.interest_rate,
                    &key("interest_rate"),
                    INTEREST,
                )?,
                collection_rate: rate(
                    s.collection_rate,
                    c.collection_rate,
                    &key("collection_rate"),
                    SHARE,
                )?,
                name,
            });
        }
        let window_days = raw.reconcile.window_days.unwrap_or(3);
        if !(0..=31).contains(&window_days) {
            return Err(Error::Config(format!(
                "reconcile.window_days = {window_days} is outside [0, 31]"
            )));
        }
        let pair_window = raw
            .consolidate
            .window_days
            .unwrap_or(DEFAULT_PAIR_WINDOW_DAYS);
        if !(0..=31).contains(&pair_window) {
            return Err(Error::Config(format!(
                "consolidate.window_days = {pair_window} is outside [0, 31]"
            )));
        }
        let account_rate = rate(
            raw.sub_funds.account_rate,
            Decimal::new(2, 2),
            "sub_funds.account_rate",
            (0, 10),
        )?;
        if account_rate.normalize().scale() > 6 {
            return Err(Error::Config(format!(
                "sub_funds.account_rate = {account_rate} has more than six decimals"
            )));
        }
        let share = |v: Option<f64>, key: &str| {
            v.map(|v| rate(Some(v), Decimal::ZERO, key, SHARE))
                .transpose()
        };
        let reserve = ReserveConfig {
            share: share(raw.reserve.share, "reserve.share")?,
            cap: share(raw.reserve.cap, "reserve.cap")?,
        };
        let min_persons = raw.disclose.min_persons.unwrap_or(DEFAULT_MIN_PERSONS);
        if min_persons == 0 {
            return Err(Error::Config(
                "disclose.min_persons must be at least 1".into(),
            ));
        }
        let mut regions = raw.regions;
        regions.sort();
        let mut schemes = raw.schemes;
        schemes.sort();
        Ok(Pipeline {
            dataset_path: base.join(&raw.dataset),
            output_path: base.join(&raw.output),
            base_path: base.to_path_buf(),
            horizon,
            scenarios,
            dataset: raw.dataset,
            year: raw.year,
            output: raw.output,
            regions,
            schemes,
            strict: raw.strict,
            max_reject_share: rate(
                raw.max_reject_share,
                Decimal::new(5, 1),
                "max_reject_share",
                SHARE,
            )?,
            fail_on: raw.fail_on,
            assumptions,
            reconcile: ReconcileConfig { window_days },
            disclose: DiscloseConfig { min_persons },
            consolidate: ConsolidateConfig {
                window_days: pair_window,
            },
            ledger: LedgerConfig {
                trace: raw.ledger.trace.unwrap_or(false),
            },
            sub_funds: SubFundConfig { account_rate },
            reserve,
        })
    }

    /// Is this fund inside the pipeline's `regions` / `schemes` filters?
    pub fn selects(&self, region: &str, scheme: &str) -> bool {
        (self.regions.is_empty() || self.regions.iter().any(|r| r == region))
            && (self.schemes.is_empty() || self.schemes.iter().any(|s| s == scheme))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = "dataset = \"d\"\nyear = 2025\noutput = \"o\"\n";

    #[test]
    fn defaults_and_relative_paths() {
        let p = Pipeline::parse(MIN, Path::new("/x/pipelines")).unwrap();
        assert_eq!(p.dataset_path, Path::new("/x/pipelines/d"));
        assert_eq!(p.assumptions.pension_adjustment, Decimal::new(2, 2));
        assert!(!p.strict);
    }

    #[test]
    fn sub_fund_and_reserve_keys() {
        let p = Pipeline::parse(MIN, Path::new(".")).unwrap();
        assert_eq!(p.sub_funds.rate_ppm(), 20_000);
        assert!(p.reserve.share.is_none() && p.reserve.cap.is_none());
        let p = Pipeline::parse(
            &format!("{MIN}[sub_funds]\naccount_rate = 0.015\n[reserve]\nshare = 0.1\ncap = 0.3\n"),
            Path::new("."),
        )
        .unwrap();
        assert_eq!(p.sub_funds.rate_ppm(), 15_000);
        assert_eq!(p.reserve.share, Some(Decimal::new(1, 1)));
        assert_eq!(p.reserve.cap, Some(Decimal::new(3, 1)));
        for bad in [
            "[sub_funds]\naccount_rate = 0.2\n",
            "[sub_funds]\naccount_rate = 0.0200001\n",
            "[reserve]\ncap = 1.5\n",
            "[reserve]\nshre = 0.1\n",
        ] {
            assert!(
                Pipeline::parse(&format!("{MIN}{bad}"), Path::new(".")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = Pipeline::parse(&format!("{MIN}strcit = true\n"), Path::new(".")).unwrap_err();
        assert!(e.to_string().contains("strcit"), "{e}");
        let e = Pipeline::parse(
            &format!("{MIN}[assumptions]\nwage_grwth = 0.1\n"),
            Path::new("."),
        )
        .unwrap_err();
        assert!(e.to_string().contains("wage_grwth"), "{e}");
    }

    #[test]
    fn values_are_checked() {
        assert!(Pipeline::parse(&format!("{MIN}schemes = [\"999\"]\n"), Path::new(".")).is_err());
        assert!(Pipeline::parse(&format!("{MIN}regions = [\"4401\"]\n"), Path::new(".")).is_err());
        assert!(Pipeline::parse(&format!("{MIN}fail_on = [\"typos\"]\n"), Path::new(".")).is_err());
        assert!(Pipeline::parse(
            &format!("{MIN}[consolidate]\nwindow_days = 32\n"),
            Path::new(".")
        )
        .is_err());
        assert!(Pipeline::parse(
            &format!("{MIN}[consolidate]\nwindow_dayz = 3\n"),
            Path::new(".")
        )
        .is_err());
        let p = Pipeline::parse(MIN, Path::new(".")).unwrap();
        assert_eq!(p.consolidate.window_days, 15);
        let a = &p.assumptions;
        assert_eq!(
            (a.medical_min_years_male, a.medical_min_years_female),
            (25, 20)
        );
        for bad in [
            "medical_min_years_male = 0",
            "medical_min_years_female = 51",
        ] {
            let text = format!("{MIN}[assumptions]\n{bad}\n");
            assert!(Pipeline::parse(&text, Path::new(".")).is_err(), "{bad}");
        }
        let text = format!("{MIN}[assumptions]\nmedical_min_years_male = 30\n");
        let p = Pipeline::parse(&text, Path::new(".")).unwrap();
        assert_eq!(p.assumptions.medical_min_years_male, 30);
        assert!(Pipeline::parse(
            &format!("{MIN}[assumptions]\ncollection_rate = 1.5\n"),
            Path::new(".")
        )
        .is_err());
        let p = Pipeline::parse(
            &format!("{MIN}[assumptions]\nwage_growth = 0.07\n"),
            Path::new("."),
        )
        .unwrap();
        assert_eq!(p.assumptions.wage_growth, Decimal::new(7, 2)); // exact, not 0.07000000000000001
    }
}
