import SharedCore
#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Per-connection work of the event loop: read, parse, dispatch, write in order, close.
extension HTTPEventLoop {
    func readAvailable(_ connection: HTTPConnection) {
        let result = readBuffer.withUnsafeMutableBytes { buffer in
            Result { () throws(SocketError) in try Socket.receive(connection.fd, into: buffer) }
        }
        guard case .success(let received) = result else {
            close(connection)  // ECONNRESET and friends
            return
        }
        guard let count = received else { return }
        if count == 0 {
            peerClosed(connection)
            return
        }
        connection.lastActivityNanoseconds = now
        connection.lastReadWakeNanoseconds = wakeTime
        if connection.isLingering { return }  // discard
        if !connection.parser.hasBufferedBytes { connection.requestStartNanoseconds = now }
        readBuffer.withUnsafeBytes { bytes in
            connection.parser.append(UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
        }
        processInput(connection)
    }

    private func peerClosed(_ connection: HTTPConnection) {
        connection.isPeerClosed = true
        if connection.slots.isEmpty && !connection.hasPendingOutput {
            close(connection)
        } else {
            updateInterest(connection)  // finish the responses of the half-closed client
        }
    }

    /// Parses and dispatches every complete buffered request, within the pipelining bounds.
    func processInput(_ connection: HTTPConnection) {
        while case .open = connection.phase, !isStopping,
            connection.slots.count < Self.maxPipelinedRequests,
            connection.pendingOutputBytes < Self.maxBufferedOutputBytes
        {
            switch connection.parser.next() {
            case .needMoreData:
                flush(connection)
                return
            case .failure(let error):
                logger.debug(
                    "rejected a malformed HTTP request",
                    metadata: ["status": "\(error.status)", "error": "\(error)"])
                connection.requestStartNanoseconds = nil
                let body = #"{"error":"\#(error.code)","message":"# + JSONText.quoted(error.description) + "}"
                enqueue(
                    connection, method: "other", route: Router.unmatchedRoute, isHead: false, isKeepAlive: false,
                    version: .http11, response: .json(error.status, body))
            case .request(var request, let isKeepAlive):
                connection.requestStartNanoseconds = connection.parser.hasBufferedBytes ? now : nil
                request.receivedAtNanoseconds = connection.lastReadWakeNanoseconds
                dispatch(request, isKeepAlive: isKeepAlive, on: connection)
            }
        }
        flush(connection)
    }

    private func dispatch(_ request: HTTPRequest, isKeepAlive: Bool, on connection: HTTPConnection) {
        let match = router.match(method: request.method, path: request.path)
        let isHead = request.method == "HEAD"
        switch match.handler {
        case .sync(let handler):
            let started = MonotonicClock.nanoseconds()
            enqueue(
                connection, method: request.method, route: match.route, isHead: isHead, isKeepAlive: isKeepAlive,
                version: request.version, response: handler(request), started: started)
        case .async(let handler):
            runInTask(
                { await handler(request) }, request: request, route: match.route, isKeepAlive: isKeepAlive,
                on: connection, started: MonotonicClock.nanoseconds())
        case .inline(let handler):
            let started = MonotonicClock.nanoseconds()
            switch handler(request) {
            case .response(let response):
                enqueue(
                    connection, method: request.method, route: match.route, isHead: isHead, isKeepAlive: isKeepAlive,
                    version: request.version, response: response, started: started)
            case .suspend(let rest):
                runInTask(rest, request: request, route: match.route, isKeepAlive: isKeepAlive, on: connection, started: started)
            }
        }
    }

    /// Queues an empty response slot and runs `work` in a Task; its response is posted back
    /// through the mailbox and written in request order.
    private func runInTask(
        _ work: @escaping @Sendable () async -> HTTPResponse, request: HTTPRequest, route: String, isKeepAlive: Bool,
        on connection: HTTPConnection, started: UInt64
    ) {
        let sequence = enqueue(
            connection, method: request.method, route: route, isHead: request.method == "HEAD",
            isKeepAlive: isKeepAlive, version: request.version, response: nil, started: started)
        let mailbox = self.mailbox
        let connectionID = connection.id
        let fd = connection.fd
        Task {
            let response = await work()
            mailbox.post(.response(fd: fd, connectionID: connectionID, sequence: sequence, response: response))
        }
    }

    /// Queues a response slot (nil response = async handler running) and writes what is in order.
    @discardableResult
    func enqueue(
        _ connection: HTTPConnection, method: String, route: String, isHead: Bool, isKeepAlive: Bool,
        version: HTTPVersion, response: HTTPResponse?, started: UInt64? = nil
    ) -> UInt64 {
        let sequence = connection.nextSequence
        connection.nextSequence += 1
        connection.slots.append(
            HTTPConnection.Slot(
                sequence: sequence, method: method, route: route, isHead: isHead, isKeepAlive: isKeepAlive,
                version: version, startNanoseconds: started ?? MonotonicClock.nanoseconds(), response: response))
        if !isKeepAlive { connection.phase = .closingAfterFlush }
        if response != nil { encodeReadySlots(connection) }
        return sequence
    }

    func completeAsync(fd: Int32, connectionID: UInt64, sequence: UInt64, response: HTTPResponse) {
        guard fd >= 0, Int(fd) < connections.count, let connection = connections[Int(fd)],
            connection.id == connectionID
        else { return }  // closed meanwhile
        guard let index = connection.slots.firstIndex(where: { $0.sequence == sequence }) else { return }
        connection.slots[index].response = response
        encodeReadySlots(connection)
        processInput(connection)
    }

    /// Encodes the completed slots at the head of the queue, in request order.
    private func encodeReadySlots(_ connection: HTTPConnection) {
        var encoded = 0
        while encoded < connection.slots.count, let response = connection.slots[encoded].response {
            let slot = connection.slots[encoded]
            let isLast = encoded == connection.slots.count - 1
            let isClosing = !slot.isKeepAlive || (isStopping && isLast)
            encoder.encode(
                response, isHead: slot.isHead, isClosing: isClosing, requestVersion: slot.version,
                into: &connection.output)
            if isClosing { connection.phase = .closingAfterFlush }
            let finished = MonotonicClock.nanoseconds()
            metrics?.recordRequest(
                route: slot.route, method: slot.method, status: response.status,
                durationNanoseconds: Int64(finished &- slot.startNanoseconds))
            encoded += 1
        }
        if encoded > 0 { connection.slots.removeFirst(encoded) }
    }

    /// Writes buffered output; then closes, lingers or keeps reading as the phase says.
    func flush(_ connection: HTTPConnection) {
        while connection.hasPendingOutput {
            let offset = connection.outputOffset
            let result = connection.output.withUnsafeBytes { bytes in
                Result { () throws(SocketError) in
                    try Socket.send(connection.fd, UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                }
            }
            guard case .success(let sent) = result else {
                close(connection)  // EPIPE, ECONNRESET
                return
            }
            guard let written = sent else { break }  // would block: wait for EPOLLOUT
            connection.outputOffset += written
            connection.lastActivityNanoseconds = now
        }
        if !connection.hasPendingOutput {
            connection.outputOffset = 0
            connection.output.removeAll(keepingCapacity: connection.output.capacity <= 262_144)
            if connection.slots.isEmpty {
                if case .closingAfterFlush = connection.phase {
                    finishClosing(connection)
                    return
                }
                if connection.isPeerClosed || isStopping {
                    close(connection)
                    return
                }
            }
        }
        updateInterest(connection)
    }

    /// After the last response: close, or half-close and drain unread input so the client
    /// reads the response instead of a reset.
    private func finishClosing(_ connection: HTTPConnection) {
        if connection.isPeerClosed || (!connection.parser.hasBufferedBytes && !connection.parser.hasFailed) {
            close(connection)
            return
        }
        Socket.shutdownWrite(connection.fd)
        connection.phase = .lingering(until: now + lingerNanoseconds)
        updateInterest(connection)
    }

    /// Slow client: 408 and close.
    func timeOutRequest(_ connection: HTTPConnection) {
        connection.requestStartNanoseconds = nil
        enqueue(
            connection, method: "other", route: Router.unmatchedRoute, isHead: false, isKeepAlive: false,
            version: .http11,
            response: .json(408, #"{"error":"request_timeout","message":"the request did not arrive in time"}"#))
        flush(connection)
    }

    func updateInterest(_ connection: HTTPConnection) {
        var wanted: Epoll.Events = []
        if !connection.isPeerClosed {
            switch connection.phase {
            case .open:
                if connection.slots.count < Self.maxPipelinedRequests
                    && connection.pendingOutputBytes < Self.maxBufferedOutputBytes
                {
                    wanted.insert(.readable)
                }
            case .closingAfterFlush:
                break
            case .lingering:
                wanted.insert(.readable)
            }
        }
        if connection.hasPendingOutput { wanted.insert(.writable) }
        guard wanted != connection.interest else { return }
        connection.interest = wanted
        do throws(SocketError) {
            try epoll.modify(connection.fd, wanted, token: UInt64(connection.fd))
        } catch {
            close(connection)
        }
    }

    func close(_ connection: HTTPConnection) {
        let fd = Int(connection.fd)
        guard fd >= 0, fd < connections.count, connections[fd] === connection else { return }
        connections[fd] = nil
        connectionCount -= 1
        epoll.remove(connection.fd)
        connection.descriptor.close()
        metrics?.connectionClosed()
    }
}
