import CTScreenTestSupport
import Foundation
import XCTest
@testable import Volumes

/// GDCM in a child process (`DICOMDecoder.childProcess`): broken files, crashes, hangs and
/// garbage output each become one clear `VolumeError`, and this process reads a good series
/// afterwards. The child is the built `ctscreen` binary (XCTest cannot re-execute itself);
/// faults are injected into it with `CTSCREEN_FAULT_INJECT_DECODER`.
final class DecoderIsolationTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws { folder = try TestData.temporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func child(fault: String? = nil, timeout: Double = 60) throws -> DICOMDecoder {
        try TestData.childDecoder(environment: fault.map { [DecoderProcess.faultInjectionVariable: $0] } ?? [:], timeout: timeout)
    }

    /// The error of reading `url` with `decoder`, which must be a VolumeError of `kind`
    /// whose text contains every part.
    @discardableResult
    func readFails(_ url: URL, _ decoder: DICOMDecoder, kind: VolumeError.Kind, containing parts: [String],
                   file: StaticString = #filePath, line: UInt = #line) -> VolumeError? {
        do {
            let v = try DICOMSeriesReader.read(url, decoder: decoder)
            XCTFail("read \(v.size) instead of failing", file: file, line: line)
        } catch let e as VolumeError {
            XCTAssertEqual(e.kind, kind, "\(e)", file: file, line: line)
            for part in parts { XCTAssertTrue("\(e)".contains(part), "'\(part)' not in: \(e)", file: file, line: line) }
            return e
        } catch {
            XCTFail("not a VolumeError: \(error)", file: file, line: line)
        }
        return nil
    }

    /// A good series still reads, through a child and identically to in-process.
    func assertGoodSeriesReads(_ decoder: DICOMDecoder, file: StaticString = #filePath, line: UInt = #line) throws {
        let good = folder.appendingPathComponent("good")
        if !FileManager.default.fileExists(atPath: good.path) { try DICOMWriter.writeSeries(TestData.phantom(), to: good) }
        let read = try DICOMSeriesReader.read(good, decoder: decoder)
        XCTAssertEqual(read.voxels, TestData.phantom().voxels, file: file, line: line)
        XCTAssertEqual(read.geometry, TestData.phantom().geometry, file: file, line: line)
    }

    // MARK: corrupt files

    func testCorruptFilesGiveTheSameClearErrorsThroughTheChild() throws {
        let decoder = try child()
        // Header cut short: GDCM's assertion aborts (in-process this kills the test runner).
        let header = folder.appendingPathComponent("header")
        var urls = try DICOMWriter.writeSeries(TestData.phantom(), to: header)
        var data = try Data(contentsOf: urls[0])
        try data.prefix(300).write(to: urls[0])
        readFails(header, decoder, kind: .decoderCrashed,
                  containing: ["\(header.path): the DICOM decoder crashed (SIGABRT) on", "slice-0001.dcm", "Assertion"])

        // Native pixel data cut short.
        let pixels = folder.appendingPathComponent("pixels")
        urls = try DICOMWriter.writeSeries(TestData.phantom(columns: 64, rows: 64), to: pixels)
        data = try Data(contentsOf: urls[2])
        try data.prefix(data.count - 4000).write(to: urls[2])
        readFails(pixels, decoder, kind: .unreadable, containing: ["slice-0003.dcm: truncated file: pixel data ends at byte"])

        // Not DICOM at all among the slices.
        let notes = folder.appendingPathComponent("notes")
        try DICOMWriter.writeSeries(TestData.phantom(), to: notes)
        try Data("patient notes\n".utf8).write(to: notes.appendingPathComponent("notes.txt"))
        readFails(notes, decoder, kind: .notDICOM, containing: ["notes.txt: not a DICOM file"])

        // Random bytes behind a valid preamble and "DICM".
        let noise = folder.appendingPathComponent("noise")
        urls = try DICOMWriter.writeSeries(TestData.phantom(), to: noise)
        var generator = SystemRandomNumberGenerator()
        let random = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try (Data(count: 128) + Data("DICM".utf8) + Data(random)).write(to: urls[5])
        readFails(noise, decoder, kind: .unreadable, containing: ["slice-0006.dcm"])

        try assertGoodSeriesReads(decoder)
    }

