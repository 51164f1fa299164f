// swift-tools-version: 6.2
import PackageDescription

// KafkaTrace: two daemons (producer, consumer) over one shared core.
// C libraries come from Debian: librdkafka-dev, libpq-dev, libsystemd-dev.
//
// The shared core is split into library targets, one per folder of Sources/Shared, so the
// compiler checks the layering (docs/architecture.md); a module sees only what is below it:
//   SharedCore                                  Duration helpers, weak references, version, OS threads
//   SharedJSON                                  the strict JSON reader (orders, config files, librdkafka's statistics)
//   SharedLogging  SharedOrders                 JSON logging; the order domain
//   SharedHTTP  SharedKafka  SharedPostgres     raw-socket HTTP server; librdkafka and libpq wrappers
//   SharedLifecycle  SharedMetrics              ServiceGroup wiring, readiness, systemd; Prometheus
//   SharedConfig                                typed keys mapped onto the components' configurations
//   ProducerService  ConsumerService            the two daemons (executables); neither sees the other
//   FuzzHarness                                 the fuzz targets' steps and oracles (Fuzz/, FuzzRegressionTests);
//                                               no daemon links it

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// How the daemons link in release builds on Linux: with lld and packed relative relocations
/// (DT_RELR, glibc ≥ 2.36, Debian 12). A static-stdlib binary otherwise carries ~2 MB of RELA
/// entries that ld.so reads at every start and that then stay resident (docs/benchmarks.md, RSS).
let daemonLinking: [LinkerSetting] = [
    .unsafeFlags(
        ["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
        .when(platforms: [.linux], configuration: .release)),
]

let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")

/// A library target of the shared core; its sources are `Sources/Shared/<folder>`.
func shared(_ name: String, _ folder: String, _ dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies, path: "Sources/Shared/\(folder)", swiftSettings: strict)
}

let sharedCore: [Target.Dependency] = [
    "SharedCore", "SharedJSON", "SharedLogging", "SharedOrders", "SharedHTTP", "SharedKafka", "SharedPostgres",
    "SharedLifecycle", "SharedMetrics", "SharedConfig",
]
/// The producer never talks to PostgreSQL: without SharedPostgres it does not load libpq and the
/// Kerberos/LDAP/GnuTLS libraries behind it (~3.4 MB resident).
let producerShared: [Target.Dependency] = [
    "SharedCore", "SharedJSON", "SharedLogging", "SharedOrders", "SharedHTTP", "SharedKafka",
    "SharedLifecycle", "SharedMetrics", "SharedConfig",
]

let package = Package(
    name: "kafkatrace",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kafkatrace-producer", targets: ["ProducerService"]),
        .executable(name: "kafkatrace-consumer", targets: ["ConsumerService"]),
        .executable(name: "kafkatrace-devcluster", targets: ["KafkaDevCluster"]),
        // For the fuzz package (Fuzz/targets/Package.swift): its libFuzzer entries call this
        // harness, which drives SharedOrders, SharedHTTP and SharedConfig through their public API.
        .library(name: "FuzzHarness", targets: ["FuzzHarness"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(
            url: "https://github.com/apple/swift-configuration.git", from: "1.4.0",
            traits: ["CommandLineArguments"]),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CRdKafka", pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CSystemd", pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CEpoll"),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CThreadName"),

        shared("SharedCore", "Core", ["CMalloc", "CThreadName"]),
        shared("SharedJSON", "JSON", []),
        shared("SharedLogging", "Logging", ["SharedCore", log]),
        shared("SharedOrders", "Orders", ["SharedCore", "SharedJSON"]),
        shared("SharedHTTP", "HTTP", ["SharedCore", "CEpoll", log, prometheus, lifecycle]),
        shared("SharedKafka", "Kafka", ["SharedCore", "SharedJSON", "SharedLogging", "CRdKafka", log]),
        shared("SharedPostgres", "Postgres", ["SharedCore", "CLibPQ", log]),
        shared(
            "SharedLifecycle", "Lifecycle",
            [
                "SharedCore", "SharedLogging", "SharedHTTP", "CSystemd", log, prometheus, lifecycle,
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),
        shared("SharedMetrics", "Metrics", ["SharedCore", "SharedKafka", log, prometheus]),
        shared(
            "SharedConfig", "Config",
            [
                "SharedCore", "SharedJSON", "SharedLogging", "SharedOrders", "SharedHTTP", "SharedKafka", log,
                .product(name: "Configuration", package: "swift-configuration"),
            ]),

        .executableTarget(
            name: "ProducerService", dependencies: producerShared + [log, prometheus, lifecycle],
            swiftSettings: strict, linkerSettings: daemonLinking),
        .executableTarget(
            name: "ConsumerService", dependencies: sharedCore + [log, prometheus, lifecycle],
            swiftSettings: strict, linkerSettings: daemonLinking),
        .executableTarget(
            name: "KafkaDevCluster",
            dependencies: [
                "SharedCore", "SharedKafka", "SharedLogging", log,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        .target(
            name: "FuzzHarness", dependencies: ["SharedOrders", "SharedHTTP", "SharedConfig"],
            swiftSettings: strict),

        .target(
            name: "TestSupport", dependencies: sharedCore + [log, prometheus], path: "Tests/TestSupport",
            swiftSettings: strict),
        .testTarget(
            name: "SharedTests", dependencies: sharedCore + ["TestSupport", "FuzzHarness", log, prometheus, lifecycle],
            swiftSettings: strict),
        .testTarget(
            name: "ProducerServiceTests",
            dependencies: ["ProducerService", "TestSupport", log, prometheus, lifecycle] + sharedCore,
            swiftSettings: strict),
        .testTarget(
            name: "ConsumerServiceTests",
            dependencies: ["ConsumerService", "TestSupport", log, prometheus, lifecycle] + sharedCore,
            swiftSettings: strict),
    ]
)
