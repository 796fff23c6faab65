//! The natural logarithm of several values at once, for bundles of points ([`Points`]).
//!
//! A bundle's logarithms are independent, but libm's `log` is a call per value: on the
//! seed model's grid the calls were a third of the time. This is fdlibm's `log`
//! (`e_log.c`, the algorithm behind musl's and FreeBSD's) on AVX2 vectors, four values
//! per instruction and no branches: the reduction `x = 2^k z` with `z` in
//! [sqrt(2)/2, sqrt(2)) by integer arithmetic on the bits, then `log(1 + f)` by fdlibm's
//! polynomial in `s = f / (2 + f)`. fdlibm's result is within 1 ulp of the exact value,
//! and so within 1 ulp of `f64::ln` (tested over the whole range below); the other
//! formula fdlibm switches to just below sqrt(2) and its shortcut near 1 are speed
//! choices that the vector code does not need. Zero, subnormals, infinities, NaN and
//! negative values go to `f64::ln` lane by lane, and so does everything without AVX2.
//! No FMA: results do not depend on the machine beyond that choice.
//!
//! It pays only where the caller is itself compiled for AVX2 (the grid's bundles, see
//! `batch`), so that [`ln_lanes`] and the vector code are inlined into it: called from
//! baseline code, the calls cost what they save.
//!
//! [`Points`]: super::points::Points

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const LG1: f64 = 6.666_666_666_666_735e-1;
    const LG2: f64 = 3.999_999_999_940_942e-1;
    const LG3: f64 = 2.857_142_874_366_239e-1;
    const LG4: f64 = 2.222_219_843_214_978_4e-1;
    const LG5: f64 = 1.818_357_216_161_805e-1;
    const LG6: f64 = 1.531_383_769_920_937_3e-1;
    const LG7: f64 = 1.479_819_860_511_658_6e-1;
    /// The bits of sqrt(2)/2 (rounded up): subtracting them moves the exponent step to
    /// sqrt(2), so `z` lands in [sqrt(2)/2, sqrt(2)).
    const OFF: i64 = 0x3fe6_a09e_667f_3bcd;

    /// `ln` of four positive normal values (other lanes give garbage, fixed by the
    /// caller).
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn ln4(xv: __m256d) -> __m256d {
        let ix = _mm256_castpd_si256(xv);
        let tmp = _mm256_sub_epi64(ix, _mm256_set1_epi64x(OFF));
        // k = tmp >> 52 (arithmetic), as a float: AVX2 has neither a 64-bit arithmetic
        // shift nor a 64-bit integer conversion, so the 12 top bits are made a float
        // exactly (2^52 + top) and values from 2048 up are the negatives.
        let top = _mm256_srli_epi64(tmp, 52);
        let magic = _mm256_set1_pd(4_503_599_627_370_496.0);
        let kf = _mm256_sub_pd(_mm256_or_pd(_mm256_castsi256_pd(top), magic), magic);
        let neg = _mm256_cmp_pd(kf, _mm256_set1_pd(2048.0), _CMP_GE_OQ);
        let k = _mm256_sub_pd(kf, _mm256_and_pd(neg, _mm256_set1_pd(4096.0)));
        let iz = _mm256_sub_epi64(ix, _mm256_and_si256(tmp, _mm256_set1_epi64x(0xfff << 52)));
        let c = |v| _mm256_set1_pd(v);
        let (mul, add) = (|a, b| _mm256_mul_pd(a, b), |a, b| _mm256_add_pd(a, b));
        let f = _mm256_sub_pd(_mm256_castsi256_pd(iz), c(1.0));
        let s = _mm256_div_pd(f, add(c(2.0), f));
        let z = mul(s, s);
        let w = mul(z, z);
        let t1 = mul(w, add(c(LG2), mul(w, add(c(LG4), mul(w, c(LG6))))));
        let t2 = mul(
            z,
            add(
                c(LG1),
                mul(w, add(c(LG3), mul(w, add(c(LG5), mul(w, c(LG7)))))),
            ),
        );
        let r = add(t2, t1);
        let hfsq = mul(c(0.5), mul(f, f));
        // k ln2_hi - ((hfsq - (s (hfsq + R) + k ln2_lo)) - f), fdlibm's order.
        let inner = add(mul(s, add(hfsq, r)), mul(k, c(LN2_LO)));
        _mm256_sub_pd(
            mul(k, c(LN2_HI)),
            _mm256_sub_pd(_mm256_sub_pd(hfsq, inner), f),
        )
    }
}

/// `f64::ln` of every lane, to within 1 ulp (see the module documentation).
#[inline(always)]
pub(crate) fn ln_lanes<const N: usize>(x: [f64; N]) -> [f64; N] {
    let mut out = [0.0; N];
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        use std::arch::x86_64::{_mm256_loadu_pd, _mm256_storeu_pd};
        for (o, q) in out.chunks_exact_mut(4).zip(x.chunks_exact(4)) {
            // SAFETY: the CPU supports AVX2, checked just above; `q` and `o` hold four
            // values each.
            unsafe { _mm256_storeu_pd(o.as_mut_ptr(), avx2::ln4(_mm256_loadu_pd(q.as_ptr()))) };
        }
        done = N / 4 * 4;
        for (o, &v) in out.iter_mut().zip(&x).take(done) {
            if !(f64::MIN_POSITIVE..f64::INFINITY).contains(&v) {
                *o = v.ln();
            }
        }
    }
    for (o, &v) in out.iter_mut().zip(&x).skip(done) {
        *o = v.ln();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64).abs_diff(b.to_bits() as i64)
    }

    fn check(x: f64) {
        let got = ln_lanes([x, 1.5, x, x, x])[2];
        let want = x.ln();
        if want.is_nan() {
            assert!(got.is_nan(), "ln({x:e}) = {got}, f64::ln NaN");
        } else if want.is_infinite() || want == 0.0 {
            assert_eq!(got.to_bits(), want.to_bits(), "ln({x:e})");
        } else {
            assert!(
                ulps(got, want) <= 1,
                "ln({x:e}) = {got:e}, f64::ln {want:e}"
            );
        }
    }

    #[test]
    fn edge_cases_match_f64_ln() {
        for x in [
            0.0,
            -0.0,
            f64::from_bits(1),
            f64::MIN_POSITIVE / 3.0,
            f64::from_bits(0x000f_ffff_ffff_ffff),
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -1.0,
            -f64::MIN_POSITIVE,
            1.0,
            1.0 + f64::EPSILON,
            1.0 - f64::EPSILON / 2.0,
            std::f64::consts::SQRT_2,
            std::f64::consts::FRAC_1_SQRT_2,
            2.0,
            0.5,
            std::f64::consts::E,
        ] {
            check(x);
        }
        assert_eq!(ln_lanes([1.0])[0].to_bits(), 0.0f64.to_bits());
    }

    #[test]
    fn within_one_ulp_of_f64_ln_over_the_whole_range() {
        // xorshift over all bit patterns of positive doubles (every exponent), and
        // values near 1 where the result is small and relative errors show most.
        let mut st: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            st ^= st << 13;
            st ^= st >> 7;
            st ^= st << 17;
            st
        };
        for _ in 0..200_000 {
            check(f64::from_bits(next() >> 1));
            check(1.0 + ((next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.8);
            check(1.0 + ((next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 1e-6);
            check(f64::from_bits(next()));
        }
    }
}
