// libFuzzer entry of the `http` target; the steps and oracles are `HTTPFuzzHarness` in
// Sources/FuzzHarness, which FuzzRegressionTests replays over Fuzz/corpus/http and Fuzz/regressions/http.
// Built by Fuzz/Package.swift (scripts/fuzz): libFuzzer's main calls this function per input.

import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func httpFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    HTTPFuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size))).trapOnViolation()
    return 0
}
