#if canImport(Glibc)
import Glibc
#endif
import SharedCore

// Before any other thread allocates: see MallocTuning (the consumer's memory after catching up).
MallocTuning.limitArenas(to: 2)
MallocTuning.pinMmapThreshold(to: 128 * 1024)

// kafkatrace-consumer: order events from Kafka into PostgreSQL. All wiring lives in `ConsumerApp`.
let code = await ConsumerApp.main(
    arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessEnvironment.current)
exit(code)
