//! The statistics of an experiment (issue 8): how a variation's conversion rate compares
//! with the control's, in the terms a conversion-optimisation specialist reads:
//!
//! - a two-proportion z-test (pooled standard error) for the p-value;
//! - the relative lift with a 95% interval from the log of the rate ratio (Katz's method);
//! - a Bayesian chance to beat control, with Beta(1 + conversions, 1 + misses) posteriors,
//!   exact (Evan Miller's closed form) up to 20,000 conversions and by the normal
//!   approximation of the posteriors above;
//! - a sample-ratio-mismatch check (chi-squared goodness of fit against the weights);
//! - the sample size a minimum detectable effect needs (two-sided α = 0.05, power 0.8).
//!
//! The special functions (the normal distribution and its inverse, log-gamma, the regularized
//! incomplete gamma) are the standard published approximations, each named where it is, and
//! tested against known values.

/// The normal distribution's cumulative distribution function.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The complementary error function: W. J. Cody's rational Chebyshev approximation as given
/// in Numerical Recipes (`erfcc`), with a fractional error under 1.2e-7 everywhere.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let value = t * poly.exp();
    if x >= 0.0 { value } else { 2.0 - value }
}

/// The normal distribution's quantile (inverse CDF) for 0 < p < 1: P. J. Acklam's rational
/// approximation, relative error under 1.2e-9.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.024_25 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.024_25 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// ln Γ(x) for x > 0: the Lanczos approximation (g = 7, nine coefficients), accurate to
/// about 15 significant digits.
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1 − x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = G[0];
    for (i, g) in G.iter().enumerate().skip(1) {
        sum += g / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// The upper regularized incomplete gamma function Q(a, x): the series for x < a + 1, the
/// continued fraction (modified Lentz) otherwise, as in Numerical Recipes (`gammq`).
fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let front = (-x + a * x.ln() - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut term, mut sum, mut n) = (1.0 / a, 1.0 / a, a);
        for _ in 0..1_000 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        1.0 - sum * front
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1_000 {
            let an = -f64::from(i) * (f64::from(i) - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let step = d * c;
            h *= step;
            if (step - 1.0).abs() < 1e-15 {
                break;
            }
        }
        front * h
    }
}

/// The chi-squared distribution's survival function: P(X ≥ x) with `df` degrees of freedom.
pub fn chi_squared_sf(x: f64, df: u32) -> f64 {
    gamma_q(f64::from(df) / 2.0, x / 2.0)
}

/// A variation's (or the control's) visitors and how many of them converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arm {
    pub visitors: u64,
    pub conversions: u64,
}

impl Arm {
    pub fn rate(&self) -> f64 {
        if self.visitors == 0 {
            0.0
        } else {
            self.conversions as f64 / self.visitors as f64
        }
    }
}

/// A variation against the control.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// (variation − control) / control; `None` while the control has no conversion.
    pub lift: Option<f64>,
    /// The lift's 95% interval; `None` while either arm has no conversion.
    pub lift_interval: Option<(f64, f64)>,
    /// Two-sided, of the two-proportion z-test; `None` without visitors in both arms or
    /// without a conversion in either.
    pub p_value: Option<f64>,
    /// The probability that the variation's true rate is above the control's.
    pub chance_to_beat: f64,
}

/// Compares `variation` with `control`.
pub fn compare(control: Arm, variation: Arm) -> Comparison {
    let (pa, pb) = (control.rate(), variation.rate());
    let (na, nb) = (control.visitors as f64, variation.visitors as f64);
    let lift = (control.conversions > 0).then(|| (pb - pa) / pa);
    let lift_interval = (control.conversions > 0 && variation.conversions > 0).then(|| {
        let se = ((1.0 - pa) / (na * pa) + (1.0 - pb) / (nb * pb)).sqrt();
        let log_ratio = (pb / pa).ln();
        let z = normal_quantile(0.975);
        (
            (log_ratio - z * se).exp() - 1.0,
            (log_ratio + z * se).exp() - 1.0,
        )
    });
    let pooled = (control.conversions + variation.conversions) as f64 / (na + nb);
    let p_value = (na > 0.0 && nb > 0.0 && pooled > 0.0 && pooled < 1.0).then(|| {
        let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
        let z = (pb - pa) / se;
        2.0 * (1.0 - normal_cdf(z.abs()))
    });
    Comparison {
        lift,
        lift_interval,
        p_value,
        chance_to_beat: chance_to_beat(control, variation),
    }
}

