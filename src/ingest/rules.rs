//! Row rules of SPEC §2, one function per table. A row passes, or fails with the code of the
//! first rule it breaks (`<column>.<rule>`), checked in column order. Every code is listed in
//! [`RULES`] with its meaning; tests hold one failing and one passing row for each.

use crate::model::catalog::{self, benefit, benefit_valid_for, is_budget_item, Account, Scheme};
use crate::model::date::{split_period, Day};
use crate::model::ids::{self, check_uscc, parse_citizen_id, IdError, UsccCheck};
use crate::model::money::{MAX_CELL, MAX_PERSON_MONTH};
use crate::model::Fen;

/// A money cell: null, a value in fen, or a value too large for i64 fen.
/// Both that and a value beyond [`MAX_CELL`] are rejected as `<column>.implausible`.
pub type Amt = Option<Result<Fen, ()>>;

/// What a row rule needs to know about the run.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub year: i32,
    pub first_day: Day,
    pub last_day: Day,
    /// Rejected rows per million rows of a table above which ingestion stops (exit 2).
    pub max_reject_ppm: u64,
}

impl Ctx {
    /// Rules of `year`; no reject share stops the run.
    pub fn new(year: i32) -> Ctx {
        let (first_day, last_day) = crate::model::date::year_bounds(year);
        Ctx {
            year,
            first_day,
            last_day,
            max_reject_ppm: 1_000_000,
        }
    }

    /// The pipeline's `max_reject_share`, in rows per million (rounded down).
    pub fn with_max_reject_share(mut self, share: rust_decimal::Decimal) -> Ctx {
        use rust_decimal::prelude::ToPrimitive;
        let ppm = (share * rust_decimal::Decimal::from(1_000_000)).floor();
        self.max_reject_ppm = ppm.to_u64().unwrap_or(1_000_000);
        self
    }
    fn in_year(&self, d: Day) -> bool {
        (self.first_day..=self.last_day).contains(&d)
    }
}

/// The code of the broken rule, `column.rule`.
pub type Fail = &'static str;
type R<T = ()> = Result<T, Fail>;

/// Warnings are counted in the manifest by code ([`WARNINGS`]); the row is kept.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Warnings {
    pub counts: std::collections::BTreeMap<&'static str, u64>,
}

impl Warnings {
    pub fn add(&mut self, code: &'static str) {
        *self.counts.entry(code).or_default() += 1;
    }
    pub fn merge(&mut self, other: &Warnings) {
        for (k, n) in &other.counts {
            *self.counts.entry(k).or_default() += n;
        }
    }
    /// Takes back warnings counted earlier (of rows rejected after their rules passed).
    pub fn remove(&mut self, other: &Warnings) -> Result<(), String> {
        for (k, n) in &other.counts {
            let c = self.counts.get_mut(k).filter(|c| **c >= *n);
            let c = c.ok_or_else(|| format!("warning {k}: {n} taken back, fewer counted"))?;
            *c -= n;
            if *c == 0 {
                self.counts.remove(k);
            }
        }
        Ok(())
    }
    pub fn of(&self, code: &str) -> u64 {
        self.counts.get(code).copied().unwrap_or(0)
    }
}

/// Every warning: (table, code, meaning). The row is accepted and counted here. A person row
/// that the census can use but the budget cannot project is kept: it counts as a participant
/// and is left out of the projection with the reason the manifest's budget section names.
pub const WARNINGS: &[(&str, &str, &str)] = &[
    ("contributions", "employer_id.check_char", "wrong GB 32100 check character of a well-formed credit code: real registries hold such codes"),
    ("persons", "monthly_base.null", "contributing to an employee scheme without a base: a participant, not projected (budget exclusion contributing_without_base)"),
    ("persons", "benefit_start.null", "receiving a pension without its first month: a participant, projected without it (not counted as a new retiree)"),
    ("persons", "monthly_benefit.null", "receiving a pension without its amount: a participant, not projected (budget exclusion receiving_without_benefit)"),
];

