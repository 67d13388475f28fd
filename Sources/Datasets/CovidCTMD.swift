import Foundation
import Volumes

extension DatasetBuilder {
    /// COVID-CT-MD whole volumes (one DICOM series folder per volume beside `labels.csv`, whose
    /// rows are `volume,file,sop_instance_uid,slice_location_mm,infection,lobes`): one sample
    /// per labelled slice, label = the radiologists' `infection`, group = the volume. The
    /// slice index is the file's place in the series as the reader sorts it (along the
    /// normal), so it is the index `analyze` would give that slice.
    public static func covidCTMD(root: URL) throws -> Dataset {
        let csv = root.appendingPathComponent("labels.csv")
        let table = try CSVTable.read(path: csv.path)
        let v = try table.column("volume"), f = try table.column("file"), l = try table.column("infection")
        var indexOfFile: [String: [String: Int]] = [:]  // volume → file name → slice index
        var samples: [Sample] = []
        for (n, row) in table.rows.enumerated() {
            let volume = row[v]
            if indexOfFile[volume] == nil {
                let folder = root.appendingPathComponent(volume).standardizedFileURL
                let layout: SeriesLayout
                do {
                    let scan = try DICOMFolder.scan(folder)
                    layout = try SeriesValidator.validate(try DICOMFolder.select(.automatic, from: scan))
                } catch {
                    throw DatasetError.invalidData(source: folder.path, reason: "cannot read the series: \(error)")
                }
                indexOfFile[volume] = Dictionary(uniqueKeysWithValues: layout.headers.enumerated().map {
                    (URL(fileURLWithPath: $0.element.path).lastPathComponent, $0.offset)
                })
            }
            guard let slice = indexOfFile[volume]?[row[f]] else {
                throw DatasetError.unreadableTable(path: csv.path, reason: "line \(table.line(ofRow: n)): \(volume)/\(row[f]) is not a slice of that series")
            }
            let folder = root.appendingPathComponent(volume).standardizedFileURL
            samples.append(Sample(source: .volumeSlice(volume: folder.path, slice: slice),
                                  label: try CSVTable.label(row[l], line: table.line(ofRow: n), source: csv.path), group: volume))
        }
        return Dataset(name: "covid-ct-md", samples: samples)
    }
}
