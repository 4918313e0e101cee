//! Virtual buckets 虚拟分桶 of the partitioned run (SPEC §3, issue 13): every row with a person
//! is assigned to one of [`VBUCKETS`] buckets by a fixed hash of its `person_id`, so all of a
//! person's rows — in every table, region and scheme — land in one bucket, and distinct counts
//! add exactly across buckets.
//!
//! The hash is pinned for ever (partials of different builds must agree): FNV-1a 64 over the
//! UTF-8 bytes of the id, no seed, no separator, then the SplitMix64 finaliser; the bucket is
//! its low 12 bits. Any language reproduces it in ten lines (docs/pipeline.md has a reference
//! in Python). It is not the duplicate-key hash of ingestion (`ingest::cells::key_hash`), which
//! is free to change.

/// Number of virtual buckets: fixed for ever, written into every partial's manifest.
pub const VBUCKETS: u32 = 4096;

/// FNV-1a 64 with the SplitMix64 finaliser.
pub fn hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s.as_bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The virtual bucket of a person id: `hash(id) mod 4096`.
pub fn of(person_id: &str) -> u16 {
    (hash(person_id) % VBUCKETS as u64) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden vectors, computed independently (a Python implementation of the definition in
    /// the module doc): a change of the hash fails here before it can split a run's partials.
    #[test]
    fn the_hash_is_pinned() {
        for (id, h, bucket) in [
            ("", 0xf52a_15e9_a9b5_e89b_u64, 2203),
            ("a", 0x02c0_bdbf_4814_20f8, 248),
            ("11010519491231002X", 0xfe9b_7cd8_571d_5de3, 3555),
            ("440106199003074512", 0x7753_6903_5833_b1a5, 421),
            ("310115200111290039", 0xd22d_02b2_7234_c131, 305),
            ("650102198501011230", 0x148b_76e1_e828_7ded, 3565),
        ] {
            assert_eq!(hash(id), h, "{id:?}");
            assert_eq!(of(id), bucket, "{id:?}");
        }
    }

    /// Citizen ids spread evenly: over 409,600 ids no bucket is far from 100.
    #[test]
    fn ids_spread_over_the_buckets() {
        let mut n = vec![0u32; VBUCKETS as usize];
        for k in 0..409_600u32 {
            let id = crate::model::ids::make_citizen_id(
                440_106 + k % 7,
                1950 + (k % 60) as i32,
                1 + (k / 60 % 12),
                1 + (k / 720 % 28),
                k / 20_160,
            );
            n[of(&id) as usize] += 1;
        }
        let (lo, hi) = (n.iter().min().unwrap(), n.iter().max().unwrap());
        assert!(*lo > 50 && *hi < 160, "buckets from {lo} to {hi}");
    }
}
