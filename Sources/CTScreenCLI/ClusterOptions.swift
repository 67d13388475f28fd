import ArgumentParser
import Cluster
import Foundation
import Logging

/// Where the cluster lives: shared by every cluster subcommand.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Redis URL redis://[user:pass@]host:port/db (default: $CTSCREEN_REDIS_URL, else \(ClusterDefaults.redisURL)).")
    var redisURL: String?

    @Option(help: "Key prefix of every Redis key (several clusters can share one Redis).")
    var prefix: String = ClusterDefaults.keyPrefix

    var resolvedURL: String {
        redisURL ?? ProcessInfo.processInfo.environment["CTSCREEN_REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ClusterDefaults.redisURL
    }

    func transport(stop: StopFlag? = nil, logger: Logger = Logger(label: "ctscreen.cluster")) throws -> RedisTransport {
        let url = try RedisURL(parsing: resolvedURL)
        return try RedisTransport(url: url, keys: try Keys(prefix: prefix), logger: logger, stop: stop)
    }
}

/// Options of the three serving roles.
struct RoleOptions: ParsableArguments {
    @Option(help: "Threads for the neural engine and picture writing.")
    var threads: Int = 1

    @Option(help: "Serve Prometheus metrics on this port (/metrics); none if absent.")
    var metricsPort: Int?

    @Option(help: "Deliveries of one item before it is dead-lettered.")
    var maxAttempts: Int = ClusterDefaults.maxAttempts

    @Option(help: "Seconds between heartbeats.")
    var heartbeatInterval: Double = ClusterDefaults.heartbeatInterval

    @Option(help: "Heartbeat TTL = interval + this slack (seconds): how long a silent process counts as alive.")
    var heartbeatSlack: Double = ClusterDefaults.heartbeatSlack

    @Option(help: "Seconds between reaper passes (returning the items of dead processes).")
    var reapInterval: Double = 5

    @Option(help: "Visibility timeout (seconds): an item whose handler shows no progress for this long is taken back by the reaper, even from a live process, and the delivery counts as an attempt.")
    var visibilityTimeout: Double = ClusterDefaults.visibilityTimeout

    func validate() throws {
        guard heartbeatInterval > 0, heartbeatSlack > 0, reapInterval > 0 else {
            throw ValidationError("--heartbeat-interval, --heartbeat-slack and --reap-interval must be > 0")
        }
        guard visibilityTimeout > heartbeatInterval else {
            throw ValidationError("--visibility-timeout must be longer than --heartbeat-interval (deadlines are extended on each beat)")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        if let p = metricsPort, !(1...65535).contains(p) { throw ValidationError("--metrics-port must be 1–65535") }
    }
}

/// The common life of a role process: signals → stop flag, metrics endpoint, serve loop, exit 0.
enum RoleProcess {
    static func serve(role: String, queue: QueueName, cluster: ClusterOptions, options: RoleOptions,
                      handler: @escaping ServeLoop.Handler) throws {
        // A parent may have spawned us with these blocked; the graceful stop needs them.
        var unblock = sigset_t()
        sigemptyset(&unblock); sigaddset(&unblock, SIGTERM); sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        let stop = StopFlag()
        var logger = Logger(label: "ctscreen.\(role)")
        stop.installSignalHandlers { [logger] sig in logger.notice("signal \(sig): finishing the item in hand, then stopping") }
        let transport = try cluster.transport(stop: stop, logger: logger)
        let metrics = MetricsRegistry()
        var server: MetricsServer?
        if let port = options.metricsPort {
            let s = MetricsServer(registry: metrics)
            try s.start(port: port)
            server = s
        }
        defer { server?.stop() }
        var configuration = ServeConfiguration(queue: queue, role: role)
        configuration.maxAttempts = options.maxAttempts
        configuration.heartbeatInterval = options.heartbeatInterval
        configuration.heartbeatSlack = options.heartbeatSlack
        configuration.reapInterval = options.reapInterval
        configuration.visibilityTimeout = options.visibilityTimeout
        logger[metadataKey: "role"] = "\(role)"
        let loop = ServeLoop(transport: transport, configuration: configuration, stop: stop, metrics: metrics, logger: logger)
        try loop.run(handler)
    }

    static func fail(_ command: String, _ error: Error) -> ExitCode {
        FileHandle.standardError.write(Data("ctscreen \(command): \(error)\n".utf8))
        return ExitCode.failure
    }
}
