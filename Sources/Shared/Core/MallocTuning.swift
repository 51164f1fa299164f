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

    /// Returns free heap memory to the system, also free pages inside the heaps, not only at
    /// their top (`malloc_trim(0)`). Cheap enough to call every second.
    public static func releaseFreeMemory() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }
}
