import CHiredis
import Foundation
import Logging

/// One synchronous connection to Redis over hiredis. The only file that calls hiredis.
///
/// A lost connection is re-established on the next command with exponential backoff up to a
/// cap (each wait logged), so a process survives a Redis restart. A command whose connection
/// drops mid-flight throws `connectionLost`: whether to repeat it is the caller's decision,
/// since only the caller knows if it is idempotent. `LOADING` replies (Redis replaying its
/// AOF after a restart) are waited out here: the command did not run.
///
/// Not for concurrent use from several threads at once (hiredis contexts are not); a lock
/// makes accidental sharing safe but serial. Give each thread its own connection.
public final class RedisConnection: @unchecked Sendable {
    public struct Options: Sendable {
        public var connectTimeout = ClusterDefaults.connectTimeout
        public var commandTimeout = ClusterDefaults.commandTimeout
        public var reconnectInitial = ClusterDefaults.reconnectInitial
        public var reconnectMultiplier = ClusterDefaults.reconnectMultiplier
        public var reconnectCap = ClusterDefaults.reconnectCap
        /// Give up reconnecting after this many seconds (nil: keep trying until stopped).
        public var reconnectGiveUp: Double? = nil
        public init() {}
    }

    public let url: RedisURL
    public let options: Options
    private let logger: Logger
    private let stop: StopFlag?
    private let lock = NSLock()
    private var context: UnsafeMutablePointer<redisContext>?
    private var everConnected = false
    /// Monotonic time of the last successful connect (nil while disconnected); own lock, so
    /// `uptime` never waits behind a blocking command.
    private let uptimeLock = NSLock()
    private var connectedAt: Double?
    /// How many times the connection was re-established after a loss.
    public private(set) var reconnectCount = 0

    /// Connects at once (one attempt, no backoff) so a wrong URL fails fast.
    public init(url: RedisURL, options: Options = Options(), logger: Logger = Logger(label: "ctscreen.redis"),
                stop: StopFlag? = nil, connectNow: Bool = true) throws {
        self.url = url
        self.options = options
        self.logger = logger
        self.stop = stop
        _ = Self.ignoreSIGPIPE
        if connectNow {
            lock.lock(); defer { lock.unlock() }
            try connectOnce()
        }
    }

    /// Seconds since the last (re)connect, 0 while disconnected. The reaper waits for this to
    /// pass `ClusterDefaults.outageGrace` before trusting missing heartbeats.
    public var uptime: Double {
        uptimeLock.lock(); defer { uptimeLock.unlock() }
        return connectedAt.map { Self.monotonicNow() - $0 } ?? 0
    }

    private static func monotonicNow() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    private func setConnectedAt(_ t: Double?) { uptimeLock.lock(); connectedAt = t; uptimeLock.unlock() }

    deinit { if let c = context { redisFree(c) } }

    /// hiredis 0.14 writes with write(2): a write to a socket the server closed would raise
    /// SIGPIPE and kill the process instead of returning EPIPE, which we turn into a reconnect.
    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Sends one command and waits for its reply.
    public func command(_ args: [any RedisArgument]) throws -> RedisReply {
        try pipeline([args])[0]
    }

    /// A blocking command (BLMOVE ...): the socket timeout is raised to cover `blockSeconds`.
    public func blockingCommand(_ args: [any RedisArgument], blockSeconds: Double) throws -> RedisReply {
        lock.lock(); defer { lock.unlock() }
        try ensureConnected()
        setSocketTimeout(blockSeconds + options.commandTimeout)
        defer { if context != nil { setSocketTimeout(options.commandTimeout) } }
        return try roundTrip([args.map(\.redisBytes)])[0]
    }

    /// Sends several commands in one write and reads their replies in order (pipelining).
    public func pipeline(_ commands: [[any RedisArgument]]) throws -> [RedisReply] {
        lock.lock(); defer { lock.unlock() }
        let encoded = commands.map { $0.map(\.redisBytes) }
        var wait = options.reconnectInitial
        while true {
            try ensureConnected()
            let replies = try roundTrip(encoded)
            // LOADING: Redis is replaying its dataset; none of these commands ran. Wait it out.
            if replies.contains(where: { if case .error(let e) = $0 { return e.hasPrefix("LOADING") } else { return false } }) {
                logger.info("Redis is loading its dataset; waiting", metadata: ["redis.wait_s": "\(wait)"])
                if let stop, !stop.sleep(wait) { throw ClusterError(.stopped, "stopped while Redis was loading") }
                if stop == nil { Thread.sleep(forTimeInterval: wait) }
                wait = min(wait * options.reconnectMultiplier, options.reconnectCap)
                continue
            }
            return replies
        }
    }

    /// Drops the connection (tests use it to simulate a network failure).
    public func disconnect() {
        lock.lock(); defer { lock.unlock() }
        if let c = context { redisFree(c) }
        context = nil
        setConnectedAt(nil)
    }

    // MARK: - internals (lock held)

