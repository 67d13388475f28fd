import Foundation
import Imaging
import Models
import NeuralEngine
import Preparation
import Segmentation
import Volumes

/// Lung segmentation by the U-Net (`UNet16`), slice by slice, behind `LungSegmenting`, so
/// `analyze` and the coordinator take it in place of the classical method (`--lung-model`).
///
/// Each slice: HU windowed and scaled as the model's metadata says (`InputPreparation`'s
/// keys; default for a lung model: [−1024, 600] HU, ImageNet mean/std, as VGG-16 was trained),
/// copied to three channels, resized to `input_size`² (metadata `ctscreen.lungseg.input_size`,
/// default 256); logits resized back to the slice and thresholded at 0. Then in 3D: the
/// connected components holding at least 10 % of the largest one's voxels are kept (the two
/// lungs; speckles and the bowel gas a slice-wise model may mark are dropped), holes filled
/// per slice — the same last steps the classical method takes.
public struct UNetLungSegmenter: LungSegmenting {
    public static let inputSizeKey = "ctscreen.lungseg.input_size"
    public static let defaultPreparation = InputPreparation(windowLowHU: -1024, windowHighHU: 600,
                                                            channelMean: [0.485, 0.456, 0.406],
                                                            channelStd: [0.229, 0.224, 0.225], orientation: .asAcquired)
    public let network: UNet16
    public let preparation: InputPreparation
    public let inputSize: Int
    /// Name used in the "no lung slices" error.
    public var studyID: String
    /// Slices per forward pass.
    public var batchSize = 4

    public init(weightsPath: String, studyID: String = "study") throws {
        let file = try SafetensorsFile(path: weightsPath)
        try self.init(network: UNet16(source: weightsPath, tensor: { try file.tensor($0) }), metadata: file.metadata,
                      source: weightsPath, studyID: studyID)
    }

    /// `metadata` as the weights file carries it; `source` names it in errors.
    public init(network: UNet16, metadata: [String: String], source: String, studyID: String = "study") throws {
        preparation = try InputPreparation(metadata: metadata, defaults: Self.defaultPreparation, source: source)
        let size = metadata[Self.inputSizeKey].map { Int($0) } ?? 256
        guard let size, size >= 32, size % 32 == 0 else {
            throw ScreeningError.classifier("\(source): metadata \(Self.inputSizeKey) = '\(metadata[Self.inputSizeKey] ?? "")' is not a multiple of 32")
        }
        self.network = network
        inputSize = size
        self.studyID = studyID
    }

    /// How slices are turned into inputs (as in training).
    public var sliceInput: LungSliceInput { LungSliceInput(preparation: preparation, inputSize: inputSize) }

    /// One slice as the network's input: 3 × size × size values.
    public func input(_ volume: Volume, slice k: Int) -> [Float] {
        sliceInput.channels(sliceInput.windowed(volume.slice(k), rows: volume.size.rows, columns: volume.size.columns))
    }

    /// The lung probability's logit of every voxel, slice by slice (the grid of `volume`).
    public func logits(_ volume: Volume) throws -> [Float] {
        let s = volume.size, plane = inputSize * inputSize
        var out = [Float](repeating: 0, count: s.count)
        let workspace = Workspace()
        for start in stride(from: 0, to: s.slices, by: batchSize) {
            let slices = Array(start..<min(start + batchSize, s.slices))
            let batch = Tensor(shape: [slices.count, 3, inputSize, inputSize], data: slices.flatMap { input(volume, slice: $0) })
            let logits = try network.forward(batch, workspace: workspace)
            for (i, k) in slices.enumerated() {
                let back = Bilinear.resize(Array(logits.data[(i * plane)..<((i + 1) * plane)]), rows: inputSize,
                                           columns: inputSize, outRows: s.rows, outColumns: s.columns)
                out.replaceSubrange((k * s.sliceCount)..<((k + 1) * s.sliceCount), with: back)
            }
        }
        return out
    }

    /// The lung mask after the 3D post-processing.
    public func segmentMask(_ volume: Volume) throws -> BinaryMask {
        let logits = try self.logits(volume)
        var raw = BinaryMask(size: volume.size, spacing: volume.geometry.spacing)
        for i in logits.indices where logits[i] > 0 { raw.voxels[i] = 1 }
        let components = ConnectedComponents.label(raw)
        let largest = components.sizes.max() ?? 0
        let keep = Set(components.labelsBySize.filter { components.sizes[Int($0) - 1] * 10 >= largest })
        return HoleFilling.fillPerSlice(components.mask(of: keep, spacing: raw.spacing))
    }

    public func segment(_ volume: Volume) throws -> LungRegion {
        let mask = LungMask(mask: try segmentMask(volume), minimumSliceArea: LungSegmentationSettings().minimumLungSliceArea)
        guard !mask.lungSlices.isEmpty else { throw ScreeningError.noLungSlices(study: studyID) }
        return try LungRegion(lungMask: mask)
    }
}