/// Conversions past which the exact sum gives way to the normal approximation (which is
/// then excellent, and the sum long).
const EXACT_UP_TO: u64 = 20_000;

/// P(rate of `b` > rate of `a`) with Beta(1 + conversions, 1 + misses) posteriors.
pub fn chance_to_beat(a: Arm, b: Arm) -> f64 {
    let (alpha_a, beta_a) = (
        1.0 + a.conversions as f64,
        1.0 + a.visitors.saturating_sub(a.conversions) as f64,
    );
    let (alpha_b, beta_b) = (
        1.0 + b.conversions as f64,
        1.0 + b.visitors.saturating_sub(b.conversions) as f64,
    );
    if b.conversions > EXACT_UP_TO {
        let mean = |al: f64, be: f64| al / (al + be);
        let var = |al: f64, be: f64| al * be / ((al + be).powi(2) * (al + be + 1.0));
        let diff = mean(alpha_b, beta_b) - mean(alpha_a, beta_a);
        return normal_cdf(diff / (var(alpha_a, beta_a) + var(alpha_b, beta_b)).sqrt());
    }
    // Evan Miller, "Formulas for Bayesian A/B Testing": the sum runs over i < alpha_b.
    let mut total = 0.0;
    for i in 0..b.conversions + 1 {
        let i = i as f64;
        total += (ln_beta(alpha_a + i, beta_a + beta_b)
            - (beta_b + i).ln()
            - ln_beta(1.0 + i, beta_b)
            - ln_beta(alpha_a, beta_a))
        .exp();
    }
    total.clamp(0.0, 1.0)
}

/// The p-value of a sample-ratio-mismatch check: visitors per arm against the shares the
/// weights promise (chi-squared goodness of fit). Below 0.001, something assigns or counts
/// visitors wrongly, and the results are not to be trusted.
pub fn sample_ratio_p(visitors: &[u64], weights: &[u32]) -> Option<f64> {
    let total: u64 = visitors.iter().sum();
    let weight: u64 = weights.iter().map(|w| u64::from(*w)).sum();
    if visitors.len() != weights.len() || visitors.len() < 2 || total == 0 || weight == 0 {
        return None;
    }
    let statistic: f64 = visitors
        .iter()
        .zip(weights)
        .map(|(seen, w)| {
            let expected = total as f64 * f64::from(*w) / weight as f64;
            if expected == 0.0 {
                0.0
            } else {
                (*seen as f64 - expected).powi(2) / expected
            }
        })
        .sum();
    let df = u32::try_from(visitors.len() - 1).unwrap_or(u32::MAX);
    Some(chi_squared_sf(statistic, df))
}

/// Visitors each arm needs to detect a relative change of `effect` (0.1 for +10%) from a
/// baseline rate `baseline`, two-sided α = 0.05, power 0.8; `None` when no sample can.
pub fn sample_size(baseline: f64, effect: f64) -> Option<u64> {
    let p1 = baseline;
    let p2 = baseline * (1.0 + effect);
    if !(0.0 < p1 && p1 < 1.0 && 0.0 < p2 && p2 < 1.0) || p1 == p2 {
        return None;
    }
    let (z_alpha, z_beta) = (normal_quantile(0.975), normal_quantile(0.8));
    let mean = (p1 + p2) / 2.0;
    let n = (z_alpha * (2.0 * mean * (1.0 - mean)).sqrt()
        + z_beta * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt())
    .powi(2)
        / (p2 - p1).powi(2);
    Some(n.ceil() as u64)
}

/// Visitors an arm needs, and conversions both arms together, before a verdict is given.
const MIN_VISITORS: u64 = 100;
const MIN_CONVERSIONS: u64 = 10;

