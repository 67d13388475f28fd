#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The child's side: reads one request from stdin, answers with one frame on stdout.
public enum DecoderService {
    /// stderr lines "ctscreen-decode: reading PATH" name the file GDCM is about to read, so
    /// the parent can name it if the child dies.
    static let tracePrefix = "ctscreen-decode: reading "

    /// Serves one request; returns the exit status. Anything written to stdout by a library
    /// goes to stderr instead (stdout is moved to a private descriptor first).
    public static func serve() -> Int32 {
        let out = dup(1)
        guard out >= 0, dup2(2, 1) >= 0 else { return 3 }
        let environment = ProcessInfo.processInfo.environment
        let fault = Fault(environment[DecoderProcess.faultInjectionVariable], output: out)
        let headroom = memoryHeadroom(environment)
        limitAddressSpace(extra: headroom)
        GDCM.willRead = { path in
            let line = Array((tracePrefix + path + "\n").utf8)
            writeAll(2, line)
            fault?.act(on: path)
        }
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let request: DecoderWire.Request
        do {
            request = try DecoderWire.decoder().decode(DecoderWire.Request.self, from: input)
        } catch {
            writeAll(2, Array("decode-series: the request on stdin does not decode: \(error)\n".utf8))
            return 2
        }
        do {
            switch request.operation {
            case .scan:
                let scan = try DICOMFolder.scanInProcess(URL(fileURLWithPath: request.folder ?? ""),
                                                         skip: Set(request.skip ?? []))
                writeAll(out, try DecoderWire.frame(.scan(scan)))
            case .readFolder:
                // As DICOMSeriesReader.readInProcess, with room for the volume made before decoding.
                let selection: SeriesSelection = request.seriesInstanceUID.map { .uid($0) } ?? .automatic
                let scan = try DICOMFolder.scanInProcess(URL(fileURLWithPath: request.folder ?? ""))
                if let problem = scan.problems.first { throw problem }
                let series = try DICOMFolder.select(selection, from: scan)
                let layout = try SeriesValidator.validate(series, rules: request.rules ?? SeriesRules())
                limitAddressSpace(extra: headroom + 2 * layout.size.count)
                try writeVolume(try DICOMSeriesReader.decode(layout), to: out)
            case .fileHeader:
                let path = request.folder ?? ""
                let header = try GDCM.readHeader(path)
                let scan = DICOMFolderScan(folder: path, series: [DICOMSeries(seriesInstanceUID: header.seriesInstanceUID,
                                                                              headers: [header])], problems: [])
                writeAll(out, try DecoderWire.frame(.scan(scan)))
            case .readFile:
                try writeVolume(try DICOMFile.readVolumeInProcess(at: URL(fileURLWithPath: request.folder ?? "")), to: out)
            case .readSeries:
                guard let series = request.series else {
                    throw VolumeError(.noValidSeries, "decode-series", "request without a series")
                }
                let layout = try SeriesValidator.validate(series, rules: request.rules ?? SeriesRules())
                limitAddressSpace(extra: headroom + 2 * layout.size.count)
                try writeVolume(try DICOMSeriesReader.decode(layout), to: out)
            }
        } catch let error as VolumeError {
            writeAll(out, (try? DecoderWire.frame(.error(error))) ?? [])
        } catch {
            writeAll(out, (try? DecoderWire.frame(.error(VolumeError(.unreadable, request.folder ?? "series", "\(error)")))) ?? [])
        }
        close(out)
        return 0
    }

    /// Address space the child may map beyond what it has (and, before decoding a series,
    /// beyond that plus the volume): `CTSCREEN_DECODE_MEMORY_HEADROOM_MB`, default 512, 0 = no
    /// limit. The fuzzer (Scripts/fuzz-dicom) found ~100 KB files whose length fields make GDCM
    /// allocate and zero-fill 800 MB; under the limit GDCM's allocation throws bad_alloc, which
    /// the shim reports as an unreadable file, instead of the child growing into the memory
    /// its parent and neighbours need. A decoded slice and GDCM's copy of a file take a few MB.
    static let memoryHeadroomVariable = "CTSCREEN_DECODE_MEMORY_HEADROOM_MB"
    static let defaultMemoryHeadroomMB = 512

    static func memoryHeadroom(_ environment: [String: String]) -> Int {
        guard let text = environment[memoryHeadroomVariable], let mb = Int(text), mb >= 0 else {
            return defaultMemoryHeadroomMB << 20
        }
        return mb << 20
    }

    /// Sets the soft RLIMIT_AS to the current mapping (VmSize) + `extra` bytes; `extra` 0: no
    /// change. The hard limit stays, so a later call may raise the soft one again.
    static func limitAddressSpace(extra: Int) {
        guard extra > 0 else { return }
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmSize:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return }
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0 else { return }
        var wanted = rlim_t(kb * 1024 + extra)
        if limit.rlim_max != rlim_t.max { wanted = min(wanted, limit.rlim_max) }  // rlim_t.max: RLIM_INFINITY
        limit.rlim_cur = wanted
        _ = setrlimit(Int32(RLIMIT_AS.rawValue), &limit)
    }

    /// Head, voxels straight from the array (no second copy of the volume), trailer.
    static func writeVolume(_ v: Volume, to fd: Int32) throws {
        let json = try DecoderWire.encoder().encode(DecoderWire.VolumeHead(size: v.size, geometry: v.geometry, metadata: v.metadata))
        writeAll(fd, DecoderWire.head(.volume, json: json) + DecoderWire.lengthField(v.voxels.count * 2))
        v.voxels.withUnsafeBytes { writeAll(fd, $0) }
        writeAll(fd, DecoderWire.trailer)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) { bytes.withUnsafeBytes { writeAll(fd, $0) } }

    /// Writes everything or exits: a parent that stopped reading has given up on this child.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { exit(4) }
            done += n
        }
    }

    /// Test-only faults (`DecoderProcess.faultInjectionVariable`).
    struct Fault {
        enum Action: String { case segv, abort, hang, garbage, exit, hog }
        var action: Action
        var pathContains: String?
        var output: Int32

        init?(_ spec: String?, output: Int32) {
            guard let spec, !spec.isEmpty else { return nil }
            let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
            guard let action = Action(rawValue: parts[0]) else {
                writeAll(2, Array("decode-series: unknown fault '\(spec)' ignored\n".utf8))
                return nil
            }
            self.action = action
            self.pathContains = parts.count > 1 ? parts[1] : nil
            self.output = output
        }

        func act(on path: String) {
            if let text = pathContains, !path.contains(text) { return }
            writeAll(2, Array("decode-series: fault injection \(action.rawValue) on \(path)\n".utf8))
            switch action {
            case .segv: raise(SIGSEGV)
            case .abort: abort()
            case .hang: while true { sleep(1000) }
            case .garbage:
                writeAll(output, Array("this is not a decoded volume\n".utf8))
                Foundation.exit(0)
            case .exit: Foundation.exit(7)
            case .hog:
                // What a hostile length field does to GDCM: ask for 4 GiB and touch it.
                let size = 4 << 30
                guard let p = malloc(size) else {
                    writeAll(2, Array("decode-series: fault injection hog: 4 GiB refused by the address-space limit\n".utf8))
                    Foundation.exit(8)
                }
                memset(p, 1, size)
                Foundation.exit(9)
            }
        }
    }
}
