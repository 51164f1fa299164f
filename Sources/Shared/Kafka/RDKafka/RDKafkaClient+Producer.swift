import CRdKafka

extension RDKafkaClient {
    /// Enqueues one message without blocking; a nil `value` is a null value (NULL payload), an
    /// empty one an empty value. Wraps `rd_kafka_produceva` (`rd_kafka_producev` is variadic and
    /// cannot be called from Swift).
    func produce(
        topic: String, key: [UInt8]?, value: [UInt8]?, headers: [(String, [UInt8])], id: UInt64
    ) throws(KafkaError) {
        // One arena holds the topic, key, header names and values for the duration of the call;
        // RD_KAFKA_MSG_F_COPY makes librdkafka copy key and value, headers are copied on add.
        var size = topic.utf8.count + 1 + (key?.count ?? 0)
        for (name, bytes) in headers { size += name.utf8.count + 1 + bytes.count }
        let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, size), alignment: 8)
        defer { arena.deallocate() }
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
        var fields: [rd_kafka_vu_t] = []
        fields.reserveCapacity(5 + headers.count)
        var field = rd_kafka_vu_t()
        field.vtype = RD_KAFKA_VTYPE_TOPIC
        field.u.cstr = UnsafePointer(place(topic.utf8, terminate: true).assumingMemoryBound(to: CChar.self))
        fields.append(field)
        if let key {
            field = rd_kafka_vu_t()
            field.vtype = RD_KAFKA_VTYPE_KEY
            field.u.mem.ptr = place(key, terminate: false)
            field.u.mem.size = key.count
            fields.append(field)
        }
        for (name, bytes) in headers {
            field = rd_kafka_vu_t()
            field.vtype = RD_KAFKA_VTYPE_HEADER
            field.u.header.name = UnsafePointer(place(name.utf8, terminate: true).assumingMemoryBound(to: CChar.self))
            field.u.header.val = UnsafeRawPointer(place(bytes, terminate: false))
            field.u.header.size = bytes.count
            fields.append(field)
        }
        field = rd_kafka_vu_t()
        field.vtype = RD_KAFKA_VTYPE_MSGFLAGS
        field.u.i = RD_KAFKA_MSG_F_COPY
        fields.append(field)
        field = rd_kafka_vu_t()
        field.vtype = RD_KAFKA_VTYPE_OPAQUE
        field.u.ptr = Self.opaque(forMessageID: id)
        fields.append(field)

        // An empty value still needs a non-NULL pointer: the arena (size ≥ 1) serves.
        let error: OpaquePointer? = (value ?? []).withUnsafeBytes { valueBytes in
            field = rd_kafka_vu_t()
            field.vtype = RD_KAFKA_VTYPE_VALUE
            field.u.mem.ptr = value.map { _ in UnsafeMutableRawPointer(mutating: valueBytes.baseAddress ?? UnsafeRawPointer(arena.baseAddress!)) }
            field.u.mem.size = valueBytes.count
            fields.append(field)
            return fields.withUnsafeBufferPointer { rd_kafka_produceva(handle, $0.baseAddress, $0.count) }
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
