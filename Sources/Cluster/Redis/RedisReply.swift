/// A Redis reply, copied out of hiredis's buffers so it outlives them. Strings are bytes:
/// payloads are binary.
public enum RedisReply: Equatable, Sendable {
    case status(String)
    case error(String)
    case integer(Int)
    case bulk([UInt8])
    case array([RedisReply])
    case null

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// Bulk or status text as UTF-8 (invalid bytes replaced).
    public var string: String? {
        switch self {
        case .bulk(let b): return String(decoding: b, as: UTF8.self)
        case .status(let s): return s
        default: return nil
        }
    }

    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let b): return b
        case .status(let s): return Array(s.utf8)
        default: return nil
        }
    }

    public var integer: Int? {
        switch self {
        case .integer(let i): return i
        case .bulk(let b): return Int(String(decoding: b, as: UTF8.self))
        default: return nil
        }
    }

    public var array: [RedisReply]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// Throws a `serverError` for an error reply, so callers can write `try reply.checked()`.
    @discardableResult
    /// OOM and ACL refusals get codes of their own: callers treat them as back-pressure and
    /// as a misconfigured process, not as a fault of the item in hand.
    static func code(ofError e: String) -> ClusterError.Code {
        if e.hasPrefix("OOM ") { return .outOfMemory }
        if e.hasPrefix("NOPERM") || e.contains("can't run this command") || e.contains("No permissions to access") {
            return .permissionDenied
        }
        return .serverError
    }

    @discardableResult public func checked(_ command: String) throws -> RedisReply {
        if case .error(let e) = self {
            throw ClusterError(Self.code(ofError: e), "Redis \(command): \(e)")
        }
        return self
    }
}

/// Converts command arguments to bytes; lets callers mix strings, integers and payloads.
public protocol RedisArgument { var redisBytes: [UInt8] { get } }
extension String: RedisArgument { public var redisBytes: [UInt8] { Array(utf8) } }
extension Substring: RedisArgument { public var redisBytes: [UInt8] { Array(utf8) } }
extension Int: RedisArgument { public var redisBytes: [UInt8] { Array(String(self).utf8) } }
extension Array: RedisArgument where Element == UInt8 { public var redisBytes: [UInt8] { self } }
