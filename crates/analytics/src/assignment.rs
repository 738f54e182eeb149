//! Which variation a visitor sees: decided by a documented hash, the same in the script and
//! here, so the same visitor gets the same variation on every visit and in every tab, and a
//! report can say which arm a visitor was in without anything stored per visitor.
//!
//! `h(text)` is 32-bit FNV-1a over the UTF-8 bytes of `text`. A visitor with the random id
//! `v` (the experiment cookie) takes part in the experiment with seed `s` when
//! `h("traffic:" + s + ":" + v) % 100 < traffic`; their variation is the one whose range of
//! cumulative weights holds `h("variation:" + s + ":" + v) % 100`. The two draws are
//! separate: raising or lowering the traffic share brings visitors in or out, and never moves
//! a visitor who stays from one variation to another.

/// 32-bit FNV-1a (not for anything secret: it spreads visitors, it hides nothing).
pub fn fnv1a(text: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in text.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// The index of the variation `visitor` sees in the experiment with `seed`, `traffic`
/// percent of visitors and variations of `weights` (percentages adding up to 100); `None`
/// when the visitor is not in the experiment.
pub fn assign(seed: &str, visitor: &str, traffic: u32, weights: &[u32]) -> Option<usize> {
    if fnv1a(&format!("traffic:{seed}:{visitor}")) % 100 >= traffic {
        return None;
    }
    let draw = fnv1a(&format!("variation:{seed}:{visitor}")) % 100;
    let mut upto = 0;
    for (index, weight) in weights.iter().enumerate() {
        upto += weight;
        if draw < upto {
            return Some(index);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_its_published_test_vectors() {
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
        assert_eq!(fnv1a("foobar"), 0xbf9c_f968);
    }

    #[test]
    fn visitors_split_by_the_weights_and_always_the_same_way() {
        let mut seen = [0_u32; 3];
        for n in 0..30_000 {
            let visitor = format!("visitor-{n}");
            let arm = assign("seed-1", &visitor, 100, &[50, 30, 20]).unwrap();
            assert_eq!(assign("seed-1", &visitor, 100, &[50, 30, 20]), Some(arm));
            seen[arm] += 1;
        }
        for (count, share) in seen.iter().zip([0.5, 0.3, 0.2]) {
            let expected = 30_000.0 * share;
            assert!(
                (f64::from(*count) - expected).abs() < expected * 0.05,
                "{seen:?}"
            );
        }
    }

    #[test]
    fn changing_the_traffic_share_moves_nobody_between_variations() {
        let (mut before, mut kept) = (0, 0);
        for n in 0..10_000 {
            let visitor = format!("v{n}");
            if let Some(arm) = assign("s", &visitor, 30, &[50, 50]) {
                before += 1;
                // Still in at 60%, in the same variation.
                assert_eq!(assign("s", &visitor, 60, &[50, 50]), Some(arm));
                kept += 1;
            }
        }
        assert!((2_700..3_300).contains(&before), "{before}");
        assert_eq!(before, kept);
        assert_eq!(assign("s", "anyone", 0, &[50, 50]), None);
        // Another experiment splits the same visitors independently.
        let same = (0..1_000)
            .filter(|n| {
                let v = format!("v{n}");
                assign("a", &v, 100, &[50, 50]) == assign("b", &v, 100, &[50, 50])
            })
            .count();
        assert!((400..600).contains(&same), "{same}");
    }
}
