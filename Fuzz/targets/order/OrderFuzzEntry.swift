// libFuzzer entry of the `order` target; the steps and oracles are `OrderFuzzHarness` in
// Sources/FuzzHarness, which FuzzRegressionTests replays over Fuzz/corpus/order and Fuzz/regressions/order.
// Built by Fuzz/Package.swift (scripts/fuzz): libFuzzer's main calls this function per input.

import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func orderFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    OrderFuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size))).trapOnViolation()
    return 0
}
