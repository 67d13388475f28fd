import CTScreenTestSupport
import Foundation
import XCTest
@testable import Cluster

/// The Redis ACL users that ship in `Deploy/redis/users.acl`, read by the tests so they test
/// what ships: a command added to or removed from that file changes what the tests grant.
struct ShippedACL {
    struct User {
        /// `ctscreen-worker`, …
        let name: String
        /// The rules after the name, as in the file (`on`, `~ctscreen:*`, `-@all`, `+get`, …).
        let rules: [String]
        /// `worker`, `operator`, …
        var role: String { name.hasPrefix("ctscreen-") ? String(name.dropFirst("ctscreen-".count)) : name }
        /// The commands granted one by one (`+get` → `get`, `+script|load` → `script|load`).
        var commands: [String] { rules.filter { $0.hasPrefix("+") && !$0.hasPrefix("+@") }.map { String($0.dropFirst()).lowercased() } }
    }

    static var path: URL { SharedFolder.repositoryRoot.appendingPathComponent("Deploy/redis/users.acl") }

    let users: [User]

    init() throws {
        let text = try String(contentsOf: Self.path, encoding: .utf8)
        var users: [User] = []
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) where !line.isEmpty {
            let words = line.split(separator: " ").map(String.init)
            // Redis's aclfile has no comments: every line must be `user NAME RULES…`.
            XCTAssertEqual(words.first, "user", "\(Self.path.path): \(line)")
            guard words.count >= 2 else { continue }
            users.append(User(name: words[1], rules: Array(words.dropFirst(2))))
        }
        self.users = users
    }

    func user(_ role: String) throws -> User {
        try XCTUnwrap(users.first { $0.role == role }, "no user for role \(role) in \(Self.path.path)")
    }

    /// The rules with the key patterns moved from the shipped prefix `ctscreen` to `prefix`.
    static func rules(_ user: User, prefix: String, without dropped: Set<String> = []) -> [String] {
        user.rules.compactMap { rule in
            if rule.hasPrefix("+"), dropped.contains(String(rule.dropFirst()).lowercased()) { return nil }
            return rule.replacingOccurrences(of: "~ctscreen:", with: "~\(prefix):")
        }
    }

    /// Creates the role's user on `admin`'s server as `<name>-<random>` with a random password
    /// (rules as shipped, keys under `prefix`, minus `dropped` commands); returns a URL for it
    /// and the user's name (delete it with `ACL DELUSER`).
    static func createUser(_ user: User, on admin: RedisConnection, url: RedisURL, prefix: String,
                           without dropped: Set<String> = []) throws -> (url: RedisURL, name: String) {
        let name = "\(user.name)-t\(UInt32.random(in: 0...UInt32.max))"
        let password = (0..<4).map { _ in String(UInt32.random(in: 0...UInt32.max), radix: 16) }.joined()
        let args = ["ACL", "SETUSER", name, "reset"] + rules(user, prefix: prefix, without: dropped) + [">\(password)"]
        try admin.command(args).checked("ACL SETUSER \(name)")
        var limited = url
        limited.user = name
        limited.password = password
        return (limited, name)
    }

    /// Entries of `ACL LOG` (denials) for `users`: (username, object, reason).
    static func denials(on admin: RedisConnection, users: Set<String>) throws -> [(user: String, object: String, reason: String)] {
        let entries = try admin.command(["ACL", "LOG", "128"]).checked("ACL LOG").array ?? []
        return entries.compactMap { entry in
            guard let flat = entry.array else { return nil }
            var fields: [String: String] = [:]
            var i = 0
            while i + 1 < flat.count {
                if let k = flat[i].string { fields[k] = flat[i + 1].string ?? flat[i + 1].integer.map(String.init) ?? "" }
                i += 2
            }
            guard let u = fields["username"], users.contains(u) else { return nil }
            return (u, fields["object"] ?? "", fields["reason"] ?? "")
        }
    }
}
