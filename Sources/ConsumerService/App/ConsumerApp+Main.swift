import Logging
import SharedConfig
import SharedCore
import SharedLogging

extension ConsumerApp {
    /// The whole `kafkatrace-consumer` command: parses flags (`--help`, `--version`,
    /// `--check-config`, `--migrate-only`), loads the configuration, sets up logging, runs the
    /// daemon. Returns the exit code: 0 clean, 1 runtime failure, 2 bad configuration or flags.
    static func main(arguments: [String], environment: [String: String]) async -> Int32 {
        let config: ConsumerConfig
        do {
            let options = try CommandLineOptions.parse(arguments, for: .consumer)
            if options.isHelp {
                print(ConsumerConfig.helpText)
                return 0
            }
            if options.isVersion {
                print(DaemonKind.consumer.versionLine)
                return 0
            }
            config = try ConsumerConfig.load(options: options, environment: environment)
            if options.isCheckConfig {
                print(config.renderEffective())
                return 0
            }
        } catch {
            LogSetup.reportStartupError(error, service: "consumer")
            return 2
        }
        LogSetup.bootstrap(service: "consumer", level: config.common.log.level, format: config.common.log.format)
        let logger = Logger(label: "kafkatrace.consumer")
        if config.options.isMigrateOnly {
            return await migrateOnly(config: config, logger: logger)
        }
        let app: ConsumerApp
        do {
            app = try ConsumerApp(config: config, logger: logger)
        } catch {
            logger.critical("kafkatrace-consumer could not start", metadata: [LogKeys.error: "\(error)"])
            return 1
        }
        return await app.run()
    }
}
