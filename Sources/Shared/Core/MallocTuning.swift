#if canImport(Glibc)
import CMalloc
#endif

/// glibc malloc settings for a long-running daemon with many threads (librdkafka's, Dispatch's,
/// the cooperative pool's). By default glibc gives allocating threads up to 8 arenas per core
/// and keeps memory freed in an arena for that arena: after a burst (a consumer catching up) a
/// daemon sat on tens of MB it no longer used, spread over 16 arenas, almost all of it free.
public enum MallocTuning {
    /// At most `count` malloc arenas (fewer arenas, more reuse; glibc's `M_ARENA_MAX`). Call it
    /// first thing in `main`, before other threads allocate.
    public static func limitArenas(to count: Int) {
        #if canImport(Glibc)
        _ = mallopt(M_ARENA_MAX, Int32(clamping: count))
        #endif
    }

    /// Serves every allocation of at least `bytes` from its own mapping, returned to the
    /// kernel when freed (glibc's `M_MMAP_THRESHOLD`). Without it glibc raises the threshold to
    /// the largest mapped block freed so far (up to 32 MiB): after the first fetch response or
    /// batch buffer of a few hundred KB is freed, such buffers come from the heap, where they
    /// fragment it and `malloc_trim` cannot give the space back while small blocks sit between
    /// them (catching up 100 000 orders: ~6 MB more at the peak, docs/benchmarks.md). Setting it
    /// turns that adjustment off. Call it first thing in `main`. False when `mallopt` refused it
    /// (AddressSanitizer's runtime does). True does not prove glibc serves the blocks:
    /// ThreadSanitizer's runtime lets glibc accept the setting and allocates with its own.
    @discardableResult
    public static func pinMmapThreshold(to bytes: Int) -> Bool {
        #if canImport(Glibc)
        return mallopt(M_MMAP_THRESHOLD, Int32(clamping: bytes)) == 1
        #else
        return false
        #endif
    }

    /// Returns free heap memory to the system, also free pages inside the heaps, not only at
    /// their top (`malloc_trim(0)`). Cheap enough to call every second.
    public static func releaseFreeMemory() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }
}
