import Imaging
import Preparation

/// How one CT slice becomes the lung U-Net's input and how its lung mask becomes the target:
/// the same for training and for segmentation.
public struct LungSliceInput: Sendable {
    public var preparation: InputPreparation
    public var inputSize: Int

    public init(preparation: InputPreparation, inputSize: Int) {
        self.preparation = preparation
        self.inputSize = inputSize
    }

    /// The slice windowed to [0, 1] and resized to inputSize² (one channel).
    public func windowed(_ hu: ArraySlice<Int16>, rows: Int, columns: Int) -> [Float] {
        let p = preparation
        let plane = hu.map { SlicePreparation.window($0, low: p.windowLowHU, high: p.windowHighHU) }
        return Bilinear.resize(plane, rows: rows, columns: columns, outRows: inputSize, outColumns: inputSize)
    }

    /// A windowed plane as the network's three normalised channels.
    public func channels(_ windowed: [Float]) -> [Float] {
        let p = preparation
        return (0..<3).flatMap { c in windowed.map { ($0 - p.channelMean[c]) / p.channelStd[c] } }
    }

    /// A 0/1 mask plane resized to inputSize² (bilinear, then ≥ ½).
    public func target(_ mask: ArraySlice<UInt8>, rows: Int, columns: Int) -> [UInt8] {
        Bilinear.resize(mask.map { Float($0 != 0 ? 1 : 0) }, rows: rows, columns: columns, outRows: inputSize, outColumns: inputSize)
            .map { $0 >= 0.5 ? 1 : 0 }
    }
}
