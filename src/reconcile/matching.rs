//! Matching book items to statement lines 对账, in a fixed order of rules; each item and each
//! line takes part in at most one match (a pair, or a day's group), and every match records the
//! rule that made it.
//!
//! 1. `reference`  — same reference, direction and amount (several: paired in date order).
//! 2. `duplicate`  — a statement line identical (date, direction, amount, reference) to one
//!                    already matched by reference, with no book item left for it.
//! 3. `amount_differs` — a reference on both sides with different amounts: both reported.
//! 4. `amount_date` — no usable reference: same direction and amount within the date window;
//!                    matched only when the pair are each other's unique nearest candidate;
//!                    ties are `ambiguous` on every side involved, never picked arbitrarily.
//! 5. `day_total`  — what is left without a reference, per direction and day on each side: a
//!                    book day and a statement day match as a whole when their sums are equal
//!                    to the fen and one of them holds several items (the bank credited a day's
//!                    receipts per payer, or one total for several vouchers); a single item
//!                    against a single line stays rule 4's verdict. The unique nearest day
//!                    within the window; ties are `ambiguous`. Each pass runs twice: on every
//!                    such item, then — for the days still open — without the items rule 4
//!                    found ambiguous, which may be what keeps a day from adding up. Whole days
//!                    only: no search for a subset that adds up (exponential, and no rule a
//!                    finance user could check by hand); a day that does not add up keeps its
//!                    reasons.
//! 6. what is left: `not_on_statement` (book) or `not_booked` (statement).
//!
//! Rules 4 and 5 run first on the same day (window 0), then within the window: a payer's
//! credit is a lone amount that may equal another day's total, so the day it belongs to is
//! heard before any other day.
//!
//! Near-linear: rules 1–3 hash on the reference; rule 4 sorts by (direction, amount, date) and
//! finds each item's nearest candidates by binary search; rule 5 sorts by day, then by sum.

use std::collections::BTreeMap;

use crate::model::date::Day;
use crate::model::nearest;
use crate::model::Fen;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Dir {
    In,
    Out,
}

impl Dir {
    pub fn key(self) -> &'static str {
        match self {
            Dir::In => "in",
            Dir::Out => "out",
        }
    }
    /// +1 for money in, −1 for money out.
    pub fn sign(self) -> i128 {
        match self {
            Dir::In => 1,
            Dir::Out => -1,
        }
    }
}

/// A movement on one side of one account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Item {
    pub id: String,
    pub date: Day,
    pub dir: Dir,
    pub amount: Fen,
    pub reference: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    Reference,
    AmountDate,
    DayTotal,
}

impl Rule {
    pub fn key(self) -> &'static str {
        match self {
            Rule::Reference => "reference",
            Rule::AmountDate => "amount_date",
            Rule::DayTotal => "day_total",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    NotOnStatement,
    NotBooked,
    AmountDiffers,
    Ambiguous,
    Duplicate,
}

impl Reason {
    pub fn key(self) -> &'static str {
        match self {
            Reason::NotOnStatement => "not_on_statement",
            Reason::NotBooked => "not_booked",
            Reason::AmountDiffers => "amount_differs",
            Reason::Ambiguous => "ambiguous",
            Reason::Duplicate => "duplicate",
        }
    }
}

/// The outcome for one account: pairs (book index, statement index, rule) and the reasons of
/// what stayed unmatched on each side. A `day_total` match of m book items and n lines is
/// several pairs: each item and line appears in at least one, at most m + n − 1 in all.
#[derive(Debug, Default)]
pub struct Outcome {
    pub matches: Vec<(usize, usize, Rule)>,
    pub book_left: Vec<(usize, Reason)>,
    pub statement_left: Vec<(usize, Reason)>,
}

/// What the rules have decided so far, per book item and statement line.
struct State {
    book_used: Vec<bool>,
    st_used: Vec<bool>,
    book_reason: Vec<Option<Reason>>,
    st_reason: Vec<Option<Reason>>,
    matches: Vec<(usize, usize, Rule)>,
}

impl State {
    fn new(books: usize, lines: usize) -> State {
        State {
            book_used: vec![false; books],
            st_used: vec![false; lines],
            book_reason: vec![None; books],
            st_reason: vec![None; lines],
            matches: Vec::new(),
        }
    }

    fn pair(&mut self, i: usize, j: usize, rule: Rule) {
        self.book_used[i] = true;
        self.st_used[j] = true;
        self.matches.push((i, j, rule));
    }