/// A verdict in plain words on `variation` (called `name`) against `control`, given the
/// experiment's sample-ratio p-value.
pub fn verdict(control: Arm, variation: Arm, name: &str, sample_ratio: Option<f64>) -> String {
    if sample_ratio.is_some_and(|p| p < 0.001) {
        return "visitors are not split as the weights say (sample ratio mismatch): check how \
                the experiment is set up before trusting any result"
            .to_owned();
    }
    if control.visitors < MIN_VISITORS
        || variation.visitors < MIN_VISITORS
        || control.conversions + variation.conversions < MIN_CONVERSIONS
    {
        return "not enough data yet".to_owned();
    }
    let chance = chance_to_beat(control, variation);
    let percent = |p: f64| (p * 100.0).floor().min(99.0);
    if chance >= 0.95 {
        format!("{name} is better with {:.0}% probability", percent(chance))
    } else if chance <= 0.05 {
        format!(
            "{name} is worse with {:.0}% probability",
            percent(1.0 - chance)
        )
    } else {
        format!(
            "no clear difference yet: a {:.0}% chance that {name} is better",
            (chance * 100.0).round()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn the_normal_distribution_matches_tables() {
        for (z, p) in [
            (0.0, 0.5),
            (1.0, 0.841_344_7),
            (-1.0, 0.158_655_3),
            (1.959_964, 0.975),
            (-3.0, 0.001_349_9),
        ] {
            assert!(close(normal_cdf(z), p, 2e-7), "Φ({z}) = {}", normal_cdf(z));
        }
        for (p, z) in [
            (0.975, 1.959_963_985),
            (0.8, 0.841_621_234),
            (0.5, 0.0),
            (0.001, -3.090_232_306),
        ] {
            assert!(
                close(normal_quantile(p), z, 1e-8),
                "Φ⁻¹({p}) = {}",
                normal_quantile(p)
            );
        }
    }

    #[test]
    fn log_gamma_and_chi_squared_match_known_values() {
        // Γ(1/2) = √π, Γ(10) = 9!.
        assert!(close(
            ln_gamma(0.5),
            std::f64::consts::PI.sqrt().ln(),
            1e-12
        ));
        assert!(close(ln_gamma(10.0), 362_880_f64.ln(), 1e-10));
        assert!(close(ln_gamma(1.0), 0.0, 1e-12));
        // The 5% critical values; with two degrees of freedom the survival is exp(−x/2);
        // with one, 2(1 − Φ(√x)).
        assert!(close(chi_squared_sf(3.841_459, 1), 0.05, 1e-6));
        assert!(close(chi_squared_sf(5.991_465, 2), 0.05, 1e-6));
        for x in [0.5, 2.0, 9.0, 30.0] {
            assert!(close(chi_squared_sf(x, 2), (-x / 2.0).exp(), 1e-10), "{x}");
            assert!(
                close(
                    chi_squared_sf(x, 1),
                    2.0 * (1.0 - normal_cdf(x.sqrt())),
                    1e-6
                ),
                "{x}"
            );
        }
        assert!(close(chi_squared_sf(10.828, 1), 0.001, 2e-6));
    }

    #[test]
    fn two_proportions_compare_as_the_textbook_formulas_say() {
        let control = Arm {
            visitors: 1_000,
            conversions: 200,
        };
        let variation = Arm {
            visitors: 1_000,
            conversions: 250,
        };
        let found = compare(control, variation);
        // Computed here from the stated formulas: pooled p = 0.225,
        // z = 0.05 / √(0.225 · 0.775 · 2/1000) = 2.6774, p = 2(1 − Φ(z)) = 0.00742.
        let z: f64 = 0.05 / (0.225_f64 * 0.775 * 0.002).sqrt();
        assert!(close(z, 2.677_4, 1e-4));
        assert!(
            close(found.p_value.unwrap(), 0.007_42, 5e-5),
            "{:?}",
            found.p_value
        );
        assert!(close(found.lift.unwrap(), 0.25, 1e-12));
        // ln(1.25) ± 1.96 √(0.8/200 + 0.75/250), back from logs, less one.
        let se = (0.8_f64 / 200.0 + 0.75 / 250.0).sqrt();
        let (low, high) = found.lift_interval.unwrap();
        assert!(close(
            low,
            (1.25_f64.ln() - 1.959_964 * se).exp() - 1.0,
            1e-6
        ));
        assert!(close(
            high,
            (1.25_f64.ln() + 1.959_964 * se).exp() - 1.0,
            1e-6
        ));
        assert!(low > 0.0, "the whole interval is a gain: {low}");
        // The normal approximation of the two Beta posteriors, for comparison: at these
        // counts it agrees with the exact sum to a few parts in a thousand.
        let mean = |a: f64, b: f64| a / (a + b);
        let var = |a: f64, b: f64| a * b / ((a + b).powi(2) * (a + b + 1.0));
        let approx = normal_cdf(
            (mean(251.0, 751.0) - mean(201.0, 801.0))
                / (var(201.0, 801.0) + var(251.0, 751.0)).sqrt(),
        );
        assert!(
            close(found.chance_to_beat, approx, 3e-3),
            "{} vs {approx}",
            found.chance_to_beat
        );
        assert!(found.chance_to_beat > 0.99);
    }

    #[test]
    fn edge_cases_give_no_figure_rather_than_a_wrong_one() {
        let none = Arm {
            visitors: 500,
            conversions: 0,
        };
        let some = Arm {
            visitors: 500,
            conversions: 10,
        };
        let empty = Arm {
            visitors: 0,
            conversions: 0,
        };
        let zero_control = compare(none, some);
        assert_eq!(
            (zero_control.lift, zero_control.lift_interval),
            (None, None)
        );
        assert!(zero_control.p_value.unwrap() < 0.01);
        assert!(zero_control.chance_to_beat > 0.99);
        let both_zero = compare(none, none);
        assert_eq!(both_zero.p_value, None);
        assert!(
            close(both_zero.chance_to_beat, 0.5, 1e-9),
            "{}",
            both_zero.chance_to_beat
        );
        let no_variation = compare(some, empty);
        assert_eq!(no_variation.p_value, None);
        assert!(no_variation.lift.unwrap() == -1.0);
        // Equal arms: even odds, whatever their size.
        for n in [10, 1_000, 100_000] {
            let arm = Arm {
                visitors: n,
                conversions: n / 10,
            };
            assert!(close(chance_to_beat(arm, arm), 0.5, 1e-6), "{n}");
        }
        // Past the exact sum's range the approximation takes over without a jump.
        let big_a = Arm {
            visitors: 400_000,
            conversions: 20_000,
        };
        let big_b = Arm {
            visitors: 400_000,
            conversions: 20_001,
        };
        let bigger_b = Arm {
            visitors: 400_000,
            conversions: 20_400,
        };
        assert!(close(chance_to_beat(big_a, big_b), 0.5, 0.01));
        assert!(chance_to_beat(big_a, bigger_b) > 0.97);
    }

    #[test]
    fn a_sample_ratio_mismatch_is_seen_and_a_fair_split_is_not() {
        // 5,000 / 5,000 promised; 5,200 / 4,800 seen: χ² = 2 · 200² / 5,000 = 16, p ≈ 6.3e-5.
        let p = sample_ratio_p(&[5_200, 4_800], &[50, 50]).unwrap();
        assert!(close(p, chi_squared_sf(16.0, 1), 1e-12) && p < 0.001, "{p}");
        let fair = sample_ratio_p(&[5_030, 4_970], &[50, 50]).unwrap();
        assert!(fair > 0.5, "{fair}");
        // Weighted 20/80.
        assert!(sample_ratio_p(&[2_000, 8_000], &[20, 80]).unwrap() > 0.99);
        assert_eq!(sample_ratio_p(&[1, 2], &[50]), None);
        assert_eq!(sample_ratio_p(&[0, 0], &[50, 50]), None);
    }

    #[test]
    fn sample_sizes_follow_the_stated_formula() {
        // n = (z₀.₉₇₅ √(2 p̄ q̄) + z₀.₈ √(p₁q₁ + p₂q₂))² / (p₂ − p₁)², computed here with
        // the tabled z values: 10% → 12% needs 3,841 visitors a variation.
        let (p1, p2, za, zb) = (0.10_f64, 0.12_f64, 1.959_964, 0.841_621);
        let pbar = (p1 + p2) / 2.0;
        let expected = ((za * (2.0 * pbar * (1.0 - pbar)).sqrt()
            + zb * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt())
        .powi(2)
            / (p2 - p1).powi(2))
        .ceil() as u64;
        assert_eq!(sample_size(0.10, 0.20), Some(expected));
        assert_eq!(expected, 3_841);
        assert!(sample_size(0.10, 0.10).unwrap() > sample_size(0.10, 0.20).unwrap());
        assert_eq!(sample_size(0.0, 0.1), None);
        assert_eq!(sample_size(0.6, 1.0), None, "a rate past 100%");
    }

    #[test]
    fn verdicts_say_in_plain_words_what_the_numbers_say() {
        let control = Arm {
            visitors: 1_000,
            conversions: 200,
        };
        let better = Arm {
            visitors: 1_000,
            conversions: 250,
        };
        let worse = Arm {
            visitors: 1_000,
            conversions: 150,
        };
        let same = Arm {
            visitors: 1_000,
            conversions: 205,
        };
        assert_eq!(
            verdict(control, better, "B", None),
            "B is better with 99% probability"
        );
        assert_eq!(
            verdict(control, worse, "B", None),
            "B is worse with 99% probability"
        );
        assert!(verdict(control, same, "B", None).starts_with("no clear difference yet: a "));
        let early = Arm {
            visitors: 40,
            conversions: 3,
        };
        assert_eq!(verdict(early, early, "B", None), "not enough data yet");
        assert!(verdict(control, better, "B", Some(0.000_1)).contains("sample ratio mismatch"));
    }
}
