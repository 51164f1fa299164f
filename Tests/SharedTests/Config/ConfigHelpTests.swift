import Foundation
@testable import SharedConfig
import Testing

@Suite struct ConfigHelpTests {
    @Test(arguments: DaemonKind.allCases)
    func helpListsEveryKeyEnvFlagDefaultAndAllowed(service: DaemonKind) {
        let help = ConfigHelp.text(for: service)
        for spec in ConfigCatalog.keys(for: service) {
            #expect(help.contains("  \(spec.key)"), "\(spec.key)")
            #expect(help.contains(spec.environmentName), "\(spec.key)")
            #expect(help.contains(spec.flagName), "\(spec.key)")
            #expect(help.contains("default \(ConfigHelp.defaultText(spec, for: service));"), "\(spec.key)")
            #expect(help.contains(spec.allowed), "\(spec.key)")
        }
        #expect(help.contains("KAFKATRACE_CREATE_TOPICS") == (service == .producer))
        #expect(help.contains("--migrate-only") == (service == .consumer))
        #expect(help.contains("KAFKATRACE_KAFKA_SASL_PASSWORD_FILE"))
    }

    /// docs/configuration.md carries the generated tables verbatim between markers.
    /// Regenerate with `REGENERATE_CONFIG_DOCS=1 swift test --filter ConfigHelpTests`.
    @Test func docsTablesAreCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let docPath = root.appendingPathComponent("docs/configuration.md").path
        let doc = try String(contentsOfFile: docPath, encoding: .utf8)
        let begin = "<!-- BEGIN GENERATED: ConfigHelp.markdownReference() -->\n"
        let end = "<!-- END GENERATED -->"
        let start = try #require(doc.range(of: begin))
        let stop = try #require(doc.range(of: end, range: start.upperBound..<doc.endIndex))
        let generated = ConfigHelp.markdownReference()
        if ProcessInfo.processInfo.environment["REGENERATE_CONFIG_DOCS"] == "1" {
            var updated = doc
            updated.replaceSubrange(start.upperBound..<stop.lowerBound, with: generated)
            try updated.write(toFile: docPath, atomically: true, encoding: .utf8)
        } else {
            #expect(String(doc[start.upperBound..<stop.lowerBound]) == generated,
                "docs/configuration.md is stale: run REGENERATE_CONFIG_DOCS=1 swift test --filter ConfigHelpTests")
        }
    }
}
