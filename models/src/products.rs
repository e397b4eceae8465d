//! The small matrix products of the fused recurrences' time steps (`crate::bptt`), `C += A·B`
//! (or `C = A·B`) with `C_ij += Σ_p A_ip B_pj`: a block's rows at one step (16 sequences by the
//! hidden width) times the recurrent weights or their transpose, the same at every step.
//!
//! A general routine (matrixmultiply, under ndarray) copies both operands into its own packed
//! layout at every call, which for operands this small is a large part of the work. Here the
//! operands are read as they lie (row-major, rows any distance apart: a step's rows of `[b, t,
//! ·]`, the weights as kept or transposed once per pass), and each `6 × 16` tile of `C` (`4 × 16`
//! for the last 4 or 5 rows of a band, `8 × 8` where 8 columns are left, then single rows and
//! single columns) is summed in registers over `p`: per `p`, one row of 16 of `B` and one value
//! of each of 6 rows of `A`, 12 multiply-adds of 8 lanes for 2 loads of `B` and 6 broadcasts. On x86-64
//! processors with AVX2 and FMA (detected at run time) the tiles are written with their
//! intrinsics; elsewhere they are plain Rust. Each `C_ij`'s sum runs over `p` in order, and how
//! it is computed depends only on its column, so a result does not depend on how the rows are
//! blocked or on the thread that computes it.
//!
//! Measured against matrixmultiply (`cargo bench --bench backends -- rnn lstm`, three runs of
//! each binary, alternating, medians): LSTM 9 933 → 11 515 sequences/s at width 32 and 1 259
//! → 1 464 at width 128, RNN 35 378 → 45 339 and 5 964 → 7 614, on a machine whose runs of one
//! binary spread by ±20%. Tiles of 6 rows instead of 4 (a block's 16 rows as 6 + 6 + 4, so that
//! `B` is read 3 times instead of 4), in the same way: RNN 46 909 → 57 658 at width 32; at width
//! 128 LSTM 1 649 → 1 731 and RNN 8 369 → 8 668, within the noise; LSTM at width 32 unchanged. In attention's heads (`d_k = 8`)
//! the tiles were no faster, so attention keeps matrixmultiply.

/// Most values summed in registers per tile: `C` is cut into tiles of `R × C` with `R·C ≤ TILE`
/// (6 or 4 rows of 16, or 8 rows of 8), then single rows, and the last columns one at a time.
const TILE: usize = 96;

/// `C += A·B` with `A` `m × k`, `B` `k × n` and `C` `m × n`, each row-major with its rows `lda`,
/// `ldb`, `ldc` apart from its first value.
///
/// Panics when a buffer is too short for its matrix (a bug in the caller: the fused operations
/// size every buffer from the same dimensions).
pub(crate) fn add_product(
    a: (&[f32], usize),
    b: (&[f32], usize),
    c: (&mut [f32], usize),
    mkn: [usize; 3],
) {
    dispatch::<true>(a, b, c, mkn);
}

/// `C = A·B`, as [`add_product`] but without reading `C`'s values (so that a fresh buffer's
/// pages are written once, not read as zeros first and then copied on the write).
pub(crate) fn set_product(
    a: (&[f32], usize),
    b: (&[f32], usize),
    c: (&mut [f32], usize),
    mkn: [usize; 3],
) {
    dispatch::<false>(a, b, c, mkn);
}

/// Checks the sizes, then runs the kernel compiled for the processor. `ADD`: `C += A·B`, else
/// `C = A·B`.
fn dispatch<const ADD: bool>(
    (a, lda): (&[f32], usize),
    (b, ldb): (&[f32], usize),
    (c, ldc): (&mut [f32], usize),
    [m, k, n]: [usize; 3],
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !ADD {
            (0..m).for_each(|i| c[i * ldc..i * ldc + n].fill(0.0));
        }
        return;
    }
    assert!(
        holds(a.len(), m, lda, k) && holds(b.len(), k, ldb, n) && holds(c.len(), m, ldc, n),
        "matrix product: a buffer is shorter than its matrix"
    );
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the processor has both features, just checked.
        unsafe { product_avx2_fma::<ADD>((a, lda), (b, ldb), (c, ldc), [m, k, n]) };
        return;
    }
    product::<false, ADD>((a, lda), (b, ldb), (c, ldc), [m, k, n]);
}

/// Whether `len` values hold a `rows × cols` matrix (at least one row) whose rows are `ld`
/// apart: `(rows − 1)·ld + cols ≤ len`, false where that overflows.
fn holds(len: usize, rows: usize, ld: usize, cols: usize) -> bool {
    (rows - 1)
        .checked_mul(ld)
        .and_then(|x| x.checked_add(cols))
        .is_some_and(|needed| needed <= len)
}

/// [`product`] compiled for AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn product_avx2_fma<const ADD: bool>(
    a: (&[f32], usize),
    b: (&[f32], usize),
    c: (&mut [f32], usize),
    mkn: [usize; 3],
) {
    product::<true, ADD>(a, b, c, mkn);
}