    /// Rule 6: what is left, with the reason given on the way or the default one.
    fn outcome(self) -> Outcome {
        let mut out = Outcome::default();
        for (i, used) in self.book_used.iter().enumerate() {
            if !used || self.book_reason[i].is_some() {
                let why = self.book_reason[i].unwrap_or(Reason::NotOnStatement);
                out.book_left.push((i, why));
            }
        }
        for (j, used) in self.st_used.iter().enumerate() {
            if !used || self.st_reason[j].is_some() {
                let why = self.st_reason[j].unwrap_or(Reason::NotBooked);
                out.statement_left.push((j, why));
            }
        }
        out.matches = self.matches;
        out.matches.sort();
        out
    }
}

pub fn reconcile(book: &[Item], statement: &[Item], window_days: i32) -> Outcome {
    let mut s = State::new(book.len(), statement.len());
    by_reference(book, statement, &mut s);
    // Everything on the same day before anything across days: a per-payer credit is a lone
    // amount that may equal another day's total, so the day it belongs to speaks first.
    amount_date(book, statement, 0, &mut s);
    day_totals(book, statement, 0, &mut s);
    amount_date(book, statement, window_days, &mut s);
    day_totals(book, statement, window_days, &mut s);
    s.outcome()
}

/// Rules 1–3: reference + direction + amount; duplicates; amounts that differ.
fn by_reference(book: &[Item], statement: &[Item], s: &mut State) {
    let mut by_ref: BTreeMap<(&str, Dir), (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, b) in book.iter().enumerate() {
        if let Some(r) = &b.reference {
            by_ref.entry((r.as_str(), b.dir)).or_default().0.push(i);
        }
    }
    for (j, x) in statement.iter().enumerate() {
        if let Some(r) = &x.reference {
            by_ref.entry((r.as_str(), x.dir)).or_default().1.push(j);
        }
    }
    for (bs, ss) in by_ref.values() {
        let mut by_amount: BTreeMap<Fen, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for &i in bs {
            by_amount.entry(book[i].amount).or_default().0.push(i);
        }
        for &j in ss {
            by_amount.entry(statement[j].amount).or_default().1.push(j);
        }
        for (b_i, s_j) in by_amount.values_mut() {
            b_i.sort_by_key(|&i| (book[i].date, i));
            s_j.sort_by_key(|&j| (statement[j].date, j));
            for (&i, &j) in b_i.iter().zip(s_j.iter()) {
                s.pair(i, j, Rule::Reference);
            }
            // 2. duplicates: identical to a line just matched, nothing left to pair with
            for &j in s_j.iter().skip(b_i.len()) {
                let twin = s_j[..b_i.len().min(s_j.len())]
                    .iter()
                    .any(|&k| statement[k].date == statement[j].date);
                if twin {
                    s.st_used[j] = true;
                    s.st_reason[j] = Some(Reason::Duplicate);
                }
            }
        }
        // 3. the reference is on both sides, but what is left of it differs in amount
        let b_left: Vec<usize> = bs.iter().copied().filter(|&i| !s.book_used[i]).collect();
        let s_left: Vec<usize> = ss.iter().copied().filter(|&j| !s.st_used[j]).collect();
        if !b_left.is_empty() && !s_left.is_empty() {
            for i in b_left {
                s.book_used[i] = true;
                s.book_reason[i] = Some(Reason::AmountDiffers);
            }
            for j in s_left {
                s.st_used[j] = true;
                s.st_reason[j] = Some(Reason::AmountDiffers);
            }
        }
    }
}

/// Rule 4: amount + direction within the window, for what is still open (no usable reference).
fn amount_date(book: &[Item], statement: &[Item], w: i32, s: &mut State) {
    let key = |x: &Item| (x.dir, x.amount);
    let bs = open_sorted(book, &s.book_used, |i| (key(&book[i]), book[i].date, i));
    let ss = open_sorted(statement, &s.st_used, |j| {
        (key(&statement[j]), statement[j].date, j)
    });
    let kb = |i: usize| key(&book[i]);
    let ks = |j: usize| key(&statement[j]);
    join_runs(&bs, &ss, kb, ks, |gb, gs| {
        let bd: Vec<Day> = gb.iter().map(|&i| book[i].date).collect();
        let sd: Vec<Day> = gs.iter().map(|&j| statement[j].date).collect();
        let n = nearest::mutual(&bd, &sd, w);
        for &(p, q) in &n.pairs {
            s.pair(gb[p], gs[q], Rule::AmountDate);
            // a tie of the same-day pass that this pass resolves
            (s.book_reason[gb[p]], s.st_reason[gs[q]]) = (None, None);
        }
        for (p, _) in n.book_amb.iter().enumerate().filter(|x| *x.1) {
            s.book_reason[gb[p]] = Some(Reason::Ambiguous);
        }
        for (q, _) in n.st_amb.iter().enumerate().filter(|x| *x.1) {
            s.st_reason[gs[q]] = Some(Reason::Ambiguous);
        }
    });
}

