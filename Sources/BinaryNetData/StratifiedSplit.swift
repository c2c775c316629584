import BinaryNet

/// A seeded, stratified train/test split: of each class's `n` items,
/// `round(testFraction * n)` go to the test set, at least 1 when `n >= 2` and never all
/// of them (a class of one item stays in training).
///
/// The items of each class are shuffled by Fisher-Yates with `SplitMix64(seed: seed)`,
/// classes in label order, and the first ones taken; both index lists come back in
/// ascending order, so the split keeps the items' original order.
struct StratifiedSplit {
  var train: [Int]
  var test: [Int]

  init(labels: [UInt8], testFraction: Double, seed: UInt64) {
    var byClass = [[Int]](repeating: [], count: 256)
    for (index, label) in labels.enumerated() { byClass[Int(label)].append(index) }
    var generator = SplitMix64(seed: seed)
    var train: [Int] = []
    var test: [Int] = []
    for var members in byClass where !members.isEmpty {
      let held = Self.testCount(of: members.count, testFraction: testFraction)
      for position in stride(from: members.count - 1, to: 0, by: -1) {
        members.swapAt(position, generator.next(below: position + 1))
      }
      test += members[..<held]
      train += members[held...]
    }
    self.train = train.sorted()
    self.test = test.sorted()
  }

  /// How many of a class's `count` items the split holds out.
  static func testCount(of count: Int, testFraction: Double) -> Int {
    let rounded = Int((testFraction * Double(count)).rounded())
    return count >= 2 ? min(max(rounded, 1), count - 1) : 0
  }
}

extension LabeledImageSet {
  /// The images at `indices`, in that order.
  func subset(_ indices: [Int]) -> LabeledImageSet {
    let size = shape.elementCount
    var subsetPixels = [UInt8]()
    subsetPixels.reserveCapacity(indices.count * size)
    for index in indices { subsetPixels += pixels[index * size..<(index + 1) * size] }
    return LabeledImageSet(
      shape: shape, pixels: subsetPixels, labels: indices.map { labels[$0] }, sources: indices.map { sources[$0] })
  }
}
