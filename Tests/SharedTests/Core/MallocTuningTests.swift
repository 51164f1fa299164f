#if canImport(Glibc)
import Glibc
import SharedCore
import Testing

/// `pinMmapThreshold` keeps glibc from raising its mmap threshold: a block over the pin is a
/// mapping of its own also after such a block was freed. Without the pin, freeing the first
/// 16 MiB block raises the threshold past it and the next come from the heap. (The setting is
/// process-wide; 128 KiB is glibc's own starting value.) Whether a block is a mapping is read from
/// its own chunk header, glibc's `IS_MMAPPED` bit (0x2) in the size word just before the block,
/// not from `mallinfo2`, whose counts the tests running in parallel change.
///
/// The threshold only decides when the heap has no free chunk that fits: a 256 KiB block was
/// once served from the heap in the parallel suite (small blocks the other tests freed had merged
/// into a bigger free chunk). 16 MiB fits no such chunk in practice and is still under the 32 MiB
/// up to which glibc raises the threshold, so the test still fails without the pin.
@Suite struct MallocTuningTests {
    /// Whether `malloc` is glibc's. Under scripts/sanitize a sanitizer's runtime, linked into the
    /// test binary, serves it instead, with other block headers; ThreadSanitizer's still lets
    /// glibc's `mallopt` accept the pin, so its answer alone does not tell.
    private static let mallocIsGlibcs: Bool = {
        guard let program = dlopen(nil, RTLD_NOW), let libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD),
            let used = dlsym(program, "malloc"), let glibcs = dlsym(libc, "malloc")
        else { return false }
        return used == glibcs
    }()

    @Test(
        .enabled(
            if: Self.mallocIsGlibcs && MallocTuning.pinMmapThreshold(to: 128 * 1024),
            "glibc's malloc (under scripts/sanitize a sanitizer's allocator replaces it)"))
    func blocksOverThePinnedThresholdStayMappedAfterOneWasFreed() throws {
        #expect(MallocTuning.pinMmapThreshold(to: 128 * 1024))
        let size = 16 * 1024 * 1024
        for round in 1...3 {
            let block = try #require(malloc(size))
            let sizeWord = UnsafeRawPointer(block).load(fromByteOffset: -MemoryLayout<Int>.size, as: UInt.self)
            memset(block, 1, size)
            free(block)
            #expect(sizeWord & 0x2 != 0, "round \(round): \(size) bytes not served by mmap")
        }
    }
}
#endif
