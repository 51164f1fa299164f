import SharedHTTP

extension CommonConfig.HTTP {
    /// The HTTP server settings these `http.*` keys describe; `shutdownTimeout` is how long a
    /// graceful stop may wait for in-flight requests.
    public func serverConfiguration(shutdownTimeout: Duration) -> HTTPServerConfiguration {
        HTTPServerConfiguration(
            host: host, port: port, maxConnections: maxConnections, maxBodyBytes: maxBodyBytes,
            idleTimeout: idleTimeout, requestTimeout: requestTimeout, shutdownTimeout: shutdownTimeout)
    }
}
