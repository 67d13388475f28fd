import ArgumentParser
import Foundation
import Volumes

/// The decoder child (hidden): a parent `ctscreen` re-executes itself with this subcommand
/// to read DICOM with GDCM in a separate process (see `DICOMDecoder`). Request on stdin,
/// one checked frame on stdout, the file being read on stderr.
struct DecodeSeries: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: DecoderProcess.subcommand,
        abstract: "Reads DICOM with GDCM for a parent ctscreen process (internal: request on stdin, answer on stdout).",
        shouldDisplay: false)

    func run() throws {
        Foundation.exit(DecoderService.serve())
    }
}

/// Where this process decodes DICOM, from the environment: `CTSCREEN_DECODER` = `child`
/// (default: each series in a child process, re-executing this binary) or `in-process`
/// (GDCM in this process: a crash in GDCM then kills it); `CTSCREEN_DECODE_TIMEOUT` =
/// seconds a child may take (default 120).
public enum DecoderSetting {
    public static let modeVariable = "CTSCREEN_DECODER"
    public static let timeoutVariable = "CTSCREEN_DECODE_TIMEOUT"

    /// Sets `DICOMDecoder.standard`; exits with status 2 on a malformed setting.
    public static func configure(environment: [String: String] = ProcessInfo.processInfo.environment) {
        do {
            DICOMDecoder.standard = try decoder(environment: environment)
        } catch {
            FileHandle.standardError.write(Data("ctscreen: \(error)\n".utf8))
            Foundation.exit(2)
        }
    }

    static func decoder(environment: [String: String]) throws -> DICOMDecoder {
        var timeout = DecoderProcess.defaultTimeout
        if let text = environment[timeoutVariable], !text.isEmpty {
            guard let t = Double(text), t > 0, t.isFinite else {
                throw ValidationError("\(timeoutVariable)=\(text): expected a positive number of seconds")
            }
            timeout = t
        }
        switch environment[modeVariable] ?? "" {
        case "", "child":
            return .childProcess(DecoderProcess(executable: DecoderProcess.currentExecutable(), timeout: timeout))
        case "in-process":
            return .inProcess
        case let other:
            throw ValidationError("\(modeVariable)=\(other): expected 'child' or 'in-process'")
        }
    }
}
