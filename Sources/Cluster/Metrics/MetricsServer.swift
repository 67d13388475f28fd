import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP endpoint for Prometheus scrapes: `GET /metrics` (or `HEAD`, or with a query) → 200
/// with the registry's text, another path → 404, another method → 405, a malformed request →
/// 400. One connection per scrape (`Connection: close`), idle connections closed after 2 s.
///
/// SwiftNIO (`NIOPosix` + `NIOHTTP1`) on one event-loop thread of its own, rather than
/// Hummingbird. Measured here (2 cores, shared and busy), first clean debug build of a package
/// holding only the dependency: swift-nio (NIOPosix + NIOHTTP1) 89 s of CPU (user + sys),
/// Hummingbird 2.28.1 (swift-nio plus swift-http-types, swift-service-lifecycle,
/// swift-distributed-tracing, async-algorithms, …) 173 s. One route needs no router, and NIO
/// keeps `start`/`stop` synchronous where Hummingbird wants an async service lifecycle.
public final class MetricsServer: @unchecked Sendable {
    public let registry: MetricsRegistry
    /// The bound port (the real one when 0 was asked for).
    public private(set) var port: Int = 0
    private let lock = NSLock()
    private var group: MultiThreadedEventLoopGroup?
    private var channel: Channel?

    public init(registry: MetricsRegistry) { self.registry = registry }

    /// Binds `host:port` (port 0: any free port) and starts serving on a background thread.
    public func start(host: String = "0.0.0.0", port: Int) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let registry = self.registry
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(IdleStateHandler(readTimeout: .seconds(2)))
                    try pipeline.addHandler(ScrapeHandler(registry: registry))
                }
            }
        let channel: Channel
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw ClusterError(.metricsEndpoint, "cannot listen on \(host):\(port) for metrics: \(error)")
        }
        lock.lock(); defer { lock.unlock() }
        self.port = channel.localAddress?.port ?? port
        self.channel = channel
        self.group = group
    }

    /// Closes the listening socket and stops the event loop; idempotent.
    public func stop() {
        lock.lock(); let channel = self.channel, group = self.group; self.channel = nil; self.group = nil; lock.unlock()
        try? channel?.close().wait()
        try? group?.syncShutdownGracefully()
    }

    deinit { stop() }
}

/// Answers one request per connection, then closes it.
private final class ScrapeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: MetricsRegistry
    private var head: HTTPRequestHead?

    init(registry: MetricsRegistry) { self.registry = registry }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break  // a scrape has no body; anything sent is ignored
        case .end:
            if let h = head { respond(context, to: h) }
            head = nil
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) }
        else { context.fireUserInboundEventTriggered(event) }
    }

    private func respond(_ context: ChannelHandlerContext, to request: HTTPRequestHead) {
        var contentType = "text/plain; charset=utf-8"
        let status: HTTPResponseStatus, body: String
        if request.method != .GET && request.method != .HEAD {
            (status, body) = (.methodNotAllowed, "only GET /metrics\n")
        } else if request.uri != "/metrics" && !request.uri.hasPrefix("/metrics?") {
            (status, body) = (.notFound, "only GET /metrics\n")
        } else {
            (status, body) = (.ok, registry.render())
            contentType = "text/plain; version=0.0.4; charset=utf-8"
        }
        let headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", "\(body.utf8.count)"),
                                   ("Connection", "close")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                      promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
