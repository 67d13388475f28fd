import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 responder for Prometheus scrapes: `GET /metrics` → 200 with the registry's
/// text, anything else → 404 or 405. One thread, one request per connection, short timeouts,
/// requests over 8 KiB refused: it only has to serve a scraper, not the open internet.
public final class MetricsServer: @unchecked Sendable {
    public let registry: MetricsRegistry
    /// The bound port (the real one when 0 was asked for).
    public private(set) var port: Int = 0
    private var fd: Int32 = -1
    private let lock = NSLock()
    private var stopped = false
    private var thread: Thread?

    public init(registry: MetricsRegistry) { self.registry = registry }

    /// Binds `host:port` (port 0: any free port) and starts serving on a background thread.
    public func start(host: String = "0.0.0.0", port: Int) throws {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw ClusterError(.metricsEndpoint, "socket(): \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            close(s)
            throw ClusterError(.metricsEndpoint, "metrics host '\(host)' is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(s, 16) == 0 else {
            let why = String(cString: strerror(errno))
            close(s)
            throw ClusterError(.metricsEndpoint, "cannot listen on \(host):\(port) for metrics: \(why)")
        }
        var actual = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        self.port = Int(UInt16(bigEndian: actual.sin_port))
        self.fd = s
        let t = Thread { [weak self] in self?.acceptLoop(s) }
        t.name = "ctscreen-metrics"
        thread = t
        t.start()
    }

    public func stop() {
        lock.lock(); stopped = true; let s = fd; fd = -1; lock.unlock()
        if s >= 0 { shutdown(s, Int32(SHUT_RDWR)); close(s) }
    }

    deinit { stop() }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    private func acceptLoop(_ s: Int32) {
        while !isStopped {
            let client = accept(s, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return  // listening socket closed by stop()
            }
            var tv = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        // Read until the end of the headers; the body of a GET is empty.
        while request.count < 8192 {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            request.append(contentsOf: buffer[0..<n])
            if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] { break }
            if request.contains(10), String(decoding: request, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        let head = String(decoding: request.prefix(8192), as: UTF8.self)
        let requestLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = requestLine.split(separator: " ")
        let response: String
        if parts.count < 2 {
            response = Self.response(400, "Bad Request", "bad request\n")
        } else if parts[0] != "GET" && parts[0] != "HEAD" {
            response = Self.response(405, "Method Not Allowed", "only GET /metrics\n")
        } else if parts[1] != "/metrics" && !parts[1].hasPrefix("/metrics?") {
            response = Self.response(404, "Not Found", "only GET /metrics\n")
        } else {
            response = Self.response(200, "OK", registry.render(), contentType: "text/plain; version=0.0.4; charset=utf-8",
                                     bodyless: parts[0] == "HEAD")
        }
        var bytes = Array(response.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }

    static func response(_ code: Int, _ text: String, _ body: String,
                         contentType: String = "text/plain; charset=utf-8", bodyless: Bool = false) -> String {
        "HTTP/1.1 \(code) \(text)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            + (bodyless ? "" : body)
    }
}
