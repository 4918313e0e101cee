//! Matching book items to statement lines 对账, in a fixed order of rules; each item and each
//! line is used at most once, and every match records the rule that made it.
//!
//! 1. `reference`  — same reference, direction and amount (several: paired in date order).
//! 2. `duplicate`  — a statement line identical (date, direction, amount, reference) to one
//!                    already matched by reference, with no book item left for it.
//! 3. `amount_differs` — a reference on both sides with different amounts: both reported.
//! 4. `amount_date` — no usable reference: same direction and amount within the date window;
//!                    matched only when the pair are each other's unique nearest candidate;
//!                    ties are `ambiguous` on every side involved, never picked arbitrarily.
//! 5. what is left: `not_on_statement` (book) or `not_booked` (statement).
//!
//! Near-linear: rule 1–3 hash on the reference, rule 4 groups by (direction, amount) and sweeps
//! each group in date order.

use std::collections::{BTreeMap, HashMap};

use crate::model::date::Day;
use crate::model::Fen;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

impl Rule {
    pub fn key(self) -> &'static str {
        match self {
            Rule::Reference => "reference",
            Rule::AmountDate => "amount_date",
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
/// what stayed unmatched on each side.
#[derive(Debug, Default)]
pub struct Outcome {
    pub matches: Vec<(usize, usize, Rule)>,
    pub book_left: Vec<(usize, Reason)>,
    pub statement_left: Vec<(usize, Reason)>,
}

pub fn reconcile(book: &[Item], statement: &[Item], window_days: i32) -> Outcome {
    let mut book_used = vec![false; book.len()];
    let mut st_used = vec![false; statement.len()];
    let mut book_reason: Vec<Option<Reason>> = vec![None; book.len()];
    let mut st_reason: Vec<Option<Reason>> = vec![None; statement.len()];
    let mut out = Outcome::default();

    // 1. reference + direction + amount
    let mut by_ref: BTreeMap<(&str, Dir), (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, b) in book.iter().enumerate() {
        if let Some(r) = &b.reference {
            by_ref.entry((r.as_str(), b.dir)).or_default().0.push(i);
        }
    }
    for (j, s) in statement.iter().enumerate() {
        if let Some(r) = &s.reference {
            by_ref.entry((r.as_str(), s.dir)).or_default().1.push(j);
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
                book_used[i] = true;
                st_used[j] = true;
                out.matches.push((i, j, Rule::Reference));
            }
            // 2. duplicates: identical to a line just matched, nothing left to pair with
            for &j in s_j.iter().skip(b_i.len()) {
                let s = &statement[j];
                let twin = s_j[..b_i.len().min(s_j.len())]
                    .iter()
                    .any(|&k| statement[k].date == s.date);
                if twin {
                    st_used[j] = true;
                    st_reason[j] = Some(Reason::Duplicate);
                }
            }
        }
        // 3. the reference is on both sides, but what is left of it differs in amount
        let b_left: Vec<usize> = bs.iter().copied().filter(|&i| !book_used[i]).collect();
        let s_left: Vec<usize> = ss.iter().copied().filter(|&j| !st_used[j]).collect();
        if !b_left.is_empty() && !s_left.is_empty() {
            for i in b_left {
                book_used[i] = true;
                book_reason[i] = Some(Reason::AmountDiffers);
            }
            for j in s_left {
                st_used[j] = true;
                st_reason[j] = Some(Reason::AmountDiffers);
            }
        }
    }

    // 4. amount + direction within the window, for what has no usable reference
    let mut groups: HashMap<(Dir, Fen), (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (i, b) in book.iter().enumerate().filter(|(i, _)| !book_used[*i]) {
        groups.entry((b.dir, b.amount)).or_default().0.push(i);
    }
    for (j, s) in statement.iter().enumerate().filter(|(j, _)| !st_used[*j]) {
        groups.entry((s.dir, s.amount)).or_default().1.push(j);
    }
    let mut keys: Vec<_> = groups.keys().copied().collect();
    keys.sort();
    for k in keys {
        let (bs, ss) = &groups[&k];
        if bs.is_empty() || ss.is_empty() {
            continue;
        }
        let gap = |i: usize, j: usize| (statement[j].date - book[i].date).abs();
        // Candidates within the window; each side's nearest; unique mutual nearest → match.
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
                    out.matches.push((i, *j, Rule::AmountDate));
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

    // 5. what is left
    for (i, used) in book_used.iter().enumerate() {
        if !used || book_reason[i].is_some() {
            out.book_left
                .push((i, book_reason[i].unwrap_or(Reason::NotOnStatement)));
        }
    }
    for (j, used) in st_used.iter().enumerate() {
        if !used || st_reason[j].is_some() {
            out.statement_left
                .push((j, st_reason[j].unwrap_or(Reason::NotBooked)));
        }
    }
    out.matches.sort();
    out
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
}