/// The indices of the items not used yet, sorted by `key`.
fn open_sorted<K: Ord>(items: &[Item], used: &[bool], key: impl Fn(usize) -> K) -> Vec<usize> {
    let mut v: Vec<usize> = (0..items.len()).filter(|&i| !used[i]).collect();
    v.sort_by_key(|&i| key(i));
    v
}

/// Walks two index lists sorted by their keys and hands `f` each run of equal keys found on
/// both sides. Linear in the two lengths.
fn join_runs<K: Ord>(
    a: &[usize],
    b: &[usize],
    ka: impl Fn(usize) -> K,
    kb: impl Fn(usize) -> K,
    mut f: impl FnMut(&[usize], &[usize]),
) {
    let (mut x, mut y) = (0, 0);
    while x < a.len() && y < b.len() {
        let (k1, k2) = (ka(a[x]), kb(b[y]));
        match k1.cmp(&k2) {
            std::cmp::Ordering::Less => x += 1,
            std::cmp::Ordering::Greater => y += 1,
            std::cmp::Ordering::Equal => {
                let x2 = x + a[x..].iter().take_while(|&&i| ka(i) == k1).count();
                let y2 = y + b[y..].iter().take_while(|&&j| kb(j) == k2).count();
                f(&a[x..x2], &b[y..y2]);
                (x, y) = (x2, y2);
            }
        }
    }
}

/// One side's open, unreferenced items of one direction and day.
struct DayGroup {
    dir: Dir,
    date: Day,
    sum: i128,
    members: Vec<usize>,
}

/// The day groups of the items `open` admits that carry no reference, in (direction, day)
/// order; members in index order.
fn day_groups(items: &[Item], open: impl Fn(usize) -> bool) -> Vec<DayGroup> {
    let mut idx: Vec<usize> = (0..items.len())
        .filter(|&i| open(i) && items[i].reference.is_none())
        .collect();
    idx.sort_by_key(|&i| (items[i].dir, items[i].date, i));
    let mut out: Vec<DayGroup> = Vec::new();
    for i in idx {
        let x = &items[i];
        match out.last_mut() {
            Some(g) if (g.dir, g.date) == (x.dir, x.date) => {
                g.sum += x.amount as i128;
                g.members.push(i);
            }
            _ => out.push(DayGroup {
                dir: x.dir,
                date: x.date,
                sum: x.amount as i128,
                members: vec![i],
            }),
        }
    }
    out
}

/// Equal sums, and several items on one side at least: a single item against a single line
/// is rule 4's to decide, and it has.
fn fits(x: &DayGroup, y: &DayGroup) -> bool {
    x.sum == y.sum && (x.members.len() > 1 || y.members.len() > 1)
}

/// Rule 5: day totals, on every open unreferenced item, then without rule 4's ambiguous ones.
fn day_totals(book: &[Item], statement: &[Item], w: i32, s: &mut State) {
    let amb = |r: &Option<Reason>| *r == Some(Reason::Ambiguous);
    let amb_b: Vec<bool> = s.book_reason.iter().map(amb).collect();
    let amb_s: Vec<bool> = s.st_reason.iter().map(amb).collect();
    let mut tied = (vec![false; book.len()], vec![false; statement.len()]);
    for skip_ambiguous in [false, true] {
        let bg = day_groups(book, |i| !s.book_used[i] && !(skip_ambiguous && amb_b[i]));
        let sg = day_groups(statement, |j| {
            !s.st_used[j] && !(skip_ambiguous && amb_s[j])
        });
        let (open_b, open_s) = same_day(book, statement, &bg, &sg, s);
        // Within 0 days the nearest day is the same day, just tried (and a day is one group
        // per side, so no tie can arise there).
        if w == 0 {
            continue;
        }
        nearest_day(
            book,
            statement,
            (&bg, &open_b),
            (&sg, &open_s),
            w,
            s,
            &mut tied,
        );
    }
    // A tie left unresolved is ambiguous; what either round matched is not.
    for (i, _) in tied.0.iter().enumerate().filter(|x| *x.1) {
        if !s.book_used[i] {
            s.book_reason[i] = Some(Reason::Ambiguous);
        }
    }
    for (j, _) in tied.1.iter().enumerate().filter(|x| *x.1) {
        if !s.st_used[j] {
            s.st_reason[j] = Some(Reason::Ambiguous);
        }
    }
}

