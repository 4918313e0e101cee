//! The draft per part of a fund 分账预算 (310 统筹基金 / 个人账户, 410 统筹基金 / 储备金): the
//! fund's drafted items split between its parts, and the transfers between them projected.
//!
//! Rules (D = this module's decision, [R] = practice, unconfirmed):
//! - every item is split by the base year's share of the part in that item: the account
//!   part's contributions follow the employees' own contributions as the fund's contributions
//!   do (the share of fees credited to accounts held), `account_medical` and 310's transfers
//!   of persons stay wholly in the account part, interest and everything else wholly in the
//!   pool; amount = draft × part ÷ fund, rounded half away from zero to the fen, the pool
//!   taking the rest so the parts add up to the fund's draft to the fen (D); each part's
//!   待遇支出 is the sum of its own benefit lines;
//! - 310's credits to retirees' accounts 统筹基金划入退休人员个人账户 are a fixed sum per
//!   retiree, not indexed to wages: the base year's credits × projected members ÷ members,
//!   the ratio the draft uses for medical items (D, [R]);
//! - 410's reserve set aside, net of releases, keeps the base year's share of contribution
//!   revenue (the province's share as practised): base year × drafted ÷ actual contributions
//!   (D);
//! - each part opens with its closing balance of the base year and closes at opening +
//!   revenue − expenditure + transfers; the parts' closings add up to the fund's.

use rust_decimal::{Decimal, RoundingStrategy};

use super::draft::Year;
use crate::ledger::statements::PartStatement;
use crate::model::catalog::{Direction, SubFund};

/// One line of a part's draft: (key, name, base-year actual, budget).
pub type PartLine = (String, String, i128, i128);

/// A part's draft year.
#[derive(Debug, Clone)]
pub struct PartDraft {
    pub part: SubFund,
    pub lines: Vec<PartLine>,
    pub total_revenue: i128,
    pub total_expenditure: i128,
    /// Net transfers into the part from the fund's other parts: base year, budget.
    pub transfers: (i128, i128),
    /// Opening balance of the budget year (the base year's closing).
    pub opening: i128,
    /// The base year's total revenue, total expenditure and opening balance of the part.
    pub base: (i128, i128, i128),
}

impl PartDraft {
    pub fn closing(&self) -> i128 {
        self.opening + self.total_revenue - self.total_expenditure + self.transfers.1
    }
}

fn dec(v: i128) -> Decimal {
    Decimal::from_i128_with_scale(v, 0)
}

/// To the fen, half away from zero.
fn fen(d: Decimal) -> i128 {
    use rust_decimal::prelude::ToPrimitive;
    d.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .to_i128()
        .expect("a share of a drafted item fits")
}

/// `v × num ÷ den` to the fen, half away from zero (0 when `den` is 0), in i128: amounts are
/// bounded by 10¹⁷ fen, so the product stays below 10³⁴.
fn share(v: i128, num: i128, den: i128) -> i128 {
    if den == 0 {
        return 0;
    }
    let n = v * num;
    let (q, r) = (n / den, n % den);
    if 2 * r.abs() >= den.abs() {
        q + (n.signum() * den.signum())
    } else {
        q
    }
}

