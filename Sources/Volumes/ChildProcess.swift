#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Runs one child process to the end with a deadline: writes `input` to its stdin, hands its
/// stdout to a sink chunk by chunk, keeps its stderr line by line, and reaps it.
///
/// posix_spawn and one poll loop on the calling thread, not Foundation's `Process`: the
/// caller needs the pid to SIGKILL a hung child, the exact wait status (which signal killed
/// it), and no helper threads. stdin is a socket so that writing to a child that died early
/// is an EPIPE return (MSG_NOSIGNAL), never a SIGPIPE that would kill the parent.
/// Every descriptor the parent keeps is close-on-exec, so concurrent spawns do not inherit
/// each other's pipes.
enum ChildProcess {
    enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
    }

    struct Outcome: Sendable {
        var termination: Termination
        /// True when the deadline passed and the child was killed with SIGKILL.
        var timedOut: Bool
        /// Set when the stdout sink threw: the child was killed and its output abandoned.
        var sinkError: String?
    }

    /// Spawn failures (no such executable, no processes left): the child never ran.
    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// `environment` replaces the parent's environment entirely. `stdout` may throw to stop
    /// reading (malformed output); `stderrLine` sees each complete line (and a last partial one).
    static func run(executable: String, arguments: [String], environment: [String: String],
                    input: [UInt8], timeout: Double,
                    stdout: (UnsafeRawBufferPointer) throws -> Void,
                    stderrLine: (Substring) -> Void) throws -> Outcome {
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1], inPair: [Int32] = [-1, -1]
        defer { for fd in outPipe + errPipe + inPair where fd >= 0 { close(fd) } }
        // Socket pairs, not pipes: created close-on-exec atomically (pipe2 is not exported to Swift).
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &outPipe) == 0, socketpair(AF_UNIX, type, 0, &errPipe) == 0,
              socketpair(AF_UNIX, type, 0, &inPair) == 0 else {
            throw SpawnError(description: "cannot create socket pairs: \(String(cString: strerror(errno)))")
        }
        // A larger buffer: fewer wake-ups for a 100 MB volume (best effort).
        var size: Int32 = 1 << 20
        _ = setsockopt(outPipe[1], SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(outPipe[0], SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPair[1], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        // The child starts with no blocked signals and default dispositions for the ones that
        // matter here, whatever the spawning thread had (servers block or ignore some).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), defaults = sigset_t()
        sigemptyset(&none)
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGTERM, SIGINT, SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        // The child's ends belong to the child now.
        for fd in [outPipe[1], errPipe[1], inPair[1]] { close(fd) }
        outPipe[1] = -1; errPipe[1] = -1; inPair[1] = -1
        for fd in [outPipe[0], errPipe[0], inPair[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }

        let deadline = monotonicSeconds() + timeout
        var written = 0
        var stdinOpen = true, stdoutOpen = true, stderrOpen = true
        var sinkError: String?
        var timedOut = false
        var pending = [UInt8]()  // stderr bytes after the last newline
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }

        func closeStdin() {
            if inPair[0] >= 0 { close(inPair[0]); inPair[0] = -1 }
            stdinOpen = false
        }
        if input.isEmpty { closeStdin() }

        loop: while stdoutOpen || stderrOpen {
            let remaining = deadline - monotonicSeconds()
            if remaining <= 0 { timedOut = true; break }
            var fds: [pollfd] = []
            if stdoutOpen { fds.append(pollfd(fd: outPipe[0], events: Int16(POLLIN), revents: 0)) }
            if stderrOpen { fds.append(pollfd(fd: errPipe[0], events: Int16(POLLIN), revents: 0)) }
            if stdinOpen { fds.append(pollfd(fd: inPair[0], events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 1) * 1000) + 1)
            if ready < 0 {
                if errno == EINTR { continue }
                throw SpawnError(description: "poll failed: \(String(cString: strerror(errno)))")
            }
            for p in fds where p.revents != 0 {
                if p.fd == inPair[0] {
                    let n = input.withUnsafeBytes { raw in
                        send(p.fd, raw.baseAddress! + written, raw.count - written, Int32(MSG_NOSIGNAL))
                    }
                    if n > 0 { written += n }
                    if (n < 0 && errno != EAGAIN && errno != EINTR) || written == input.count { closeStdin() }
                } else {
                    let n = read(p.fd, chunk.baseAddress, chunk.count)
                    if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                    if n <= 0 {
                        if p.fd == outPipe[0] { stdoutOpen = false } else { stderrOpen = false }
                        continue
                    }
                    let bytes = UnsafeRawBufferPointer(rebasing: chunk[0..<n])
                    if p.fd == outPipe[0] {
                        do { try stdout(bytes) } catch {
                            sinkError = "\(error)"
                            break loop
                        }
                    } else {
                        pending.append(contentsOf: bytes)
                        while let newline = pending.firstIndex(of: 10) {
                            stderrLine(Substring(String(decoding: pending[..<newline], as: UTF8.self)))
                            pending.removeSubrange(...newline)
                        }
                        if pending.count > 4096 { pending.removeFirst(pending.count - 4096) }
                    }
                }
            }
        }
        if !pending.isEmpty { stderrLine(Substring(String(decoding: pending, as: UTF8.self))) }
        if timedOut || sinkError != nil { kill(pid, SIGKILL) }
        closeStdin()
        // Output closed: the child is exiting. Reap it within what is left of the deadline.
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR {
                throw SpawnError(description: "waitpid failed: \(String(cString: strerror(errno)))")
            }
            if !timedOut && monotonicSeconds() > deadline {
                timedOut = true
                kill(pid, SIGKILL)
            }
            usleep(2000)
        }
        let termination: Termination = (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
        return Outcome(termination: termination, timedOut: timedOut, sinkError: sinkError)
    }

    static func monotonicSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// "SIGSEGV" for the signals a decoder dies of; "signal N" otherwise.
    static func signalName(_ s: Int32) -> String {
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE",
                                      SIGILL: "SIGILL", SIGKILL: "SIGKILL", SIGTERM: "SIGTERM", SIGINT: "SIGINT",
                                      SIGPIPE: "SIGPIPE", SIGTRAP: "SIGTRAP", SIGSYS: "SIGSYS"]
        return names[s] ?? "signal \(s)"
    }
}