    /// JPEG decoders fill a cut-short compressed stream silently; through the child too the
    /// reader refuses it, and the real series next to it reads afterwards.
    func testTruncatedCompressedRealFileThroughTheChild() throws {
        let source = try TestData.data("volumes/ricord-1a-000082-covid")
        let names = try FileManager.default.contentsOfDirectory(atPath: source.path).sorted().prefix(12)
        for name in names {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let decoder = try child()
        let intact = try DICOMSeriesReader.read(folder, decoder: decoder)
        XCTAssertEqual(intact.voxels, try DICOMSeriesReader.read(folder, decoder: .inProcess).voxels)
        let victim = folder.appendingPathComponent(names[names.startIndex + 4])
        let data = try Data(contentsOf: victim)
        try data.prefix(data.count / 2).write(to: victim)
        readFails(folder, decoder, kind: .unreadable,
                  containing: ["\(victim.lastPathComponent): truncated file: compressed pixel data has no sequence delimiter"])
    }

    /// The shared reader edge cases: none of them crashes the child, each gets an answer.
    func testDICOMSamplesScanLikeInProcess() throws {
        let samples = try TestData.data("dicom-samples/pydicom")
        let decoder = try child()
        let viaChild = try DICOMFolder.scan(samples, decoder: decoder)
        let inProcess = try DICOMFolder.scan(samples, decoder: .inProcess)
        XCTAssertEqual(viaChild.series.map(\.headers), inProcess.series.map(\.headers))
        XCTAssertEqual(viaChild.problems, inProcess.problems)
        XCTAssertEqual(viaChild.copies, inProcess.copies)
        XCTAssertFalse(viaChild.series.isEmpty)
    }

    func testRealSeriesThroughTheChildEqualsInProcess() throws {
        let url = try TestData.data("volumes/lung-pet-ct-dx-a0002-noncovid")
        let viaChild = try DICOMSeriesReader.read(url, decoder: try child())
        let inProcess = try DICOMSeriesReader.read(url, decoder: .inProcess)
        XCTAssertEqual(viaChild.size, inProcess.size)
        XCTAssertEqual(viaChild.geometry, inProcess.geometry)
        XCTAssertEqual(viaChild.metadata, inProcess.metadata)
        XCTAssertTrue(viaChild.voxels == inProcess.voxels)
        // A series scanned before (as `inspect` does) decodes through the child as well.
        let series = try DICOMFolder.select(.automatic, from: DICOMFolder.scan(url, decoder: .inProcess))
        XCTAssertTrue(try DICOMSeriesReader.read(series, decoder: try child()).voxels == inProcess.voxels)
    }

    // MARK: a child that crashes, hangs or talks nonsense

    func testCrashingChildIsReportedWithItsSignalAndFile() throws {
        let good = folder.appendingPathComponent("good")
        try DICOMWriter.writeSeries(TestData.phantom(), to: good)
        let e = readFails(good, try child(fault: "segv:slice-0003"), kind: .decoderCrashed,
                          containing: [good.path, "the DICOM decoder crashed (SIGSEGV) on", "slice-0003.dcm"])
        XCTAssertEqual(e?.subject, good.path)
        readFails(good, try child(fault: "abort"), kind: .decoderCrashed,
                  containing: ["the DICOM decoder crashed (SIGABRT) on", "slice-0001.dcm"])
        readFails(good, try child(fault: "exit"), kind: .decoderCrashed,
                  containing: ["the DICOM decoder exited with status 7 on", "without an answer"])
        // Folder scans (discovery, `inspect`) are isolated the same way.
        XCTAssertThrowsError(try DICOMFolder.scan(good, decoder: try child(fault: "segv"))) {
            XCTAssertEqual(($0 as? VolumeError)?.kind, .decoderCrashed)
        }
        try assertGoodSeriesReads(try child())
    }

    func testHangingChildIsKilledAtTheTimeout() throws {
        let good = folder.appendingPathComponent("good")
        try DICOMWriter.writeSeries(TestData.phantom(), to: good)
        let start = Date()
        readFails(good, try child(fault: "hang:slice-0002", timeout: 2), kind: .decoderTimedOut,
                  containing: ["did not finish within 2 s on", "slice-0002.dcm", "was killed"])
        // A guard against the kill not happening at all, not a speed assertion.
        XCTAssertLessThan(Date().timeIntervalSince(start), 60)
        try assertGoodSeriesReads(try child())
    }

    func testGarbageOutputIsMalformed() throws {
        let good = folder.appendingPathComponent("good")
        try DICOMWriter.writeSeries(TestData.phantom(), to: good)
        readFails(good, try child(fault: "garbage"), kind: .decoderMalformedOutput,
                  containing: ["the DICOM decoder gave malformed output", "no frame magic"])
    }

    func testMissingExecutableIsUnavailable() throws {
        try DICOMWriter.writeSeries(TestData.phantom(), to: folder)
        let decoder = DICOMDecoder.childProcess(DecoderProcess(executable: folder.appendingPathComponent("no-such-binary").path))
        readFails(folder, decoder, kind: .decoderUnavailable, containing: ["the DICOM decoder could not run", "no-such-binary"])
    }

    // MARK: the frame format

    func testFrameRoundTripsInAnyChunking() throws {
        let volume = TestData.phantom()
        let frame = try DecoderWire.frame(.volume(volume))
        for chunk in [1, 7, 64, frame.count] {
            var reader = DecoderWire.Reader()
            var i = 0
            while i < frame.count {
                try frame[i..<min(i + chunk, frame.count)].withUnsafeBytes { try reader.consume($0) }
                i += chunk
            }
            guard case .volume(let back) = try reader.answer() else { return XCTFail("not a volume") }
            XCTAssertEqual(back.voxels, volume.voxels)
            XCTAssertEqual(back.geometry, volume.geometry)
            XCTAssertEqual(back.metadata, volume.metadata)
        }
        let error = VolumeError(.notCT, "x.dcm", "not CT (modality MR)")
        var reader = DecoderWire.Reader()
        try DecoderWire.frame(.error(error)).withUnsafeBytes { try reader.consume($0) }
        guard case .error(let back) = try reader.answer() else { return XCTFail("not an error") }
        XCTAssertEqual(back, error)
    }

    func testTruncatedOrExtendedFramesAreRefused() throws {
        let frame = try DecoderWire.frame(.volume(TestData.phantom(slices: 2)))
        for cut in [0, 5, 14, 40, frame.count - 9, frame.count - 1] {
            var reader = DecoderWire.Reader()
            try frame.prefix(cut).withUnsafeBytes { try reader.consume($0) }
            XCTAssertThrowsError(try reader.answer(), "cut at \(cut)")
        }
        var reader = DecoderWire.Reader()
        XCTAssertThrowsError(try (frame + [0]).withUnsafeBytes { try reader.consume($0) })
        // A payload length that disagrees with the volume size.
        var wrong = frame
        let jsonLength = Int(wrong[11]) | Int(wrong[12]) << 8 | Int(wrong[13]) << 16
        wrong[15 + jsonLength] &+= 2
        reader = DecoderWire.Reader()
        XCTAssertThrowsError(try wrong.withUnsafeBytes { try reader.consume($0) }) {
            XCTAssertTrue("\($0)".contains("payload of"), "\($0)")
        }
    }
}

extension DecoderIsolationTests {
    /// A folder scan (discovery, `inspect`) loses only the file the child died on: it is
    /// listed as a problem and the other series are found.
    func testScanSkipsTheFileTheChildDiedOn() throws {
        let a = folder.appendingPathComponent("a"), b = folder.appendingPathComponent("b")
        try DICOMWriter.writeSeries(TestData.phantom(), to: a)
        try DICOMWriter.writeSeries(TestData.phantom(slices: 11), to: b)
        let scan = try DICOMFolder.scan(folder, decoder: try child(fault: "abort:b/slice-0004"))
        XCTAssertEqual(scan.series.map(\.headers.count).sorted(), [10, 12])
        XCTAssertEqual(scan.problems.count, 1)
        let problem = try XCTUnwrap(scan.problems.first)
        XCTAssertEqual(problem.kind, .decoderCrashed)
        XCTAssertEqual(problem.subject, b.appendingPathComponent("slice-0004.dcm").path)
        XCTAssertTrue(problem.reason.hasPrefix("the DICOM decoder crashed (SIGABRT) reading this file"), problem.reason)
        // Reading the study itself fails as a whole, naming the file.
        readFails(b, try child(fault: "abort:b/slice-0004"), kind: .decoderCrashed,
                  containing: ["\(b.path): the DICOM decoder crashed (SIGABRT) on \(b.path)/slice-0004.dcm"])
    }
}

extension DecoderIsolationTests {
    /// Single files (`inspect FILE`, `explain`) go through the child as well.
    func testSingleFileThroughTheChild() throws {
        let url = try TestData.data("dicom-samples/pydicom/CT_small.dcm")
        let decoder = try child()
        XCTAssertEqual(try DICOMFile.readHeader(at: url, decoder: decoder), try DICOMFile.readHeader(at: url, decoder: .inProcess))
        let viaChild = try DICOMFile.readVolume(at: url, decoder: decoder)
        XCTAssertEqual(viaChild.voxels, try DICOMFile.readVolume(at: url, decoder: .inProcess).voxels)
        XCTAssertEqual(viaChild[0, 0, 0], 175 - 1024)
        // A refusal keeps its kind and words.
        let colour = try TestData.data("dicom-samples/pydicom/ExplVR_BigEnd.dcm")
        XCTAssertThrowsError(try DICOMFile.readVolume(at: colour, decoder: decoder)) {
            XCTAssertEqual(($0 as? VolumeError)?.kind, .unsupportedImage)
            XCTAssertTrue("\($0)".contains("ExplVR_BigEnd.dcm: colour image (3 samples per pixel)"), "\($0)")
        }
        // A header GDCM aborts on.
        let cut = folder.appendingPathComponent("cut.dcm")
        let urls = try DICOMWriter.writeSeries(TestData.phantom(), to: folder.appendingPathComponent("src"))
        try Data(try Data(contentsOf: urls[0]).prefix(300)).write(to: cut)
        XCTAssertThrowsError(try DICOMFile.readHeader(at: cut, decoder: decoder)) {
            XCTAssertEqual(($0 as? VolumeError)?.kind, .decoderCrashed)
            XCTAssertTrue("\($0)".contains("\(cut.path): the DICOM decoder crashed (SIGABRT) on \(cut.path)"), "\($0)")
        }
    }
}

extension DecoderIsolationTests {
    /// The child runs under an address-space limit: a 4 GiB request (what a hostile length
    /// field makes GDCM ask for) is refused; a real 255-slice series still reads.
    func testChildMemoryIsBounded() throws {
        let good = folder.appendingPathComponent("good")
        try DICOMWriter.writeSeries(TestData.phantom(), to: good)
        readFails(good, try child(fault: "hog:slice-0002"), kind: .decoderCrashed,
                  containing: ["exited with status 8 on", "slice-0002.dcm", "4 GiB refused by the address-space limit"])
        let ricord = try TestData.data("volumes/ricord-1a-000082-covid")
        XCTAssertEqual(try DICOMSeriesReader.read(ricord, decoder: try child()).size.slices, 255)
    }
}
