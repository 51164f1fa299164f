import CRdKafka
#if canImport(Glibc)
import Glibc
#endif

/// librdkafka's own table of configuration properties and the clients each applies to (the
/// `C/P` column of its CONFIGURATION.md: `*` both, `C` consumers, `P` producers), read once from
/// the linked library with `rd_kafka_conf_properties_show`, so it always matches the version
/// that runs.
enum RDKafkaPropertyTable {
    /// Property name → the roles it applies to; global and topic-level properties alike.
    static let roles: [String: Set<KafkaClientRole>] = parse(show())

    /// The table as librdkafka prints it. Wraps `rd_kafka_conf_properties_show` (into an
    /// `open_memstream` buffer).
    private static func show() -> String {
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return "" }
        rd_kafka_conf_properties_show(stream)
        fclose(stream)
        defer { free(buffer) }
        guard let buffer else { return "" }
        return String(cString: buffer)
    }

    /// Rows `name | scope | ...`; header, separator and prose lines are skipped.
    static func parse(_ text: String) -> [String: Set<KafkaClientRole>] {
        var table: [String: Set<KafkaClientRole>] = [:]
        for line in text.split(separator: "\n") {
            let cells = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
            guard cells.count == 3 else { continue }
            let name = trimmed(cells[0])
            let roles: Set<KafkaClientRole>
            switch trimmed(cells[1]) {
            case "*": roles = [.producer, .consumer]
            case "C": roles = [.consumer]
            case "P": roles = [.producer]
            default: continue
            }
            table[name, default: []].formUnion(roles)
        }
        return table
    }
}


private func trimmed(_ text: Substring) -> String {
    String(text.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
}
