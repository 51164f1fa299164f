import CRdKafka

extension RDKafkaClient {
    /// Enqueues one message without blocking; a nil `value` is a null value (NULL payload), an
    /// empty one an empty value. Wraps `rd_kafka_produceva` (`rd_kafka_producev` is variadic and
    /// cannot be called from Swift).
    ///
    /// Allocates nothing on the Swift side: the topic, key and header names and values are laid
    /// out in one scratch arena, and the field list in another, both from
    /// `withUnsafeTemporaryAllocation` (the stack, for any normal message) and valid for the call
    /// only: `RD_KAFKA_MSG_F_COPY` makes librdkafka copy key and value, headers are copied on add.
    func produce(
        topic: String, key: [UInt8]?, value: [UInt8]?, headers: [(String, [UInt8])], id: UInt64
    ) throws(KafkaError) {
        var size = topic.utf8.count + 1 + (key?.count ?? 0)
        for (name, bytes) in headers { size += name.utf8.count + 1 + bytes.count }
        let fieldCount = 5 + headers.count
        let error: OpaquePointer? = withUnsafeTemporaryAllocation(byteCount: max(1, size), alignment: 8) { arena in
            withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: fieldCount) { fields in
                (value ?? []).withUnsafeBytes { valueBytes in
                    var cursor = 0
                    func place(_ bytes: some Collection<UInt8>, terminate: Bool) -> UnsafeMutableRawPointer {
                        let start = arena.baseAddress! + cursor
                        arena[cursor..<(cursor + bytes.count)].copyBytes(from: bytes)
                        cursor += bytes.count
                        if terminate {
                            arena[cursor] = 0
                            cursor += 1
                        }
                        return start
                    }
                    var count = 0
                    func add(_ vtype: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                        var field = rd_kafka_vu_t()
                        field.vtype = vtype
                        fill(&field)
                        (fields.baseAddress! + count).initialize(to: field)
                        count += 1
                    }
                    add(RD_KAFKA_VTYPE_TOPIC) {
                        $0.u.cstr = UnsafePointer(place(topic.utf8, terminate: true).assumingMemoryBound(to: CChar.self))
                    }
                    if let key {
                        add(RD_KAFKA_VTYPE_KEY) {
                            $0.u.mem.ptr = place(key, terminate: false)
                            $0.u.mem.size = key.count
                        }
                    }
                    for (name, bytes) in headers {
                        add(RD_KAFKA_VTYPE_HEADER) {
                            $0.u.header.name = UnsafePointer(
                                place(name.utf8, terminate: true).assumingMemoryBound(to: CChar.self))
                            $0.u.header.val = UnsafeRawPointer(place(bytes, terminate: false))
                            $0.u.header.size = bytes.count
                        }
                    }
                    add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                    add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = Self.opaque(forMessageID: id) }
                    // A null value is a NULL pointer; an empty one still needs a non-NULL pointer:
                    // the arena (size ≥ 1) serves.
                    add(RD_KAFKA_VTYPE_VALUE) {
                        $0.u.mem.ptr = value.map { _ in
                            UnsafeMutableRawPointer(mutating: valueBytes.baseAddress ?? UnsafeRawPointer(arena.baseAddress!))
                        }
                        $0.u.mem.size = valueBytes.count
                    }
                    defer { fields.baseAddress!.deinitialize(count: count) }
                    return rd_kafka_produceva(handle, fields.baseAddress, count)
                }
            }
        }
        if let error {
            let kafkaError = Self.consume(error: error, context: "produce to \(topic)")
            if kafkaError.code == .queueFull { throw .queueFull(context: "produce to \(topic)") }
            throw kafkaError
        }
    }

    /// Messages waiting in librdkafka (queued, in flight, or awaiting their delivery report).
    /// Wraps `rd_kafka_outq_len`.
    var outQueueLength: Int { Int(rd_kafka_outq_len(handle)) }

    /// Blocks until all messages are delivered or `timeout` passes; returns what is left.
    /// Wraps `rd_kafka_flush`. Call only from a dedicated thread.
    func flushBlocking(timeout: Duration) -> Int {
        _ = rd_kafka_flush(handle, Self.milliseconds(timeout))
        return outQueueLength
    }

    /// The current fatal error, if the instance has one. Wraps `rd_kafka_fatal_error`.
    var fatalError: KafkaError? {
        var buffer = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(handle, &buffer, buffer.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return .from(code: KafkaErrorCode(err), message: Self.string(buffer), context: name, isFatal: true)
    }
}
