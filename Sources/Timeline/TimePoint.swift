import Foundation
import Opacities
import Screening

/// One study of a patient as a timeline needs it: identity and time, the case scores, the lung
/// frame that aligns it with other scans, and its focal findings. Made from a report.
public struct TimePoint: Codable, Equatable, Sendable {
    public var patientID: String
    /// Which scan this is: the series UID when the study has one, else the study id. Adding a
    /// time point with the same key replaces it (a study analysed again).
    public var key: String
    public var studyID: String
    public var label: String?
    public var studyInstanceUID: String
    /// YYYYMMDD and HHMMSS.FFFFFF as DICOM has them ("" when absent).
    public var studyDate: String
    public var studyTime: String
    public var coronaScore: Double
    public var positiveRatio: Double
    public var reportPath: String
    public var lungCentre: [Double]?
    public var lungExtent: [Double]?
    public var findings: [Finding]

    /// What a timeline keeps of a focal finding.
    public struct Finding: Codable, Equatable, Sendable {
        public var id: Int
        public var volumeCM3: Double
        public var longestDiameterMM: Double
        public var centreLPS: [Double]
        public var kind: String
        public var side: String

        public init(id: Int, volumeCM3: Double, longestDiameterMM: Double, centreLPS: [Double], kind: String, side: String) {
            self.id = id; self.volumeCM3 = volumeCM3; self.longestDiameterMM = longestDiameterMM
            self.centreLPS = centreLPS; self.kind = kind; self.side = side
        }
    }

    public init(report: ScreeningReport, reportPath: String) {
        let s = report.study
        patientID = s.patientID.trimmingCharacters(in: .whitespaces)
        key = s.seriesInstanceUID.isEmpty ? s.studyID : s.seriesInstanceUID
        studyID = s.studyID
        label = s.label
        studyInstanceUID = s.studyInstanceUID
        studyDate = s.studyDate.trimmingCharacters(in: .whitespaces)
        studyTime = (s.studyTime ?? "").trimmingCharacters(in: .whitespaces)
        coronaScore = report.coronaScore
        positiveRatio = report.positiveRatio
        self.reportPath = reportPath
        lungCentre = report.lung.centreLPS
        lungExtent = report.lung.extentMM
        findings = (report.focalOpacities?.findings ?? []).map {
            Finding(id: $0.id, volumeCM3: $0.volumeCM3, longestDiameterMM: $0.longestDiameterMM,
                    centreLPS: $0.centreLPS, kind: $0.kind.rawValue, side: $0.side)
        }
    }

    /// The study date as a day number (days since 1970-01-01, UTC) plus the time of day as a
    /// fraction; nil without a valid YYYYMMDD date.
    public var day: Double? {
        guard studyDate.count == 8, let y = Int(studyDate.prefix(4)), let m = Int(studyDate.dropFirst(4).prefix(2)),
              let d = Int(studyDate.suffix(2)) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: y, month: m, day: d)),
              calendar.component(.month, from: date) == m, calendar.component(.day, from: date) == d else { return nil }
        var seconds = 0.0
        let digits = studyTime.prefix(while: { $0.isNumber })
        if digits.count >= 2, let h = Double(digits.prefix(2)) {
            seconds += h * 3600
            if digits.count >= 4, let mi = Double(digits.dropFirst(2).prefix(2)) { seconds += mi * 60 }
            if digits.count >= 6, let se = Double(digits.dropFirst(4).prefix(2)) { seconds += se }
        }
        return date.timeIntervalSince1970 / 86400 + seconds / 86400
    }
}
