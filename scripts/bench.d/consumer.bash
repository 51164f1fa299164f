# shellcheck shell=bash
# The consumer's parts of scripts/bench (sourced by it; not a command of its own):
#
#   part 2  consumer   kafkatrace-consumer catching up a topic of N orders into PostgreSQL vs one
#                      `COPY` of the same rows; rounds alternate ours / COPY; peak RSS while catching up.
#   part 4  end to end kafkatrace-consumer (created → database commit, its own histogram) and a
#                      plain librdkafka C consumer (Benchmarks/baselines/rdkafka_consumer_baseline.c,
#                      produce → receive) on the same topic at the same time, at each rate of
#                      BENCH_E2E_RATES; the consumer's RSS at each steady rate.
#
# Uses scripts/bench's helpers (log, die, json_field, ratio, max, free_port, sql, psql_as,
# runuser_pg) and variables (bin, brokers, orders, out_dir, work, pg_url, pids).
# Writes run/bench/consumer.json and run/bench/end_to_end.json (one JSON object per line; what
# scripts/bench-plot draws) and sets the consumer_* / e2e_* variables the summary prints.
#
# Env: BENCH_CONSUMER_ROUNDS (2), BENCH_CONSUMER_TIMEOUT (300 s), BENCH_CONSUMER_ENV (extra
#      NAME=VALUE words for the part-2 consumer, e.g. KAFKATRACE_CONSUMER_BATCH_SIZE=1000),
#      BENCH_E2E_ENV (extra NAME=VALUE words for the part-4 consumers), BENCH_E2E_RATES ("50 2000"), BENCH_E2E_ROUNDS (2), BENCH_E2E_SECONDS (20: the measured
#      window), BENCH_E2E_WARMUP (5 s), BENCH_E2E_FETCH_WAIT_MS (10: fetch.wait.max.ms of BOTH
#      consumers; see docs/benchmarks.md for why the mock cluster needs it),
#      BENCH_PERF (set: `perf record -a -g` during the first catch-up round into
#      run/bench/consumer-perf.data; `perf report -i run/bench/consumer-perf.data --sort comm,dso`).

consumer_rounds=${BENCH_CONSUMER_ROUNDS:-2}
consumer_timeout=${BENCH_CONSUMER_TIMEOUT:-300}
e2e_rates=${BENCH_E2E_RATES:-50 2000}
e2e_rounds=${BENCH_E2E_ROUNDS:-2}
e2e_seconds=${BENCH_E2E_SECONDS:-20}
e2e_warmup=${BENCH_E2E_WARMUP:-5}
e2e_fetch_wait_ms=${BENCH_E2E_FETCH_WAIT_MS:-10}

# Dev-cluster topics of these parts (6 partitions, 3 replicas, like the producer's).
consumer_bench_topics() {
    local rate round
    echo --topic bench-consumer:6:3 --topic bench-consumer-dlq:3:3
    for round in $(seq 1 "$e2e_rounds"); do
        for rate in $e2e_rates; do echo --topic "bench-e2e-$rate-$round:6:3"; done
    done
}

# start_consumer TOPIC GROUP PORT LOG [NAME=VALUE...]: starts kafkatrace-consumer, sets $consumer_pid.
start_consumer() {
    local topic=$1 group=$2 port=$3 logfile=$4
    shift 4
    env -i PATH="$PATH" HOME="$HOME" KAFKATRACE_KAFKA_BROKERS="$brokers" KAFKATRACE_KAFKA_TOPIC="$topic" \
        KAFKATRACE_KAFKA_DLQ_TOPIC=bench-consumer-dlq KAFKATRACE_KAFKA_GROUP_ID="$group" \
        KAFKATRACE_POSTGRES_URL="$pg_url" KAFKATRACE_POSTGRES_SSLMODE=disable \
        KAFKATRACE_HTTP_HOST=127.0.0.1 KAFKATRACE_HTTP_PORT="$port" KAFKATRACE_LOG_LEVEL=warning "$@" \
        "$bin/kafkatrace-consumer" >>"$logfile" 2>&1 &
    consumer_pid=$!
    pids+=("$consumer_pid")
}

