import XCTest
@testable import Cluster

/// The behavioural suite (`TransportBehaviour`) on a real redis-server
/// (`CTSCREEN_TEST_REDIS_URL`, db 15, flushed before and after each test, random key prefix).
final class RedisTransportTests: XCTestCase {
    private var url: RedisURL!

    override func setUpWithError() throws {
        url = try TestSupport.redisURL()
        try TestSupport.flush(url)
    }

    override func tearDownWithError() throws {
        if let url { try TestSupport.flush(url) }
    }

    private var suite: TransportBehaviour {
        let url = self.url!
        let prefix = TestSupport.randomPrefix()
        return TransportBehaviour(make: {
            try RedisTransport(url: url, keys: try Keys(prefix: prefix), logger: TestSupport.logger)
        })
    }

    func testPushTakeAck() throws { try suite.pushTakeAck() }

    func testDeadLetterAndStudyFailureAreOneStep() throws { try suite.deadLetterAndStudyFailureAreOneStep() }

    func testReaperWaitsOutAnOutage() throws {
        try suite.reaperWaitsOutAnOutage { ($0 as! RedisTransport).connection.disconnect() }
    }

    func testUrgentBeforeBulk() throws { try suite.urgentBeforeBulk() }

    func testBlockingTakeReceivesLaterPush() throws { try suite.blockingTakeReceivesLaterPush() }

    func testHandBackAndRetryPositions() throws { try suite.handBackAndRetryPositions() }

    func testPayloadsAreBinarySafeWithTTL() throws { try suite.payloadsAreBinarySafeWithTTL() }

    func testReaperReturnsItemsOfDeadProcess() throws { try suite.reaperReturnsItemsOfDeadProcess() }

    func testPoisonItemDeadLetteredAfterRepeatedDeaths() throws { try suite.poisonItemDeadLetteredAfterRepeatedDeaths() }

    func testHandlerErrorsRetryThenDeadLetter() throws { try suite.handlerErrorsRetryThenDeadLetter() }

    func testMalformedMessagesAreDeadLetteredAndServingGoesOn() throws { try suite.malformedMessagesAreDeadLetteredAndServingGoesOn() }

    func testReduceIsEnqueuedExactlyOnce() throws { try suite.reduceIsEnqueuedExactlyOnce() }

    func testStudyStateMachine() throws { try suite.studyStateMachine() }

    func testClaimsAreIdempotentAndNeverMerge() throws { try suite.claimsAreIdempotentAndNeverMerge() }

    func testRacingClaimsHaveOneWinner() throws { try suite.racingClaimsHaveOneWinner() }

    func testGracefulStopHandsBackTheItemInHand() throws { try suite.gracefulStopHandsBackTheItemInHand() }

    func testGracefulStopFinishesTheItemInHand() throws { try suite.gracefulStopFinishesTheItemInHand() }

    func testSlicesCountedAndMetricsRecorded() throws { try suite.slicesCountedAndMetricsRecorded() }

    func testHeartbeatKeepsAProcessAliveUntilStopped() throws { try suite.heartbeatKeepsAProcessAliveUntilStopped() }

    func testFailedAttemptCountHandsTheItemBack() throws { try suite.failedAttemptCountHandsTheItemBack() }

    func testFailedResultWriteHandsTheItemBack() throws { try suite.failedResultWriteHandsTheItemBack() }

    func testHungHolderLosesItsItemAfterTheVisibilityTimeout() throws { try suite.hungHolderLosesItsItemAfterTheVisibilityTimeout() }

    func testProgressingHolderKeepsItsItem() throws { try suite.progressingHolderKeepsItsItem() }

    func testUnsettleableItemIsLeftToTheReaper() throws { try suite.unsettleableItemIsLeftToTheReaper() }

    /// The reaper lock is released by one compare-and-delete script: no GET or DEL of its own
    /// (between which a lock taken over by another holder could be deleted), and a lock held by
    /// another holder is left alone.
    func testLockReleaseIsOneAtomicStepAndSparesAnotherHolder() throws {
        let raw = try RedisConnection(url: url)
        func clients() throws -> [String: String] {  // client id -> last command
            var out: [String: String] = [:]
            for line in (try raw.command(["CLIENT", "LIST"]).string ?? "").split(whereSeparator: \.isNewline) {
                let fields = Dictionary(line.split(separator: " ").compactMap { f -> (String, String)? in
                    let kv = f.split(separator: "=", maxSplits: 1)
                    return kv.count == 2 ? (String(kv[0]), String(kv[1])) : nil
                }, uniquingKeysWith: { a, _ in a })
                if let id = fields["id"] { out[id] = fields["cmd"] ?? "" }
            }
            return out
        }
        let before = try clients()
        let t = try RedisTransport(url: url, keys: try Keys(prefix: TestSupport.randomPrefix()), logger: TestSupport.logger)
        let key = t.keys.reaperLock
        XCTAssertTrue(try t.acquireLock(key, holder: "old", ttl: 60))
        let mine = try XCTUnwrap(Set(try clients().keys).subtracting(before.keys).first, "the transport's connection")
        _ = try raw.command(["SET", key, "new", "PX", 60_000])  // "old" expired; "new" took it
        try t.releaseLock(key, holder: "old")
        XCTAssertEqual(try clients()[mine], "evalsha", "release must be one script, not GET then DEL (not atomic)")
        XCTAssertEqual(try raw.command(["GET", key]).string, "new", "another holder's lock is left alone")
        try t.releaseLock(key, holder: "new")
        XCTAssertNil(try raw.command(["GET", key]).string)
    }
}
