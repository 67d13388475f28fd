import NeuralEngine

extension ResNet50 {
    /// Runs one slice (input [1, 3, 224, 224]) with Grad-CAM and returns the tensors under the
    /// fixture names: logit [1,1], prob [1,1], cam28 [28,28], cam14 [14,14], cam28_up,
    /// cam14_up, fused [224,224], pooled [1,C]. With `includeInternals`, also layer2_out,
    /// layer3_out, grad_layer2_out, grad_layer3_out, alpha28, alpha14, cam28_raw, cam14_raw.
    /// `ctscreen explain` and the parity tests both go through here.
    public func explain(_ input: Tensor, includeInternals: Bool = false) throws -> [String: Tensor] {
        guard input.shape.first == 1 else {
            throw ModelError("explain takes one slice, got input shape \(input.shape)")
        }
        let r = try classify(input, gradCAMFor: [0], keepActivations: includeInternals)[0]
        guard let cam = r.gradCAM else { throw ModelError("Grad-CAM missing") }
        let s2 = cam.size28, s3 = cam.size14, s = cam.inputSize
        var out: [String: Tensor] = [
            "logit": Tensor(shape: [1, 1], data: [r.logit]),
            "prob": Tensor(shape: [1, 1], data: [r.probability]),
            "pooled": Tensor(shape: [1, r.pooled.count], data: r.pooled),
            "cam28": Tensor(shape: [s2, s2], data: cam.cam28),
            "cam14": Tensor(shape: [s3, s3], data: cam.cam14),
            "cam28_up": Tensor(shape: [s, s], data: cam.cam28Up),
            "cam14_up": Tensor(shape: [s, s], data: cam.cam14Up),
            "fused": Tensor(shape: [s, s], data: cam.fused),
        ]
        if includeInternals {
            out["alpha28"] = Tensor(shape: [cam.alpha28.count], data: cam.alpha28)
            out["alpha14"] = Tensor(shape: [cam.alpha14.count], data: cam.alpha14)
            out["cam28_raw"] = Tensor(shape: [s2, s2], data: cam.cam28Raw)
            out["cam14_raw"] = Tensor(shape: [s3, s3], data: cam.cam14Raw)
            if let a = cam.layer2Out, let g = cam.gradLayer2Out {
                out["layer2_out"] = Tensor(shape: [1, layer2Channels, s2, s2], data: a)
                out["grad_layer2_out"] = Tensor(shape: [1, layer2Channels, s2, s2], data: g)
            }
            if let a = cam.layer3Out, let g = cam.gradLayer3Out {
                out["layer3_out"] = Tensor(shape: [1, layer3Channels, s3, s3], data: a)
                out["grad_layer3_out"] = Tensor(shape: [1, layer3Channels, s3, s3], data: g)
            }
        }
        return out
    }
}
