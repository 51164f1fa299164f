/*
 * rdkafka_producer_baseline: the raw librdkafka C producer that kafkatrace-producer's
 * `--bench-orders N` is compared with (scripts/bench-producer).
 *
 * Sends N messages to one topic with the producer's settings (enable.idempotence=true,
 * acks=all, compression.type=lz4, linger.ms=5, batch.size=1000000,
 * queue.buffering.max.messages=100000; -X overrides), cycling through sample messages read
 * from a file (one `key<TAB>value` per line: real orders taken from the topic, so sizes and
 * compressibility match), each with the contract's four headers (event_type, schema_version,
 * content_type, a fresh W3C traceparent). On QUEUE_FULL it polls and retries, like the daemon.
 * Times the first enqueue to the last delivery report, as ProducerBenchmark does, and prints
 * one JSON line:
 *   {"benchmark":"rdkafka-c-baseline","orders":N,"delivered":N,"failed":0,"bytes":B,
 *    "seconds":S,"orders_per_second":X,"mb_per_second":Y}
 *
 *   cc -O2 -o rdkafka_producer_baseline rdkafka_producer_baseline.c -lrdkafka
 *   rdkafka_producer_baseline -b BROKERS -t TOPIC -n N -f SAMPLES [-X prop=value ...]
 *
 * Exit: 0 all delivered, 1 runtime failure or failed deliveries, 2 bad usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sample {
    char *key;
    size_t key_len;
    char *value;
    size_t value_len;
};

static long long delivered_count;
static long long failed_count;
static const char *first_error;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque) {
    (void)rk;
    (void)opaque;
    if (message->err) {
        failed_count++;
        if (!first_error) first_error = rd_kafka_err2name(message->err);
    } else {
        delivered_count++;
    }
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* splitmix64: cheap random bits for traceparent ids. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t next_random(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void set_property(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char error[512];
    if (rd_kafka_conf_set(conf, name, value, error, sizeof error) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "rdkafka_producer_baseline: %s=%s refused: %s\n", name, value, error);
        exit(2);
    }
}

static struct sample *read_samples(const char *path, size_t *count_out) {
    FILE *file = fopen(path, "r");
    if (!file) {
        fprintf(stderr, "rdkafka_producer_baseline: cannot open %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t capacity = 1024, count = 0;
    struct sample *samples = malloc(capacity * sizeof *samples);
    char *line = NULL;
    size_t line_capacity = 0;
    ssize_t length;
    while ((length = getline(&line, &line_capacity, file)) > 0) {
        if (line[length - 1] == '\n') line[--length] = '\0';
        char *tab = memchr(line, '\t', (size_t)length);
        if (!tab || tab == line || tab == line + length - 1) continue;
        if (count == capacity) samples = realloc(samples, (capacity *= 2) * sizeof *samples);
        samples[count].key_len = (size_t)(tab - line);
        samples[count].key = strndup(line, samples[count].key_len);
        samples[count].value_len = (size_t)(line + length - tab - 1);
        samples[count].value = strndup(tab + 1, samples[count].value_len);
        count++;
    }
    free(line);
    fclose(file);
    if (count == 0) {
        fprintf(stderr, "rdkafka_producer_baseline: %s holds no `key<TAB>value` lines\n", path);
        exit(2);
    }
    *count_out = count;
    return samples;
}

int main(int argc, char **argv) {
    const char *brokers = NULL, *topic = NULL, *sample_path = NULL;
    long long total = 0;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set_property(conf, "client.id", "rdkafka-c-baseline");
    set_property(conf, "enable.idempotence", "true");
    set_property(conf, "acks", "all");
    set_property(conf, "compression.type", "lz4");
    set_property(conf, "linger.ms", "5");
    set_property(conf, "batch.size", "1000000");
    set_property(conf, "queue.buffering.max.messages", "100000");
    set_property(conf, "message.timeout.ms", "300000");

    for (int i = 1; i < argc; i++) {
        const char *flag = argv[i];
        if (i + 1 >= argc) {
            fprintf(stderr, "rdkafka_producer_baseline: %s needs a value\n", flag);
            return 2;
        }
        const char *value = argv[++i];
        if (!strcmp(flag, "-b")) {
            brokers = value;
        } else if (!strcmp(flag, "-t")) {
            topic = value;
        } else if (!strcmp(flag, "-n")) {
            total = atoll(value);
        } else if (!strcmp(flag, "-f")) {
            sample_path = value;
        } else if (!strcmp(flag, "-X")) {
            char *copy = strdup(value), *equals = strchr(copy, '=');
            if (!equals) {
                fprintf(stderr, "rdkafka_producer_baseline: -X %s is not prop=value\n", value);
                return 2;
            }
            *equals = '\0';
            set_property(conf, copy, equals + 1);
            free(copy);
        } else {
            fprintf(stderr, "usage: rdkafka_producer_baseline -b BROKERS -t TOPIC -n N -f SAMPLES [-X prop=value ...]\n");
            return 2;
        }
    }
    if (!brokers || !topic || !sample_path || total < 1) {
        fprintf(stderr, "usage: rdkafka_producer_baseline -b BROKERS -t TOPIC -n N -f SAMPLES [-X prop=value ...]\n");
        return 2;
    }
    set_property(conf, "bootstrap.servers", brokers);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);

    size_t sample_count = 0;
    struct sample *samples = read_samples(sample_path, &sample_count);

    char error[512];
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (!producer) { /* rd_kafka_new only frees the conf on success */
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "rdkafka_producer_baseline: rd_kafka_new failed: %s\n", error);
        return 1;
    }

    long long bytes = 0;
    double start = now_seconds();
    for (long long i = 0; i < total; i++) {
        const struct sample *s = &samples[(size_t)i % sample_count];
        char traceparent[56];
        snprintf(traceparent, sizeof traceparent, "00-%016" PRIx64 "%016" PRIx64 "-%016" PRIx64 "-01",
                 next_random(), next_random(), next_random());
        for (;;) {
            rd_kafka_resp_err_t err = rd_kafka_producev(
                producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_KEY(s->key, s->key_len), RD_KAFKA_V_VALUE(s->value, s->value_len),
                RD_KAFKA_V_HEADER("event_type", "order.created", 13),
                RD_KAFKA_V_HEADER("schema_version", "1", 1),
                RD_KAFKA_V_HEADER("content_type", "application/json", 16),
                RD_KAFKA_V_HEADER("traceparent", traceparent, 55), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                fprintf(stderr, "rdkafka_producer_baseline: rd_kafka_producev: %s\n", rd_kafka_err2str(err));
                rd_kafka_destroy(producer);
                return 1;
            }
            rd_kafka_poll(producer, 1);
        }
        bytes += (long long)s->value_len;
        rd_kafka_poll(producer, 0);
    }
    while (delivered_count + failed_count < total) rd_kafka_poll(producer, 1);
    double seconds = now_seconds() - start;

    printf("{\"benchmark\":\"rdkafka-c-baseline\",\"orders\":%lld,\"delivered\":%lld,\"failed\":%lld,"
           "\"bytes\":%lld,\"seconds\":%.3f,\"orders_per_second\":%.0f,\"mb_per_second\":%.2f}\n",
           total, delivered_count, failed_count, bytes, seconds, (double)total / seconds,
           (double)bytes / seconds / 1e6);
    fflush(stdout);
    if (failed_count > 0) fprintf(stderr, "rdkafka_producer_baseline: %lld failed, first: %s\n", failed_count, first_error);
    rd_kafka_flush(producer, 10000);
    rd_kafka_destroy(producer);
    for (size_t i = 0; i < sample_count; i++) {
        free(samples[i].key);
        free(samples[i].value);
    }
    free(samples);
    return failed_count > 0 ? 1 : 0;
}
