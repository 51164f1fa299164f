import Foundation

// kafkatrace-producer: order events to Kafka. All wiring lives in `ProducerApp`.
let code = await ProducerApp.main(
    arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
exit(code)
