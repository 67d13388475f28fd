/// Midranks (1-based; tied values share the mean of their ranks), the basis of the
/// Mann–Whitney statistic, DeLong's structural components and the tie correction.
enum Ranks {
    static func midranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count, values[order[j + 1]] == values[order[i]] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = rank }
            i = j + 1
        }
        return ranks
    }

    /// Sizes of the groups of tied values (only groups of 2 or more).
    static func tieGroupSizes(_ values: [Double]) -> [Int] {
        var counts: [Double: Int] = [:]
        for v in values { counts[v, default: 0] += 1 }
        return counts.values.filter { $0 > 1 }
    }
}