/// Every rule: (table, code, meaning). The manifest and `rejects/` use the codes.
pub const RULES: &[(&str, &str, &str)] = &[
    ("*", "<column>.null", "a required value is null"),
    ("*", "<column>.implausible", "an amount beyond ±10¹³ yuan (10 万亿元), or a person's monthly base or pension beyond 10⁶ yuan"),
    ("*", "<key>.duplicate", "the row's key was already accepted earlier in the table"),
    ("*", "region.unknown", "not a 6-digit GB/T 2260 code with a known province prefix"),
    ("*", "scheme.unknown", "not one of the scheme codes (docs/inputs.md)"),
    ("*", "person_id.format", "not 18 digits (last may be X)"),
    ("*", "person_id.region", "address code has no known province prefix"),
    ("*", "person_id.birth_date", "characters 7-14 are not a calendar date"),
    ("*", "person_id.check_digit", "GB 11643 MOD 11-2 check character is wrong"),
    ("contributions", "employer_id.malformed", "not 18 characters of the GB 32100 set"),
    ("contributions", "employer_id.null", "an employee line without its employer"),
    ("contributions", "person_id.null", "null person outside employer-level lines of 410/510"),
    ("contributions", "payer_kind.unknown", "not employee, flexible, resident or fund"),
    ("contributions", "payer_kind.scheme", "payer kind not possible for the scheme"),
    ("contributions", "period.invalid", "not a yyyymm month"),
    ("contributions", "period.outside_window", "normal fees: not within the year ±1; back pay: after the year"),
    ("contributions", "received_on.outside_year", "not in the run's year"),
    ("contributions", "account.not_receiving", "fees arrive only in the income or fiscal account"),
    ("contributions", "base.null", "an employee or flexible worker's line without its base"),
    ("contributions", "base.negative", "negative contribution base"),
    ("contributions", "employer_amount.negative", "negative amount"),
    ("contributions", "individual_amount.negative", "negative amount"),
    ("contributions", "late_fee.negative", "negative amount"),
    ("contributions", "kind.unknown", "not normal, back_pay or refund"),
    ("payouts", "person_id.null", "null person for a payee that is a person or fund"),
    ("payouts", "payee_kind.unknown", "not person, institution, employer or fund"),
    ("payouts", "benefit.unknown", "not a benefit item (docs/accounting.md)"),
    ("payouts", "benefit.scheme", "benefit item not valid for the scheme"),
    ("payouts", "benefit.payee", "recurring benefit paid to a non-person, or a fund payee for other than 210 medical_premium"),
    ("payouts", "period.invalid", "not a yyyymm month"),
    ("payouts", "period.outside_window", "more than 5 years before, or after, the run's year"),
    ("payouts", "paid_on.outside_year", "not in the run's year"),
    ("payouts", "amount.not_positive", "amount must be > 0"),
    ("payouts", "returned_on.invalid", "before paid_on or outside the run's year"),
    ("fund_flows", "date.outside_year", "not in the run's year"),
    ("fund_flows", "kind.unknown", "not a flow kind (docs/inputs.md)"),
    ("fund_flows", "from_account.unknown", "not an account or external"),
    ("fund_flows", "to_account.unknown", "not an account or external"),
    ("fund_flows", "to_account.same", "from and to are the same"),
    ("fund_flows", "to_account.not_same", "a transfer between the parts of a fund (account_credit, reserve_set_aside, reserve_release) names one account, the one holding the money, as both from and to"),
    ("fund_flows", "amount.not_positive", "amount must be > 0"),
    (
        "fund_flows",
        "counter_region.unknown",
        "not a GB/T 2260 code nor 100000 (national)",
    ),
    (
        "fund_flows",
        "counter_region.national",
        "100000 (the national level) is a counterpart of 110 only: the central adjustment 全国统筹 of the enterprise pension",
    ),
    ("fund_flows", "counter_scheme.unknown", "not a scheme code"),
    ("statements", "account.unknown", "not income, fiscal or expense"),
    ("statements", "date.outside_year", "not in the run's year"),
    ("statements", "direction.unknown", "not in or out"),
    ("statements", "amount.not_positive", "amount must be > 0"),
    ("opening_balances", "account.unknown", "not income, expense, fiscal or investment"),
    ("opening_balances", "statement.null", "a bank account without its statement balance"),
    ("sub_fund_balances", "sub_fund.unknown", "not pooled, account or reserve"),
    ("sub_fund_balances", "sub_fund.scheme", "account is a part of 310 only, reserve of 410 only"),
    ("sub_fund_balances", "opening.negative", "an individual account part or a reserve cannot be overdrawn"),
    ("persons", "sex.unknown", "not M or F"),
    ("persons", "sex.mismatch_id", "sex differs from the citizen ID's sequence digit"),
    ("persons", "birth_date.mismatch_id", "birth date differs from the citizen ID"),
    ("persons", "category.unknown", "not male, female_worker, female_staff or resident"),
    ("persons", "category.mismatch", "category does not fit the sex or the scheme"),
    ("persons", "status.unknown", "not a status (docs/inputs.md)"),
    ("persons", "enrolled_on.invalid", "before birth or after the year"),
    ("persons", "contribution_months.invalid", "negative, or more months than since the minimum age of the scheme (16; residents\u{2019} medical insurance from birth, in whole years, the next one paid ahead)"),
    ("persons", "monthly_base.negative", "negative base"),
    ("persons", "benefit_start.invalid", "not a yyyymm month, or after the year"),
    ("persons", "monthly_benefit.negative", "negative benefit"),
    ("deaths", "death_date.invalid", "after the run's year or before 1900"),
    ("deaths", "source.unknown", "not police, civil_affairs, health or court"),
    ("budget", "item.unknown", "not an item key (docs/accounting.md)"),
    ("budget", "amount.negative", "negative budget amount"),
];

