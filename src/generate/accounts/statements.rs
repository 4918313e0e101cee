//! The persons' money of each fund by day, and how a bank prints it on its statement: one line
//! a day, one per payer, or a few parts.

use super::*;

/// The persons' money of each fund, by day: contribution credits, refunds, payment batches
/// and returned payments; the unreferenced credits one by one, and the seed that picks how
/// the bank prints them.
#[derive(Default)]
pub(super) struct Days<'a> {
    pub(super) seed: u64,
    pub(super) credits: BTreeMap<(FundKey, Day), Vec<(&'static str, Option<String>, Fen)>>,
    pub(super) payers: Option<&'a BTreeMap<(FundKey, &'static str, Day), Vec<Fen>>>,
    pub(super) refunds: BTreeMap<(FundKey, Day), Vec<(&'static str, String, Fen)>>,
    pub(super) batches: BTreeMap<(FundKey, Day), Vec<(String, Fen)>>,
    pub(super) returns: BTreeMap<(FundKey, Day), Vec<(String, Fen)>>,
}

/// How a bank prints a day's unreferenced credits of one fund and account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Printed {
    /// one line for the day's total
    Total,
    /// one line per payer
    PerPayer,
    /// a few lines, each the sum of consecutive payers
    Parts(usize),
}

/// About a third of fund-days are printed per payer or in parts, drawn from a stream of their
/// own per fund, account and day (so the choice depends on the seed alone).
pub(super) fn printed(seed: u64, fund: FundKey, acct: &str, d: Day) -> Printed {
    let code = fund.0.parse::<u64>().unwrap_or(0) * 1000 + fund.1.parse::<u64>().unwrap_or(0);
    let acct_no = acct.bytes().fold(0u64, |h, b| h * 31 + b as u64) & 0xFFFF;
    let stream = 0xBA4C_0000_0000_0000 ^ (code << 24) ^ (acct_no << 8) ^ ((d as u32 as u64) << 40);
    let mut rng = Rng::new(seed, stream);
    match rng.below(6) {
        0 | 1 => Printed::PerPayer,
        2 => Printed::Parts(rng.range(2, 4) as usize),
        _ => Printed::Total,
    }
}

/// The lines a bank prints for a day's payer credits: one total, one line per payer, or `k`
/// lines of consecutive payers. Lines of nothing are not printed.
pub(super) fn credit_lines(payers: &[Fen], how: Printed) -> Vec<Fen> {
    let lines: Vec<Fen> = match how {
        Printed::Total => vec![payers.iter().sum()],
        Printed::PerPayer => payers.to_vec(),
        Printed::Parts(k) => {
            let per = payers.len().div_ceil(k).max(1);
            payers.chunks(per).map(|c| c.iter().sum()).collect()
        }
    };
    lines.into_iter().filter(|&v| v > 0).collect()
}

impl<'a> Days<'a> {
    pub(super) fn of(agg: &'a Agg, seed: u64) -> Days<'a> {
        let mut days = Days {
            seed,
            payers: Some(&agg.payers),
            ..Days::default()
        };
        for ((fund, acct, d, r), v) in &agg.credits {
            let e = days.credits.entry((*fund, *d)).or_default();
            e.push((acct, r.clone(), *v));
        }
        for ((fund, acct, d, r), v) in &agg.refunds {
            let e = days.refunds.entry((*fund, *d)).or_default();
            e.push((acct, r.clone(), *v));
        }
        for ((fund, id), (d, v)) in &agg.batches {
            let e = days.batches.entry((*fund, *d)).or_default();
            e.push((id.clone(), *v));
        }
        for ((fund, d, id), v) in &agg.returns {
            let e = days.returns.entry((*fund, *d)).or_default();
            e.push((id.clone(), *v));
        }
        days
    }

    /// The day's credits, refunds, batches and returns, on the statements and the balances.
    pub(super) fn settle(&self, book: &mut Book, fund: FundKey, d: Day) {
        for (acct, r, v) in self.credits.get(&(fund, d)).into_iter().flatten() {
            *book.bal.entry(acct).or_default() += v;
            if r.is_some() {
                book.line(acct, d, "in", *v, r.clone(), "collection");
                continue;
            }
            let how = printed(self.seed, fund, acct, d);
            let payers = self.payers.and_then(|p| p.get(&(fund, *acct, d)));
            let lines = match payers {
                Some(p) if how != Printed::Total => credit_lines(p, how),
                _ => vec![*v],
            };
            debug_assert_eq!(lines.iter().sum::<Fen>(), *v, "{fund:?} {acct} {d}");
            let memo = match how {
                Printed::Total => "daily collections",
                Printed::PerPayer => "payer credit",
                Printed::Parts(_) => "collections, part",
            };
            for amount in lines {
                book.line(acct, d, "in", amount, None, memo);
            }
        }
        for (acct, r, v) in self.refunds.get(&(fund, d)).into_iter().flatten() {
            *book.bal.entry(acct).or_default() -= v;
            book.line(acct, d, "out", *v, Some(r.clone()), "refund");
        }
        for (id, v) in self.batches.get(&(fund, d)).into_iter().flatten() {
            *book.bal.entry("expense").or_default() -= v;
            book.line("expense", d, "out", *v, Some(id.clone()), "payment batch");
        }
        for (id, v) in self.returns.get(&(fund, d)).into_iter().flatten() {
            *book.bal.entry("expense").or_default() += v;
            book.line("expense", d, "in", *v, Some(id.clone()), "returned payment");
        }
    }

    /// Paid out of the expenditure account by the day's batches.
    pub(super) fn paid(&self, fund: FundKey, d: Day) -> Fen {
        self.batches
            .get(&(fund, d))
            .map(|v| v.iter().map(|b| b.1).sum())
            .unwrap_or(0)
    }
}