/// The same day: a book day and a statement day that fit match as a whole. Returns which
/// groups are still open.
fn same_day(
    book: &[Item],
    statement: &[Item],
    bg: &[DayGroup],
    sg: &[DayGroup],
    s: &mut State,
) -> (Vec<bool>, Vec<bool>) {
    let (mut open_b, mut open_s) = (vec![true; bg.len()], vec![true; sg.len()]);
    let (ib, is): (Vec<usize>, Vec<usize>) = ((0..bg.len()).collect(), (0..sg.len()).collect());
    let kb = |k: usize| (bg[k].dir, bg[k].date);
    let ks = |k: usize| (sg[k].dir, sg[k].date);
    join_runs(&ib, &is, kb, ks, |x, y| {
        // one group per side and day
        let (x, y) = (x[0], y[0]);
        if fits(&bg[x], &sg[y]) {
            pair_groups(book, statement, &bg[x], &sg[y], s);
            (open_b[x], open_s[y]) = (false, false);
        }
    });
    (open_b, open_s)
}

/// The nearest day: open days of the same direction and sum, each the other's unique nearest
/// within the window (dates are distinct per side, so rule 4's `nearest` applies to days).
/// Members of tied days are recorded in `tied`.
fn nearest_day(
    book: &[Item],
    statement: &[Item],
    (bg, open_b): (&[DayGroup], &[bool]),
    (sg, open_s): (&[DayGroup], &[bool]),
    w: i32,
    s: &mut State,
    tied: &mut (Vec<bool>, Vec<bool>),
) {
    let kb = |k: usize| (bg[k].dir, bg[k].sum);
    let ks = |k: usize| (sg[k].dir, sg[k].sum);
    let mut ib: Vec<usize> = (0..bg.len()).filter(|&k| open_b[k]).collect();
    let mut is: Vec<usize> = (0..sg.len()).filter(|&k| open_s[k]).collect();
    ib.sort_by_key(|&k| (kb(k), bg[k].date));
    is.sort_by_key(|&k| (ks(k), sg[k].date));
    join_runs(&ib, &is, kb, ks, |gb, gs| {
        let bd: Vec<Day> = gb.iter().map(|&k| bg[k].date).collect();
        let sd: Vec<Day> = gs.iter().map(|&k| sg[k].date).collect();
        let n = nearest::mutual(&bd, &sd, w);
        for &(p, q) in &n.pairs {
            if fits(&bg[gb[p]], &sg[gs[q]]) {
                pair_groups(book, statement, &bg[gb[p]], &sg[gs[q]], s);
            }
        }
        for (p, _) in n.book_amb.iter().enumerate().filter(|x| *x.1) {
            for &i in &bg[gb[p]].members {
                tied.0[i] = true;
            }
        }
        for (q, _) in n.st_amb.iter().enumerate().filter(|x| *x.1) {
            for &j in &sg[gs[q]].members {
                tied.1[j] = true;
            }
        }
    });
}

