//! The unique-nearest rule 最近唯一匹配 between two sides of dated items of one amount: an
//! item pairs with the other side's item when each is the other's only nearest candidate within
//! a window of days — never picked arbitrarily among equals. Reconciliation (rule 4 and its day
//! totals) and the elimination of inter-level flows both pair this way. Sorted dates and
//! binary search: O((m + n) log(m + n)).

use super::date::Day;

/// An item's nearest candidates on the other side: at most two runs of one date each (the
/// nearest before, the nearest on or after), as position ranges in the other side's sorted
/// dates; an empty run is (0, 0).
pub type Runs = [(usize, usize); 2];

pub fn runs_len(r: &Runs) -> usize {
    r.iter().map(|(a, b)| b - a).sum()
}

/// The one candidate, if there is exactly one.
pub fn only(r: &Runs) -> Option<usize> {
    (runs_len(r) == 1).then(|| if r[0].1 > r[0].0 { r[0].0 } else { r[1].0 })
}

/// The candidates in `sorted` nearest to `d`, at most `w` days away, by binary search.
pub fn runs(sorted: &[Day], d: Day, w: i32) -> Runs {
    let at = sorted.partition_point(|&x| x < d);
    let after = sorted.get(at).map(|&x| x - d).filter(|&g| g <= w);
    let before = at.checked_sub(1).map(|k| d - sorted[k]).filter(|&g| g <= w);
    let Some(best) = before.into_iter().chain(after).min() else {
        return [(0, 0); 2];
    };
    let run = |x: Day| {
        (
            sorted.partition_point(|&y| y < x),
            sorted.partition_point(|&y| y <= x),
        )
    };
    [
        if before == Some(best) {
            run(d - best)
        } else {
            (0, 0)
        },
        if after == Some(best) {
            run(d + best)
        } else {
            (0, 0)
        },
    ]
}

/// Range marks over positions, summed once (a difference array), so marking every candidate
/// of every item costs O(1) an item instead of O(candidates).
struct Marks(Vec<i64>);

impl Marks {
    fn new(n: usize) -> Marks {
        Marks(vec![0; n + 1])
    }
    fn add(&mut self, r: &Runs) {
        for &(a, b) in r {
            self.0[a] += 1;
            self.0[b] -= 1;
        }
    }
    fn marked(&self) -> impl Iterator<Item = bool> + '_ {
        self.0[..self.0.len() - 1].iter().scan(0i64, |acc, d| {
            *acc += d;
            Some(*acc > 0)
        })
    }
}

/// The outcome of the nearest-candidate rule between two sides, by position.
pub struct Nearest {
    pub pairs: Vec<(usize, usize)>,
    pub book_amb: Vec<bool>,
    pub st_amb: Vec<bool>,
    /// Whether each item has a candidate within the window at all.
    pub book_near: Vec<bool>,
    pub st_near: Vec<bool>,
}

/// The unique-nearest rule between two sorted date lists within `w` days: a pair matches when
/// each is the other's only nearest candidate. Ambiguous: an unpaired book item with
/// candidates and all its candidates; an unpaired line with several nearest book items and
/// those of them left unpaired. O((m + n) log(m + n)).
pub fn mutual(bd: &[Day], sd: &[Day], w: i32) -> Nearest {
    let nb: Vec<Runs> = bd.iter().map(|&d| runs(sd, d, w)).collect();
    let ns: Vec<Runs> = sd.iter().map(|&d| runs(bd, d, w)).collect();
    let mut out = Nearest {
        pairs: Vec::new(),
        book_amb: vec![false; bd.len()],
        st_amb: vec![false; sd.len()],
        book_near: nb.iter().map(|r| runs_len(r) > 0).collect(),
        st_near: ns.iter().map(|r| runs_len(r) > 0).collect(),
    };
    let (mut b_paired, mut s_paired) = (vec![false; bd.len()], vec![false; sd.len()]);
    for (p, r) in nb.iter().enumerate() {
        if let Some(q) = only(r).filter(|&q| only(&ns[q]) == Some(p)) {
            out.pairs.push((p, q));
            (b_paired[p], s_paired[q]) = (true, true);
        }
    }
    let mut st_marks = Marks::new(sd.len());
    for (p, r) in nb.iter().enumerate() {
        if !b_paired[p] && runs_len(r) > 0 {
            out.book_amb[p] = true;
            st_marks.add(r);
        }
    }
    let mut book_marks = Marks::new(bd.len());
    for (q, r) in ns.iter().enumerate() {
        if !s_paired[q] && runs_len(r) > 1 {
            out.st_amb[q] = true;
            book_marks.add(r);
        }
    }
    // A candidate of an unpaired item is ambiguous even if it paired with a nearer item (as
    // rule 4 has always reported it).
    for (q, m) in st_marks.marked().enumerate() {
        out.st_amb[q] |= m;
    }
    for (p, m) in book_marks.marked().enumerate() {
        out.book_amb[p] |= m && !b_paired[p];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_by_binary_search() {
        let days = [10, 12, 12, 20];
        assert_eq!(only(&runs(&days, 10, 15)), Some(0));
        assert_eq!(runs_len(&runs(&days, 13, 15)), 2); // two on the 12th
        assert_eq!(runs_len(&runs(&days, 16, 15)), 3); // 12, 12 and 20, all 4 away
        assert_eq!(only(&runs(&days, 19, 15)), Some(3));
        assert_eq!(runs_len(&runs(&days, 40, 15)), 0);
        assert_eq!(only(&runs(&days, 35, 15)), Some(3));
        assert_eq!(runs_len(&runs(&[], 1, 15)), 0);
    }

    #[test]
    fn mutual_pairs_and_candidates() {
        // 5 pairs with 5; 9 has 8 and 10 equally near (a tie); 30 has nobody within 3 days.
        let n = mutual(&[5, 9, 30], &[5, 8, 10], 3);
        assert_eq!(n.pairs, [(0, 0)]);
        assert_eq!(n.book_amb, [false, true, false]);
        assert_eq!(n.st_amb, [false, true, true]);
        assert_eq!(n.book_near, [true, true, false]);
        assert_eq!(n.st_near, [true, true, true]);
    }
}