    private func ensureConnected() throws {
        if context != nil { return }
        var wait = options.reconnectInitial
        let started = Date()
        var attempt = 0
        while true {
            if stop?.isSet == true { throw ClusterError(.stopped, "stopped while reconnecting to \(url)") }
            do {
                try connectOnce()
                if attempt > 0 || everConnected {
                    reconnectCount += 1
                    logger.notice("reconnected to Redis", metadata: ["redis.url": "\(url)", "redis.attempts": "\(attempt + 1)"])
                }
                return
            } catch let error as ClusterError where error.code == .connectionFailed || error.code == .connectionLost {
                attempt += 1
                if let giveUp = options.reconnectGiveUp, Date().timeIntervalSince(started) >= giveUp { throw error }
                logger.warning("Redis unreachable; retrying with backoff",
                               metadata: ["redis.url": "\(url)", "redis.retry_in_s": "\(wait)", "error": "\(error.message)"])
                if let stop { if !stop.sleep(wait) { throw ClusterError(.stopped, "stopped while reconnecting to \(url)") } } else { Thread.sleep(forTimeInterval: wait) }
                wait = min(wait * options.reconnectMultiplier, options.reconnectCap)
            }
        }
    }

    private func connectOnce() throws {
        if let c = context { redisFree(c); context = nil }
        setConnectedAt(nil)
        guard let c = redisConnectWithTimeout(url.host, Int32(url.port), Self.timeval(options.connectTimeout)) else {
            throw ClusterError(.connectionFailed, "cannot allocate a hiredis context for \(url)")
        }
        if c.pointee.err != 0 {
            let why = Self.errorString(c)
            redisFree(c)
            throw ClusterError(.connectionFailed, "connect to \(url): \(why)")
        }
        context = c
        setSocketTimeout(options.commandTimeout)
        _ = redisEnableKeepAlive(c)
        var setup: [[[UInt8]]] = []
        if let password = url.password {
            let auth = url.user.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            setup.append(auth.map(\.redisBytes))
        }
        if url.database != 0 { setup.append(["SELECT", String(url.database)].map(\.redisBytes)) }
        if !setup.isEmpty {
            let replies = try roundTrip(setup)
            for (i, reply) in replies.enumerated() {
                if case .error(let e) = reply {
                    redisFree(c); context = nil
                    let what = i == 0 && url.password != nil ? "AUTH" : "SELECT"
                    throw ClusterError(.serverError, "\(what) on \(url): \(e)")
                }
            }
        }
        everConnected = true
        setConnectedAt(Self.monotonicNow())
    }

    private func setSocketTimeout(_ seconds: Double) {
        if let c = context { _ = redisSetTimeout(c, Self.timeval(seconds)) }
    }

    /// Appends every command, then reads every reply. On an I/O error the context is dropped
    /// (the next command reconnects) and `connectionLost` is thrown.
    private func roundTrip(_ commands: [[[UInt8]]]) throws -> [RedisReply] {
        guard let c = context else { throw ClusterError(.connectionLost, "not connected to \(url)") }
        for args in commands {
            let status = Self.withArgv(args) { argc, argv, lens in redisAppendCommandArgv(c, argc, argv, lens) }
            if status != REDIS_OK { throw lost(c, "append") }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            if redisGetReply(c, &raw) != REDIS_OK || raw == nil { throw lost(c, "read reply") }
            let reply = raw!.assumingMemoryBound(to: redisReply.self)
            replies.append(Self.convert(reply))
            freeReplyObject(raw)
        }
        return replies
    }

    private func lost(_ c: UnsafeMutablePointer<redisContext>, _ stage: String) -> ClusterError {
        let why = Self.errorString(c)
        redisFree(c)
        context = nil
        setConnectedAt(nil)
        return ClusterError(.connectionLost, "connection to \(url) lost (\(stage)): \(why)")
    }

    private static func errorString(_ c: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: c.pointee.errstr) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            let end = bytes.firstIndex(of: 0) ?? bytes.count
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
    }

    private static func convert(_ r: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let reply = r.pointee
        func bytes() -> [UInt8] {
            guard let s = reply.str, reply.len > 0 else { return [] }
            // One memcpy (an element-wise Array init is slow in unoptimised builds).
            return [UInt8](unsafeUninitializedCapacity: reply.len) { buffer, count in
                memcpy(buffer.baseAddress!, s, reply.len)
                count = reply.len
            }
        }
        switch reply.type {
        case REDIS_REPLY_STRING: return .bulk(bytes())
        case REDIS_REPLY_STATUS: return .status(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_INTEGER: return .integer(Int(reply.integer))
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            items.reserveCapacity(reply.elements)
            for i in 0..<reply.elements {
                if let e = reply.element[i] { items.append(convert(e)) } else { items.append(.null) }
            }
            return .array(items)
        default: return .null
        }
    }

    /// Lays the arguments out in one buffer and passes hiredis pointers into it.
    private static func withArgv<R>(_ args: [[UInt8]],
                                    _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) -> R {
        let total = args.reduce(0) { $0 + $1.count }
        let storage = UnsafeMutablePointer<CChar>.allocate(capacity: max(total, 1))
        let pointers = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: max(args.count, 1))
        let lengths = UnsafeMutablePointer<Int>.allocate(capacity: max(args.count, 1))
        defer { storage.deallocate(); pointers.deallocate(); lengths.deallocate() }
        var offset = 0
        for (i, arg) in args.enumerated() {
            arg.withUnsafeBytes { src in
                if let base = src.baseAddress { UnsafeMutableRawPointer(storage + offset).copyMemory(from: base, byteCount: arg.count) }
            }
            pointers[i] = UnsafePointer(storage + offset)
            lengths[i] = arg.count
            offset += arg.count
        }
        return body(Int32(args.count), pointers, lengths)
    }

    private static func timeval(_ seconds: Double) -> timeval {
        let whole = Int(seconds)
        return Foundation.timeval(tv_sec: whole, tv_usec: Int((seconds - Double(whole)) * 1_000_000))
    }
}
