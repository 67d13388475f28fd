import ArgumentParser
import Cluster
import Foundation
import Timeline

/// `ctscreen result STUDY`: the state of one study and, when done, its scores.
struct ResultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "result", abstract: "Shows one study's state and, when done, its decision, scores and report path.")

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "Study id (as `submit` printed it, e.g. dcm-…; a label may name several studies).")
    var study: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let record: StudyRecord?, summary: StudySummary?
        var timeline: Timeline?
        do {
            let t = try cluster.transport()
            record = try t.studyRecord(study)
            summary = try t.studySummary(study)
            // The patient's timeline, so the change since the previous scan shows.
            if let patient = summary?.patientID, !patient.isEmpty {
                let points = try RedisTimelineStore(transport: t).timePoints(patient: patient)
                if !points.isEmpty { timeline = Timeline(patientID: patient, timePoints: points) }
            }
        } catch {
            throw RoleProcess.fail("result", error)
        }
        guard let record else { throw RoleProcess.fail("result", ClusterError(.invalidArgument, "\(study): no such study")) }
        if json {
            var object: [String: Any] = ["study_id": study, "label": record.label, "attempt": record.attempt,
                                         "state": record.state.name.rawValue, "updated": record.updated]
            if !record.state.reason.isEmpty { object["reason"] = record.state.reason }
            if let summary { object["summary"] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(summary)) }
            if let timeline { object["timeline"] = try JSONSerialization.jsonObject(with: JSONEncoder().encode(timeline)) }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("study    \(study)")
        if !record.label.isEmpty { print("label    \(record.label)") }
        if record.attempt > 1 { print("attempt  \(record.attempt)") }
        print("state    \(record.state.name.rawValue)\(record.state.reason.isEmpty ? "" : ": " + record.state.reason)")
        if let s = summary {
            for (point, positive) in s.decisions.sorted(by: { $0.key < $1.key }) {
                print("decision \(point): \(positive ? "COVID-19 suspected" : "negative")")
            }
            print(String(format: "ratio    %.2f%% (%d of %d lung slices positive)", 100 * s.positiveRatio, s.positiveSlices, s.lungSlices))
            print(String(format: "corona   %.3f cm³", s.coronaScore))
            print("report   \(s.reportPath)")
            if let timeline {
                for (n, line) in TimelineFiles.summary(timeline, of: { $0.studyID == study }).enumerated() {
                    print((n == 0 ? "timeline " : "         ") + line)
                }
            }
        }
    }
}
