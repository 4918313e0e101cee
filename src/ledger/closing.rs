//! Year-end closing 年终结转 (entry 23), per part of each fund.

use super::chart::{self, Element, CHART};
use super::posting::{self, Lines};
use super::{Books, FundId};
use crate::model::catalog::{SubFund, BENEFITS};
use crate::model::date::Day;
use crate::model::Fen;

/// Year-end closing 年终结转 (entry 23): each revenue subject's credit balance to 基金结余,
/// 基金结余 to each expenditure subject. One voucher per fund, dated 31 December; it goes
/// to the journal but not into the slots: the statements are built from the year's
/// movements, and the closing balance of 基金结余 is derived and checked against them.
pub(super) struct Closing {
    pub fund: FundId,
    pub lines: Lines,
}

pub(super) fn closing_entries(books: &Books, last_day: Day) -> Vec<(Day, Closing)> {
    let mut out = Vec::new();
    for (fund, fb) in &books.funds {
        let mut lines = Lines::new();
        for part in SubFund::ALL {
            closing_lines(&fb.part_slots[part as usize], part, &mut lines);
        }
        out.push((
            last_day,
            Closing {
                fund: fund.clone(),
                lines,
            },
        ));
    }
    out
}

/// The closing lines of one part: each revenue and expenditure subject's net to 基金结余.
fn closing_lines(slots: &[[i128; 2]], part: SubFund, lines: &mut Lines) {
    for (k, s) in CHART.iter().enumerate() {
        let net = match s.element {
            Element::Revenue => slots[k][1] - slots[k][0],
            Element::Expenditure => {
                let details: i128 = if s.code == chart::BENEFITS {
                    (0..BENEFITS.len())
                        .map(|b| slots[CHART.len() + b][0] - slots[CHART.len() + b][1])
                        .sum()
                } else {
                    0
                };
                slots[k][0] - slots[k][1] + details
            }
            _ => continue,
        };
        if net == 0 {
            continue;
        }
        let net = Fen::try_from(net).expect("a subject total fits in i64 fen");
        let (debit, credit) = if s.element == Element::Revenue {
            (s.code, chart::FUND_BALANCE)
        } else {
            (chart::FUND_BALANCE, s.code)
        };
        lines.push(posting::dr(debit, net, None).in_part(part));
        lines.push(posting::cr(credit, net, None).in_part(part));
    }
}
