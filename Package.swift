// swift-tools-version: 6.2
import PackageDescription

// KafkaTrace: two daemons (producer, consumer) over one shared core.
// C libraries come from Debian: librdkafka-dev, libpq-dev, libsystemd-dev.
//
// The shared core is split into library targets, one per folder of Sources/Shared, so the
// compiler checks the layering (docs/architecture.md); a module sees only what is below it:
//   SharedCore                                  Duration helpers, weak references, version
//   SharedLogging  SharedOrders                 JSON logging; the order domain
//   SharedHTTP  SharedKafka  SharedPostgres     raw-socket HTTP server; librdkafka and libpq wrappers
//   SharedLifecycle  SharedMetrics              ServiceGroup wiring, readiness, systemd; Prometheus
//   SharedConfig                                typed keys mapped onto the components' configurations
//   ProducerService  ConsumerService            the two daemons (executables); neither sees the other

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")

/// A library target of the shared core; its sources are `Sources/Shared/<folder>`.
func shared(_ name: String, _ folder: String, _ dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies, path: "Sources/Shared/\(folder)", swiftSettings: strict)
}

let sharedCore: [Target.Dependency] = [
    "SharedCore", "SharedLogging", "SharedOrders", "SharedHTTP", "SharedKafka", "SharedPostgres",
    "SharedLifecycle", "SharedMetrics", "SharedConfig",
]

let package = Package(
    name: "kafkatrace",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kafkatrace-producer", targets: ["ProducerService"]),
        .executable(name: "kafkatrace-consumer", targets: ["ConsumerService"]),
        .executable(name: "kafkatrace-devcluster", targets: ["KafkaDevCluster"]),
        // For the fuzz package (Fuzz/Package.swift), which builds its targets from these modules.
        .library(name: "SharedOrders", targets: ["SharedOrders"]),
        .library(name: "SharedHTTP", targets: ["SharedHTTP"]),
        .library(name: "SharedConfig", targets: ["SharedConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(
            url: "https://github.com/apple/swift-configuration.git", from: "1.4.0",
            traits: [.defaults, "YAML", "CommandLineArguments"]),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
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

        shared("SharedCore", "Core", ["CMalloc"]),
        shared("SharedLogging", "Logging", ["SharedCore", log]),
        shared("SharedOrders", "Orders", ["SharedCore"]),
        shared("SharedHTTP", "HTTP", ["SharedCore", "CEpoll", log, prometheus, lifecycle]),
        shared("SharedKafka", "Kafka", ["SharedCore", "SharedLogging", "CRdKafka", log]),
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
                "SharedCore", "SharedLogging", "SharedOrders", "SharedHTTP", "SharedKafka", "SharedPostgres", log,
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
            ]),

        .executableTarget(
            name: "ProducerService", dependencies: sharedCore + [log, prometheus, lifecycle],
            swiftSettings: strict),
        .executableTarget(
            name: "ConsumerService", dependencies: sharedCore + [log, prometheus, lifecycle],
            swiftSettings: strict),
        .executableTarget(
            name: "KafkaDevCluster",
            dependencies: [
                "SharedCore", "SharedKafka", "SharedLogging", log,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        .target(
            name: "TestSupport", dependencies: sharedCore + [log, prometheus], path: "Tests/TestSupport",
            swiftSettings: strict),
        .testTarget(
            name: "SharedTests", dependencies: sharedCore + ["TestSupport", log, prometheus, lifecycle],
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
