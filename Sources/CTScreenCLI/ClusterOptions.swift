import ArgumentParser
import Cluster
import Foundation
import Logging

/// Where the cluster lives: shared by every cluster subcommand.
///
/// The Redis URL comes from, first to last: `--redis-url`, `--redis-url-file`,
/// `$CTSCREEN_REDIS_URL_FILE`, `$CTSCREEN_REDIS_URL`, the default. A URL holding a password
/// belongs in a file (or the environment), never in the arguments: every user of a host can
/// read every process's arguments (`ps`, `/proc/<pid>/cmdline`), while a file's mode and a
/// process's environment are private to its owner. A file is preferred over the environment
/// (children do not inherit it, and Kubernetes Secrets, systemd credentials and compose
/// secrets are all files); it holds the whole URL rather than only a password, so one secret
/// says everything needed to reach Redis (user, password, host, database) in the one syntax
/// `--redis-url` already has.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Redis URL redis://[user:pass@]host:port/db. Every user of the host can read process arguments: put a URL with a password in --redis-url-file or the environment instead. Default: $CTSCREEN_REDIS_URL_FILE, else $CTSCREEN_REDIS_URL, else \(ClusterDefaults.redisURL).")
    var redisURL: String?

    @Option(help: ArgumentHelp("File holding the Redis URL on one line (a Kubernetes Secret file, a systemd credential, a compose secret); default $CTSCREEN_REDIS_URL_FILE.", valueName: "path"))
    var redisURLFile: String?

    @Option(help: "Key prefix of every Redis key (several clusters can share one Redis).")
    var prefix: String = ClusterDefaults.keyPrefix

    func validate() throws {
        if redisURL != nil, redisURLFile != nil {
            throw ValidationError("give --redis-url or --redis-url-file, not both")
        }
    }

    /// Where the URL came from, for messages (never the URL itself).
    enum Source: Equatable {
        case argument, file(String), environment, standard
    }

    /// The URL and where it came from; `environment` is the process's (a parameter for tests).
    static func resolve(redisURL: String?, redisURLFile: String?,
                        environment: [String: String]) throws -> (url: RedisURL, source: Source) {
        func nonEmpty(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let text = redisURL { return (try RedisURL(parsing: text), .argument) }
        if let path = redisURLFile { return (try RedisURL(contentsOfFile: path), .file(path)) }
        let envFile = nonEmpty("CTSCREEN_REDIS_URL_FILE"), envURL = nonEmpty("CTSCREEN_REDIS_URL")
        if let path = envFile {
            guard envURL == nil else {
                throw ClusterError(.invalidArgument, "both CTSCREEN_REDIS_URL_FILE and CTSCREEN_REDIS_URL are set: unset one")
            }
            return (try RedisURL(contentsOfFile: path), .file(path))
        }
        if let text = envURL { return (try RedisURL(parsing: text), .environment) }
        return (try RedisURL(parsing: ClusterDefaults.redisURL), .standard)
    }

    func transport(stop: StopFlag? = nil, logger: Logger = Logger(label: "ctscreen.cluster")) throws -> RedisTransport {
        let (url, source) = try Self.resolve(redisURL: redisURL, redisURLFile: redisURLFile,
                                             environment: ProcessInfo.processInfo.environment)
        if source == .argument, url.password != nil {
            logger.warning("the Redis password is in this process's arguments, readable by every user of the host: use --redis-url-file or CTSCREEN_REDIS_URL_FILE",
                           metadata: ["redis.url": "\(url)"])
        }
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
    var reapInterval: Double = ClusterDefaults.reapInterval

    @Option(help: "Visibility timeout (seconds): an item whose handler shows no progress for this long is taken back by the reaper, even from a live process, and the delivery counts as an attempt.")
    var visibilityTimeout: Double = ClusterDefaults.visibilityTimeout

    @Option(help: "Seconds the reaper waits after its own (re)connect to Redis before it takes a missing heartbeat for a dead process (a Redis restart outlasting the heartbeat TTL must not look like every process dying). Default: the larger of 12 and heartbeat TTL + interval; smaller values are refused.")
    var outageGrace: Double?

    /// The least outage grace that keeps live processes safe: every process reconnects (backoff
    /// capped at 5 s) and beats again (one interval) within it, and a TTL-long gap is covered.
    var minimumOutageGrace: Double {
        max(2 * heartbeatInterval + heartbeatSlack, ClusterDefaults.reconnectCap + heartbeatInterval)
    }

    /// The outage grace in force: the option, else the larger of the default and the minimum.
    var effectiveOutageGrace: Double { outageGrace ?? max(ClusterDefaults.outageGrace, minimumOutageGrace) }

    func validate() throws {
        if let grace = outageGrace, grace < minimumOutageGrace {
            throw ValidationError("--outage-grace must be at least \(minimumOutageGrace) s (heartbeat TTL + interval, and the reconnect cap + interval) with these heartbeat settings")
        }
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
        configuration.outageGrace = options.effectiveOutageGrace
        logger[metadataKey: "role"] = "\(role)"
        let loop = ServeLoop(transport: transport, configuration: configuration, stop: stop, metrics: metrics, logger: logger)
        try loop.run(handler)
    }

    static func fail(_ command: String, _ error: Error) -> ExitCode { CommandFailure.report(command, error) }
}
