// libFuzzer entry of the `config` target; the steps and oracles are `ConfigFuzzHarness` in
// Sources/FuzzHarness, which FuzzRegressionTests replays over Fuzz/corpus/config and Fuzz/regressions/config.
// Built by Fuzz/Package.swift (scripts/fuzz): libFuzzer's main calls this function per input.

import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func configFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ConfigFuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size))).trapOnViolation()
    return 0
}
