/// How a `Conv2D` chooses its algorithm for a call from the call's shapes (im2col + GEMM,
/// 1×1 as a plain GEMM, Winograd F(2×2, 3×3) or F(4×4, 3×3)) and bounds its scratch memory.
/// A value carried by each convolution, not a process-wide switch: tests and A/B
/// measurements change it on the convolutions (or the network) they run.
public struct ConvolutionPolicy: Sendable, Equatable {
    /// Whether 3×3 stride-1 convolutions may use Winograd at all.
    public var winograd = true
    /// Whether the F(4×4) form may be used where it was prepared.
    public var winogradF4 = true
    /// 2×2 tiles an image below which im2col is used instead of F(2×2). 16 = ResNet-50's 7×7
    /// maps: for one slice, Winograd's narrow GEMMs still beat im2col's 2.25× more
    /// multiplications (measured, 1 thread, batch 1: forward −4 %, Grad-CAM backward −8 %).
    public var winogradMinTiles = 16
    /// 4×4 tiles an image below which F(4×4) is not used (F(2×2) instead).
    public var winogradF4MinTiles = 16
    /// F(4×4) chunks take at least this many tiles' worth of images, so that its 36 GEMMs are
    /// wide enough for BLAS (measured: 128 beats 32 and 256 at batch 8).
    public var winogradF4ChunkTiles = 128
    /// Largest im2col or Winograd buffer, in floats; batches are split into image chunks to
    /// stay under it.
    public var columnBudget = 1 << 20

    public static let standard = ConvolutionPolicy()

    public init() {}
}