/// Splits a fund's draft between its parts (`base`: the base year's part statements, two or
/// more). `members_ratio`: projected members ÷ base-year members.
pub fn split(draft: &Year, base: &[PartStatement], members_ratio: Decimal) -> Vec<PartDraft> {
    assert!(base.len() > 1, "a fund kept in parts");
    let fund_base = |key: &str| base.iter().map(|p| p.statement.amount(key)).sum::<i128>();
    let mut out: Vec<PartDraft> = base
        .iter()
        .map(|p| PartDraft {
            part: p.part,
            lines: Vec::new(),
            total_revenue: 0,
            total_expenditure: 0,
            transfers: (p.transfers, 0),
            opening: p.closing_balance(),
            base: (
                p.statement.total_revenue,
                p.statement.total_expenditure,
                p.statement.opening_balance,
            ),
        })
        .collect();
    for l in &draft.lines {
        let mut rest = l.amount;
        for (k, p) in base.iter().enumerate().rev() {
            // 待遇支出 is each part's own sum of its benefit lines (filled in below).
            let amount = if l.key == "benefits" {
                0
            } else if k == 0 {
                rest
            } else {
                share(l.amount, p.statement.amount(&l.key), fund_base(&l.key))
            };
            rest -= amount;
            let d = &mut out[k];
            d.lines.push((
                l.key.clone(),
                l.name.clone(),
                p.statement.amount(&l.key),
                amount,
            ));
            if !l.key.starts_with("benefits") {
                match l.direction {
                    Direction::Revenue => d.total_revenue += amount,
                    Direction::Expenditure => d.total_expenditure += amount,
                }
            }
        }
    }
    for d in out.iter_mut() {
        let benefits: i128 = d
            .lines
            .iter()
            .filter(|l| l.0.starts_with("benefits."))
            .map(|l| l.3)
            .sum();
        if let Some(l) = d.lines.iter_mut().find(|l| l.0 == "benefits") {
            l.3 = benefits;
            d.total_expenditure += benefits;
        }
    }
    // Transfers between parts: each part other than the pool projected, the pool the rest.
    let contribution = (draft.amount("contribution"), fund_base("contribution"));
    let mut into_others = 0;
    for d in out.iter_mut().skip(1) {
        let b = d.transfers.0;
        d.transfers.1 = match d.part {
            SubFund::Account => fen(dec(b) * members_ratio),
            _ => share(b, contribution.0, contribution.1),
        };
        into_others += d.transfers.1;
    }
    out[0].transfers.1 = -into_others;
    out
}

