// pkg-config rdkafka gives no -I, so name the Debian path explicitly.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
