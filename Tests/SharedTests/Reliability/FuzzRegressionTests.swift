import Foundation
@testable import SharedConfig
@testable import SharedHTTP
@testable import SharedOrders
import Testing


/// Replays fuzz inputs through the same steps as the libFuzzer entries in `Fuzz/targets/`:
/// every file of `Fuzz/regressions/<target>/` (inputs that once crashed or broke an oracle) and
/// of the seed corpus `Fuzz/corpus/<target>/`. Each must finish without a crash and, when it is
/// rejected, with a typed error that describes itself.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Files of `Fuzz/regressions/<target>` and `Fuzz/corpus/<target>` (README files excluded).
    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        var found: [(String, [UInt8])] = []
        for folder in ["Fuzz/regressions/\(target)", "Fuzz/corpus/\(target)"] {
            let dir = root.appendingPathComponent(folder)
            guard FileManager.default.fileExists(atPath: dir.path) else { continue }
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            where !name.hasPrefix(".") && !name.hasSuffix(".md") {
                found.append(("\(folder)/\(name)", Array(try Data(contentsOf: dir.appendingPathComponent(name)))))
            }
        }
        return found
    }

    // MARK: - order (Fuzz/targets/order/OrderFuzzEntry.swift)

    @Test func orderInputsDecodeOrFailCleanly() throws {
        let inputs = try Self.inputs("order")
        #expect(inputs.count >= 30)
        let validator = OrderValidator()
        var decoded = 0
        for (name, bytes) in inputs {
            do {
                let order = try OrderCodec.decode(bytes, validator: validator)
                let again = try OrderCodec.decode(OrderCodec.encode(order), validator: validator)
                #expect(again == order, "\(name): encode ∘ decode changed the order")
                decoded += 1
            } catch {
                #expect(!error.problems.isEmpty && !error.description.isEmpty, "\(name)")
            }
            do {
                _ = validator.validate(try OrderCodec.decodeDraft(bytes, presence: .submission))
            } catch {
                #expect(!error.description.isEmpty, "\(name)")
            }
            do {
                let entries = try OrderCodec.decodeBatch(bytes, maxOrders: 64)
                #expect(entries.count <= 64, "\(name)")
                for entry in entries {
                    if case .failure(let error) = entry.result { #expect(!error.description.isEmpty, "\(name)") }
                }
            } catch {
                #expect(!error.description.isEmpty, "\(name)")
            }
        }
        #expect(decoded > 0, "no valid order among the inputs")
    }

    // MARK: - http (Fuzz/targets/http/HTTPFuzzEntry.swift)

    struct Parsed: Equatable {
        var requests: [String] = []
        var failure: HTTPParseError? = nil
    }

    static let httpLimits = HTTPParserLimits(
        maxRequestLineBytes: 256, maxHeaderBytes: 512, maxHeaderCount: 12, maxBodyBytes: 1024)

    static func parse(_ bytes: [UInt8], chunk: Int) -> Parsed {
        var parser = HTTPParser(limits: httpLimits)
        var parsed = Parsed()
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            parser.append(bytes[offset..<end])
            offset = end
            drain: while true {
                switch parser.next() {
                case .request(let r, let keepAlive):
                    let headers = r.headers.map { "\($0.name): \($0.value)" }.joined(separator: "|")
                    parsed.requests.append("\(r.method) \(r.path) \(r.query ?? "-") \(headers) \(r.body) \(keepAlive)")
                case .needMoreData:
                    break drain
                case .failure(let error):
                    parsed.failure = error
                    return parsed
                }
            }
        }
        return parsed
    }

    @Test func httpInputsParseTheSameWholeAndChunked() throws {
        let inputs = try Self.inputs("http")
        #expect(inputs.count >= 20)
        var failures = 0
        for (name, input) in inputs {
            guard let first = input.first else { continue }
            let payload = Array(input.dropFirst())
            let whole = Self.parse(payload, chunk: max(payload.count, 1))
            let chunked = Self.parse(payload, chunk: Int(first % 16) + 1)
            #expect(whole.requests == chunked.requests, "\(name)")
            #expect((whole.failure == nil) == (chunked.failure == nil), "\(name)")
            if let failure = whole.failure {
                failures += 1
                #expect((400...599).contains(failure.status) && !failure.description.isEmpty, "\(name)")
            }
        }
        #expect(failures > 0, "no rejected request among the inputs")
    }

    // MARK: - config (Fuzz/targets/config/ConfigFuzzEntry.swift)

    @Test func configInputsLoadOrFailCleanly() throws {
        let inputs = try Self.inputs("config")
        #expect(inputs.count >= 10)
        let secretNames: Set<String> = ["KAFKATRACE_KAFKA_SASL_PASSWORD", "KAFKATRACE_PRODUCER_AUTH_TOKEN"]
        for (name, input) in inputs {
            guard let first = input.first else { continue }
            let text = String(decoding: input.dropFirst(), as: UTF8.self)
            switch first % 5 {
            case 0, 1:
                do {
                    _ = try ConfigFile.parse(text, path: "fuzz", isJSON: first % 5 == 1)
                } catch {
                    #expect(!error.description.isEmpty, "\(name)")
                }
            case 2, 3:
                var arguments: [String] = []
                var environment: [String: String] = [:]
                for line in text.split(separator: "\n") {
                    if line.hasPrefix("-") {
                        if line.contains("=") || !line.contains(" ") {
                            arguments.append(String(line))
                        } else if let space = line.firstIndex(of: " ") {
                            arguments += [String(line[..<space]), String(line[line.index(after: space)...])]
                        }
                    } else if let eq = line.firstIndex(of: "=") {
                        environment[String(line[..<eq])] = String(line[line.index(after: eq)...])
                    }
                }
                arguments.removeAll { $0.hasPrefix("--config") && !$0.hasPrefix("--config-") }
                environment = environment.filter { !$0.key.hasSuffix("_FILE") }
                let secrets = environment.filter { secretNames.contains($0.key) && $0.value.count >= 8 }.map(\.value)
                let output: String
                do {
                    output = try ConfigCatalog.readEveryKey(
                        for: first % 5 == 2 ? .producer : .consumer, arguments: arguments, environment: environment
                    ).render()
                } catch {
                    #expect(!error.description.isEmpty, "\(name)")
                    output = error.description
                }
                for secret in secrets { #expect(!output.contains(secret), "\(name): secret in output") }
            default:
                let once = Redaction.redactPostgresURL(text)
                #expect(Redaction.redactPostgresURL(once) == once, "\(name)")
                for match in text.matches(of: #/password=([A-Za-z0-9]{8,})/#) {
                    #expect(!once.contains(String(match.output.1)), "\(name)")
                }
            }
        }
    }
}
