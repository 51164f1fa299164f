import Foundation

// kafkatrace-consumer: order events from Kafka into PostgreSQL. All wiring lives in `ConsumerApp`.
let code = await ConsumerApp.main(
    arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
exit(code)
