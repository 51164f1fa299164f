// swift-tools-version: 6.2
// Template for the config fuzz target: scripts/fuzz copies it to .build-fuzz/config-pkg/ with the
// sources of Sources/Shared/Config (+ Logging/LogFormat.swift) and ConfigFuzzEntry.swift, and
// builds it with `swift build --sanitize=fuzzer --sanitize=address -Xswiftc -parse-as-library`.
import PackageDescription

let package = Package(
    name: "kafkatrace-config-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(
            url: "https://github.com/apple/swift-configuration.git", from: "1.4.0",
            traits: [.defaults, "YAML", "CommandLineArguments"]),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .executableTarget(
            name: "ConfigFuzz",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)])
    ]
)
