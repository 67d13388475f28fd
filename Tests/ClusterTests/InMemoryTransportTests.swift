import XCTest
@testable import Cluster

/// The behavioural suite (`TransportBehaviour`) on the in-memory transport.
final class InMemoryTransportTests: XCTestCase {
    private var suite: TransportBehaviour {
        TransportBehaviour(make: { InMemoryTransport(keys: try Keys(prefix: TestSupport.randomPrefix())) })
    }

    func testPushTakeAck() throws { try suite.pushTakeAck() }

    func testDeadLetterAndStudyFailureAreOneStep() throws { try suite.deadLetterAndStudyFailureAreOneStep() }

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

    func testReaperWaitsOutAnOutage() throws {
        try suite.reaperWaitsOutAnOutage { ($0 as! InMemoryTransport).simulateReconnect() }
    }
}
