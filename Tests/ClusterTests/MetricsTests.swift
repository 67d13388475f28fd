import Foundation
import XCTest
@testable import Cluster

final class MetricsTests: XCTestCase {
    func testExpositionText() {
        let m = MetricsRegistry()
        m.increment("ctscreen_items_processed_total", labels: ["queue": "slices"], help: "Items handled")
        m.increment("ctscreen_items_processed_total", by: 2, labels: ["queue": "slices"])
        m.set("ctscreen_queue_depth", 7, labels: ["queue": "reduce", "lane": "urgent"])
        m.observe("lat", 0.3, buckets: [0.1, 0.5, 1])
        m.observe("lat", 0.7, buckets: [0.1, 0.5, 1])
        m.observe("lat", 3, buckets: [0.1, 0.5, 1])
        // swift-prometheus emits families in its own order and spells doubles as Swift does
        // (`7.0`, `le="1.0"`): compare family by family, each as the library writes it.
        XCTAssertEqual(Self.families(m.render()), [
            "ctscreen_items_processed_total": """
            # HELP ctscreen_items_processed_total Items handled
            # TYPE ctscreen_items_processed_total counter
            ctscreen_items_processed_total{queue="slices"} 3
            """,
            "ctscreen_queue_depth": """
            # TYPE ctscreen_queue_depth gauge
            ctscreen_queue_depth{lane="urgent",queue="reduce"} 7.0
            """,
            "lat": """
            # TYPE lat histogram
            lat_bucket{le="0.1"} 0
            lat_bucket{le="0.5"} 1
            lat_bucket{le="1.0"} 2
            lat_bucket{le="+Inf"} 3
            lat_sum 4.0
            lat_count 3
            """,
        ])
        XCTAssertEqual(m.value("ctscreen_items_processed_total", labels: ["queue": "slices"]), 3)
        XCTAssertEqual(m.value("ctscreen_queue_depth", labels: ["queue": "reduce", "lane": "urgent"]), 7)
        XCTAssertNil(m.value("ctscreen_queue_depth", labels: ["queue": "reduce"]))
        m.set("g", 1, labels: ["path": "a\"b\\c"])
        XCTAssertTrue(m.render().contains(#"g{path="a\"b\\c"} 1.0"#))
        XCTAssertEqual(m.value("g", labels: ["path": "a\"b\\c"]), 1)
    }

    /// The exposition text cut into families (from a family's first `#` line up to the next
    /// family's), keyed by the family's name.
    static func families(_ text: String) -> [String: String] {
        var out: [String: [Substring]] = [:]
        var current = ""
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# ") { current = String(line.split(separator: " ")[2]) }
            out[current, default: []].append(line)
        }
        return out.mapValues { $0.joined(separator: "\n") }
    }

    func testHTTPEndpointServesMetricsOnly() throws {
        let m = MetricsRegistry()
        m.increment("ctscreen_items_processed_total", by: 5)
        let server = MetricsServer(registry: m)
        try server.start(host: "127.0.0.1", port: 0)
        defer { server.stop() }
        XCTAssertGreaterThan(server.port, 0)
        let ok = try Self.get(port: server.port, path: "/metrics")
        XCTAssertTrue(ok.hasPrefix("HTTP/1.1 200 OK\r\n"), ok)
        XCTAssertTrue(ok.contains("Content-Type: text/plain; version=0.0.4"), ok)
        XCTAssertTrue(ok.hasSuffix("\r\n\r\n# TYPE ctscreen_items_processed_total counter\nctscreen_items_processed_total 5\n"), ok)
        XCTAssertTrue(try Self.get(port: server.port, path: "/").hasPrefix("HTTP/1.1 404"))
        XCTAssertTrue(try Self.get(port: server.port, path: "/metrics", method: "POST").hasPrefix("HTTP/1.1 405"))
        let head = try Self.get(port: server.port, path: "/metrics?x=1", method: "HEAD")
        XCTAssertTrue(head.hasPrefix("HTTP/1.1 200 OK\r\n"), head)
        XCTAssertTrue(head.hasSuffix("\r\n\r\n"), head)
    }

    func testStopClosesTheEndpointAndABusyPortIsAnError() throws {
        let server = MetricsServer(registry: MetricsRegistry())
        try server.start(host: "127.0.0.1", port: 0)
        let port = server.port
        XCTAssertThrowsError(try MetricsServer(registry: MetricsRegistry()).start(host: "127.0.0.1", port: port)) {
            XCTAssertTrue("\($0)".contains("cannot listen on 127.0.0.1:\(port)"), "\($0)")
        }
        server.stop()
        server.stop()  // idempotent
        XCTAssertThrowsError(try Self.get(port: port, path: "/metrics"))
    }

    /// A minimal HTTP client on a POSIX socket.
    static func get(port: Int, path: String, method: String = "GET") throws -> String {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(s) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0 else { throw ClusterError(.metricsEndpoint, "connect failed") }
        let request = Array("\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(s, $0.baseAddress, $0.count, 0) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(s, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

final class StopFlagTests: XCTestCase {
    func testSignalSetsTheStopFlag() {
        let flag = StopFlag()
        let seen = DispatchSemaphore(value: 0)
        flag.installSignalHandlers(signals: [SIGUSR2]) { _ in seen.signal() }
        XCTAssertFalse(flag.isSet)
        // The source is registered asynchronously: repeat the (process-directed, as `kill`
        // and Kubernetes send SIGTERM) signal until it is seen, for a bounded time.
        var seenIt = false
        for _ in 0..<100 where !seenIt {
            kill(getpid(), SIGUSR2)
            seenIt = seen.wait(timeout: .now() + 0.1) == .success
        }
        XCTAssertTrue(seenIt)
        XCTAssertTrue(flag.isSet)
    }
}