// ---- shared cell checks -------------------------------------------------------------------

fn req<T>(v: Option<T>, null: Fail) -> R<T> {
    v.ok_or(null)
}

fn amount(v: Amt, null: Fail, implausible: Fail) -> R<Fen> {
    let v = req(v, null)?.map_err(|_| implausible)?;
    (v.abs() <= MAX_CELL).then_some(v).ok_or(implausible)
}

fn opt_amount(v: Amt, implausible: Fail) -> R<Option<Fen>> {
    v.map(|v| amount(Some(v), implausible, implausible))
        .transpose()
}

/// A person's monthly value: also at most [`MAX_PERSON_MONTH`].
fn person_month(v: Option<Fen>, implausible: Fail) -> R<Option<Fen>> {
    match v {
        Some(b) if b > MAX_PERSON_MONTH => Err(implausible),
        v => Ok(v),
    }
}

fn region(v: Option<&str>) -> R {
    ids::is_region_code(req(v, "region.null")?)
        .then_some(())
        .ok_or("region.unknown")
}

fn scheme(v: Option<&str>) -> R<Scheme> {
    Scheme::from_code(req(v, "scheme.null")?).ok_or("scheme.unknown")
}

fn citizen_id(id: &str) -> R<ids::CitizenId> {
    parse_citizen_id(id).map_err(|e| match e {
        IdError::Format => "person_id.format",
        IdError::Region => "person_id.region",
        IdError::BirthDate => "person_id.birth_date",
        IdError::CheckDigit => "person_id.check_digit",
    })
}

fn period(v: Option<i32>) -> R<(i32, u32)> {
    split_period(req(v, "period.null")?).ok_or("period.invalid")
}

// ---- contributions 缴费到账明细 -------------------------------------------------------------

#[derive(Debug, Clone, Copy, Default)]
pub struct Contribution<'a> {
    pub txn_id: Option<&'a str>,
    pub region: Option<&'a str>,
    pub scheme: Option<&'a str>,
    pub person_id: Option<&'a str>,
    pub employer_id: Option<&'a str>,
    pub payer_kind: Option<&'a str>,
    pub period: Option<i32>,
    pub received_on: Option<Day>,
    pub account: Option<&'a str>,
    pub receipt_ref: Option<&'a str>,
    pub base: Amt,
    pub employer_amount: Amt,
    pub individual_amount: Amt,
    pub late_fee: Amt,
    pub kind: Option<&'a str>,
}

