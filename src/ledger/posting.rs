//! Posting rules 记账规则: how each source row becomes a balanced entry (DOMAIN.md §4.4).
//! Pure functions over typed values; the table of flow kinds cites SPEC §4 "Booking".

use super::chart::{self, ADVANCES, BENEFITS, SUSPENSE};
use crate::model::catalog::{self, Account, Scheme, SubFund};
use crate::model::Fen;

/// What a line is booked against besides its subject: a SPEC §4 item or a benefit detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemKey {
    Item(&'static str),
    /// `benefits.<key>`: a detail 明细 of 5001 社会保险待遇支出.
    Benefit(&'static str),
}

impl ItemKey {
    /// The item key as written in outputs: `contribution`, `benefits.basic_pension`, …
    pub fn key(self) -> &'static str {
        static BENEFIT_KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        match self {
            ItemKey::Item(k) => k,
            ItemKey::Benefit(b) => {
                let keys = BENEFIT_KEYS.get_or_init(|| {
                    catalog::BENEFITS
                        .iter()
                        .map(|x| format!("benefits.{}", x.key))
                        .collect()
                });
                let i = catalog::BENEFITS
                    .iter()
                    .position(|x| x.key == b)
                    .expect("benefit of the catalogue");
                &keys[i]
            }
        }
    }
}

/// One posting line: a subject, debit or credit, its item, and the part of the fund it is
/// booked in 分账核算 (`Pooled` where the fund has one part).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub code: &'static str,
    pub debit: Fen,
    pub credit: Fen,
    pub item: Option<ItemKey>,
    pub part: SubFund,
}

pub(crate) fn dr(code: &'static str, amount: Fen, item: Option<ItemKey>) -> Line {
    Line {
        code,
        debit: amount,
        credit: 0,
        item,
        part: SubFund::Pooled,
    }
}
pub(crate) fn cr(code: &'static str, amount: Fen, item: Option<ItemKey>) -> Line {
    Line {
        code,
        debit: 0,
        credit: amount,
        item,
        part: SubFund::Pooled,
    }
}

impl Line {
    pub fn in_part(self, part: SubFund) -> Line {
        Line { part, ..self }
    }
}

/// Every line of an entry booked in one part.
fn all_in(lines: Lines, part: SubFund) -> Lines {
    lines.into_iter().map(|l| l.in_part(part)).collect()
}

/// Lines of an entry (at most three); zero-amount lines are left out.
pub type Lines = Vec<Line>;

fn keep(mut v: Lines) -> Lines {
    v.retain(|l| l.debit != 0 || l.credit != 0);
    v
}

/// A contribution 缴费: D deposit / C 社会保险费收入 (employer + individual) and C 其他收入
/// (late fee 滞纳金); a refund 退费 reverses it (entries 1, 2, 11). `to_account` of the fees
/// belong to 310's individual account part (see [`account_share`]); the entry is split so that
/// each part balances on its own: D deposit / C 4001 in each part, the late fee in the pool.
pub fn contribution(
    account: Account,
    fees: Fen,
    to_account: Fen,
    late_fee: Fen,
    refund: bool,
) -> Lines {
    let dep = chart::deposit(account);
    let pooled = fees - to_account;
    let c = Some(ItemKey::Item("contribution"));
    let o = Some(ItemKey::Item("other_income"));
    let a = SubFund::Account;
    keep(if refund {
        vec![
            dr("4001", pooled, c),
            dr("4001", to_account, c).in_part(a),
            dr("4009", late_fee, o),
            cr(dep, pooled + late_fee, None),
            cr(dep, to_account, None).in_part(a),
        ]
    } else {
        vec![
            dr(dep, pooled + late_fee, None),
            dr(dep, to_account, None).in_part(a),
            cr("4001", pooled, c),
            cr("4001", to_account, c).in_part(a),
            cr("4009", late_fee, o),
        ]
    })
}

