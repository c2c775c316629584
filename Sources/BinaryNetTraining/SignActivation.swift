import CFloatKernels

/// Binarisation used everywhere in BinaryNet: `sign(x) = x < 0 ? -1 : +1` (so sign(0) = +1,
/// matching bit 0 = +1 in the engine's encoding).
@inline(__always) public func binarySign(_ x: Float) -> Float { x < 0 ? -1 : 1 }

/// Elementwise `out = sign(x)` over `count` values, split between threads.
public func binarize(
  _ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int, threads: Int
) {
  let p = UncheckedSendable((x, out))
  Parallel.forEachChunk(count: count, threads: threads, alignment: 64, minimumChunk: 1 << 16) {
    range in
    bnn_sign(p.value.0 + range.lowerBound, p.value.1 + range.lowerBound, range.count)
  }
}

/// Straight-through gradient of `sign` with the hard-tanh window:
/// `d/dx sign(x) ~ 1 if |x| <= 1 else 0`. Multiplies `gradient` in place by that mask,
/// where `x` holds the pre-sign values of the forward pass.
public func applyHardTanhGradientMask(
  _ gradient: UnsafeMutablePointer<Float>, preActivation x: UnsafePointer<Float>, count: Int,
  threads: Int
) {
  let p = UncheckedSendable((gradient, x))
  Parallel.forEachChunk(count: count, threads: threads, alignment: 64, minimumChunk: 1 << 16) {
    range in
    bnn_hardtanh_mask(p.value.0 + range.lowerBound, p.value.1 + range.lowerBound, range.count)
  }
}