pub fn check_contribution(r: &Contribution, ctx: &Ctx, warn: &mut Warnings) -> R {
    req(r.txn_id, "txn_id.null")?;
    region(r.region)?;
    let scheme = scheme(r.scheme)?;
    let payer = req(r.payer_kind, "payer_kind.null")?;
    let payer_ok = match payer {
        "employee" => !scheme.is_resident(),
        "flexible" => matches!(scheme, Scheme::EnterprisePension | Scheme::EmployeeMedical),
        "resident" => scheme.is_resident(),
        "fund" => scheme == Scheme::EmployeeMedical,
        _ => return Err("payer_kind.unknown"),
    };
    match r.person_id {
        Some(id) => {
            citizen_id(id)?;
        }
        None => {
            let employer_level = matches!(scheme, Scheme::WorkInjury | Scheme::Maternity)
                && payer == "employee"
                && r.employer_id.is_some();
            if !employer_level {
                return Err("person_id.null");
            }
        }
    }
    match r.employer_id {
        Some(code) => match check_uscc(code) {
            UsccCheck::Valid => {}
            UsccCheck::BadCheckChar => warn.add("employer_id.check_char"),
            UsccCheck::Malformed => return Err("employer_id.malformed"),
        },
        None if payer == "employee" => return Err("employer_id.null"),
        None => {}
    }
    if !payer_ok {
        return Err("payer_kind.scheme");
    }
    let (py, _) = period(r.period)?;
    let kind = r.kind; // checked last, but the period window depends on it
    let received = req(r.received_on, "received_on.null")?;
    let account = req(r.account, "account.null")?;
    let mut base = opt_amount(r.base, "base.implausible")?;
    if r.person_id.is_some() {
        base = person_month(base, "base.implausible")?;
    }
    let employer = amount(
        r.employer_amount,
        "employer_amount.null",
        "employer_amount.implausible",
    )?;
    let individual = amount(
        r.individual_amount,
        "individual_amount.null",
        "individual_amount.implausible",
    )?;
    let late = amount(r.late_fee, "late_fee.null", "late_fee.implausible")?;
    let kind = match req(kind, "kind.null")? {
        k @ ("normal" | "back_pay" | "refund") => k,
        _ => return Err("kind.unknown"),
    };
    let window = match kind {
        "normal" => (ctx.year - 1..=ctx.year + 1).contains(&py),
        "back_pay" => (1990..=ctx.year).contains(&py),
        _ => (1990..=ctx.year + 1).contains(&py),
    };
    if !window {
        return Err("period.outside_window");
    }
    if !ctx.in_year(received) {
        return Err("received_on.outside_year");
    }
    if !matches!(account, "income" | "fiscal") {
        return Err("account.not_receiving");
    }
    match base {
        None if matches!(payer, "employee" | "flexible") => return Err("base.null"),
        Some(b) if b < 0 => return Err("base.negative"),
        _ => {}
    }
    if employer < 0 {
        return Err("employer_amount.negative");
    }
    if individual < 0 {
        return Err("individual_amount.negative");
    }
    if late < 0 {
        return Err("late_fee.negative");
    }
    Ok(())
}

// ---- payouts 待遇支付明细 -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Default)]
pub struct Payout<'a> {
    pub payment_id: Option<&'a str>,
    pub region: Option<&'a str>,
    pub scheme: Option<&'a str>,
    pub person_id: Option<&'a str>,
    pub payee_kind: Option<&'a str>,
    pub benefit: Option<&'a str>,
    pub period: Option<i32>,
    pub paid_on: Option<Day>,
    pub amount: Amt,
    pub batch_id: Option<&'a str>,
    pub returned_on: Option<Day>,
}

pub fn check_payout(r: &Payout, ctx: &Ctx) -> R {
    req(r.payment_id, "payment_id.null")?;
    region(r.region)?;
    let scheme = scheme(r.scheme)?;
    let payee = req(r.payee_kind, "payee_kind.null")?;
    if !matches!(payee, "person" | "institution" | "employer" | "fund") {
        return Err("payee_kind.unknown");
    }
    match r.person_id {
        Some(id) => {
            citizen_id(id)?;
        }
        None if matches!(payee, "institution" | "employer") => {}
        None => return Err("person_id.null"),
    }
    let key = req(r.benefit, "benefit.null")?;
    let b = benefit(key).ok_or("benefit.unknown")?;
    if !benefit_valid_for(key, scheme.code()) {
        return Err("benefit.scheme");
    }
    let fund_ok = payee != "fund" || (key == "medical_premium" && scheme == Scheme::Unemployment);
    if (b.recurring && payee != "person") || !fund_ok {
        return Err("benefit.payee");
    }
    let (py, _) = period(r.period)?;
    if !(ctx.year - 5..=ctx.year).contains(&py) {
        return Err("period.outside_window");
    }
    let paid = req(r.paid_on, "paid_on.null")?;
    if !ctx.in_year(paid) {
        return Err("paid_on.outside_year");
    }
    if amount(r.amount, "amount.null", "amount.implausible")? <= 0 {
        return Err("amount.not_positive");
    }
    req(r.batch_id, "batch_id.null")?;
    if let Some(ret) = r.returned_on {
        if ret < paid || !ctx.in_year(ret) {
            return Err("returned_on.invalid");
        }
    }
    Ok(())
}