# stop_process PID: SIGTERM and wait (a process already gone is fine).
stop_process() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# sample_rss PID FILE: every 0.2 s "<seconds since epoch> <VmRSS kB>" until the process ends
# (run it in the background).
sample_rss() {
    local pid=$1 file=$2 kb
    : >"$file"
    while kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && [[ -n $kb ]]; do
        echo "$(date +%s.%N) $kb" >>"$file"
        sleep 0.2
    done
}

# peak_kb PID: VmHWM (peak resident set) of a running process, kB.
peak_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# metric_value PORT NAME: the sum of a metric's samples on a daemon's /metrics.
metric_value() {
    curl -fsS "127.0.0.1:$1/metrics" 2>/dev/null | awk -v m="$2" '$1 ~ "^"m"({|$)" { s += $NF } END { printf "%d", s }'
}

# ---- part 2: consumer → PostgreSQL vs COPY ---------------------------------------------------
bench_consumer_throughput() {
    local line round group rate wall count deadline start_ns end_ns steady_rows steady_seconds batches
    local peak rss_file perf_pid copy_rate copy_start copy_end copy_rows
    local columns="order_id, customer_id, items, total_amount, status, created_at, kafka_topic, kafka_partition, kafka_offset"
    log "consumer: filling bench-consumer with $orders orders (kafkatrace-producer --bench-orders)"
    line=$(env -i PATH="$PATH" HOME="$HOME" "$bin/kafkatrace-producer" --bench-orders "$orders" --order-rate unlimited \
        --kafka-brokers "$brokers" --kafka-topic bench-consumer --http-host 127.0.0.1 --http-port 0 \
        --log-level warning 2>>"$out_dir/consumer.log" | tail -n 1)
    [[ $(json_field delivered <<<"$line") == "$orders" ]] || die "filling bench-consumer delivered less than $orders: $line"

    consumer_all=(); copy_all=(); consumer_peaks=(); consumer_best=0; copy_best=0
    : >"$out_dir/consumer.json"
    for round in $(seq 1 "$consumer_rounds"); do
        [[ $round == 1 ]] || sql "TRUNCATE orders"
        psql_as postgres kafkatrace -c "CHECKPOINT" 2>/dev/null || true
        consumer_port=$(free_port)
        group="bench-consumer-$round-$RANDOM"
        log "consumer round $round/$consumer_rounds: kafkatrace-consumer, $orders orders → PostgreSQL"
        start_ns=$(date +%s%N)
        # shellcheck disable=SC2086  # BENCH_CONSUMER_ENV: NAME=VALUE words
        start_consumer bench-consumer "$group" "$consumer_port" "$out_dir/consumer.log" ${BENCH_CONSUMER_ENV:-}
        rss_file="$out_dir/consumer-rss-$round.txt"
        sample_rss "$consumer_pid" "$rss_file" &
        pids+=($!)
        perf_pid=""
        if [[ -n ${BENCH_PERF:-} && $round == 1 ]]; then
            # System-wide: the PostgreSQL backend and the dev cluster are part of the picture.
            perf record -a -g -F 499 -o "$out_dir/consumer-perf.data" >/dev/null 2>&1 &
            perf_pid=$!
        fi
        deadline=$(( $(date +%s) + consumer_timeout ))
        # Progress from the daemon's own counter (a count(*) every 0.2 s would load the server
        # the consumer writes to); the table is counted once at the end. Every 0.5 s: at 0.1 s the
        # bench's own processes (mostly this loop's curl, awk and date) took ~7 % of the two
        # cores while the consumer wrote, CPU the COPY baseline never shares
        # (docs/benchmarks.md). The rate comes from the rows' own times, so the check's delay
        # only moves the wall-clock figure.
        while :; do
            kill -0 "$consumer_pid" 2>/dev/null || die "consumer exited (run/bench/consumer.log)"
            count=$(metric_value "$consumer_port" kafkatrace_consumer_orders_inserted_total || echo 0)
            [[ ${count:-0} -ge $orders ]] && break
            (( $(date +%s) < deadline )) || die "consumer inserted ${count:-0} of $orders orders in ${consumer_timeout}s"
            sleep 0.5
        done
        end_ns=$(date +%s%N)
        count=$(sql "SELECT count(*) FROM orders")
        [[ $count == "$orders" ]] || die "orders holds $count rows after the consumer reported $orders inserted"
        peak=$(peak_kb "$consumer_pid")
        if [[ -n $perf_pid ]]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
        # Steady rate from the rows' own statement times (processed_at = now(), the start of
        # each batch's transaction): rows committed before the last batch began / (last start −
        # first start). Start-up, migrations and the group join are outside it; the wall-clock
        # rate includes them.
        read -r steady_rows steady_seconds batches < <(sql "SELECT count(*) FILTER (WHERE processed_at < m.last),
                extract(epoch FROM m.last - m.first), m.batches
            FROM orders, (SELECT min(processed_at) AS first, max(processed_at) AS last,
                                 count(DISTINCT processed_at) AS batches FROM orders) m
            GROUP BY m.last, m.first, m.batches" | tr '|' ' ')
        rate=$(awk -v r="$steady_rows" -v s="$steady_seconds" 'BEGIN { printf "%.0f", (s > 0 ? r / s : 0) }')
        wall=$(awk -v n="$orders" -v a="$start_ns" -v b="$end_ns" 'BEGIN { printf "%.0f", n / ((b - a) / 1e9) }')
        sql "SELECT extract(epoch FROM processed_at), count(*) FROM orders GROUP BY 1 ORDER BY 1" \
            | tr '|' ' ' >"$out_dir/consumer-batches-$round.txt"
        if [[ $round != "$consumer_rounds" ]]; then stop_process "$consumer_pid"; fi

        if [[ $round == 1 ]]; then
            chmod 777 "$work"
            sql "\\copy (SELECT $columns FROM orders) TO '$work/orders.copy'"
            sql "CREATE TABLE orders_copy (LIKE orders INCLUDING ALL)"
        fi
        sql "TRUNCATE orders_copy"
        psql_as postgres kafkatrace -c "CHECKPOINT"
        log "consumer round $round/$consumer_rounds: baseline, one COPY of $orders rows into orders_copy (LIKE orders INCLUDING ALL)"
        copy_start=$(date +%s%N)
        sql "\\copy orders_copy ($columns) FROM '$work/orders.copy'"
        copy_end=$(date +%s%N)
        copy_rows=$(sql "SELECT count(*) FROM orders_copy")
        [[ $copy_rows == "$orders" ]] || die "COPY loaded $copy_rows rows, expected $orders"
        copy_rate=$(awk -v n="$orders" -v a="$copy_start" -v b="$copy_end" 'BEGIN { printf "%.0f", n / ((b - a) / 1e9) }')

        consumer_all+=("$rate"); copy_all+=("$copy_rate"); consumer_peaks+=("$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')")
        consumer_best=$(max "$consumer_best" "$rate"); copy_best=$(max "$copy_best" "$copy_rate")
        printf '{"part":"consumer","round":%s,"orders":%s,"transactions":%s,"steady_rows":%s,"steady_seconds":%s,"orders_per_second":%s,"wall_orders_per_second":%s,"copy_rows_per_second":%s,"ratio":%s,"peak_rss_kb":%s,"rss_samples":"consumer-rss-%s.txt","batches":"consumer-batches-%s.txt"}\n' \
            "$round" "$count" "$batches" "$steady_rows" "$steady_seconds" "$rate" "$wall" "$copy_rate" \
            "$(ratio "$rate" "$copy_rate")" "$peak" "$round" "$round" | tee -a "$out_dir/consumer.json" >&2
    done
    consumer_last_pid=$consumer_pid  # still running: part 3 measures its HTTP server
    consumer_ratio=$(ratio "$consumer_best" "$copy_best")
    consumer_peak_max=$(printf '%s\n' "${consumer_peaks[@]}" | sort -g | tail -1)  # MB = MiB, one decimal: no rounding under the target
    log "consumer: ours ${consumer_all[*]} orders/s, COPY ${copy_all[*]} rows/s, ratio (best/best) $consumer_ratio, peak RSS ${consumer_peaks[*]} MB"
}

# ---- part 4: end to end -----------------------------------------------------------------------
bench_end_to_end() {
    local round rate topic group port c_pid c_log samples before after t0 t1 producer_pid rss_file rss_pid line
    [[ -z ${consumer_last_pid:-} ]] || stop_process "$consumer_last_pid"  # part 3 is done with it
    cc -O2 -Wall -o "$work/rdkafka_consumer_baseline" Benchmarks/baselines/rdkafka_consumer_baseline.c -lrdkafka
    : >"$out_dir/end_to_end.json"
    for round in $(seq 1 "$e2e_rounds"); do
        for rate in $e2e_rates; do
            topic="bench-e2e-$rate-$round"
            log "end to end round $round/$e2e_rounds at $rate/s on $topic: kafkatrace-consumer and the C consumer, fetch.wait.max.ms=$e2e_fetch_wait_ms"
            samples="$out_dir/e2e-c-$rate-$round.txt"
            c_log="$out_dir/e2e-c-$rate-$round.log"
            "$work/rdkafka_consumer_baseline" -b "$brokers" -t "$topic" -g "c-$topic" -o "$samples" \
                -X "fetch.wait.max.ms=$e2e_fetch_wait_ms" >"$c_log" 2>&1 &
            c_pid=$!
            pids+=("$c_pid")
            port=$(free_port)
            group="bench-e2e-$rate-$round-$RANDOM"
            # shellcheck disable=SC2086  # BENCH_E2E_ENV: NAME=VALUE words
            start_consumer "$topic" "$group" "$port" "$out_dir/consumer-e2e.log" \
                "KAFKATRACE_KAFKA_fetch.wait.max.ms=$e2e_fetch_wait_ms" ${BENCH_E2E_ENV:-}
            wait_for_assignment "$port" "$c_log"
            env -i PATH="$PATH" HOME="$HOME" "$bin/kafkatrace-producer" --order-rate "$rate" \
                --kafka-brokers "$brokers" --kafka-topic "$topic" --http-host 127.0.0.1 --http-port 0 \
                --log-level warning >>"$out_dir/producer-e2e.log" 2>&1 &
            producer_pid=$!
            pids+=("$producer_pid")
            sleep "$e2e_warmup"
            before="$work/metrics-before"; after="$work/metrics-after"
            t0=$(date +%s%6N)
            curl -fsS "127.0.0.1:$port/metrics" >"$before"
            rss_file="$out_dir/e2e-rss-$rate-$round.txt"
            sample_rss "$consumer_pid" "$rss_file" &
            rss_pid=$!
            sleep "$e2e_seconds"
            curl -fsS "127.0.0.1:$port/metrics" >"$after"
            t1=$(date +%s%6N)
            kill "$rss_pid" 2>/dev/null || true
            stop_process "$producer_pid"
            sleep 1
            stop_process "$c_pid"
            stop_process "$consumer_pid"
            line=$(scripts/bench-latency --rate "$rate" --round "$round" --before "$before" --after "$after" \
                --samples "$samples" --from "$t0" --to "$t1" --fetch-wait-ms "$e2e_fetch_wait_ms")
            # The consumer's resident set over the measured window (steady state at this rate).
            line=$(python3 -c '
import json, sys
result = json.loads(sys.argv[1])
kb = [int(l.split()[1]) for l in open(sys.argv[2]) if len(l.split()) == 2]
result["ours"]["rss_max_kb"] = max(kb) if kb else None
result["ours"]["rss_median_kb"] = sorted(kb)[len(kb) // 2] if kb else None
result["ours"]["rss_samples"] = sys.argv[3]
print(json.dumps(result))' "$line" "$rss_file" "$(basename "$rss_file")")
            echo "$line" >>"$out_dir/end_to_end.json"
            log "end to end at $rate/s: $(python3 -c '
import json, sys
r = json.loads(sys.argv[1])
o, b, c = r["ours"], r["baseline"], r["baseline_from_created"]
print("ours p50 %s p99 %s ms (%d orders, RSS max %s kB); C p50 %s p99 %s ms from produce, p99 %s ms from created_at (%d msgs);"
      " p99 difference %s ms (%s ms vs created_at)" % (o["p50_ms"], o["p99_ms"], o["count"], o["rss_max_kb"], b["p50_ms"],
      b["p99_ms"], c["p99_ms"], b["count"], r["p99_difference_ms"], r["p99_difference_vs_created_ms"]))' "$line")"
        done
    done
}

# wait_for_assignment PORT C_LOG: until our consumer owns all 6 partitions of its topic and the C
# consumer logged its assignment (both joined before the producer starts).
wait_for_assignment() {
    local port=$1 c_log=$2
    for _ in $(seq 1 300); do
        if [[ $(metric_value "$port" kafkatrace_consumer_assigned_partitions) == 6 ]] && grep -q '^assigned 6' "$c_log"; then
            return 0
        fi
        sleep 0.1
    done
    die "consumers did not get their partitions within 30 s (run/bench/consumer-e2e.log, $c_log)"
}

# Summary rows (markdown) of parts 2 and 4.
consumer_summary_rows() {
    local spread
    spread=$(printf '%s\n' "${consumer_all[@]}" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f", (lo > 0 ? hi / lo : 0) }')
    echo "| consumer: $orders orders topic → PostgreSQL, best of $consumer_rounds (rounds: ours ${consumer_all[*]}; COPY ${copy_all[*]}) | $consumer_best orders/s | $copy_best rows/s (one COPY) | $consumer_ratio |"
    echo "| consumer RSS, peak while catching up $orders orders (rounds: ${consumer_peaks[*]} MB) | $consumer_peak_max MB | target ≤ 40 MB | |"
    python3 - "$out_dir/end_to_end.json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for rate in sorted({r["rate"] for r in rows}):
    rs = [r for r in rows if r["rate"] == rate]
    def pair(side):
        return " / ".join(f'{r[side]["p50_ms"]}, {r[side]["p99_ms"]}' for r in rs)
    diffs = [r["p99_difference_ms"] for r in rs]
    diffs_created = [r["p99_difference_vs_created_ms"] for r in rs]
    got = " / ".join(f'{r["ours"]["orders_per_second"]:.0f}' for r in rs)
    print(f"| end to end at {rate:g}/s ({got} orders/s measured): p50, p99 ms per round | {pair('ours')} (created → DB commit) "
          f"| {pair('baseline')} (plain C consumer, produce → receive); {pair('baseline_from_created')} (same, created → receive) "
          f"| p99 diff {' / '.join(f'{d:+.1f}' for d in diffs)} ms; vs created {' / '.join(f'{d:+.1f}' for d in diffs_created)} ms |")
    rss = [r["ours"]["rss_max_kb"] for r in rs if r["ours"].get("rss_max_kb")]
    if rss:
        print(f"| consumer RSS at a steady {rate:g}/s, max per round | {' / '.join(f'{k / 1024:.1f}' for k in rss)} MB | target ≤ 30 MB | |")
PY
}
