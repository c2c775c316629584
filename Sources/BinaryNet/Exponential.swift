/// `e^x` for `Float` without a C math library: the core builds as Embedded Swift for
/// boards whose C library may have no `expf`, and softmax needs one.
///
/// Range reduction by ln 2: `x = n ln2 + r` with `n = round(x / ln2)`, `|r| <= ln2 / 2`,
/// `n ln2` subtracted in two parts (Cody-Waite: `ln2 = 0.693359375 - 2.12194440e-4`, the
/// first with 9 significant bits so `n * 0.693359375` is exact), then
/// `e^x = 2^n * p(r)` where `p` is the Taylor polynomial of `e^r` to degree 7 (its
/// truncation error `|r|^8 / 8! <= 5.2e-9` is below Float rounding), evaluated by Horner.
///
/// Relative error against a double-precision `exp`: below 2e-7 (under 2 ulp; measured
/// worst 9.7e-8) for every `x` in `-87.3 ... 88.7` (normal results; `ExponentialTests`
/// checks a grid of 400 001 points over that range and 100 001 over `-1 ... 1`); below `-87.3` the result is subnormal and loses precision
/// gradually, like any Float, and is 0 below `-103.98`. Above `88.72` it is `+infinity`;
/// NaN gives NaN.
public enum Exponential {
  public static func exp(_ x: Float) -> Float {
    if x.isNaN { return x }
    if x > 88.722_84 { return .infinity }
    if x < -103.98 { return 0 }
    let n = (x * 1.442_695_04).rounded()
    let r = (x - n * 0.693_359_375) - n * -2.121_944_40e-4
    var p: Float = 1.0 / 5040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    return scaled(p, byPowerOfTwo: Int(n))
  }

  /// `value * 2^n` for `value` in `0.7 ... 1.5` and `n` in `-150 ... 128`: two steps, so
  /// that neither factor overflows and a subnormal result is rounded only once (the
  /// left-to-right product is exact until its last step).
  private static func scaled(_ value: Float, byPowerOfTwo n: Int) -> Float {
    if n > 127 { return value * 2 * Float(sign: .plus, exponent: n - 1, significand: 1) }
    if n < -126 {
      // Exact first (the product stays normal), then one rounding into the subnormals.
      return value * Float(sign: .plus, exponent: n + 126, significand: 1)
        * Float(sign: .plus, exponent: -126, significand: 1)
    }
    return value * Float(sign: .plus, exponent: n, significand: 1)
  }
}
