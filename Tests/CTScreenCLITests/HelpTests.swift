import ArgumentParser
import XCTest
@testable import CTScreenCLI

/// What a user sees first, through the real binary (as swift-argument-parser's own tests run
/// theirs): every command answers `--help` with exit status 0 and its usage, and refuses an
/// unknown option with one error line and the usage exit status (64), never a crash.
final class HelpTests: XCTestCase {
    func testRootHelpSaysResearchSoftware() {
        let help = CTScreen.helpMessage().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(help.contains("not a medical device"), help)
        XCTAssertTrue(help.contains("inspect"), help)
    }

    func testEveryCommandAnswersHelpAndRefusesAnUnknownOption() throws {
        let binary = try AnalyzeTests.binary(configuration: "debug")
        let names = [nil] + CTScreen.configuration.subcommands.map { $0.configuration.commandName ?? "" }
        for name in names {
            let command = name.map { [$0] } ?? []
            let (status, out, err) = try AnalyzeTests.run(binary, command + ["--help"])
            XCTAssertEqual(status, 0, "\(command) --help: \(err)")
            XCTAssertTrue(out.contains("USAGE:"), "\(command) --help printed no usage: \(out)")
            let (bad, _, message) = try AnalyzeTests.run(binary, command + ["--no-such-option"])
            XCTAssertEqual(bad, ExitCode.validationFailure.rawValue, "\(command) --no-such-option: \(message)")
            // The parser names the first problem: the unknown option, or a required argument missing.
            XCTAssertTrue(message.hasPrefix("Error: ") && (message.contains("'--no-such-option'") || message.contains("Missing expected")),
                          "\(command): \(message)")
        }
        XCTAssertGreaterThan(names.count, 20)
    }
}
