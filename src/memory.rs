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
//! Programs opt in once at start; the library itself never changes the allocator's settings.
//! The experiment binaries, the `mlnotes` command line and the benchmarks call
//! [`keep_freed_memory`].

/// Largest block served from the heap rather than mapped on its own (glibc's own ceiling for its
/// adaptive threshold): buffers up to this size are reused after they are freed.
pub const HEAP_BLOCK_LIMIT: usize = 32 << 20;

/// Asks the C allocator to keep freed memory for reuse: blocks up to [`HEAP_BLOCK_LIMIT`] come
/// from the heap, and the heap is never trimmed. Returns whether the settings were applied:
/// `true` on Linux with glibc; elsewhere the allocator is left as it is and `false` returned.
///
/// ```
/// let applied = mlnotes::memory::keep_freed_memory();
/// assert_eq!(applied, cfg!(all(target_os = "linux", target_env = "gnu")));
/// ```
pub fn keep_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only sets allocator parameters; glibc documents it as callable at
        // any time from any thread, and it returns 0 (changing nothing) for a value it rejects.
        let set = |param: libc::c_int, value: usize| unsafe {
            libc::mallopt(
                param,
                libc::c_int::try_from(value).unwrap_or(libc::c_int::MAX),
            ) == 1
        };
        set(libc::M_MMAP_THRESHOLD, HEAP_BLOCK_LIMIT)
            & set(libc::M_TRIM_THRESHOLD, usize::MAX)
            & set(libc::M_TOP_PAD, HEAP_BLOCK_LIMIT)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}
