#if canImport(Glibc)
import Glibc
#endif
import SharedCore

// kafkatrace-producer: order events to Kafka. All wiring lives in `ProducerApp`.
let code = await ProducerApp.main(
    arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessEnvironment.current)
exit(code)
