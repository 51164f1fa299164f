import Shared

print(KafkaTrace.version)
