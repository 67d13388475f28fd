#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where GDCM parses and decodes DICOM files.
///
/// GDCM is C++ fed with untrusted bytes: a malformed file can make it abort (Debian builds
/// it with assertions on) or fault. In a child process that costs one study; in-process it
/// costs the process. So `ctscreen` reads every series through a child — itself, re-executed
/// with the hidden `decode-series` subcommand — and the child answers with one checked frame
/// (`DecoderWire`). A crash, a signal, a timeout or malformed output becomes one `VolumeError`
/// naming the study folder, the file the child was reading and what happened.
///
/// `.inProcess` is the library default (a library cannot know an executable that speaks the
/// protocol); the executable sets `standard` once at start-up. Tests of the shim itself read
/// in-process; tests of the isolation pass a `.childProcess` pointing at the built binary.
public enum DICOMDecoder: Sendable {
    case inProcess
    case childProcess(DecoderProcess)

    private static let lock = NSLock()
    nonisolated(unsafe) private static var current = DICOMDecoder.inProcess

    /// The decoder used when a call names none. Set once at start-up by the executable.
    public static var standard: DICOMDecoder {
        get { lock.lock(); defer { lock.unlock() }; return current }
        set { lock.lock(); defer { lock.unlock() }; current = newValue }
    }
}

/// How to start the decoder child.
public struct DecoderProcess: Sendable, Equatable {
    /// Default time limit of one child: reading a 500-slice JPEG-compressed series takes a
    /// few seconds, so 120 s means a hang, not a slow disk.
    public static let defaultTimeout: Double = 120
    /// The hidden subcommand of `ctscreen` that serves one request (see `DecoderService`).
    public static let subcommand = "decode-series"
    /// Fault injection for tests, read by the child only: `segv`, `abort`, `hang`,
    /// `garbage`, `exit` or `hog` (allocate 4 GiB), optionally `:TEXT` to act only on a file
    /// whose path contains TEXT. The child then crashes, hangs, writes garbage, exits or
    /// hogs memory when GDCM is about to read that file. Never set it in production.
    public static let faultInjectionVariable = "CTSCREEN_FAULT_INJECT_DECODER"

    public var executable: String
    public var arguments: [String]
    /// Seconds before the child is killed (SIGKILL) and the read fails.
    public var timeout: Double
    /// Added to (or overriding) the parent's environment for the child.
    public var environment: [String: String]

    public init(executable: String, arguments: [String] = [DecoderProcess.subcommand],
                timeout: Double = DecoderProcess.defaultTimeout, environment: [String: String] = [:]) {
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
        self.environment = environment
    }

    /// The running executable (Linux: /proc/self/exe resolved), for re-executing ourselves.
    public static func currentExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    /// Runs one request in a child; its answer or one `VolumeError` about `subject`.
    func run(_ request: DecoderWire.Request, subject: String) throws -> DecoderWire.Answer {
        let input = Array(try DecoderWire.encoder().encode(request))
        var env = ProcessInfo.processInfo.environment
        // The Swift runtime's crash backtracer would spend seconds symbolicating a crash the
        // parent reports anyway.
        env["SWIFT_BACKTRACE"] = "enable=no"
        env.merge(environment) { $1 }
        var reader = DecoderWire.Reader()
        var lastFile: String?
        var otherLines: [String] = []
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess.run(
                executable: executable, arguments: arguments, environment: env, input: input, timeout: timeout,
                stdout: { try reader.consume($0) },
                stderrLine: { line in
                    if line.hasPrefix(DecoderService.tracePrefix) {
                        lastFile = String(line.dropFirst(DecoderService.tracePrefix.count))
                    } else if !line.isEmpty {
                        otherLines.append(String(line.prefix(300)))
                        if otherLines.count > 3 { otherLines.removeFirst() }
                    }
                })
        } catch {
            throw VolumeError(.decoderUnavailable, subject, "the DICOM decoder could not run: \(error)")
        }
        let on = lastFile.map { " on \($0)" } ?? ""
        func failure(_ kind: VolumeError.Kind, _ reason: String) -> VolumeError {
            var e = VolumeError(kind, subject, reason)
            e.file = lastFile
            return e
        }
        let said = otherLines.isEmpty ? "" : " (it said: \(otherLines.joined(separator: " | ")))"
        if outcome.timedOut {
            throw failure(.decoderTimedOut, "the DICOM decoder did not finish within \(format(timeout)) s"
                              + "\(on) and was killed; the study is not read\(said)")
        }
        // Killed by us for its output: the output is the news, not the SIGKILL.
        if let problem = outcome.sinkError {
            throw VolumeError(.decoderMalformedOutput, subject, "the DICOM decoder gave malformed output\(on): \(problem)")
        }
        switch outcome.termination {
        case .signalled(let s):
            // A crash voids even a complete answer: the child's memory was not sound.
            throw failure(.decoderCrashed, "the DICOM decoder crashed (\(ChildProcess.signalName(s)))"
                              + "\(on); the study is not read (the decoder ran in a child process)\(said)")
        case .exited(let code) where code != 0:
            throw failure(.decoderCrashed, "the DICOM decoder exited with status \(code)\(on)"
                              + " without an answer; the study is not read\(said)")
        case .exited:
            break
        }
        do {
            return try reader.answer()
        } catch {
            throw VolumeError(.decoderMalformedOutput, subject, "the DICOM decoder gave malformed output\(on): \(error)")
        }
    }

    private func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

