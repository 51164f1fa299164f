@testable import SharedCore
import Testing

@Suite struct KafkaTraceTests {
    @Test func versionIsSemantic() {
        #expect(KafkaTrace.version.split(separator: ".").count == 3)
    }
}
