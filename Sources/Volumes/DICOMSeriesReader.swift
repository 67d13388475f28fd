import Foundation

/// Reads a DICOM series folder into a Volume of Hounsfield units.
///
/// Streams: all headers are read first (no pixels), the series is validated and sorted,
/// then slices are decoded one by one straight into one preallocated Int16 array, so the
/// peak memory is the volume plus one decoded slice.
public enum DICOMSeriesReader {
    /// Reads one series of `folder` (see `SeriesSelection`). Any file under the folder that
    /// cannot be read as DICOM fails the whole read: it might be a slice of the series.
    /// `decoder` says where GDCM runs (see `DICOMDecoder`; default: `DICOMDecoder.standard`).
    public static func read(_ folder: URL, selection: SeriesSelection = .automatic,
                            rules: SeriesRules = SeriesRules(), decoder: DICOMDecoder = .standard) throws -> Volume {
        try decoder.read(folder, selection: selection, rules: rules)
    }

    /// Validates and decodes one scanned series.
    public static func read(_ series: DICOMSeries, rules: SeriesRules = SeriesRules(),
                            decoder: DICOMDecoder = .standard) throws -> Volume {
        try decoder.read(series, rules: rules)
    }

    static func readInProcess(_ folder: URL, selection: SeriesSelection, rules: SeriesRules) throws -> Volume {
        let scan = try DICOMFolder.scanInProcess(folder)
        if let problem = scan.problems.first { throw problem }
        let series = try DICOMFolder.select(selection, from: scan)
        return try decode(try SeriesValidator.validate(series, rules: rules))
    }

    /// Decodes the slices of a validated layout in order.
    public static func decode(_ layout: SeriesLayout) throws -> Volume {
        let size = layout.size
        let perSlice = size.sliceCount
        let voxels = try [Int16](unsafeUninitializedCapacity: size.count) { buffer, initialized in
            initialized = 0
            for (k, h) in layout.headers.enumerated() {
                try GDCM.readHounsfield(h.path, into: buffer.baseAddress! + k * perSlice, count: perSlice,
                                        slope: h.rescaleSlope, intercept: h.rescaleIntercept)
            }
            initialized = size.count
        }
        return Volume(size: size, geometry: layout.geometry, metadata: layout.metadata, voxels: voxels)
    }
}
