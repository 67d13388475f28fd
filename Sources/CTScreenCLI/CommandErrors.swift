import ArgumentParser
import Foundation

/// Runs a command's work: an error from the modules (each names its file or study and the
/// reason) becomes one `error: …` line on stderr and exit status 1. The argument parser's
/// own errors and exit codes pass through untouched.
func reportingErrors(_ work: () throws -> Void) throws {
    do {
        try work()
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}
