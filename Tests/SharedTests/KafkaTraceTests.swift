import Testing
@testable import Shared

@Suite struct KafkaTraceTests {
    @Test func versionIsSemantic() {
        #expect(KafkaTrace.version.split(separator: ".").count == 3)
    }
}
