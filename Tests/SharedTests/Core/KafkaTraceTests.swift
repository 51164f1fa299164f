@testable import SharedCore
import SharedConfig
import Testing

@Suite struct KafkaTraceTests {
    @Test func versionIsSemantic() {
        #expect(KafkaTrace.version.split(separator: ".").count == 3)
    }

    /// `--version` tells a debug build from a release one (scripts/soak relies on it).
    @Test func versionLineNamesTheBinaryAndADebugBuild() {
        #if DEBUG
            #expect(KafkaTrace.isDebugBuild)
            #expect(DaemonKind.producer.versionLine == "kafkatrace-producer \(KafkaTrace.version) (debug build)")
        #else
            #expect(!KafkaTrace.isDebugBuild)
            #expect(DaemonKind.consumer.versionLine == "kafkatrace-consumer \(KafkaTrace.version)")
        #endif
    }
}
