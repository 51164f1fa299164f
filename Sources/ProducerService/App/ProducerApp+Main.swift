import Logging
import SharedConfig
import SharedCore
import SharedLogging

extension ProducerApp {
    /// The benchmark flag, handled here and not a configuration key: `--bench-orders N`.
    static let benchFlag = "--bench-orders"

    /// The whole `kafkatrace-producer` command: parses flags (`--help`, `--version`,
    /// `--check-config`, `--bench-orders N`), loads the configuration, sets up JSON logging, runs
    /// the daemon. Returns the exit code: 0 clean, 1 runtime failure, 2 bad configuration or flags.
    static func main(arguments: [String], environment: [String: String]) async -> Int32 {
        var arguments = arguments
        let benchOrders: Int?
        do {
            benchOrders = try extractBenchOrders(&arguments)
        } catch {
            LogSetup.reportStartupError(error, service: "producer")
            return 2
        }
        let config: ProducerConfig
        do {
            let options = try CommandLineOptions.parse(arguments, for: .producer)
            if options.isHelp {
                print(ProducerConfig.helpText)
                print("\nBenchmark:\n  \(benchFlag) N    generate N orders (at order.rate; use unlimited), print throughput, exit")
                return 0
            }
            if options.isVersion {
                print(DaemonKind.producer.versionLine)
                return 0
            }
            config = try ProducerConfig.load(options: options, environment: environment)
            if options.isCheckConfig {
                print(config.renderEffective())
                return 0
            }
        } catch {
            LogSetup.reportStartupError(error, service: "producer")
            return 2
        }
        LogSetup.bootstrap(service: "producer", level: config.common.log.level, format: config.common.log.format)
        let logger = Logger(label: "kafkatrace.producer")
        let app: ProducerApp
        do {
            app = try ProducerApp(config: config, logger: logger, benchOrders: benchOrders)
        } catch {
            logger.critical("kafkatrace-producer could not start", metadata: [LogKeys.error: "\(error)"])
            return 1
        }
        return await app.run()
    }

    /// Removes `--bench-orders N` / `--bench-orders=N` from `arguments`; N must be ≥ 1.
    static func extractBenchOrders(_ arguments: inout [String]) throws(ConfigError) -> Int? {
        guard let index = arguments.firstIndex(where: { $0 == benchFlag || $0.hasPrefix(benchFlag + "=") }) else {
            return nil
        }
        var text: String
        if arguments[index] == benchFlag {
            guard index + 1 < arguments.count else { throw .missingFlagValue(flag: benchFlag) }
            text = arguments[index + 1]
            arguments.removeSubrange(index...(index + 1))
        } else {
            text = String(arguments[index].dropFirst(benchFlag.count + 1))
            arguments.remove(at: index)
        }
        text = text.replacing("_", with: "")
        guard let value = Int(text), value >= 1 else {
            throw .invalidValue(key: benchFlag, value: text, allowed: "a whole number ≥ 1", source: .flag(benchFlag))
        }
        return value
    }
}
