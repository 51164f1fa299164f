@testable import ConsumerService
import Foundation
@testable import SharedOrders
@testable import SharedPostgres
@testable import TestSupport
import Testing

@Suite struct OrderStoreTests {
    @Test(arguments: OrderStore.Method.allCases)
    func insertsEveryColumnAndCountsDuplicates(method: OrderStore.Method) async throws {
        try await withTestPostgres { pg in
            let client = try await ConsumerTestSupport.migratedClient(pg)
            let store = OrderStore(client: client, method: method, chunkSize: 7)
            var orders = try ConsumerTestSupport.orders(20)
            // Text that needs escaping in COPY and JSON.
            orders[0].items[0].name = "Tab\tNew\nline \\ \"quoted\" Grüße 🍕"
            let records = orders.enumerated().map { index, order in
                OrderRecord(order: order, topic: "food-orders", partition: Int32(index % 3), offset: Int64(100 + index))
            }
            let first = try await store.insert(records)
            #expect(first == OrderStore.Outcome(inserted: 20, duplicates: 0))
            // The same orders again plus 2 new ones and one repeated inside the batch.
            let more = try ConsumerTestSupport.orders(2, instance: "MORE")
            let again = records + more.map { OrderRecord(order: $0, topic: "food-orders", partition: 0, offset: 500) }
                + [records[3]]
            let second = try await store.insert(again)
            #expect(second == OrderStore.Outcome(inserted: 2, duplicates: 21))
            #expect(try await ConsumerTestSupport.rowCount(client) == 22)

            let row = try await client.query(
                """
                SELECT customer_id, items::text, total_amount::text, status, created_at = $2::timestamptz,
                       kafka_topic, kafka_partition, kafka_offset, processed_at IS NOT NULL,
                       items->0->>'name'
                FROM orders WHERE order_id = $1
                """, [orders[0].orderID, orders[0].createdAt.description])
            let values = try #require(row.rows.first)
            #expect(values[0] == orders[0].customerID)
            #expect(values[2] == records[0].totalText)
            #expect(values[3] == "pending")
            #expect(values[4] == "t")
            #expect(values[5] == "food-orders")
            #expect(values[6] == "0")
            #expect(values[7] == "100")
            #expect(values[8] == "t")
            #expect(values[9] == orders[0].items[0].name)
            // The items column holds the contract's item objects.
            let sums = try await client.query(
                """
                SELECT bool_and(total_amount = (SELECT sum((i->>'quantity')::int * (i->>'unit_price')::numeric)
                                                FROM jsonb_array_elements(items) i))
                FROM orders
                """)
            #expect(sums.rows == [["t"]])
            await client.close()
        }
    }

    @Test func optimisticCopyFallsBackToTheMergeOnADuplicateAndStaysThereWhileReplaying() async throws {
        // Rows: n, then n − 5 more, n, n, and 3 of the small batch: 4n − 2.
        try await withTestPostgres { pg in
            let client = try await ConsumerTestSupport.migratedClient(pg)
            let store = OrderStore(client: client)
            #expect(store.method == .optimisticCopy)
            let n = OrderStore.singleStatementRows + 1  // big enough for the COPY path
            let records = try ConsumerTestSupport.orders(6 * n).enumerated().map { index, order in
                OrderRecord(order: order, topic: "t", partition: 0, offset: Int64(index))
            }
            func slice(_ from: Int, _ count: Int) -> [OrderRecord] { Array(records[from..<(from + count)]) }
            // Straight COPY.
            #expect(try await store.insert(slice(0, n)) == OrderStore.Outcome(inserted: n, duplicates: 0))
            #expect(store.isReplayingDuplicates == false)
            // A redelivery overlapping the table: the COPY fails as a whole, the merge skips the overlap.
            #expect(try await store.insert(slice(n - 5, n)) == OrderStore.Outcome(inserted: n - 5, duplicates: 5))
            #expect(store.isReplayingDuplicates)
            // The next batch goes through the merge; it has no duplicate, so COPY again after it.
            let next = slice(2 * n, n)
            #expect(try await store.insert(next, rows: OrderStore.encode(next)) == OrderStore.Outcome(inserted: n, duplicates: 0))
            #expect(store.isReplayingDuplicates == false)
            // The same order twice in one batch is a duplicate too.
            let twice = slice(3 * n, n) + [records[3 * n]]
            #expect(try await store.insert(twice) == OrderStore.Outcome(inserted: n, duplicates: 1))
            // A small batch is one INSERT statement: duplicates skipped in place, new rows written.
            let small = slice(4 * n, 3) + slice(0, 2)
            #expect(try await store.insert(small) == OrderStore.Outcome(inserted: 3, duplicates: 2))
            #expect(try await ConsumerTestSupport.rowCount(client) == 4 * n - 2)
            await client.close()
        }
    }

    @Test func failedBatchLeavesNothingBehind() async throws {
        try await withTestPostgres { pg in
            let client = try await ConsumerTestSupport.migratedClient(pg)
            let store = OrderStore(client: client)
            // A check the validator does not know about makes the second row fail in PostgreSQL.
            try await client.execute("ALTER TABLE orders ADD CONSTRAINT no_seven CHECK (kafka_offset <> 7)")
            let records = try ConsumerTestSupport.orders(3).enumerated().map { index, order in
                OrderRecord(order: order, topic: "t", partition: 0, offset: Int64(6 + index))
            }
            let error = await #expect(throws: PostgresError.self) { try await store.insert(records) }
            #expect(error?.sqlstate == "23514")
            #expect(try await ConsumerTestSupport.rowCount(client) == 0)
            await client.close()
        }
    }

    /// Rows/s of both write paths and of a raw COPY into `orders`, for the record.
    /// `KAFKATRACE_BENCH=1 swift test --filter OrderStoreTests/benchmark`.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KAFKATRACE_BENCH"] == "1", "set KAFKATRACE_BENCH=1"))
    func benchmark() async throws {
        try await withTestPostgres { pg in
            let client = try await ConsumerTestSupport.migratedClient(pg)
            let total = 100_000
            let batch = 500
            let orders = try ConsumerTestSupport.orders(total)
            let records = orders.enumerated().map { index, order in
                OrderRecord(order: order, topic: "food-orders", partition: Int32(index % 6), offset: Int64(index))
            }
            for method in OrderStore.Method.allCases {
                try await client.execute("TRUNCATE orders")
                let store = OrderStore(client: client, method: method)
                let started = ContinuousClock.now
                var inserted = 0
                for start in stride(from: 0, to: total, by: batch) {
                    inserted += try await store.insert(Array(records[start..<min(start + batch, total)])).inserted
                }
                let elapsed = ContinuousClock.now - started
                #expect(inserted == total)
                print("BENCH OrderStore \(method.rawValue) batch=\(batch): \(Int(Double(total) / seconds(elapsed))) rows/s")
            }
            try await client.execute("TRUNCATE orders")
            let started = ContinuousClock.now
            let copied = try await client.copy(into: "orders", columns: OrderStore.columns, rows: records.map(\.columnValues))
            print("BENCH raw COPY (one statement): \(Int(Double(copied) / seconds(ContinuousClock.now - started))) rows/s")
            await client.close()
        }
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
