//! Loops compiled twice, for the baseline x86-64 processor (4 lanes of `f32`) and for processors
//! with AVX2 and FMA (8 lanes, fused multiply-adds), the second chosen at run time where the
//! processor has both, as `crate::products` chooses its tiles. The crate is built for the
//! baseline, so that its binaries run on any x86-64 processor.

/// `$vis fn $name(args) -> ret { body }` whose body is compiled twice, as a function generic over
/// `const FMA: bool` (fused multiply-adds or a product and a sum): once for AVX2 and FMA, run
/// where the processor has both (detected at run time; the detection is cached), and once for
/// the baseline (`FMA` false) everywhere else. Each argument is a parameter of the compiled
/// function, so that a slice borrowed mutably is known not to overlap any other.
macro_rules! for_the_processor {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    ) => {
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn imp<const FMA: bool>($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                fn fast($($arg: $ty),*) $(-> $ret)? {
                    imp::<true>($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the processor has both features, just checked.
                    return unsafe { fast($($arg),*) };
                }
            }
            imp::<false>($($arg),*)
        }
    };
}

pub(crate) use for_the_processor;
