import ArgumentParser
import Foundation

/// One way every command reports a failure: one line on stderr,
/// `ctscreen <command>: <what failed, naming the file or study, and why>`, and exit status 1.
/// The argument parser's own errors (`Error: …`, status 64) and exit codes pass through.
enum CommandFailure {
    /// Prints the line for `error` (folded to one line) and returns the exit code to throw.
    static func report(_ command: String, _ error: Error) -> ExitCode { report(command, message: "\(error)") }

    static func report(_ command: String, message: String) -> ExitCode {
        let text = message.split(separator: "\n").joined(separator: "; ")
        FileHandle.standardError.write(Data("ctscreen \(command): \(text)\n".utf8))
        return .failure
    }
}

/// Runs a command's work, reporting a module error as `CommandFailure` does.
func reportingErrors(_ command: String, _ work: () throws -> Void) throws {
    do {
        try work()
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        throw CommandFailure.report(command, error)
    }
}
