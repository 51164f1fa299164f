// swift-tools-version: 6.2
import PackageDescription

// The libFuzzer targets of KafkaTrace, built from the root package's modules (no copied sources):
// each entry (`<target>/`) calls a harness of the root package's FuzzHarness library
// (Sources/FuzzHarness), which drives SharedOrders, SharedHTTP and SharedConfig through their
// public API. A separate package so the sanitizer build has its own scratch path and never
// touches the daemons' build. Build and run it with scripts/fuzz, which passes the sanitizer
// flags (libFuzzer + ASan). Keep each target one file not named main.swift: SwiftPM then compiles
// it -parse-as-library, so it has no main and libFuzzer's main calls LLVMFuzzerTestOneInput.
// It lives in Fuzz/targets, not Fuzz/: SwiftPM names a package after its folder, and a checkout
// folder called `fuzz` would then clash with a package folder called `Fuzz`.

/// Each fuzz target: its folder (`<name>/`, holding the entry) → its module. The executable is
/// `fuzz-<name>`; scripts/fuzz finds the targets by these folders.
let fuzzTargets = [("order", "OrderFuzz"), ("http", "HTTPFuzz"), ("config", "ConfigFuzz")]

let package = Package(
    name: "kafkatrace-fuzz",
    platforms: [.macOS(.v15)],
    products: fuzzTargets.map { name, module in .executable(name: "fuzz-\(name)", targets: [module]) },
    dependencies: [.package(name: "kafkatrace", path: "../..")],
    targets: fuzzTargets.map { name, module in
        .executableTarget(
            name: module, dependencies: [.product(name: "FuzzHarness", package: "kafkatrace")],
            path: name, swiftSettings: [.swiftLanguageMode(.v6)])
    }
)
