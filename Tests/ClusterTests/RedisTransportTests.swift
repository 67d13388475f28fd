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
}
