//! glibc allocator tuning for the long-running daemon: few arenas, and freed
//! memory handed back to the system now and then (BENCHMARKS.md, memory).
//!
//! glibc gives each thread that allocates concurrently an arena of its own
//! and keeps what is freed in it. Parsing a page on the blocking pool leaves
//! a few MiB of free but resident memory in that thread's arena, once per
//! thread. Both calls are no-ops on other C libraries.

/// At most two arenas, unless `MALLOC_ARENA_MAX` says otherwise. Call first
/// thing in `main`, before any thread starts.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; called before
        // any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// Give the free pages of every arena back to the system.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim is thread-safe (it locks each arena in turn).
    unsafe {
        libc::malloc_trim(0);
    }
}
