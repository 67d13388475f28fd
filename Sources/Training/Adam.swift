import Models
import Foundation

/// Adam (Kingma & Ba 2015) with bias correction and optional decoupled weight decay
/// (AdamW, Loshchilov & Hutter 2019): θ ← θ − lr·(m̂/(√v̂ + ε) + wd·θ), the decay applied
/// only to tensors the store marks (conv and fc weights).
public final class Adam {
    public var learningRate: Double
    public let beta1: Double, beta2: Double, epsilon: Double
    public var weightDecay: Double
    /// Steps taken (the t of the bias correction).
    public internal(set) var step: Int = 0
    public internal(set) var m: [[Float]]
    public internal(set) var v: [[Float]]

    public init(store: ParameterStore, learningRate: Double = 1e-4, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        m = store.values.map { [Float](repeating: 0, count: $0.count) }
        v = m
    }

    /// One update of every tensor of `store` from its gradient.
    public func update(_ store: ParameterStore) {
        precondition(store.count == m.count, "optimiser state does not match the parameters")
        step += 1
        let b1 = Float(beta1), b2 = Float(beta2)
        let c1 = Float(1 - pow(beta1, Double(step))), c2 = Float(1 - pow(beta2, Double(step)))
        let lr = Float(learningRate), eps = Float(epsilon)
        for p in 0..<store.count where !store.held[p] {
            let wd = store.decays[p] ? Float(weightDecay) : 0
            store.grads[p].withUnsafeBufferPointer { g in
                m[p].withUnsafeMutableBufferPointer { mm in
                    v[p].withUnsafeMutableBufferPointer { vv in
                        store.values[p].withUnsafeMutableBufferPointer { th in
                            for i in 0..<g.count {
                                let gi = g[i]
                                mm[i] = b1 * mm[i] + (1 - b1) * gi
                                vv[i] = b2 * vv[i] + (1 - b2) * gi * gi
                                let mh = mm[i] / c1, vh = vv[i] / c2
                                th[i] -= lr * (mh / (vh.squareRoot() + eps) + wd * th[i])
                            }
                        }
                    }
                }
            }
        }
        store.changed()
    }

    /// Restores a saved state (checkpoint resume).
    func restore(step: Int, m: [[Float]], v: [[Float]]) {
        self.step = step
        self.m = m
        self.v = v
    }
}
