//! Institution settlements 机构结算: hospitals, pharmacies, training bodies and employers paid
//! from the funds, sized from the year's fees; and what 310's individual accounts take.

use super::*;

/// Institution settlements (hospitals, pharmacies, training bodies, employers), sized from the
/// year's fees; they join `payouts` and the batches.
pub fn institution_payouts(year: i32, agg: &mut Agg, seed: u64) -> Vec<Payout> {
    let mut out = Vec::new();
    let mut rng = Rng::new(seed, u64::MAX - 1);
    let fees = agg.fees.clone();
    let mut seq = 0u64;
    let mut push = |agg: &mut Agg,
                    fund: FundKey,
                    benefit: &'static str,
                    m: u32,
                    d: u32,
                    payee: &str,
                    total: Fen,
                    n: u64| {
        if total <= 0 {
            return;
        }
        let paid = day(year, m, d);
        let batch = format!("B{}-{}-{}-{}-H", fund.0, fund.1, period_of(paid), benefit);
        let mut left = total;
        for k in 0..n {
            let amt = if k + 1 == n {
                left
            } else {
                total / n as i64 * (80 + (k as i64 * 7) % 40) / 100
            };
            left -= amt;
            seq += 1;
            let e = agg
                .batches
                .entry((fund, batch.clone()))
                .or_insert((paid, 0));
            e.1 += amt;
            *agg.benefits.entry((fund, benefit, m)).or_default() += amt;
            if benefit == "account_medical" {
                *agg.account_out.entry((fund, paid)).or_default() += amt;
            }
            out.push(Payout {
                payment_id: Some(format!("Q{}{}{:08}", fund.0, fund.1, seq)),
                region: Some(fund.0.into()),
                scheme: Some(fund.1.into()),
                person_id: None,
                payee_kind: Some(payee.into()),
                benefit: Some(benefit.into()),
                period: Some(year * 100 + m as i32),
                paid_on: Some(paid),
                amount: Some(amt),
                batch_id: Some(batch.clone()),
                returned_on: None,
            });
        }
    };
    for (&fund, &(employer, individual)) in &fees {
        // The individual accounts pay out about 85 % of what they receive in the year.
        let account_year = account_revenue(agg, fund) + credits_of(agg, fund, None);
        let hospitals = (agg.contributors.get(&fund).copied().unwrap_or(0) / 400).clamp(2, 30);
        for m in 1..=12u32 {
            match fund.1 {
                "310" => {
                    push(
                        agg,
                        fund,
                        "pooled_medical",
                        m,
                        18,
                        "institution",
                        employer * 72 / 100 / 12,
                        hospitals,
                    );
                    push(
                        agg,
                        fund,
                        "account_medical",
                        m,
                        18,
                        "institution",
                        account_year * 85 / 100 / 12,
                        hospitals.div_ceil(2),
                    );
                    if !REGIONS
                        .iter()
                        .any(|r| r.code == fund.0 && r.maternity_separate)
                    {
                        push(
                            agg,
                            fund,
                            "maternity_medical",
                            m,
                            18,
                            "institution",
                            employer * 4 / 100 / 12,
                            2,
                        );
                    }
                }
                "390" => {
                    let subsidy = agg.contributors.get(&fund).copied().unwrap_or(0) as i64
                        * world::RESIDENT_MEDICAL_SUBSIDY;
                    push(
                        agg,
                        fund,
                        "pooled_medical",
                        m,
                        18,
                        "institution",
                        (individual + subsidy) * 88 / 100 / 12,
                        hospitals,
                    );
                }
                "410" => push(
                    agg,
                    fund,
                    "injury_medical",
                    m,
                    22,
                    "institution",
                    (employer) * 35 / 100 / 12,
                    hospitals.div_ceil(3),
                ),
                "510" => push(
                    agg,
                    fund,
                    "maternity_medical",
                    m,
                    18,
                    "institution",
                    employer * 55 / 100 / 12,
                    2,
                ),
                _ => {}
            }
            if m % 3 == 0 {
                match fund.1 {
                    "210" => push(
                        agg,
                        fund,
                        "training_subsidy",
                        m,
                        26,
                        "institution",
                        (employer + individual) * 3 / 100 / 4,
                        2,
                    ),
                    "410" => push(
                        agg,
                        fund,
                        "assessment_fee",
                        m,
                        26,
                        "institution",
                        employer / 100 / 4,
                        1,
                    ),
                    _ => {}
                }
            }
        }
        match fund.1 {
            "210" => {
                let n = 3 + rng.below(5);
                push(
                    agg,
                    fund,
                    "job_retention",
                    6,
                    16,
                    "employer",
                    (employer + individual) * 8 / 100,
                    n,
                );
            }
            "410" => push(
                agg,
                fund,
                "prevention_fee",
                9,
                16,
                "institution",
                employer * 2 / 100,
                1,
            ),
            _ => {}
        }
    }
    out
}

/// 310's individual accounts' share of the year's contributions (the world's rule).
pub(super) fn account_revenue(agg: &Agg, fund: FundKey) -> Fen {
    agg.parts_in
        .range((fund, Day::MIN)..=(fund, Day::MAX))
        .map(|(_, v)| v.1)
        .sum()
}

/// The pool's credits to retirees' accounts of a 310 fund: in month `m`, or the year's.
pub(super) fn credits_of(agg: &Agg, fund: FundKey, m: Option<u32>) -> Fen {
    if fund.1 != "310" {
        return 0;
    }
    let Some(region) = REGIONS.iter().find(|r| r.code == fund.0) else {
        return 0;
    };
    let (lo, hi) = m.map_or((1, 12), |m| (m, m));
    agg.retirees
        .range((fund, lo)..=(fund, hi))
        .map(|(_, n)| *n as i64 * world::retiree_credit(region))
        .sum()
}