// ---- fund_flows 基金划转及其他收支 ----------------------------------------------------------

#[derive(Debug, Clone, Copy, Default)]
pub struct FundFlow<'a> {
    pub flow_id: Option<&'a str>,
    pub region: Option<&'a str>,
    pub scheme: Option<&'a str>,
    pub date: Option<Day>,
    pub kind: Option<&'a str>,
    pub from_account: Option<&'a str>,
    pub to_account: Option<&'a str>,
    pub amount: Amt,
    pub counter_region: Option<&'a str>,
    pub counter_scheme: Option<&'a str>,
}

pub fn check_fund_flow(r: &FundFlow, ctx: &Ctx) -> R {
    req(r.flow_id, "flow_id.null")?;
    region(r.region)?;
    scheme(r.scheme)?;
    if !ctx.in_year(req(r.date, "date.null")?) {
        return Err("date.outside_year");
    }
    if !catalog::FLOW_KINDS.contains(&req(r.kind, "kind.null")?) {
        return Err("kind.unknown");
    }
    let from = req(r.from_account, "from_account.null")?;
    if !catalog::is_flow_party(from) {
        return Err("from_account.unknown");
    }
    let to = req(r.to_account, "to_account.null")?;
    if !catalog::is_flow_party(to) {
        return Err("to_account.unknown");
    }
    let kind = r.kind.unwrap_or_default();
    if catalog::is_part_transfer(kind) {
        if from != to || from == "external" {
            return Err("to_account.not_same");
        }
    } else if from == to {
        return Err("to_account.same");
    }
    if amount(r.amount, "amount.null", "amount.implausible")? <= 0 {
        return Err("amount.not_positive");
    }
    if r.counter_region.is_some_and(|c| !ids::is_counter_region(c)) {
        return Err("counter_region.unknown");
    }
    // The national level is the counterpart of 110's central adjustment 全国统筹 alone.
    if r.counter_region == Some(ids::NATIONAL) && r.scheme != Some("110") {
        return Err("counter_region.national");
    }
    if r.counter_scheme
        .is_some_and(|c| Scheme::from_code(c).is_none())
    {
        return Err("counter_scheme.unknown");
    }
    Ok(())
}

// ---- statements 对账单 ----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Default)]
pub struct StatementLine<'a> {
    pub line_id: Option<&'a str>,
    pub region: Option<&'a str>,
    pub scheme: Option<&'a str>,
    pub account: Option<&'a str>,
    pub date: Option<Day>,
    pub direction: Option<&'a str>,
    pub amount: Amt,
}

pub fn check_statement(r: &StatementLine, ctx: &Ctx) -> R {
    req(r.line_id, "line_id.null")?;
    region(r.region)?;
    scheme(r.scheme)?;
    if !matches!(
        req(r.account, "account.null")?,
        "income" | "fiscal" | "expense"
    ) {
        return Err("account.unknown");
    }
    if !ctx.in_year(req(r.date, "date.null")?) {
        return Err("date.outside_year");
    }
    if !matches!(req(r.direction, "direction.null")?, "in" | "out") {
        return Err("direction.unknown");
    }
    if amount(r.amount, "amount.null", "amount.implausible")? <= 0 {
        return Err("amount.not_positive");
    }
    Ok(())
}

// ---- opening_balances 年初余额 --------------------------------------------------------------

