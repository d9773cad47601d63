//! glibc allocator tuning for the long-running daemon: few arenas, a fixed
//! mmap threshold, and freed memory handed back to the system now and then
//! (BENCHMARKS.md, memory).
//!
//! glibc gives each thread that allocates concurrently an arena of its own
//! and keeps what is freed in it. Parsing a page on the blocking pool leaves
//! a few MiB of free but resident memory in that thread's arena, once per
//! thread. glibc also raises its mmap threshold each time a large block is
//! freed, up to 32 MiB, so page bodies and parse buffers soon come from the
//! arenas and fragment them. Both calls are no-ops on other C libraries.

/// Blocks from this size up get their own mapping, returned to the system
/// when freed. 512 KiB: the 1,000-source benchmark's steady RSS went from
/// 53–57 to 43–44 MiB for ~2 % more CPU per poll cycle; 128 KiB saved no
/// more memory and cost ~9 % more CPU (page faults).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: i32 = 512 * 1024;

/// At most two arenas and a fixed mmap threshold, unless `MALLOC_ARENA_MAX`
/// or `MALLOC_MMAP_THRESHOLD_` (glibc's own variables) say otherwise. Call
/// first thing in `main`, before any thread starts.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY (both calls): mallopt only sets an allocator parameter;
        // called before any other thread exists.
        if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
            unsafe {
                libc::mallopt(libc::M_ARENA_MAX, 2);
            }
        }
        if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
            unsafe {
                libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            }
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

/// Bytes handed out from the arenas and not yet freed (glibc's `mallinfo2`,
/// all arenas); None on other C libraries. Blocks above the mmap threshold
/// are left out: they are mapped on their own, and sled maps buffers it
/// barely touches. For the benchmarks: what the program holds, without the
/// free pages RSS adds.
pub fn heap_in_use() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 only reads the allocator's counters.
        let m = unsafe { libc::mallinfo2() };
        Some(m.uordblks as u64)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    None
}
