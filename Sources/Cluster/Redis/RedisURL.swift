import Foundation

/// Where and how to reach Redis: `redis://[user:pass@]host[:port][/db]`.
///
/// `redis://:secret@host` gives a password with the default user (`AUTH secret`);
/// `redis://alice:secret@host` an ACL user (`AUTH alice secret`). Percent-escapes in the
/// user and password are decoded so passwords may contain `@`, `:` or `/`.
///
/// Secrets never leave this type in text: `description` shows the password as `***`, and a
/// parse error shows the URL with everything between `://` and the last `@` hidden (text
/// that is not a URL at all is not shown), and never quotes a part of it. A password with an
/// unescaped `/`, `?` or `#` splits the URL in the wrong place; the error says so without
/// showing the pieces.
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
            throw fail(text.hasPrefix("rediss://")
                ? "rediss:// is not supported by hiredis 0.14: reach a TLS Redis through a local TLS tunnel (Deploy/README.md)"
                : "must start with redis://")
        }
        var rest = Substring(text.dropFirst("redis://".count))
        // The pieces are never quoted: with a raw `/`, `?` or `#` in a password they would be
        // parts of the password.
        let hint = text.contains("@") ? " (percent-escape / ? # in the user or password: %2F %3F %23)" : ""
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
                guard let p = Int(after.dropFirst()) else { throw fail("port is not a number\(hint)") }
                port = p
            } else if !after.isEmpty {
                throw fail("unexpected text after IPv6 host")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            let p = authority[authority.index(after: colon)...]
            guard let value = Int(p) else { throw fail("port is not a number\(hint)") }
            port = value
        }
        if host.isEmpty { host = "127.0.0.1" }
        guard (1...65535).contains(port) else { throw fail("port \(port) out of range") }
        var database = 0
        if !path.isEmpty {
            guard let db = Int(path), db >= 0 else { throw fail("database is not a number ≥ 0\(hint)") }
            database = db
        }
        self.init(host: host, port: port, database: database, user: user, password: password)
    }

    /// Reads the URL from a file holding it on one line (a Kubernetes Secret mounted as a
    /// file, a systemd credential, a compose secret), so the password is in no process's
    /// arguments or environment. Surrounding whitespace and a final newline are ignored.
    /// Every failure is one `ClusterError` naming the path and never showing the content:
    /// missing, unreadable, a directory, empty, more than one line, larger than 4 KiB, or not
    /// a Redis URL.
    public init(contentsOfFile path: String) throws {
        func fail(_ why: String) -> ClusterError { ClusterError(.invalidURL, "Redis URL file '\(path)': \(why)") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            throw fail(e == ENOENT ? "no such file" : e == EACCES ? "cannot be read (permission denied)"
                                                                  : "cannot be opened (\(String(cString: strerror(e))))")
        }
        defer { close(fd) }
        let limit = 4096
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var count = 0
        while count <= limit {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, limit + 1 - count) }
            if n == 0 { break }
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                throw fail(e == EISDIR ? "is a directory, not a file" : "cannot be read (\(String(cString: strerror(e))))")
            }
            count += n
        }
        guard count <= limit else { throw fail("is larger than \(limit) bytes: not a file holding one URL") }
        let text = String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw fail("is empty") }
        guard !text.contains(where: \.isNewline) else { throw fail("holds more than one line (one URL expected)") }
        do {
            try self.init(parsing: text)
        } catch let error as ClusterError {
            throw fail(error.message)  // already redacted by init(parsing:)
        }
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

    /// `text` fit for an error message or a log line: the user info hidden; text that is not
    /// a URL (a bare password given by mistake) replaced by its length.
    static func redact(_ text: String) -> String {
        guard let scheme = text.range(of: "://"),
              text[..<scheme.lowerBound].allSatisfy({ $0.isLetter || $0 == "+" || $0 == "-" || $0 == "." })
        else { return "<\(text.count) characters, not shown: not a URL>" }
        guard let at = text.lastIndex(of: "@"), at >= scheme.upperBound else { return text }
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
