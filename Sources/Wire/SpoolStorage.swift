/// Where a spool's bytes live: a file in the state directory on the device, memory in tests.
///
/// Declared here rather than next to `Spool` in Agent because the edge fulfils it: Platform may
/// import Wire but not Agent, the same reason `I2CBus` sits in Sensors.
public protocol SpoolStorage {
    associatedtype Failure: Error & CustomStringConvertible
    /// What the storage is, for error lines: the file's path.
    var location: String { get }
    /// How many bytes the storage holds.
    var size: Int { get }
    /// Up to `count` bytes from `offset`; fewer only at the end.
    mutating func read(from offset: Int, count: Int) throws(Failure) -> [UInt8]
    /// Adds `bytes` at the end; after a failure the size is what it was before.
    mutating func append(_ bytes: [UInt8]) throws(Failure)
    /// Cuts the storage to its first `size` bytes.
    mutating func truncate(to size: Int) throws(Failure)
    /// Replaces everything with `bytes` so that a power cut leaves either the old bytes or the
    /// new ones; durable when it returns.
    mutating func replace(with bytes: [UInt8]) throws(Failure)
    /// Keeps the bytes as they are now under another name for a person to look at, leaving
    /// the storage itself unchanged; returns that name. Used before a damaged spool is
    /// rewritten from its intact records.
    mutating func keepCopy() throws(Failure) -> String
    /// Returns once everything appended is on the storage device.
    mutating func synchronize() throws(Failure)
}
