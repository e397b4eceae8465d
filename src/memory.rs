//! Memory: freed buffers kept for reuse.
//!
//! Training allocates and frees buffers of the same large sizes at every step (activations,
//! gradients, optimizer state). With glibc's defaults, large blocks are given back to the
//! kernel when they are freed (blocks above the `mmap` threshold, and the top of the heap once
//! it passes the trim threshold), so the next step's buffers are faulted in again page by page.
//! Measured on the 2-core machine of the README: the LSTM at width 32 trained 6 136 sequences/s
//! with the defaults and 11 961 with freed memory kept, the Transformer 403 and 603. The cost is
//! that the process keeps its peak heap until it exits.
//!
//! Programs opt in once at start. The library's estimators and training loops leave the
//! allocator alone; the programs' entry points call [`keep_freed_memory`]: the experiment
//! runners [`crate::experiment::cli::main`] and [`crate::experiment::cli::main_all`] (each
//! experiment binary's whole `main`), the `mlnotes` command line and the benchmarks.

/// Largest block served from the heap rather than mapped on its own (glibc's own ceiling for its
/// adaptive threshold): buffers up to this size are reused after they are freed.
pub const HEAP_BLOCK_LIMIT: usize = 32 << 20;

/// Asks the C allocator to keep freed memory for reuse: blocks up to [`HEAP_BLOCK_LIMIT`] come
/// from the heap (`M_MMAP_THRESHOLD`), the heap is never trimmed (`M_TRIM_THRESHOLD` = −1), and
/// it grows by at least that much at a time (`M_TOP_PAD`). Returns whether every setting was
/// applied: `true` on 64-bit Linux with glibc; elsewhere the allocator is left as it is (or
/// with the settings it accepted) and `false` returned.
///
/// ```
/// let applied = mlnotes::memory::keep_freed_memory();
/// let glibc_64 = cfg!(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"));
/// assert_eq!(applied, glibc_64);
/// ```
pub fn keep_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
    {
        let limit = libc::c_int::try_from(HEAP_BLOCK_LIMIT).unwrap_or(libc::c_int::MAX);
        // SAFETY: `mallopt` takes plain integers and only sets the allocator's parameters, under
        // the allocator's own lock; it returns 0, changing nothing, for a value it rejects.
        // (glibc's manual marks it "MT-Unsafe init" for calls racing the allocator's first
        // initialisation, which the Rust runtime has done before `main`.)
        let set =
            |param: libc::c_int, value: libc::c_int| unsafe { libc::mallopt(param, value) == 1 };
        set(libc::M_MMAP_THRESHOLD, limit)
            & set(libc::M_TRIM_THRESHOLD, -1)
            & set(libc::M_TOP_PAD, limit)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64")))]
    {
        false
    }
}
