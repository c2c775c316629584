import Testing

@testable import BinaryNetTraining

@Suite struct ValidationSplitTests {
  /// Labels of 3 unequal classes: 500 of class 0, 300 of class 1, 200 of class 2, shuffled.
  static let labels: [UInt8] = {
    var rng = Xoshiro256(seed: 4)
    let ordered =
      [UInt8](repeating: 0, count: 500) + [UInt8](repeating: 1, count: 300)
      + [UInt8](repeating: 2, count: 200)
    return rng.permutation(ordered.count).map { ordered[$0] }
  }()

  @Test func sameSeedSameSplitOtherSeedOtherSplit() {
    let a = ValidationSplit.stratified(count: 100, seed: 7).indices(labels: Self.labels)
    let b = ValidationSplit.stratified(count: 100, seed: 7).indices(labels: Self.labels)
    let c = ValidationSplit.stratified(count: 100, seed: 8).indices(labels: Self.labels)
    #expect(a.validation == b.validation && a.training == b.training)
    #expect(a.validation != c.validation)
  }

  /// The held-out and training indices are disjoint, ascending and cover every image.
  @Test(arguments: [0, 1, 99, 100, 999])
  func splitPartitionsTheImages(count: Int) {
    let split = ValidationSplit.stratified(count: count, seed: 3).indices(labels: Self.labels)
    #expect(split.validation.count == count)
    #expect(split.training.count == Self.labels.count - count)
    #expect((split.training + split.validation).sorted() == Array(Self.labels.indices))
    #expect(split.validation == split.validation.sorted() && split.training == split.training.sorted())
  }

  /// Each class gives its share: 100 of 1000 images is 50, 30 and 20; 7 of them is 3.5,
  /// 2.1 and 1.4 rounded down (3, 2, 1) plus one for the largest remainder (class 0).
  @Test func heldOutImagesAreStratifiedByClass() {
    for (count, expected) in [(100, [50, 30, 20]), (7, [4, 2, 1]), (0, [0, 0, 0]), (999, [499, 300, 200])] {
      #expect(ValidationSplit.classQuotas(labels: Self.labels, count: count) == expected, "count \(count)")
      let held = ValidationSplit.stratified(count: count, seed: 11).indices(labels: Self.labels).validation
      let perClass = (0..<3).map { c in held.filter { Self.labels[$0] == c }.count }
      #expect(perClass == expected, "count \(count)")
    }
  }

  @Test func lastHoldsOutTheTail() {
    let split = ValidationSplit.last(3).indices(labels: [0, 1, 2, 0, 1])
    #expect(split.training == [0, 1] && split.validation == [2, 3, 4])
  }

  /// `TrainingData(..., configuration:)` splits with the configuration's seed.
  @Test func configurationSplitUsesTheRunSeed() {
    var configuration = SyntheticData.configuration(epochs: 1)
    configuration.validationMethod = .stratified
    let data = SyntheticData.make(count: 400, validationCount: 0)
    func split(seed: UInt64) -> [Int] {
      configuration.seed = seed
      return TrainingData(pixels: data.pixels, labels: data.labels, shape: data.shape, configuration: configuration)
        .validationIndices
    }
    #expect(split(seed: 1) == split(seed: 1))
    #expect(split(seed: 1) != split(seed: 2))
    #expect(split(seed: 1).count == 100)
  }
}