/// Do the parts add up to the fund's draft — every line, the totals, the opening and closing
/// balances, the transfers to zero — and does each part foot on its own (its 待遇支出 = its
/// benefit lines, its totals = its items)? (True when the fund has no parts.)
pub fn foot(draft: &Year, parts: &[PartDraft]) -> bool {
    if parts.is_empty() {
        return true;
    }
    let sum = |f: &dyn Fn(&PartDraft) -> i128| parts.iter().map(f).sum::<i128>();
    let lines = draft.lines.iter().enumerate().all(|(k, l)| {
        parts
            .iter()
            .map(|p| {
                p.lines
                    .get(k)
                    .filter(|x| x.0 == l.key)
                    .map_or(i128::MIN / 4, |x| x.3)
            })
            .sum::<i128>()
            == l.amount
    });
    let each = parts.iter().all(|p| {
        let of = |benefit_details: bool, dir: Direction| -> i128 {
            p.lines
                .iter()
                .zip(&draft.lines)
                .filter(|(x, l)| {
                    x.0.starts_with("benefits.") == benefit_details && l.direction == dir
                })
                .map(|(x, _)| x.3)
                .sum()
        };
        let benefits = p
            .lines
            .iter()
            .find(|x| x.0 == "benefits")
            .map_or(0, |x| x.3);
        benefits == of(true, Direction::Expenditure)
            && p.total_revenue == of(false, Direction::Revenue)
            && p.total_expenditure == of(false, Direction::Expenditure)
    });
    lines
        && each
        && sum(&|p| p.total_revenue) == draft.total_revenue
        && sum(&|p| p.total_expenditure) == draft.total_expenditure
        && sum(&|p| p.transfers.1) == 0
        && sum(&|p| p.opening) == draft.opening
        && sum(&PartDraft::closing) == draft.closing()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::draft::Line;
    use crate::ledger::statements::{FundStatement, StatementLine};

    fn st(lines: &[(&str, i128)], opening: i128, dir_exp: &[&str]) -> FundStatement {
        let mk = |k: &str, v: i128| StatementLine {
            key: k.into(),
            name_zh: k.into(),
            amount: v,
        };
        let revenue: Vec<_> = lines
            .iter()
            .filter(|l| !dir_exp.contains(&l.0))
            .map(|l| mk(l.0, l.1))
            .collect();
        let expenditure: Vec<_> = lines
            .iter()
            .filter(|l| dir_exp.contains(&l.0))
            .map(|l| mk(l.0, l.1))
            .collect();
        FundStatement {
            fund: ("440300".into(), "310".into()),
            total_revenue: revenue.iter().map(|l| l.amount).sum(),
            total_expenditure: expenditure
                .iter()
                .filter(|l| !l.key.starts_with("benefits."))
                .map(|l| l.amount)
                .sum(),
            revenue,
            expenditure,
            opening_balance: opening,
        }
    }

    fn line(key: &str, dir: Direction, amount: i128) -> Line {
        Line {
            key: key.into(),
            name: key.into(),
            direction: dir,
            base: 0,
            amount,
            drivers: vec![],
            how: String::new(),
        }
    }

    /// Worked by hand: the account part had 1/3 of the contributions (300 of 900), all of
    /// account_medical, none of the interest; credits of 60 from the pool.
    #[test]
    fn a_draft_splits_by_the_base_year_shares_and_foots() {
        let e = [
            "benefits",
            "benefits.pooled_medical",
            "benefits.account_medical",
        ];
        let pooled = PartStatement {
            part: SubFund::Pooled,
            statement: st(
                &[
                    ("contribution", 600),
                    ("interest", 10),
                    ("benefits", 500),
                    ("benefits.pooled_medical", 500),
                ],
                1000,
                &e,
            ),
            transfers: -60,
        };
        let account = PartStatement {
            part: SubFund::Account,
            statement: st(
                &[
                    ("contribution", 300),
                    ("benefits", 200),
                    ("benefits.account_medical", 200),
                ],
                400,
                &e,
            ),
            transfers: 60,
        };
        let draft = Year {
            year: 2026,
            lines: vec![
                line("contribution", Direction::Revenue, 1000),
                line("interest", Direction::Revenue, 11),
                line("benefits", Direction::Expenditure, 770),
                line("benefits.pooled_medical", Direction::Expenditure, 550),
                line("benefits.account_medical", Direction::Expenditure, 220),
            ],
            total_revenue: 1011,
            total_expenditure: 770,
            opening: 1000 - 60 + 110 + 400 + 60 + 100,
        };
        let parts = split(&draft, &[pooled, account], Decimal::new(11, 1));
        let a = &parts[1];
        // 1000 × 300/900 = 333.33… → 333; the pool takes 667
        assert_eq!(
            a.lines[0],
            ("contribution".into(), "contribution".into(), 300, 333)
        );
        assert_eq!(parts[0].lines[0].3, 667);
        assert_eq!(a.lines[1].3, 0, "interest is the pool's");
        assert_eq!(a.lines[4].3, 220, "account_medical wholly the account's");
        assert_eq!((a.total_revenue, a.total_expenditure), (333, 220));
        // credits 60 × 1.1 = 66 into the account, out of the pool
        assert_eq!((a.transfers, parts[0].transfers.1), ((60, 66), -66));
        assert_eq!(a.opening, 400 + 100 + 60);
        assert_eq!(a.closing(), 560 + 333 - 220 + 66);
        assert_eq!(
            parts.iter().map(PartDraft::closing).sum::<i128>(),
            draft.closing()
        );
        assert!(foot(&draft, &parts));
        // a mutation: one fen moved from a line of the pool is caught
        let mut broken = parts.clone();
        broken[0].lines[0].3 += 1;
        assert!(!foot(&draft, &broken));
        let mut broken = parts.clone();
        broken[1].transfers.1 += 1;
        assert!(!foot(&draft, &broken));
        // each part's 待遇支出 is its own benefit lines: 550 pooled, 220 account
        assert_eq!(parts[0].lines[2].3, 550);
        assert_eq!(a.lines[2].3, 220);
        let mut broken = parts.clone();
        broken[1].lines[2].3 += 1;
        broken[0].lines[2].3 -= 1;
        assert!(
            !foot(&draft, &broken),
            "a part's 待遇支出 off its own lines"
        );
    }

    #[test]
    fn shares_round_half_away_from_zero_in_i128() {
        assert_eq!(share(1000, 300, 900), 333);
        assert_eq!(share(1000, 450, 900), 500);
        assert_eq!(share(3, 1, 2), 2, "1.5 → 2");
        assert_eq!(share(-3, 1, 2), -2, "−1.5 → −2");
        assert_eq!(share(5, 0, 0), 0);
        // 3·10¹⁶ × 3·10¹⁶ fen would overflow a Decimal
        let big = 30_000_000_000_000_000;
        assert_eq!(share(big, big, 2 * big), big / 2);
    }
}
