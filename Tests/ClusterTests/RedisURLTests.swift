import XCTest
@testable import Cluster

final class RedisURLTests: XCTestCase {
    func testHostPortDatabase() throws {
        XCTAssertEqual(try RedisURL(parsing: "redis://10.0.0.5:6380/3"), RedisURL(host: "10.0.0.5", port: 6380, database: 3))
        XCTAssertEqual(try RedisURL(parsing: "redis://redis"), RedisURL(host: "redis", port: 6379, database: 0))
        XCTAssertEqual(try RedisURL(parsing: "redis://redis.svc:7000"), RedisURL(host: "redis.svc", port: 7000))
        XCTAssertEqual(try RedisURL(parsing: "redis://[::1]:6390/2"), RedisURL(host: "::1", port: 6390, database: 2))
    }

    func testUserAndPassword() throws {
        let acl = try RedisURL(parsing: "redis://alice:s3cret@cache:6379/15")
        XCTAssertEqual(acl, RedisURL(host: "cache", port: 6379, database: 15, user: "alice", password: "s3cret"))
        let passwordOnly = try RedisURL(parsing: "redis://:s3cret@cache")
        XCTAssertEqual(passwordOnly.user, nil)
        XCTAssertEqual(passwordOnly.password, "s3cret")
        let escaped = try RedisURL(parsing: "redis://bob:p%40ss%3Aw%2Frd@h:1/0")
        XCTAssertEqual(escaped.user, "bob")
        XCTAssertEqual(escaped.password, "p@ss:w/rd")
        // The last @ separates the user info, so a raw @ in a password still parses.
        XCTAssertEqual(try RedisURL(parsing: "redis://u:a@b@h").password, "a@b")
    }

    func testDescriptionHidesThePassword() throws {
        XCTAssertEqual(try RedisURL(parsing: "redis://alice:s3cret@cache:6379/15").description, "redis://alice:***@cache:6379/15")
        XCTAssertEqual(try RedisURL(parsing: "redis://:s3cret@cache").description, "redis://:***@cache:6379/0")
    }

    func testRejectsBadURLs() {
        for bad in ["http://h:1", "rediss://h:1", "redis://h:port", "redis://h:0", "redis://h:70000", "redis://h:1/x",
                    "redis://h:1/-1", "redis://[::1", "redis://u:p%zz@h"] {
            XCTAssertThrowsError(try RedisURL(parsing: bad), bad) { error in
                XCTAssertEqual((error as? ClusterError)?.code, .invalidURL, bad)
            }
        }
        // The error message never shows the password.
        XCTAssertThrowsError(try RedisURL(parsing: "redis://u:topsecret@h:bad")) { error in
            XCTAssertFalse("\(error)".contains("topsecret"), "\(error)")
        }
    }

    func testKeyLayout() throws {
        let k = Keys.standard
        XCTAssertEqual(k.queue(.studies, .bulk), "ctscreen:queue:studies")
        XCTAssertEqual(k.queue(.studies, .urgent), "ctscreen:queue:studies:urgent")
        XCTAssertEqual(k.queue(.slices, .bulk), "ctscreen:queue:slices")
        XCTAssertEqual(k.queue(.reduce, .bulk), "ctscreen:queue:reduce")
        XCTAssertEqual(k.deadLetters, "ctscreen:queue:dead")
        XCTAssertEqual(k.processing("w1", .slices, .urgent), "ctscreen:processing:w1:slices:urgent")
        XCTAssertEqual(k.heartbeat("w1"), "ctscreen:heartbeat:w1")
        XCTAssertEqual(k.batchPayload("dcm-0a1b", attempt: 1, batch: 7), "ctscreen:payload:dcm-0a1b:a1:batch:7")
        XCTAssertEqual(k.contextPayload("dcm-0a1b", attempt: 2), "ctscreen:payload:dcm-0a1b:a2:context")
        XCTAssertEqual(k.results("dcm-0a1b", attempt: 2), "ctscreen:results:dcm-0a1b:a2")
        XCTAssertEqual(k.report("dcm-0a1b", attempt: 3), "ctscreen:report:dcm-0a1b:a3")
        XCTAssertEqual(k.studies(in: .failed), "ctscreen:studies:failed")
        XCTAssertEqual(try Keys(prefix: "site-a").queue(.reduce, .urgent), "site-a:queue:reduce:urgent")
        XCTAssertThrowsError(try Keys(prefix: ""))
        XCTAssertThrowsError(try Keys(prefix: "has space"))
    }
}
