/// Where and how to reach Redis: `redis://[user:pass@]host[:port][/db]`.
///
/// `redis://:secret@host` gives a password with the default user (`AUTH secret`);
/// `redis://alice:secret@host` an ACL user (`AUTH alice secret`). Percent-escapes in the
/// user and password are decoded so passwords may contain `@`, `:` or `/`.
public struct RedisURL: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: Int
    public var user: String?
    public var password: String?

    public init(host: String = "127.0.0.1", port: Int = 6379, database: Int = 0,
                user: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
    }

    public init(parsing text: String) throws {
        func fail(_ why: String) -> ClusterError {
            ClusterError(.invalidURL, "Redis URL '\(RedisURL.redact(text))': \(why)")
        }
        guard text.hasPrefix("redis://") else {
            throw fail("must start with redis:// (rediss:// is not supported by hiredis 0.14)")
        }
        var rest = Substring(text.dropFirst("redis://".count))
        if let q = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<q] }
        var authority = rest
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        }
        var user: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let info = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = info.firstIndex(of: ":") {
                let u = String(info[..<colon])
                user = u.isEmpty ? nil : try RedisURL.percentDecode(u, fail)
                password = try RedisURL.percentDecode(String(info[info.index(after: colon)...]), fail)
            } else if !info.isEmpty {
                // `redis://secret@host` is read as a password, as redis-cli and most clients do.
                password = try RedisURL.percentDecode(String(info), fail)
            }
        }
        var host = String(authority)
        var port = 6379
        if authority.hasPrefix("[") {  // IPv6 literal [::1]:6379
            guard let close = authority.firstIndex(of: "]") else { throw fail("unclosed IPv6 bracket") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()) else { throw fail("port is not a number") }
                port = p
            } else if !after.isEmpty {
                throw fail("unexpected text after IPv6 host")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            let p = authority[authority.index(after: colon)...]
            guard let value = Int(p) else { throw fail("port '\(p)' is not a number") }
            port = value
        }
        if host.isEmpty { host = "127.0.0.1" }
        guard (1...65535).contains(port) else { throw fail("port \(port) out of range") }
        var database = 0
        if !path.isEmpty {
            guard let db = Int(path), db >= 0 else { throw fail("database '\(path)' is not a number ≥ 0") }
            database = db
        }
        self.init(host: host, port: port, database: database, user: user, password: password)
    }

    /// The URL with the password replaced by `***`, for logs.
    public var description: String {
        var auth = ""
        if user != nil || password != nil {
            auth = (user ?? "") + (password != nil ? ":***" : "") + "@"
        }
        let h = host.contains(":") ? "[\(host)]" : host
        return "redis://\(auth)\(h):\(port)/\(database)"
    }

    static func redact(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://") else { return text }
        return String(text[..<scheme.upperBound]) + "***" + String(text[at...])
    }

    private static func percentDecode(_ s: String, _ fail: (String) -> ClusterError) throws -> String {
        guard s.contains("%") else { return s }
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "%") {
                guard it.count >= 2,
                      let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16)
                else { throw fail("bad percent-escape in user info") }
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