/// `C += A·B` (`ADD`) or `C = A·B` tile by tile: for each band of columns (16, then 8, then one
/// at a time), its rows in tiles (6 or 4 rows of 16 columns, 8 of 8), then one at a time. `FMA`: each step of a sum is one
/// fused multiply-add.
#[inline(always)]
fn product<const FMA: bool, const ADD: bool>(
    (a, lda): (&[f32], usize),
    (b, ldb): (&[f32], usize),
    (c, ldc): (&mut [f32], usize),
    [m, k, n]: [usize; 3],
) {
    let mut j = 0;
    while j < n {
        let cols = match n - j {
            left if left >= 16 => 16,
            left if left >= 8 => 8,
            _ => 1,
        };
        let b = (&b[j..], ldb);
        let mut i = 0;
        while i < m {
            let a = (&a[i * lda..], lda);
            let c = (&mut c[i * ldc + j..], ldc);
            let rows = match (cols, m - i) {
                // 6 rows where the rest still fills a tile of 4 (16 rows: 6 + 6 + 4; 8 rows:
                // 4 + 4, not 6 + 1 + 1).
                (16, left) if left == 6 || left >= 10 => tile::<FMA, ADD, 6, 16, 2>(a, b, c, k),
                (16, left) if left >= 4 => tile::<FMA, ADD, 4, 16, 2>(a, b, c, k),
                (16, _) => tile::<FMA, ADD, 1, 16, 2>(a, b, c, k),
                (8, left) if left >= 8 => tile::<FMA, ADD, 8, 8, 1>(a, b, c, k),
                (8, _) => tile::<FMA, ADD, 1, 8, 1>(a, b, c, k),
                _ => tile::<FMA, ADD, 1, 1, 0>(a, b, c, k),
            };
            i += rows;
        }
        j += cols;
    }
}

