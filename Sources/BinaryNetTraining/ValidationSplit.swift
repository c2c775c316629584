/// Which labelled images are held out for validation.
public enum ValidationSplit: Equatable, Sendable {
  /// The last `count` images (what bnn-train did before the seeded split; old checkpoints).
  case last(Int)
  /// `count` images drawn with `seed`, stratified by class: each class gives its share
  /// `count * n_c / N` rounded down, and the images still missing go to the classes with
  /// the largest remainders (ties: the lower class). Within a class the images are a
  /// seeded random choice. The same labels, count and seed always give the same split.
  case stratified(count: Int, seed: UInt64)

  public var validationCount: Int {
    switch self {
    case .last(let count): return count
    case .stratified(let count, _): return count
    }
  }

  /// Training and validation indices, each ascending; `validationCount < labels.count`.
  public func indices(labels: [UInt8]) -> (training: [Int], validation: [Int]) {
    switch self {
    case .last(let count):
      return (Array(0..<(labels.count - count)), Array((labels.count - count)..<labels.count))
    case .stratified(let count, let seed):
      var held = [Bool](repeating: false, count: labels.count)
      for index in Self.stratifiedChoice(labels: labels, count: count, seed: seed) { held[index] = true }
      return (labels.indices.filter { !held[$0] }, labels.indices.filter { held[$0] })
    }
  }

  /// How many images of each class (by label) a stratified split of `count` holds out.
  public static func classQuotas(labels: [UInt8], count: Int) -> [Int] {
    var sizes = [Int](repeating: 0, count: Int(labels.max() ?? 0) + 1)
    for label in labels { sizes[Int(label)] += 1 }
    let total = labels.count
    var quotas = sizes.map { count * $0 / total }
    let remainders = sizes.indices.map { (count * sizes[$0]) % total }
    let missing = count - quotas.reduce(0, +)
    // Sorted by remainder (largest first), then by class: a stable, seed-free order.
    let order = sizes.indices.sorted { (remainders[$0], -$0) > (remainders[$1], -$1) }
    for c in order.prefix(missing) { quotas[c] += 1 }
    return quotas
  }

  /// The held-out indices of a stratified split (unordered).
  static func stratifiedChoice(labels: [UInt8], count: Int, seed: UInt64) -> [Int] {
    let quotas = classQuotas(labels: labels, count: count)
    var members = [[Int]](repeating: [], count: quotas.count)
    for (index, label) in labels.enumerated() { members[Int(label)].append(index) }
    var rng = Xoshiro256(seed: seed ^ 0x5A11_7D47_A5EE_D000)
    var chosen: [Int] = []
    for (c, quota) in quotas.enumerated() {
      let order = rng.permutation(members[c].count)
      chosen += order.prefix(quota).map { members[c][$0] }
    }
    return chosen
  }
}