#[derive(Debug, Clone, Copy, Default)]
pub struct OpeningBalance<'a> {
    pub region: Option<&'a str>,
    pub scheme: Option<&'a str>,
    pub account: Option<&'a str>,
    pub book: Amt,
    pub statement: Amt,
}

pub fn check_opening_balance(r: &OpeningBalance) -> R {
    region(r.region)?;
    scheme(r.scheme)?;
    let account = Account::from_key(req(r.account, "account.null")?).ok_or("account.unknown")?;
    amount(r.book, "book.null", "book.implausible")?;
    let statement = opt_amount(r.statement, "statement.implausible")?;
    if account.has_statement() && statement.is_none() {
        return Err("statement.null");
    }
    Ok(())
}

// ---- sub_fund_balances 分账核算的年初余额 ---------------------------------------------------

#[derive(Debug, Clone, Copy, Default)]
pub struct SubFundBalance<'a> {
    pub region: Option<&'a str>,
    pub scheme: Option<&'a str>,
    pub sub_fund: Option<&'a str>,
    pub opening: Amt,
}

pub fn check_sub_fund_balance(r: &SubFundBalance) -> R {
    region(r.region)?;
    let scheme = scheme(r.scheme)?;
    let part =
        catalog::SubFund::from_key(req(r.sub_fund, "sub_fund.null")?).ok_or("sub_fund.unknown")?;
    if !part.of_scheme(scheme) {
        return Err("sub_fund.scheme");
    }
    if amount(r.opening, "opening.null", "opening.implausible")? < 0
        && part != catalog::SubFund::Pooled
    {
        return Err("opening.negative");
    }
    Ok(())
}

// ---- persons 参保人员 -----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Default)]
pub struct Person<'a> {
    pub person_id: Option<&'a str>,
    pub region: Option<&'a str>,
    pub scheme: Option<&'a str>,
    pub sex: Option<&'a str>,
    pub birth_date: Option<Day>,
    pub category: Option<&'a str>,
    pub status: Option<&'a str>,
    pub enrolled_on: Option<Day>,
    pub contribution_months: Option<i32>,
    pub monthly_base: Amt,
    pub benefit_start: Option<i32>,
    pub monthly_benefit: Amt,
}

/// A person row's rules. A row the census can use but the budget cannot project is kept with
/// a warning (`check_rows` counts a row's warnings only when the row is kept).
pub fn check_person(r: &Person, ctx: &Ctx, warn: &mut Warnings) -> R {
    let id = citizen_id(req(r.person_id, "person_id.null")?)?;
    region(r.region)?;
    let scheme = scheme(r.scheme)?;
    let male = match req(r.sex, "sex.null")? {
        "M" => true,
        "F" => false,
        _ => return Err("sex.unknown"),
    };
    if male != id.male {
        return Err("sex.mismatch_id");
    }
    let birth = req(r.birth_date, "birth_date.null")?;
    if birth != id.birth {
        return Err("birth_date.mismatch_id");
    }
    let category = req(r.category, "category.null")?;
    let fits = match category {
        "male" => male && !scheme.is_resident(),
        "female_worker" | "female_staff" => !male && !scheme.is_resident(),
        "resident" => scheme.is_resident(),
        _ => return Err("category.unknown"),
    };
    if !fits {
        return Err("category.mismatch");
    }
    let status = req(r.status, "status.null")?;
    if !matches!(
        status,
        "contributing" | "suspended" | "receiving" | "deceased" | "transferred_out"
    ) {
        return Err("status.unknown");
    }
    let enrolled = req(r.enrolled_on, "enrolled_on.null")?;
    if enrolled < birth || enrolled > ctx.last_day {
        return Err("enrolled_on.invalid");
    }
    let months = req(r.contribution_months, "contribution_months.null")?;
    if months < 0 || months > max_months(scheme, birth, ctx) {
        return Err("contribution_months.invalid");
    }
    let base = opt_amount(r.monthly_base, "monthly_base.implausible")?;
    let base = person_month(base, "monthly_base.implausible")?;
    match base {
        None if status == "contributing" && !scheme.is_resident() => warn.add("monthly_base.null"),
        Some(b) if b < 0 => return Err("monthly_base.negative"),
        _ => {}
    }
    let pension = matches!(
        scheme,
        Scheme::EnterprisePension | Scheme::PublicPension | Scheme::ResidentPension
    );
    match r.benefit_start {
        None if status == "receiving" && pension => warn.add("benefit_start.null"),
        Some(p) if split_period(p).is_none() || p > ctx.year * 100 + 12 => {
            return Err("benefit_start.invalid")
        }
        _ => {}
    }
    let benefit = opt_amount(r.monthly_benefit, "monthly_benefit.implausible")?;
    match person_month(benefit, "monthly_benefit.implausible")? {
        None if status == "receiving" && pension => warn.add("monthly_benefit.null"),
        Some(b) if b < 0 => return Err("monthly_benefit.negative"),
        _ => {}
    }
    Ok(())
}

