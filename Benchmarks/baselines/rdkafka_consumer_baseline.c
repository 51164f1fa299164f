/*
 * rdkafka_consumer_baseline: the plain librdkafka C consumer whose produce → receive latency
 * kafkatrace-consumer's created → committed latency is compared with (scripts/bench, part
 * "end to end").
 *
 * Joins its own consumer group on TOPIC with librdkafka's defaults (plus any -X property; the
 * bench passes the same fetch settings it gives the daemon), starts at the end of the topic
 * (auto.offset.reset=latest), and for every message writes one line to OUTFILE:
 *   <receive time µs> <message timestamp ms> <order created_at ms, or -1>   (all since the epoch)
 * The message timestamp is the producer's CreateTime (set when the producer enqueued the
 * message), so receive − timestamp is produce → receive. created_at is read from the order's
 * JSON (`"created_at":"YYYY-MM-DDTHH:MM:SS.mmmZ"`, as kafkatrace-producer writes it), so
 * receive − created_at starts where the daemon's own end-to-end latency starts. Nothing else is
 * done per message: this is the floor a consumer application cannot go below on the same
 * broker, network and machine.
 * Logs "assigned N" on stderr when it gets its partitions. Runs until SIGTERM/SIGINT, then
 * leaves the group and prints one JSON line:
 *   {"benchmark":"rdkafka-c-consumer-baseline","messages":N,"errors":E}
 *
 *   cc -O2 -o rdkafka_consumer_baseline rdkafka_consumer_baseline.c -lrdkafka
 *   rdkafka_consumer_baseline -b BROKERS -t TOPIC -g GROUP -o OUTFILE [-X prop=value ...]
 *
 * Exit: 0 after a signal, 1 runtime failure, 2 bad usage.
 */
#define _DEFAULT_SOURCE /* timegm */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t running = 1;

static void on_signal(int sig) {
    (void)sig;
    running = 0;
}

static long long now_microseconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Applies the assignment and logs "assigned N" / "revoked N" on stderr (the bench waits for it). */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *partitions,
                         void *opaque) {
    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        rd_kafka_assign(rk, partitions);
        fprintf(stderr, "assigned %d\n", partitions->cnt);
    } else {
        rd_kafka_assign(rk, NULL);
        fprintf(stderr, "revoked %d\n", partitions->cnt);
    }
}

static void set_property(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char error[512];
    if (rd_kafka_conf_set(conf, name, value, error, sizeof error) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "rdkafka_consumer_baseline: %s=%s refused: %s\n", name, value, error);
        exit(2);
    }
}

/* created_at of a kafkatrace order (RFC 3339 UTC with milliseconds), ms since the epoch; -1 if absent. */
static long long created_at_ms(const char *payload, size_t len) {
    static const char key[] = "\"created_at\":\"";
    const char *end = payload + len;
    for (const char *p = payload; p + sizeof key - 1 + 24 <= end; p++) {
        if (memcmp(p, key, sizeof key - 1) != 0) continue;
        char t[25]; /* the payload is not NUL-terminated: copy the 24 characters */
        memcpy(t, p + sizeof key - 1, 24);
        t[24] = '\0';
        struct tm tm = {0};
        int ms = 0;
        if (sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                   &tm.tm_sec, &ms) != 7)
            return -1;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        return (long long)timegm(&tm) * 1000 + ms;
    }
    return -1;
}

static void usage(void) {
    fprintf(stderr, "usage: rdkafka_consumer_baseline -b BROKERS -t TOPIC -g GROUP -o OUTFILE [-X prop=value ...]\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *brokers = NULL, *topic = NULL, *group = NULL, *out_path = NULL;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set_property(conf, "client.id", "rdkafka-c-consumer-baseline");
    set_property(conf, "auto.offset.reset", "latest");

    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        if (i + 1 >= argc) usage();
        const char *value = argv[++i];
        if (!strcmp(flag, "-b")) {
            brokers = value;
        } else if (!strcmp(flag, "-t")) {
            topic = value;
        } else if (!strcmp(flag, "-g")) {
            group = value;
        } else if (!strcmp(flag, "-o")) {
            out_path = value;
        } else if (!strcmp(flag, "-X")) {
            char *copy = strdup(value), *equals = strchr(copy, '=');
            if (!equals) {
                fprintf(stderr, "rdkafka_consumer_baseline: -X %s is not prop=value\n", value);
                return 2;
            }
            *equals = '\0';
            set_property(conf, copy, equals + 1);
            free(copy);
        } else {
            usage();
        }
    }
    if (!brokers || !topic || !group || !out_path) usage();
    set_property(conf, "bootstrap.servers", brokers);
    set_property(conf, "group.id", group);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);

    FILE *out = fopen(out_path, "w");
    if (!out) {
        perror("rdkafka_consumer_baseline: fopen");
        return 1;
    }
    char error[512];
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
    if (!consumer) { /* rd_kafka_new only frees the conf on success */
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "rdkafka_consumer_baseline: rd_kafka_new failed: %s\n", error);
        return 1;
    }
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        fprintf(stderr, "rdkafka_consumer_baseline: subscribe %s: %s\n", topic, rd_kafka_err2str(err));
        rd_kafka_destroy(consumer);
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    long long messages = 0, errors = 0;
    while (running) {
        rd_kafka_message_t *message = rd_kafka_consumer_poll(consumer, 100);
        if (!message) continue;
        long long received_us = now_microseconds();
        if (message->err) {
            if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) errors++;
        } else {
            rd_kafka_timestamp_type_t type;
            int64_t timestamp_ms = rd_kafka_message_timestamp(message, &type);
            if (type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) {
                long long created = message->payload ? created_at_ms(message->payload, message->len) : -1;
                fprintf(out, "%lld %" PRId64 " %lld\n", received_us, timestamp_ms, created);
                messages++;
            }
        }
        rd_kafka_message_destroy(message);
    }
    fclose(out);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    printf("{\"benchmark\":\"rdkafka-c-consumer-baseline\",\"messages\":%lld,\"errors\":%lld}\n", messages, errors);
    return 0;
}
