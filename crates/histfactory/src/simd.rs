//! Run-time selection of CPU features for the hot loops: the crate's one mechanism.
//!
//! [`dispatch!`](crate::simd::dispatch) defines a function whose body is compiled twice:
//! for the portable baseline (SSE2 on x86-64), and inside a `#[target_feature]` function
//! that a call takes when the CPU has the feature (`is_x86_feature_detected!`, a cached
//! load). The body is written once, as a call of an `#[inline(always)]` function, which
//! is thereby inlined into, and compiled for, each version.
//!
//! Why the body is placed inside the feature function rather than passed to it as a
//! closure: a closure is a function of its own, compiled for the features of the function
//! that defines it. It runs with AVX only if LLVM happens to inline it into the
//! `#[target_feature]` function it is passed to. The disassembly of the release build
//! shows both outcomes in this crate's history: the normsys polynomial loops, passed as
//! closures, did get inlined (15 `ymm` instructions in the AVX version, none in the
//! baseline), while a generic helper taking the Cholesky update as a closure did not (no
//! `ymm`). Inlining is the optimiser's choice; the macro does not depend on it.
//!
//! Only features without FMA are enabled (AVX, AVX2): every operation rounds as in the
//! baseline, so results are bit-identical on every machine. The vectorised logarithm of
//! `likelihood::kernels::vlog` is a kernel written with AVX2 intrinsics, which checks the
//! CPU itself before using them (they are undefined behaviour without it); it pays only
//! inlined into a function dispatched for AVX2 (the grid's bundles).

/// Defines a function that runs its body compiled for a CPU feature when the CPU has it
/// (see the [module docs](self)).
///
/// ```ignore
/// dispatch! {
///     /// Docs of the function.
///     pub(crate) fn name[generic params](arg: Type, ...) -> Ret {
///         "avx" if extra_condition => body_expression
///     }
/// }
/// ```
///
/// Generic parameters go in square brackets (`[const N: usize]`, `['r]`); the `if`
/// condition is optional (for example a size below which the baseline is as fast); the
/// body is evaluated in exactly one of the two versions.
macro_rules! dispatch {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident $([$($gen:tt)*])? ($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? {
            $feature:tt $(if $cond:expr)? => $body:expr
        }
    ) => {
        $(#[$attr])*
        $vis fn $name $(<$($gen)*>)? ($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = $feature)]
                unsafe fn with_feature $(<$($gen)*>)? ($($arg: $ty),*) $(-> $ret)? {
                    $body
                }
                if $(($cond) &&)? std::arch::is_x86_feature_detected!($feature) {
                    // SAFETY: the CPU has the feature, detected just above.
                    return unsafe { with_feature($($arg),*) };
                }
            }
            $body
        }
    };
}
pub(crate) use dispatch;