/// The most contribution months a person born on `birth` can have in `scheme` at the year's
/// end. Residents' medical insurance counts the months of whole years paid, from the year of
/// birth, and a year end may pay the next year ahead (a newborn can show 24 months); the other
/// schemes count months since their minimum age, with a year of slack.
fn max_months(scheme: Scheme, birth: Day, ctx: &Ctx) -> i32 {
    match scheme.min_age() {
        0 => 12 * (ctx.year - crate::model::date::year_of(birth) + 2),
        age => ((ctx.last_day - birth) / 30 - age * 12 + 12).max(0),
    }
}

// ---- deaths 死亡信息 ------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Default)]
pub struct Death<'a> {
    pub person_id: Option<&'a str>,
    pub death_date: Option<Day>,
    pub source: Option<&'a str>,
}

pub fn check_death(r: &Death, ctx: &Ctx) -> R {
    citizen_id(req(r.person_id, "person_id.null")?)?;
    let d = req(r.death_date, "death_date.null")?;
    if d > ctx.last_day || d < crate::model::date::day(1900, 1, 1) {
        return Err("death_date.invalid");
    }
    if !matches!(
        req(r.source, "source.null")?,
        "police" | "civil_affairs" | "health" | "court"
    ) {
        return Err("source.unknown");
    }
    Ok(())
}

// ---- budget 本年预算 ------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, Default)]
pub struct BudgetLine<'a> {
    pub region: Option<&'a str>,
    pub scheme: Option<&'a str>,
    pub item: Option<&'a str>,
    pub amount: Amt,
}

pub fn check_budget(r: &BudgetLine) -> R {
    region(r.region)?;
    scheme(r.scheme)?;
    if !is_budget_item(req(r.item, "item.null")?) {
        return Err("item.unknown");
    }
    if amount(r.amount, "amount.null", "amount.implausible")? < 0 {
        return Err("amount.negative");
    }
    Ok(())
}

/// Meaning of a reject code, for messages and the manifest.
pub fn describe(code: &str) -> String {
    if let Some((_, _, m)) = RULES.iter().find(|(_, c, _)| *c == code) {
        return m.to_string();
    }
    let (_, rule) = code.split_once('.').unwrap_or(("", code));
    match rule {
        "null" => "a required value is null".into(),
        "implausible" => "an amount beyond the plausibility bound".into(),
        "duplicate" => "the row's key was already accepted earlier in the table".into(),
        _ => code.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::day;

    #[test]
    fn contribution_months_follow_the_scheme_s_minimum_age() {
        let ctx = Ctx::new(2025);
        let child = day(2020, 3, 1); // five at the year's end
        let newborn = day(2025, 11, 20);
        // 390 from birth: six years paid (2020-2025), or seven with 2026 paid ahead.
        assert_eq!(max_months(Scheme::ResidentMedical, child, &ctx), 84);
        assert_eq!(max_months(Scheme::ResidentMedical, newborn, &ctx), 24);
        // The employee schemes and 170 from 16: a five-year-old has none.
        for s in [
            Scheme::EnterprisePension,
            Scheme::ResidentPension,
            Scheme::EmployeeMedical,
        ] {
            assert_eq!(max_months(s, child, &ctx), 0, "{s:?}");
        }
        // A 40-year-old: about 24.5 years since 16 (30-day months), and a year of slack.
        let adult = day(1985, 6, 1);
        let m = max_months(Scheme::EnterprisePension, adult, &ctx);
        assert!((25 * 12..=27 * 12).contains(&m), "{m}");
    }
}