/// One `R × C` tile of `C += A·B`, summed in registers over `p`: `a` starts at the tile's first
/// row of `A`, `b` at the tile's first column, `c` at its first value. Returns `R`. With FMA on
/// x86-64, `C = 8·V` columns are `V` AVX registers per row (written out, as the compiler does
/// not keep the portable loop's sums in registers).
#[inline(always)]
fn tile<const FMA: bool, const ADD: bool, const R: usize, const C: usize, const V: usize>(
    (a, lda): (&[f32], usize),
    (b, ldb): (&[f32], usize),
    (c, ldc): (&mut [f32], usize),
    k: usize,
) -> usize {
    const { assert!(R * C <= TILE && (V == 0 || C == 8 * V)) };
    // Every access below, the AVX path's included, stays inside these bounds.
    assert!(holds(a.len(), R, lda, k) && holds(b.len(), k, ldb, C) && holds(c.len(), R, ldc, C));
    #[cfg(target_arch = "x86_64")]
    if FMA && V > 0 {
        let (a, b, c) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
        // SAFETY: `FMA` is only set on processors with AVX2 and FMA (`dispatch`), and the
        // assert above keeps every access inside the buffers.
        unsafe { avx2::tile::<ADD, R, V>(a, lda, b, ldb, c, ldc, k) };
        return R;
    }
    let a_rows: [&[f32]; R] = std::array::from_fn(|r| &a[r * lda..r * lda + k]);
    let mut acc = [[0.0f32; C]; R];
    for p in 0..k {
        let b_row: &[f32; C] = b[p * ldb..p * ldb + C]
            .try_into()
            .unwrap_or_else(|_| unreachable!("a full tile"));
        for r in 0..R {
            let x = a_rows[r][p];
            for l in 0..C {
                acc[r][l] = if FMA {
                    x.mul_add(b_row[l], acc[r][l])
                } else {
                    x * b_row[l] + acc[r][l]
                };
            }
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        for (cl, x) in c[r * ldc..r * ldc + C].iter_mut().zip(acc) {
            *cl = if ADD { *cl + x } else { *x };
        }
    }
    R
}

/// The tile kernel written with AVX2 and FMA intrinsics.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{
        __m256, _mm256_add_ps, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps, _mm256_setzero_ps,
        _mm256_storeu_ps,
    };

    /// `C += A·B` (`ADD`, else `C = A·B`) on an `R × 8V` tile, `acc[r][v]` one register each:
    /// per `p`, `V` loads of `B`'s row, then per row one broadcast of `A_rp` and `V` fused
    /// multiply-adds.
    ///
    /// # Safety
    /// The processor has AVX2 and FMA; `a` holds `R` rows of `k`, `lda` apart, `b` `k` rows of
    /// `8V`, `ldb` apart, and `c` `R` rows of `8V`, `ldc` apart.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn tile<const ADD: bool, const R: usize, const V: usize>(
        a: *const f32,
        lda: usize,
        b: *const f32,
        ldb: usize,
        c: *mut f32,
        ldc: usize,
        k: usize,
    ) {
        let mut acc = [[_mm256_setzero_ps(); V]; R];
        let mut b_row = [_mm256_setzero_ps(); V];
        for p in 0..k {
            for (v, b_v) in b_row.iter_mut().enumerate() {
                // SAFETY: inside `b` (the caller's contract).
                *b_v = unsafe { _mm256_loadu_ps(b.add(p * ldb + 8 * v)) };
            }
            for (r, acc_r) in acc.iter_mut().enumerate() {
                // SAFETY: inside `a`.
                let x: __m256 = _mm256_set1_ps(unsafe { *a.add(r * lda + p) });
                for (acc_rv, b_v) in acc_r.iter_mut().zip(&b_row) {
                    *acc_rv = _mm256_fmadd_ps(x, *b_v, *acc_rv);
                }
            }
        }
        for (r, acc_r) in acc.iter().enumerate() {
            for (v, acc_rv) in acc_r.iter().enumerate() {
                // SAFETY: inside `c`.
                unsafe {
                    let at = c.add(r * ldc + 8 * v);
                    let sum = if ADD {
                        _mm256_add_ps(_mm256_loadu_ps(at), *acc_rv)
                    } else {
                        *acc_rv
                    };
                    _mm256_storeu_ps(at, sum);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values in [−1, 1) from a simple generator.
    fn values(len: usize, seed: u64) -> Vec<f32> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect()
    }

    #[test]
    fn products_equal_the_definition_on_every_tile_and_strided_rows() {
        // The LSTM's steps (16 × 32 · 32 × 128 and back), 8-column tiles, edge rows and columns,
        // k = 1.
        for [m, k, n] in [
            [16, 32, 128],
            [16, 128, 32],
            [7, 5, 19],
            [1, 1, 1],
            [5, 1, 16],
            [3, 9, 33],
            [17, 100, 8],
            [9, 8, 27],
        ] {
            let (lda, ldb, ldc) = (k + 3, n + 2, n + 5);
            let a = values((m - 1) * lda + k, 1);
            let b = values((k - 1) * ldb + n, 2);
            let c0 = values((m - 1) * ldc + n, 3);
            for add in [true, false] {
                let mut c = c0.clone();
                if add {
                    add_product((&a, lda), (&b, ldb), (&mut c, ldc), [m, k, n]);
                } else {
                    set_product((&a, lda), (&b, ldb), (&mut c, ldc), [m, k, n]);
                }
                for (x, (&got, &before)) in c.iter().zip(&c0).enumerate() {
                    let (i, j) = (x / ldc, x % ldc);
                    let want = if j < n {
                        let sum: f64 = (0..k)
                            .map(|p| f64::from(a[i * lda + p]) * f64::from(b[p * ldb + j]))
                            .sum();
                        if add { f64::from(before) + sum } else { sum }
                    } else {
                        // Outside the matrix (the stride's padding) nothing changes.
                        f64::from(before)
                    };
                    let tol = if j < n { 1e-5 * (k as f64).sqrt() } else { 0.0 };
                    assert!(
                        (f64::from(got) - want).abs() <= tol,
                        "add {add} [{m}, {k}, {n}] at ({i}, {j}): {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_row_gets_the_same_bits_alone_or_in_a_tile() {
        // 17 rows at once (tiles of 6, 6 and 4 rows, then one) against each row on its own
        // (single-row tiles), over 16-, 8- and single-column bands.
        let [m, k, n] = [17, 33, 27];
        let (a, b) = (values(m * k, 6), values(k * n, 7));
        let mut together = vec![0.0; m * n];
        set_product((&a, k), (&b, n), (&mut together, n), [m, k, n]);
        for i in 0..m {
            let mut alone = vec![0.0; n];
            set_product((&a[i * k..], k), (&b, n), (&mut alone, n), [1, k, n]);
            assert_eq!(alone, together[i * n..(i + 1) * n], "row {i}");
        }
    }

    #[test]
    fn the_plain_kernel_and_the_dispatched_one_agree() {
        let [m, k, n] = [9, 17, 40];
        let a = values(m * k, 4);
        let b = values(k * n, 5);
        let (mut plain, mut dispatched) = (vec![0.0; m * n], vec![0.0; m * n]);
        product::<false, true>((&a, k), (&b, n), (&mut plain, n), [m, k, n]);
        add_product((&a, k), (&b, n), (&mut dispatched, n), [m, k, n]);
        for (x, y) in plain.iter().zip(&dispatched) {
            assert!((x - y).abs() <= 1e-5, "{x} vs {y}");
        }
    }

    #[test]
    fn empty_products_add_nothing_and_set_zeros() {
        let mut c = vec![1.0; 4];
        add_product((&[], 0), (&[], 2), (&mut c, 2), [2, 0, 2]);
        add_product((&[], 0), (&[], 2), (&mut c, 2), [0, 3, 2]);
        assert_eq!(c, vec![1.0; 4]);
        // An empty sum is 0: `C = A·B` with k = 0 is a zero matrix (2 × 1 here, rows 2 apart).
        set_product((&[], 0), (&[], 1), (&mut c, 2), [2, 0, 1]);
        assert_eq!(c, vec![0.0, 1.0, 0.0, 1.0]);
    }
}
