@testable import Evaluation

/// Small fixed examples shared by the tests. Reference numbers in the tests come from
/// Python 3 with numpy 2.4, scipy 1.17.1 and scikit-learn, computed once and pasted in;
/// each test quotes its command. In those commands
///   yA = np.array([1,1,1,1,1,0,0,0,0,0,0,1,0,1,0])
///   sA = np.array([0.9,0.8,0.7,0.7,0.55,0.6,0.4,0.3,0.7,0.2,0.1,0.35,0.5,0.65,0.45])
/// and likewise yB/sB, yC/sC below.
enum Examples {
    /// 7 positives, 8 negatives, a three-way tie at 0.7 across the classes.
    static let a = try! LabeledScores(
        scores: [0.9, 0.8, 0.7, 0.7, 0.55, 0.6, 0.4, 0.3, 0.7, 0.2, 0.1, 0.35, 0.5, 0.65, 0.45],
        labels: [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0].map { $0 == 1 })
    /// 10 positives, 10 negatives, no ties.
    static let b = try! LabeledScores(
        scores: [0.12, 0.33, 0.41, 0.05, 0.77, 0.68, 0.52, 0.91, 0.28, 0.36,
                 0.59, 0.44, 0.19, 0.83, 0.61, 0.48, 0.72, 0.09, 0.25, 0.38],
        labels: [0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0].map { $0 == 1 })
    /// 7 and 7, a weak classifier (interval inside (0, 1)).
    static let c = try! LabeledScores(
        scores: [0.6, 0.5, 0.3, 0.7, 0.8, 0.2, 0.45, 0.55, 0.9, 0.4, 0.35, 0.65, 0.75, 0.1],
        labels: [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0].map { $0 == 1 })
}