extension DICOMDecoder {
    /// Scans a folder's headers (see `DICOMFolder.scan`) with this decoder.
    func scan(_ folder: URL) throws -> DICOMFolderScan {
        switch self {
        case .inProcess:
            return try DICOMFolder.scanInProcess(folder)
        case .childProcess(let child):
            try DICOMFolder.checkFolder(folder)
            // A child that dies on a file's header costs that file, not the folder (a folder
            // may hold many studies): the scan runs again without it, and the file is listed
            // as a problem, as an unreadable file is. At most `maxSkipped` times.
            var skipped: [VolumeError] = []
            while true {
                let request = DecoderWire.Request(operation: .scan, folder: folder.path, skip: skipped.map(\.subject))
                do {
                    var scan = try expect(child.run(request, subject: folder.path)) {
                        if case .scan(let s) = $0 { return s } else { return nil }
                    }
                    scan.problems = (scan.problems + skipped).sorted { $0.subject < $1.subject }
                    return scan
                } catch let e as VolumeError where [.decoderCrashed, .decoderTimedOut].contains(e.kind) {
                    guard let file = e.file, file.hasPrefix(folder.path + "/"), !skipped.contains(where: { $0.subject == file }),
                          skipped.count < Self.maxSkipped else { throw e }
                    skipped.append(VolumeError(e.kind, file, e.reason.replacingOccurrences(of: " on \(file)", with: "")
                        .replacingOccurrences(of: "; the study is not read", with: " reading this file")))
                }
            }
        }
    }

    /// Files a folder scan leaves out after the decoder child died on them, before giving up.
    static let maxSkipped = 10

    /// Reads one series of a folder (scan, select, validate, decode) with this decoder.
    func read(_ folder: URL, selection: SeriesSelection, rules: SeriesRules) throws -> Volume {
        switch self {
        case .inProcess:
            return try DICOMSeriesReader.readInProcess(folder, selection: selection, rules: rules)
        case .childProcess(let child):
            try DICOMFolder.checkFolder(folder)
            var uid: String?
            if case .uid(let u) = selection { uid = u }
            let request = DecoderWire.Request(operation: .readFolder, folder: folder.path, seriesInstanceUID: uid, rules: rules)
            return try volume(child.run(request, subject: folder.path))
        }
    }

    /// Validates and decodes a series scanned before with this decoder.
    func read(_ series: DICOMSeries, rules: SeriesRules) throws -> Volume {
        switch self {
        case .inProcess:
            return try DICOMSeriesReader.decode(try SeriesValidator.validate(series, rules: rules))
        case .childProcess(let child):
            // Validation needs no GDCM: fail fast, in-process, with the usual errors.
            _ = try SeriesValidator.validate(series, rules: rules)
            let folder = series.headers.first.map { ($0.path as NSString).deletingLastPathComponent } ?? series.seriesInstanceUID
            let request = DecoderWire.Request(operation: .readSeries, series: series, rules: rules)
            return try volume(child.run(request, subject: folder))
        }
    }

    /// The header of one file (see `DICOMFile.readHeader`) with this decoder.
    func header(_ url: URL) throws -> DICOMHeader {
        switch self {
        case .inProcess:
            return try GDCM.readHeader(url.path)
        case .childProcess(let child):
            let request = DecoderWire.Request(operation: .fileHeader, folder: url.path)
            let scan = try expect(child.run(request, subject: url.path)) {
                if case .scan(let s) = $0 { return s } else { return nil }
            }
            guard let header = scan.series.first?.headers.first else {
                throw VolumeError(.decoderMalformedOutput, url.path, "the DICOM decoder answered without the header")
            }
            return header
        }
    }

    /// One file as a one-slice volume (see `DICOMFile.readVolume`) with this decoder.
    func readFile(_ url: URL) throws -> Volume {
        switch self {
        case .inProcess:
            return try DICOMFile.readVolumeInProcess(at: url)
        case .childProcess(let child):
            return try volume(child.run(DecoderWire.Request(operation: .readFile, folder: url.path), subject: url.path))
        }
    }

    private func volume(_ answer: DecoderWire.Answer) throws -> Volume {
        try expect(answer) { if case .volume(let v) = $0 { return v } else { return nil } }
    }

    private func expect<T>(_ answer: DecoderWire.Answer, _ pick: (DecoderWire.Answer) -> T?) throws -> T {
        if case .error(let e) = answer { throw e }
        guard let value = pick(answer) else {
            throw VolumeError(.decoderMalformedOutput, "decoder", "the DICOM decoder answered with the wrong kind of frame")
        }
        return value
    }
}
