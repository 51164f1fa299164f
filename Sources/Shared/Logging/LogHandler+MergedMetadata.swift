import Logging

extension LogHandler {
    /// The metadata of one event: the handler's, then the provider's, then the call's
    /// (later wins). Shared by the JSON and text handlers.
    func mergedMetadata(_ event: LogEvent) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let perCall = event.metadata { merged.merge(perCall) { _, new in new } }
        return merged
    }
}
