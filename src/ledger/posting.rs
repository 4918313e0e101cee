//! Posting rules 记账规则: how each source row becomes a balanced entry (DOMAIN.md §4.4).
//! Pure functions over typed values; the table of flow kinds cites SPEC §4 "Booking".

use super::chart::{self, ADVANCES, BENEFITS, SUSPENSE};
use crate::model::catalog::{self, Account};
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

/// One posting line: a subject, debit or credit, and its item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub code: &'static str,
    pub debit: Fen,
    pub credit: Fen,
    pub item: Option<ItemKey>,
}

fn dr(code: &'static str, amount: Fen, item: Option<ItemKey>) -> Line {
    Line {
        code,
        debit: amount,
        credit: 0,
        item,
    }
}
fn cr(code: &'static str, amount: Fen, item: Option<ItemKey>) -> Line {
    Line {
        code,
        debit: 0,
        credit: amount,
        item,
    }
}

/// Lines of an entry (at most three); zero-amount lines are left out.
pub type Lines = Vec<Line>;

fn keep(mut v: Lines) -> Lines {
    v.retain(|l| l.debit != 0 || l.credit != 0);
    v
}

/// A contribution 缴费: D deposit / C 社会保险费收入 (employer + individual) and C 其他收入
/// (late fee 滞纳金); a refund 退费 reverses it (entries 1, 2, 11).
pub fn contribution(
    account: Account,
    employer: Fen,
    individual: Fen,
    late_fee: Fen,
    refund: bool,
) -> Lines {
    let dep = chart::deposit(account);
    let fees = employer + individual;
    let c = Some(ItemKey::Item("contribution"));
    let o = Some(ItemKey::Item("other_income"));
    keep(if refund {
        vec![
            dr("4001", fees, c),
            dr("4009", late_fee, o),
            cr(dep, fees + late_fee, None),
        ]
    } else {
        vec![
            dr(dep, fees + late_fee, None),
            cr("4001", fees, c),
            cr("4009", late_fee, o),
        ]
    })
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

/// A payment 待遇支付: D 待遇支出 / C 支出户存款 (entry 6).
pub fn payout(benefit: &str, amount: Fen) -> Lines {
    let (code, item) = benefit_subject(benefit);
    keep(vec![
        dr(code, amount, Some(item)),
        cr(chart::EXPENSE_DEPOSIT, amount, None),
    ])
}

/// A payment returned in the same year by the original channel 原渠道退回: the reverse
/// (entry 10).
pub fn payout_returned(benefit: &str, amount: Fen) -> Lines {
    let (code, item) = benefit_subject(benefit);
    keep(vec![
        dr(chart::EXPENSE_DEPOSIT, amount, None),
        cr(code, amount, Some(item)),
    ])
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
/// with the outside it is the item of its kind. Money whose kind has no item on that side
/// (an `allocation` from outside, say) is held in 暂收款 / 暂付款 suspense, and the flow rules
/// report it.
pub fn flow(kind: &str, from: &str, to: &str, amount: Fen) -> Lines {
    match (Account::from_key(from), Account::from_key(to)) {
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
            keep(vec![dr(chart::deposit(t), amount, None), credit])
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
            keep(vec![debit, cr(chart::deposit(f), amount, None)])
        }
        (None, None) => {
            unreachable!("external to external is refused at ingestion (to_account.same)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn balanced(l: &Lines) -> bool {
        l.iter().map(|x| x.debit).sum::<Fen>() == l.iter().map(|x| x.credit).sum::<Fen>()
    }

    #[test]
    fn contribution_entries() {
        let l = contribution(Account::Income, 16_000, 8_000, 120, false);
        assert!(balanced(&l));
        assert_eq!(l[0], dr("1002", 24_120, None));
        assert_eq!(l[1].credit, 24_000);
        assert_eq!(l[2].code, "4009");
        let r = contribution(Account::Fiscal, 16_000, 8_000, 0, true);
        assert!(balanced(&r));
        assert_eq!(r.len(), 2, "zero late fee is not a line");
        assert_eq!(r[1], cr("1003", 24_000, None));
    }

    #[test]
    fn payouts_and_returns() {
        let p = payout("basic_pension", 300_000);
        assert_eq!(
            p[0],
            dr("5001", 300_000, Some(ItemKey::Benefit("basic_pension")))
        );
        assert_eq!(p[1], cr("1004", 300_000, None));
        let j = payout("job_retention", 5);
        assert_eq!(j[0].code, "500501");
        assert_eq!(j[0].item, Some(ItemKey::Item("job_retention")));
        let r = payout_returned("basic_pension", 300_000);
        assert_eq!(r[0], dr("1004", 300_000, None));
        assert!(balanced(&r));
    }

    #[test]
    fn flows_by_kind_and_side() {
        assert_eq!(
            flow("sweep", "income", "fiscal", 9),
            vec![dr("1003", 9, None), cr("1002", 9, None)]
        );
        assert_eq!(
            flow("fiscal_subsidy", "external", "fiscal", 9)[1].code,
            "4002"
        );
        assert_eq!(
            flow("returned_prior_year", "external", "expense", 9)[1].code,
            "4009"
        );
        assert_eq!(
            flow("remit_to_upper", "fiscal", "external", 9)[0].code,
            "5004"
        );
        assert_eq!(
            flow("allocation", "external", "expense", 9)[1].code,
            "2001",
            "suspense"
        );
        assert_eq!(
            flow("interest", "expense", "external", 9)[0].code,
            "1101",
            "advance"
        );
        assert_eq!(
            flow("investment_out", "fiscal", "investment", 9)[0].code,
            "1201"
        );
    }
}