/// The share of a contribution row credited to 310's individual account 个人账户 (国办发
/// 〔2021〕14号; SPEC §4): of a person's own contribution (payer `employee` or `flexible`), the
/// part up to `account_rate` × `base`, the product rounded half up to the fen; everything else
/// — the employer's contribution, a premium paid by another fund — is the pool's. `rate_ppm` is
/// the rate in millionths. Other schemes keep no account part: 0.
pub fn account_share(
    scheme: Scheme,
    payer: &str,
    base: Option<Fen>,
    individual: Fen,
    rate_ppm: i64,
) -> Fen {
    if scheme != Scheme::EmployeeMedical || !matches!(payer, "employee" | "flexible") {
        return 0;
    }
    let Some(base) = base.filter(|b| *b > 0) else {
        return 0;
    };
    let cap = (base as i128 * rate_ppm as i128 + 500_000) / 1_000_000;
    (individual as i128).clamp(0, cap) as Fen
}

/// The subject and item of a benefit payment: 5001 with its detail, or the scheme-specific
/// item kept outside 待遇支出.
pub fn benefit_subject(benefit: &str) -> (&'static str, ItemKey) {
    let b = catalog::benefit(benefit).expect("benefit checked at ingestion");
    if b.own_item {
        (chart::subject_of_item(b.key).code, ItemKey::Item(b.key))
    } else {
        (BENEFITS, ItemKey::Benefit(b.key))
    }
}

/// A payment 待遇支付: D 待遇支出 / C 支出户存款 (entry 6), in the part that pays the
/// benefit (`catalog::benefit_part`).
pub fn payout(benefit: &str, scheme: Scheme, amount: Fen) -> Lines {
    let (code, item) = benefit_subject(benefit);
    let lines = vec![
        dr(code, amount, Some(item)),
        cr(chart::EXPENSE_DEPOSIT, amount, None),
    ];
    keep(all_in(lines, catalog::benefit_part(benefit, scheme)))
}

/// A payment returned in the same year by the original channel 原渠道退回: the reverse
/// (entry 10).
pub fn payout_returned(benefit: &str, scheme: Scheme, amount: Fen) -> Lines {
    let (code, item) = benefit_subject(benefit);
    let lines = vec![
        dr(chart::EXPENSE_DEPOSIT, amount, None),
        cr(code, amount, Some(item)),
    ];
    keep(all_in(lines, catalog::benefit_part(benefit, scheme)))
}

/// Booking of a flow kind with `external` on one side (SPEC §4): the revenue or expenditure
/// item of the same name; `returned_prior_year` is 其他收入. Other kinds have no item.
pub fn flow_item(kind: &str, inflow: bool) -> Option<&'static str> {
    let key = match kind {
        "returned_prior_year" => "other_income",
        k => k,
    };
    let item = catalog::item(key)?;
    let revenue = item.direction == catalog::Direction::Revenue;
    (revenue == inflow && key != "benefits").then_some(item.key)
}

