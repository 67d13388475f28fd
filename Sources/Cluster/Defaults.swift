/// Every default of the queue fabric in one place, with why it has the value it has.
public enum ClusterDefaults {
    /// Key prefix of every Redis key (see `Keys`).
    public static let keyPrefix = "ctscreen"
    /// Protocol version written in every message envelope ("v"). Bump on incompatible changes.
    /// 2: study ids name series (not folders), attempts in messages and payload/result keys.
    public static let protocolVersion = 2
    /// Heartbeats are refreshed this often (seconds).
    public static let heartbeatInterval: Double = 2
    /// Heartbeat TTL = interval + slack, so one late refresh does not declare a process dead.
    public static let heartbeatSlack: Double = 8
    /// Outage grace (seconds): the reaper declares a process dead (heartbeat key missing) only
    /// once its own connection to Redis has been up without interruption for this long. A
    /// missing heartbeat right after a reconnect may only mean Redis was away (restart,
    /// partition) longer than the heartbeat TTL while the process lived; within the grace every
    /// live process has reconnected (backoff capped at `reconnectCap`, 5 s) and refreshed its
    /// heartbeat (every `heartbeatInterval`). At least heartbeat TTL + interval (8 + 2 + 2 =
    /// 12 s) and at least `reconnectCap` + interval. Counts from the first connect too, so a
    /// process that starts after a cluster-wide outage does not reap the others either.
    public static let outageGrace: Double = 12
    /// Deliveries of one item before it goes to the dead-letter list.
    public static let maxAttempts = 3
    /// A queue message larger than this is hostile or a bug: descriptors are small, pixels
    /// travel in payload keys.
    public static let maxMessageBytes = 64 * 1024
    /// Payload keys (slice batches, study context) expire after this many seconds if a study
    /// is never reduced, so an abandoned study cannot fill Redis.
    public static let payloadTTL: Double = 6 * 3600
    /// Result hashes live as long as payloads for the same reason.
    public static let resultTTL: Double = 6 * 3600
    /// A message's delivery count lives this long after its last delivery: longer than any
    /// item stays queued or held, short enough that counts of vanished items do not pile up.
    public static let attemptsTTL: Double = 7 * 24 * 3600
    /// The dead-letter list keeps its newest records only (the failed study keeps its reason
    /// in its record either way), so a flood of hostile messages cannot fill Redis.
    public static let deadLetterCap = 10_000
    /// A patient's timeline expires this long after its last new scan (a follow-up refreshes
    /// it), so patients seen once do not pile up in Redis forever.
    public static let timelineTTL: Double = 400 * 24 * 3600
    /// Findings kept per time point in a timeline (the largest): bounds its size in Redis.
    public static let timelineFindingCap = 100
    /// Admission by bytes: a coordinator splits a study only when Redis's used memory plus
    /// the study's estimated bytes (pixels + results) stays below this share of the memory
    /// limit (`maxmemory`, or `--redis-memory-budget` if smaller). The rest is headroom for
    /// studies admitted concurrently by other coordinators and for Redis's own overhead.
    public static let admissionShare = 0.7
    /// A study larger than the whole admission allowance (Redis too small for it) is admitted
    /// alone: once used memory is below this share of the limit. It may then push Redis past
    /// `maxmemory`; workers and reducers keep draining (their scripts allow it).
    public static let aloneShare = 0.25
    /// Out-of-memory back-pressure: a step refused because Redis is over `maxmemory` is
    /// retried after a wait that doubles from `oomWaitInitial` to `oomWaitCap` (seconds).
    public static let oomWaitInitial: Double = 0.2
    public static let oomWaitCap: Double = 10
    /// Visibility timeout (seconds): an item whose handler reported no progress for this long
    /// is taken back by the reaper even though its process still heartbeats (a hung handler,
    /// or an item the loop lost track of), and the delivery counts as an attempt. Handlers
    /// report progress between steps; a single step (one batch on the engine, one study read)
    /// must fit in it. Ten minutes: far above a batch on a slow CPU, short enough that a
    /// stuck study is noticed the same hour.
    public static let visibilityTimeout: Double = 600
    /// A serve loop whose own hand-back of an item keeps failing waits this long between
    /// tries, doubling from `handBackRetryInitial`.
    public static let handBackRetryInitial: Double = 0.1
    public static let handBackRetryCap: Double = 5
    /// Only one reaper runs at a time; its lock expires after this many seconds.
    public static let reaperLockTTL: Double = 10
    /// Blocking takes wait on the urgent lane in slices of this length and then look at both
    /// lanes again, so a bulk item that arrives while a process idles waits at most this long.
    public static let takePollSlice: Double = 0.2
    /// Connect timeout (seconds).
    public static let connectTimeout: Double = 5
    /// Command timeout for non-blocking commands (seconds).
    public static let commandTimeout: Double = 10
    /// Reconnect backoff: first wait, multiplier, cap (seconds).
    public static let reconnectInitial: Double = 0.05
    public static let reconnectMultiplier: Double = 2
    public static let reconnectCap: Double = 5
    /// Coordinators stop splitting while the slices queue holds this many batches: enough to
    /// keep 32 workers busy for a while, few enough that a queue of pixels stays small.
    public static let highWaterMark = 1000
    /// How long a finished study's summary stays readable by `status`, `result`, `worklist`.
    public static let summaryTTL: Double = 30 * 24 * 3600
    /// A serve loop runs a reaper pass this often (seconds).
    public static let reapInterval: Double = 5
    /// Default Redis URL when none is given.
    public static let redisURL = "redis://127.0.0.1:6379/0"
}
