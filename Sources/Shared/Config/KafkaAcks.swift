/// `kafka.acks`: librdkafka `acks`. Both words mean every in-sync replica, the only setting the
/// idempotent producer allows.
public enum KafkaAcks: String, ConfigChoice {
    case all
    case allReplicas = "-1"
}