/// Matches a book day with a statement day of the same sum. The pairs walk both days in order
/// and join the items whose running totals overlap: each item and line appears at least once,
/// m + n − 1 pairs at most (one book item and n lines: n pairs with that item).
fn pair_groups(book: &[Item], statement: &[Item], x: &DayGroup, y: &DayGroup, s: &mut State) {
    let (mb, ms) = (&x.members, &y.members);
    let (mut p, mut q) = (0, 0);
    let (mut tb, mut ts) = (book[mb[0]].amount as i128, statement[ms[0]].amount as i128);
    loop {
        s.pair(mb[p], ms[q], Rule::DayTotal);
        // rule 4 may have found them ambiguous; the day explains them
        (s.book_reason[mb[p]], s.st_reason[ms[q]]) = (None, None);
        let (more_b, more_s) = (p + 1 < mb.len(), q + 1 < ms.len());
        if !more_b && !more_s {
            break;
        }
        // advance the side whose running total is behind (both when level)
        let step_b = more_b && (tb <= ts || !more_s);
        let step_s = more_s && (ts <= tb || !more_b);
        if step_b {
            p += 1;
            tb += book[mb[p]].amount as i128;
        }
        if step_s {
            q += 1;
            ts += statement[ms[q]].amount as i128;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::date::day;

    fn it(id: &str, d: u32, dir: Dir, amount: Fen, r: Option<&str>) -> Item {
        Item {
            id: id.into(),
            date: day(2025, 3, d),
            dir,
            amount,
            reference: r.map(Into::into),
        }
    }

    fn reasons(o: &Outcome, book: &[Item], st: &[Item]) -> Vec<String> {
        let mut v: Vec<String> = o
            .book_left
            .iter()
            .map(|(i, r)| format!("book {} {}", book[*i].id, r.key()))
            .collect();
        v.extend(
            o.statement_left
                .iter()
                .map(|(j, r)| format!("statement {} {}", st[*j].id, r.key())),
        );
        v
    }

    #[test]
    fn reference_match_then_leftovers() {
        let book = [
            it("b1", 5, Dir::Out, 100, Some("R1")),
            it("b2", 6, Dir::In, 50, None),
        ];
        let st = [
            it("s1", 6, Dir::Out, 100, Some("R1")),
            it("s2", 9, Dir::Out, 7, None),
        ];
        let o = reconcile(&book, &st, 3);
        assert_eq!(o.matches, [(0, 0, Rule::Reference)]);
        assert_eq!(
            reasons(&o, &book, &st),
            ["book b2 not_on_statement", "statement s2 not_booked"]
        );
    }

    #[test]
    fn same_reference_other_direction_does_not_match() {
        let book = [it("b1", 5, Dir::Out, 100, Some("R1"))];
        let st = [it("s1", 5, Dir::In, 100, Some("R1"))];
        let o = reconcile(&book, &st, 3);
        assert!(o.matches.is_empty());
        assert_eq!(
            reasons(&o, &book, &st),
            ["book b1 not_on_statement", "statement s1 not_booked"]
        );
    }

    #[test]
    fn amount_differs_on_both_sides() {
        let book = [it("b1", 5, Dir::In, 1_000_000, Some("R9"))];
        let st = [it("s1", 5, Dir::In, 999_999, Some("R9"))];
        let o = reconcile(&book, &st, 3);
        assert_eq!(
            reasons(&o, &book, &st),
            ["book b1 amount_differs", "statement s1 amount_differs"]
        );
    }

    #[test]
    fn a_second_identical_line_is_a_duplicate() {
        let book = [it("b1", 5, Dir::Out, 300, Some("B7"))];
        let st = [
            it("s1", 5, Dir::Out, 300, Some("B7")),
            it("s2", 5, Dir::Out, 300, Some("B7")),
        ];
        let o = reconcile(&book, &st, 3);
        assert_eq!(o.matches, [(0, 0, Rule::Reference)]);
        assert_eq!(reasons(&o, &book, &st), ["statement s2 duplicate"]);
    }

    #[test]
    fn amount_and_date_within_the_window() {
        let book = [it("b1", 10, Dir::In, 777, None)];
        let st = [
            it("s1", 12, Dir::In, 777, None),
            it("s2", 20, Dir::In, 777, None),
        ];
        let o = reconcile(&book, &st, 3);
        assert_eq!(o.matches, [(0, 0, Rule::AmountDate)]);
        assert_eq!(reasons(&o, &book, &st), ["statement s2 not_booked"]);
        // outside the window: no match
        let o = reconcile(&book, &st[1..], 3);
        assert!(o.matches.is_empty());
    }

    #[test]
    fn two_equally_good_candidates_are_ambiguous() {
        let book = [it("b1", 10, Dir::In, 777, None)];
        let st = [
            it("s1", 9, Dir::In, 777, None),
            it("s2", 11, Dir::In, 777, None),
        ];
        let o = reconcile(&book, &st, 3);
        assert!(o.matches.is_empty());
        assert_eq!(
            reasons(&o, &book, &st),
            [
                "book b1 ambiguous",
                "statement s1 ambiguous",
                "statement s2 ambiguous"
            ]
        );
    }

    fn gaps(o: &Outcome, book: &[Item], st: &[Item]) -> Vec<(usize, usize, &'static str, i32)> {
        o.matches
            .iter()
            .map(|&(i, j, r)| (i, j, r.key(), st[j].date - book[i].date))
            .collect()
    }

    /// A day's three residents' premiums: one book voucher (no receipt reference), three payer
    /// credits on the bank's statement.
    #[test]
    fn three_payer_credits_match_one_voucher() {
        let book = [it("C:income:0305", 5, Dir::In, 130_000, None)];
        let st = [
            it("s1", 5, Dir::In, 40_000, None),
            it("s2", 5, Dir::In, 50_000, None),
            it("s3", 5, Dir::In, 40_000, None),
        ];
        let o = reconcile(&book, &st, 3);
        assert_eq!(
            gaps(&o, &book, &st),
            [
                (0, 0, "day_total", 0),
                (0, 1, "day_total", 0),
                (0, 2, "day_total", 0)
            ]
        );
        assert!(reasons(&o, &book, &st).is_empty());
    }

    /// Two unreferenced vouchers of one day (fees and an unreferenced flow), one bank credit
    /// for the day's total.
    #[test]
    fn one_bank_line_for_two_vouchers_of_the_day() {
        let book = [
            it("C:fiscal:0307", 7, Dir::In, 600_000, None),
            it("F:X1:in", 7, Dir::In, 4_000, None),
        ];
        let st = [it("s1", 7, Dir::In, 604_000, None)];
        let o = reconcile(&book, &st, 3);
        assert_eq!(
            gaps(&o, &book, &st),
            [(0, 0, "day_total", 0), (1, 0, "day_total", 0)]
        );
        assert!(reasons(&o, &book, &st).is_empty());
    }

    /// The bank credits the payers of the 10th on the 11th: within the window.
    #[test]
    fn payer_credits_of_the_next_day() {
        let book = [it("C:income:0310", 10, Dir::In, 100_000, None)];
        let st = [
            it("s1", 11, Dir::In, 60_000, None),
            it("s2", 11, Dir::In, 40_000, None),
        ];
        let o = reconcile(&book, &st, 3);
        assert_eq!(
            gaps(&o, &book, &st),
            [(0, 0, "day_total", 1), (0, 1, "day_total", 1)]
        );
        assert!(reasons(&o, &book, &st).is_empty());
        // five days later: outside the window, nothing matched
        let late: Vec<Item> = st
            .iter()
            .map(|x| Item {
                date: x.date + 4,
                ..x.clone()
            })
            .collect();
        assert!(reconcile(&book, &late, 3).matches.is_empty());
    }

    /// Payer credits that miss the book total by 0.10: whole days only, no subset search, so
    /// nothing matches and every item keeps its reason.
    #[test]
    fn payer_credits_that_do_not_add_up_stay_unmatched() {
        let book = [it("C:income:0305", 5, Dir::In, 130_000, None)];
        let st = [
            it("s1", 5, Dir::In, 40_000, None),
            it("s2", 5, Dir::In, 50_000, None),
            it("s3", 5, Dir::In, 39_990, None),
        ];
        let o = reconcile(&book, &st, 3);
        assert!(o.matches.is_empty());
        assert_eq!(
            reasons(&o, &book, &st),
            [
                "book C:income:0305 not_on_statement",
                "statement s1 not_booked",
                "statement s2 not_booked",
                "statement s3 not_booked"
            ]
        );
    }

    /// Two statement days, one before and one after, both adding up to the book day: a tie.
    #[test]
    fn two_equally_near_days_are_ambiguous() {
        let book = [it("b1", 10, Dir::In, 100_000, None)];
        let st = [
            it("s1", 9, Dir::In, 60_000, None),
            it("s2", 9, Dir::In, 40_000, None),
            it("s3", 11, Dir::In, 70_000, None),
            it("s4", 11, Dir::In, 30_000, None),
        ];
        let o = reconcile(&book, &st, 3);
        assert!(o.matches.is_empty());
        assert_eq!(
            reasons(&o, &book, &st),
            [
                "book b1 ambiguous",
                "statement s1 ambiguous",
                "statement s2 ambiguous",
                "statement s3 ambiguous",
                "statement s4 ambiguous"
            ]
        );
    }

    /// The same day first: the 5th takes the 5th, so the 6th's nearest left is the 7th alone.
    #[test]
    fn the_same_day_before_the_nearest() {
        let book = [
            it("b5", 5, Dir::In, 100_000, None),
            it("b6", 6, Dir::In, 100_000, None),
        ];
        let st = [
            it("s1", 5, Dir::In, 50_000, None),
            it("s2", 5, Dir::In, 50_000, None),
            it("s3", 7, Dir::In, 20_000, None),
            it("s4", 7, Dir::In, 80_000, None),
        ];
        let o = reconcile(&book, &st, 3);
        assert_eq!(
            gaps(&o, &book, &st),
            [
                (0, 0, "day_total", 0),
                (0, 1, "day_total", 0),
                (1, 2, "day_total", 1),
                (1, 3, "day_total", 1)
            ]
        );
    }

    /// Flat premiums: payer credits of 400 on the 5th would be rule 4's ties between two
    /// one-payer days (the 4th and the 6th) within the window; the same day comes first, and
    /// the 5th's total explains them.
    #[test]
    fn rule_4_ties_explained_by_the_day() {
        let book = [
            it("b4", 4, Dir::In, 40_000, None),
            it("b5", 5, Dir::In, 120_000, None),
            it("b6", 6, Dir::In, 40_000, None),
        ];
        let st = [
            it("s4", 4, Dir::In, 40_000, None),
            it("s5a", 5, Dir::In, 40_000, None),
            it("s5b", 5, Dir::In, 40_000, None),
            it("s5c", 5, Dir::In, 40_000, None),
            it("s6", 6, Dir::In, 40_000, None),
        ];
        let o = reconcile(&book, &st, 3);
        assert_eq!(
            gaps(&o, &book, &st),
            [
                (0, 0, "amount_date", 0),
                (1, 1, "day_total", 0),
                (1, 2, "day_total", 0),
                (1, 3, "day_total", 0),
                (2, 4, "amount_date", 0)
            ]
        );
        assert!(reasons(&o, &book, &st).is_empty());
    }

    /// An unreferenced 777.00 with two equally near credits is ambiguous (rule 4) and keeps
    /// out of the day it was booked on, whose fees the bank credited per payer.
    #[test]
    fn a_rule_4_tie_set_aside_lets_the_day_add_up() {
        let book = [
            it("C:fiscal:0310", 10, Dir::In, 100_000, None),
            it("F:XR03:in", 10, Dir::In, 77_700, None),
        ];
        let st = [
            it("amb1", 9, Dir::In, 77_700, None),
            it("p1", 10, Dir::In, 60_000, None),
            it("p2", 10, Dir::In, 40_000, None),
            it("amb2", 11, Dir::In, 77_700, None),
        ];
        let o = reconcile(&book, &st, 3);
        assert_eq!(
            gaps(&o, &book, &st),
            [(0, 1, "day_total", 0), (0, 2, "day_total", 0)]
        );
        assert_eq!(
            reasons(&o, &book, &st),
            [
                "book F:XR03:in ambiguous",
                "statement amb1 ambiguous",
                "statement amb2 ambiguous"
            ]
        );
    }

    /// An m-to-n day: pairs follow the running totals, m + n − 1 of them.
    #[test]
    fn many_to_many_pairs_follow_running_totals() {
        let book = [
            it("b1", 5, Dir::Out, 100, None),
            it("b2", 5, Dir::Out, 200, None),
        ];
        let st = [
            it("s1", 5, Dir::Out, 250, None),
            it("s2", 5, Dir::Out, 50, None),
        ];
        let o = reconcile(&book, &st, 3);
        let pairs: Vec<(usize, usize)> = o.matches.iter().map(|m| (m.0, m.1)).collect();
        assert_eq!(pairs, [(0, 0), (1, 0), (1, 1)]);
    }

    /// 200,000 items of one amount on each side, a day apart, over 1,600 years of days; and
    /// 200,000 payer credits over 1,000 days. Quadratic matching (4·10¹⁰ comparisons per rule)
    /// would take minutes; this takes well under a second.
    #[test]
    fn large_groups_stay_near_linear() {
        let n = 200_000;
        let book: Vec<Item> = (0..n)
            .map(|k| Item {
                id: format!("b{k}"),
                date: 3 * k,
                dir: Dir::In,
                amount: 40_000,
                reference: None,
            })
            .collect();
        let st: Vec<Item> = book
            .iter()
            .map(|b| Item {
                date: b.date + 1,
                ..b.clone()
            })
            .collect();
        let t = std::time::Instant::now();
        let o = reconcile(&book, &st, 3);
        assert_eq!(o.matches.len(), n as usize);
        assert!(o
            .matches
            .iter()
            .all(|&(i, j, r)| i == j && r == Rule::AmountDate));
        assert!(o.book_left.is_empty() && o.statement_left.is_empty());

        let days = 1_000;
        let book: Vec<Item> = (0..days)
            .map(|d| Item {
                id: format!("b{d}"),
                date: d,
                dir: Dir::In,
                amount: 200 * 40_000,
                reference: None,
            })
            .collect();
        let st: Vec<Item> = (0..n)
            .map(|k| Item {
                id: format!("s{k}"),
                date: k % days,
                dir: Dir::In,
                amount: 40_000,
                reference: None,
            })
            .collect();
        let o = reconcile(&book, &st, 3);
        assert_eq!(o.matches.len(), n as usize);
        assert!(o
            .matches
            .iter()
            .all(|&(i, j, r)| st[j].date == book[i].date && r == Rule::DayTotal));
        assert!(o.book_left.is_empty() && o.statement_left.is_empty());
        // a generous bound: the quadratic rule 4 took minutes here
        assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
    }

    /// Rule 4 as it was written first (quadratic in a group), kept as the oracle of the sweep.
    fn rule_4_quadratic(
        book: &[Item],
        statement: &[Item],
        window_days: i32,
    ) -> (
        Vec<(usize, usize)>,
        Vec<Option<Reason>>,
        Vec<Option<Reason>>,
    ) {
        let mut book_used = vec![false; book.len()];
        let mut st_used = vec![false; statement.len()];
        let mut book_reason: Vec<Option<Reason>> = vec![None; book.len()];
        let mut st_reason: Vec<Option<Reason>> = vec![None; statement.len()];
        let mut matches = Vec::new();
        let mut groups: BTreeMap<(Dir, Fen), (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for (i, b) in book.iter().enumerate() {
            groups.entry((b.dir, b.amount)).or_default().0.push(i);
        }
        for (j, s) in statement.iter().enumerate() {
            groups.entry((s.dir, s.amount)).or_default().1.push(j);
        }
        for (bs, ss) in groups.values() {
            let gap = |i: usize, j: usize| (statement[j].date - book[i].date).abs();
            let nearest = |i: usize| -> Vec<usize> {
                let c: Vec<usize> = ss
                    .iter()
                    .copied()
                    .filter(|&j| gap(i, j) <= window_days)
                    .collect();
                let best = c.iter().map(|&j| gap(i, j)).min();
                c.into_iter().filter(|&j| Some(gap(i, j)) == best).collect()
            };
            let nearest_book = |j: usize| -> Vec<usize> {
                let c: Vec<usize> = bs
                    .iter()
                    .copied()
                    .filter(|&i| gap(i, j) <= window_days)
                    .collect();
                let best = c.iter().map(|&i| gap(i, j)).min();
                c.into_iter().filter(|&i| Some(gap(i, j)) == best).collect()
            };
            for &i in bs {
                let n = nearest(i);
                match n.as_slice() {
                    [] => {}
                    [j] if nearest_book(*j) == [i] => {
                        book_used[i] = true;
                        st_used[*j] = true;
                        matches.push((i, *j));
                    }
                    _ => {
                        book_reason[i] = Some(Reason::Ambiguous);
                        for j in n {
                            st_reason[j] = Some(Reason::Ambiguous);
                        }
                    }
                }
            }
            for &j in ss {
                if !st_used[j] && nearest_book(j).len() > 1 {
                    st_reason[j] = Some(Reason::Ambiguous);
                    for i in nearest_book(j) {
                        if !book_used[i] {
                            book_reason[i] = Some(Reason::Ambiguous);
                        }
                    }
                }
            }
        }
        matches.sort();
        (matches, book_reason, st_reason)
    }

    /// The sweep gives rule 4's results exactly, on many small random cases dense in ties.
    #[test]
    fn sweep_equals_the_quadratic_rule_4() {
        let mut x: u64 = 0x5eed;
        let mut next = |n: u64| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % n
        };
        for _ in 0..3_000 {
            let mut side = |prefix: &str| -> Vec<Item> {
                (0..next(9))
                    .map(|k| Item {
                        id: format!("{prefix}{k}"),
                        date: next(12) as i32,
                        dir: if next(4) == 0 { Dir::Out } else { Dir::In },
                        amount: 1 + next(3) as i64,
                        reference: None,
                    })
                    .collect()
            };
            let (book, st) = (side("b"), side("s"));
            let w = next(4) as i32;
            let mut s = State::new(book.len(), st.len());
            amount_date(&book, &st, w, &mut s);
            let mut got: Vec<(usize, usize)> = s.matches.iter().map(|m| (m.0, m.1)).collect();
            got.sort();
            let want = rule_4_quadratic(&book, &st, w);
            assert_eq!(
                (got, s.book_reason, s.st_reason),
                want,
                "{book:?} {st:?} {w}"
            );
        }
    }
}
