import Dispatch
import Foundation

/// A flag set once when the process should stop (SIGTERM, SIGINT, or a test). Loops look at
/// it between items; blocking waits and reconnect loops give up when it is set.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false
    private var signalSources: [DispatchSourceSignal] = []

    public init() {}

    public var isSet: Bool { lock.lock(); defer { lock.unlock() }; return set }

    public func requestStop() { lock.lock(); set = true; lock.unlock() }

    /// Sets the flag on SIGTERM and SIGINT instead of dying, so the item in hand is finished
    /// or handed back. Plain Dispatch sources: no extra package, short builds.
    public func installSignalHandlers(signals: [Int32] = [SIGTERM, SIGINT],
                                      onSignal: (@Sendable (Int32) -> Void)? = nil) {
        lock.lock(); defer { lock.unlock() }
        for sig in signals {
            signal(sig, SIG_IGN)  // the default action would kill the process before Dispatch sees it
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                self?.requestStop()
                onSignal?(sig)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// Sleeps up to `seconds`, returning early (false) if a stop is requested.
    @discardableResult
    public func sleep(_ seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if isSet { return false }
            Thread.sleep(forTimeInterval: min(0.02, max(0, end.timeIntervalSinceNow)))
        }
        return !isSet
    }
}
