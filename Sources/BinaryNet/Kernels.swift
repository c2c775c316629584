import CPopcount

/// A kernel implementation path in `CPopcount`.
public enum KernelPath: Int, CaseIterable, Sendable {
  case scalar = 0
  case popcnt = 1
  case avx2 = 2
  case neon = 3
  case avx512 = 4
  case simd128 = 5
  /// NEON plus the int8 first dense layer on UDOT (ARMv8.2 dot-product extension), where
  /// the CPU has it.
  case neonDotprod = 6

  var cValue: bnn_kernel_path { bnn_kernel_path(rawValue: UInt32(rawValue)) }

  /// Whether this build, on this CPU, can run the path.
  public var isAvailable: Bool { bnn_kernels_for(cValue) != nil }

  /// The fastest available path (what models use unless told otherwise).
  public static var best: KernelPath {
    KernelPath(rawValue: Int(bnn_kernels_best().pointee.path.rawValue)) ?? .scalar
  }

  /// Paths this build can run here.
  public static var available: [KernelPath] { allCases.filter { $0.isAvailable } }

  public var name: String {
    switch self {
    case .scalar: return "scalar"
    case .popcnt: return "popcnt"
    case .avx2: return "avx2"
    case .neon: return "neon"
    case .avx512: return "avx512"
    case .simd128: return "simd128"
    case .neonDotprod: return "neon-dotprod"
    }
  }

  /// The C function table of this path (nil when unavailable).
  var table: UnsafePointer<bnn_kernels>? { bnn_kernels_for(cValue) }
}
