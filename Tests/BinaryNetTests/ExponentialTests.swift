import BinaryNet
import Foundation
import Testing

@Suite("portable exp")
struct ExponentialTests {
  /// Relative error against Foundation's double-precision `exp` on a dense grid of the
  /// range with normal Float results (and a finer one near 0, where softmax's largest terms are).
  @Test func relativeErrorIsBelowTwoTenMillionths() {
    var worst = 0.0
    var worstX: Float = 0
    func check(_ x: Float) {
      let reference = Foundation.exp(Double(x))
      let error = abs(Double(Exponential.exp(x)) - reference) / reference
      if error > worst {
        worst = error
        worstX = x
      }
    }
    let steps = 400_000
    for i in 0...steps { check(-87.3 + Float(i) * (88.7 + 87.3) / Float(steps)) }
    for i in 0...100_000 { check(-1 + Float(i) / 50_000) }
    #expect(worst < 2e-7, "worst relative error \(worst) at \(worstX)")
  }

  @Test func edgesOfTheRange() {
    #expect(Exponential.exp(0) == 1)
    #expect(Exponential.exp(89) == .infinity)
    #expect(Exponential.exp(-104) == 0)
    #expect(Exponential.exp(-.infinity) == 0)
    #expect(Exponential.exp(.infinity) == .infinity)
    #expect(Exponential.exp(.nan).isNaN)
    // Subnormal results: positive, and within a few subnormal steps of the truth.
    for x: Float in [-88, -95, -100, -103] {
      let value = Exponential.exp(x)
      let reference = Foundation.exp(Double(x))
      #expect(value > 0 && abs(Double(value) - reference) <= 2 * Double(Float.leastNonzeroMagnitude) + 1e-6 * reference)
    }
    #expect(Exponential.exp(88.7) < .infinity && Exponential.exp(88.7) > 3e38)
  }
}
