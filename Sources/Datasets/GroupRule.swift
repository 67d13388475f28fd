import Foundation

/// How a sample's file name gives its group (patient or volume) for splitting.
public struct GroupRule: Sendable {
    public let name: String
    private let rule: @Sendable (_ folder: String, _ file: String) -> String

    public init(name: String, _ rule: @escaping @Sendable (_ folder: String, _ file: String) -> String) {
        self.name = name
        self.rule = rule
    }

    /// The group of `file` (a name without directories) found in folder `folder` (its last
    /// path component).
    public func group(folder: String, file: String) -> String { rule(folder, file) }

    /// Each file is its own group (only for data without any patient information).
    public static let perFile = GroupRule(name: "per-file") { folder, file in "\(folder)/\(file)" }

    /// The whole folder is one group: the safe choice when patients are unknown (MedSeg).
    public static let wholeFolder = GroupRule(name: "whole-folder") { folder, _ in folder }

    /// COVID-19-CT-Seg as released with Inf-Net: `Data-1_<volume>_<slice>.jpg`. The group is
    /// the patient: the Coronacases volume (`coronacases_org_001`), or the Radiopaedia case
    /// number (`radiopaedia_org_covid-19-pneumonia-10_85902_1-dcm` and `…-10_85902_3-dcm`
    /// are two series of case 10, so they stay together).
    public static let covid19CTSeg = GroupRule(name: "covid19-ct-seg patient") { _, file in
        volumeName(covid19CTSegFile: file).map(patient(covid19CTSegVolume:)) ?? file
    }

    /// UCSD COVID-CT: the patient of each image from the table shipped with this module
    /// (`UCSDPatientTable`); files missing from it fall back to `unlisted:<folder>/<file>`.
    /// Throws when the table is missing or does not parse: grouping must never silently
    /// fall back to one group per file, which would leak patients across splits.
    public static var ucsdCovidCT: GroupRule {
        get throws { try ucsdCovidCTLoaded.get() }
    }

    /// Read once, on first use; a failure is kept and thrown at every use.
    private static let ucsdCovidCTLoaded: Result<GroupRule, DatasetError> = {
        do { return .success(ucsdCovidCT(groups: try UCSDPatientTable.load())) } catch let error as DatasetError {
            return .failure(error)
        } catch {
            return .failure(.unreadableTable(path: UCSDPatientTable.fileName, reason: "\(error)"))
        }
    }()

    /// The UCSD rule over a table `folder/file` → group (`UCSDPatientTable.load`).
    static func ucsdCovidCT(groups: [String: String]) -> GroupRule {
        GroupRule(name: "ucsd-covid-ct patient") { folder, file in
            groups["\(folder)/\(file)"] ?? "unlisted:\(folder)/\(file)"
        }
    }

    /// `Data-1_coronacases_org_001_17.jpg` → `coronacases_org_001`.
    public static func volumeName(covid19CTSegFile file: String) -> String? {
        let stem = (file as NSString).deletingPathExtension
        guard let cut = stem.lastIndex(of: "_"), Int(stem[stem.index(after: cut)...]) != nil else { return nil }
        var volume = String(stem[..<cut])
        if volume.hasPrefix("Data-1_") { volume.removeFirst("Data-1_".count) }
        return volume
    }

    /// Radiopaedia volumes `radiopaedia_org_covid-19-pneumonia-<case>_<study>_<series>-dcm`
    /// → `radiopaedia-case-<case>`; other volume names are their own patient.
    public static func patient(covid19CTSegVolume volume: String) -> String {
        let prefix = "radiopaedia_org_covid-19-pneumonia-"
        guard volume.hasPrefix(prefix) else { return volume }
        let rest = volume.dropFirst(prefix.count)
        return "radiopaedia-case-" + (rest.split(separator: "_").first.map(String.init) ?? String(rest))
    }
}