/// A fund flow. Between the fund's own accounts money moves without revenue or expenditure;
/// with the outside it is the item of its kind, in the part of the fund that kind belongs to
/// (`catalog::flow_part`). Money whose kind has no item on that side (an `allocation` from
/// outside, say) is held in 暂收款 / 暂付款 suspense, and the flow rules report it.
///
/// A transfer between the parts of a fund (`account_credit`, `reserve_set_aside`,
/// `reserve_release`; from = to) moves the deposit and the 基金结余 from the giving part to the
/// receiving one (four lines, each part balanced): the fund's money stays where it is,
/// neither revenue nor expenditure.
/// Booked in a scheme it does not belong to, it stays in the pool (and the flow rules report
/// `item_not_of_scheme`).
pub fn flow(kind: &str, scheme: Scheme, from: &str, to: &str, amount: Fen) -> Lines {
    match (Account::from_key(from), Account::from_key(to)) {
        (Some(f), Some(t)) if f == t => {
            let (give, get) = catalog::part_transfer(kind)
                .filter(|(a, b)| a.of_scheme(scheme) && b.of_scheme(scheme))
                .unwrap_or((SubFund::Pooled, SubFund::Pooled));
            // Each part balances: the giving part's fund balance and deposit go down, the
            // receiving part's go up; the fund's deposit and 基金结余 do not move.
            keep(vec![
                dr(chart::FUND_BALANCE, amount, None).in_part(give),
                cr(chart::deposit(f), amount, None).in_part(give),
                dr(chart::deposit(t), amount, None).in_part(get),
                cr(chart::FUND_BALANCE, amount, None).in_part(get),
            ])
        }
        (Some(f), Some(t)) => keep(vec![
            dr(chart::deposit(t), amount, None),
            cr(chart::deposit(f), amount, None),
        ]),
        (None, Some(t)) => {
            let credit = match flow_item(kind, true) {
                Some(item) => cr(
                    chart::subject_of_item(item).code,
                    amount,
                    Some(ItemKey::Item(item)),
                ),
                None => cr(SUSPENSE, amount, None),
            };
            let lines = vec![dr(chart::deposit(t), amount, None), credit];
            keep(all_in(lines, catalog::flow_part(kind, scheme)))
        }
        (Some(f), None) => {
            let debit = match flow_item(kind, false) {
                Some(item) => dr(
                    chart::subject_of_item(item).code,
                    amount,
                    Some(ItemKey::Item(item)),
                ),
                None => dr(ADVANCES, amount, None),
            };
            let lines = vec![debit, cr(chart::deposit(f), amount, None)];
            keep(all_in(lines, catalog::flow_part(kind, scheme)))
        }
        (None, None) => {
            unreachable!("external to external is refused at ingestion (to_account.same)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const P: Scheme = Scheme::EnterprisePension;

    fn balanced(l: &Lines) -> bool {
        l.iter().map(|x| x.debit).sum::<Fen>() == l.iter().map(|x| x.credit).sum::<Fen>()
    }

    #[test]
    fn contribution_entries() {
        let l = contribution(Account::Income, 24_000, 0, 120, false);
        assert!(balanced(&l));
        assert_eq!(l[0], dr("1002", 24_120, None));
        assert_eq!(l[1].credit, 24_000);
        assert_eq!(l[2].code, "4009");
        let r = contribution(Account::Fiscal, 24_000, 0, 0, true);
        assert!(balanced(&r));
        assert_eq!(r.len(), 2, "zero late fee is not a line");
        assert_eq!(r[1], cr("1003", 24_000, None));
    }

    /// Each part balances on its own: 16,000 + 8,000 fen of fees, 6,000 of them the account's.
    #[test]
    fn a_contribution_splits_into_parts_that_each_balance() {
        let c = Some(ItemKey::Item("contribution"));
        for refund in [false, true] {
            let l = contribution(Account::Income, 24_000, 6_000, 120, refund);
            for part in [SubFund::Pooled, SubFund::Account] {
                let p: Lines = l.iter().copied().filter(|x| x.part == part).collect();
                assert!(balanced(&p), "{part:?} refund={refund}");
            }
            let acct: Vec<_> = l.iter().filter(|x| x.part == SubFund::Account).collect();
            assert_eq!(acct.len(), 2);
            let revenue = acct.iter().find(|x| x.item == c).unwrap();
            assert_eq!(revenue.debit + revenue.credit, 6_000);
            let late = l.iter().find(|x| x.code == "4009").unwrap();
            assert_eq!(
                (late.part, late.debit + late.credit),
                (SubFund::Pooled, 120)
            );
        }
    }

    #[test]
    fn the_account_share_is_the_own_contribution_up_to_the_rate_of_the_base() {
        let m = Scheme::EmployeeMedical;
        // base 8,000.00 yuan at 2 %: 160.00 yuan; the person paid 160.00 (2 %) or 200.00.
        assert_eq!(
            account_share(m, "employee", Some(800_000), 16_000, 20_000),
            16_000
        );
        assert_eq!(
            account_share(m, "flexible", Some(800_000), 20_000, 20_000),
            16_000
        );
        assert_eq!(
            account_share(m, "employee", Some(800_000), 10_000, 20_000),
            10_000
        );
        // half up at the fen: 3,333.33 yuan × 2 % = 66.6666 → 66.67
        assert_eq!(
            account_share(m, "employee", Some(333_333), 99_999, 20_000),
            6_667
        );
        assert_eq!(
            account_share(m, "employer", Some(800_000), 16_000, 20_000),
            0
        );
        assert_eq!(account_share(m, "fund", Some(800_000), 16_000, 20_000), 0);
        assert_eq!(account_share(m, "employee", None, 16_000, 20_000), 0);
        assert_eq!(
            account_share(
                Scheme::EnterprisePension,
                "employee",
                Some(800_000),
                16_000,
                20_000
            ),
            0
        );
    }

    #[test]
    fn payouts_and_returns() {
        let p = payout("basic_pension", P, 300_000);
        assert_eq!(
            p[0],
            dr("5001", 300_000, Some(ItemKey::Benefit("basic_pension")))
        );
        assert_eq!(p[1], cr("1004", 300_000, None));
        let j = payout("job_retention", P, 5);
        assert_eq!(j[0].code, "500501");
        assert_eq!(j[0].item, Some(ItemKey::Item("job_retention")));
        let r = payout_returned("basic_pension", P, 300_000);
        assert_eq!(r[0], dr("1004", 300_000, None));
        assert!(balanced(&r));
    }

    #[test]
    fn flows_by_kind_and_side() {
        assert_eq!(
            flow("sweep", P, "income", "fiscal", 9),
            vec![dr("1003", 9, None), cr("1002", 9, None)]
        );
        assert_eq!(
            flow("fiscal_subsidy", P, "external", "fiscal", 9)[1].code,
            "4002"
        );
        assert_eq!(
            flow("returned_prior_year", P, "external", "expense", 9)[1].code,
            "4009"
        );
        assert_eq!(
            flow("remit_to_upper", P, "fiscal", "external", 9)[0].code,
            "5004"
        );
        assert_eq!(
            flow("allocation", P, "external", "expense", 9)[1].code,
            "2001",
            "suspense"
        );
        assert_eq!(
            flow("interest", P, "expense", "external", 9)[0].code,
            "1101",
            "advance"
        );
        assert_eq!(
            flow("investment_out", P, "fiscal", "investment", 9)[0].code,
            "1201"
        );
    }

    #[test]
    fn parts_of_flows_and_payouts() {
        let m = Scheme::EmployeeMedical;
        let credit = flow("account_credit", m, "fiscal", "fiscal", 500);
        assert_eq!(
            credit,
            vec![
                dr("3001", 500, None).in_part(SubFund::Pooled),
                cr("1003", 500, None).in_part(SubFund::Pooled),
                dr("1003", 500, None).in_part(SubFund::Account),
                cr("3001", 500, None).in_part(SubFund::Account),
            ]
        );
        let release = flow("reserve_release", Scheme::WorkInjury, "fiscal", "fiscal", 7);
        assert_eq!(
            (release[0].part, release[2].part),
            (SubFund::Reserve, SubFund::Pooled)
        );
        // outside its scheme a part transfer stays in the pool
        let stray = flow(
            "account_credit",
            Scheme::Unemployment,
            "fiscal",
            "fiscal",
            5,
        );
        assert!(stray.iter().all(|l| l.part == SubFund::Pooled));
        // 310's transfers of persons go with the individual account; transfers between levels
        // and interest are the pool's
        assert!(flow("transfer_out", m, "expense", "external", 9)
            .iter()
            .all(|l| l.part == SubFund::Account));
        assert!(flow("transfer_in", m, "external", "income", 9)
            .iter()
            .all(|l| l.part == SubFund::Account));
        assert!(flow("transfer_out", P, "expense", "external", 9)
            .iter()
            .all(|l| l.part == SubFund::Pooled));
        assert!(flow("remit_to_upper", m, "fiscal", "external", 9)
            .iter()
            .all(|l| l.part == SubFund::Pooled));
        assert!(payout("account_medical", m, 3)
            .iter()
            .all(|l| l.part == SubFund::Account));
        assert!(payout_returned("account_medical", m, 3)
            .iter()
            .all(|l| l.part == SubFund::Account));
        assert!(payout("pooled_medical", m, 3)
            .iter()
            .all(|l| l.part == SubFund::Pooled));
    }
}
