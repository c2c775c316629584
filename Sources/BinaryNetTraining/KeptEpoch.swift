/// Which epoch's model a run folds and writes at the end.
public enum KeptEpoch: String, Codable, Sendable, CaseIterable {
  /// The epoch with the highest validation accuracy (running BatchNorm statistics); on a
  /// tie the later epoch (more training, a lower learning rate).
  case best
  /// The last epoch.
  case last

  /// `best` when there are validation images to choose by, else `last`.
  public static func `default`(validationCount: Int) -> KeptEpoch {
    validationCount > 0 ? .best : .last
  }
}

/// The best epoch so far under `KeptEpoch.best`: its number and validation accuracy (its
/// weights are a `NetworkSnapshot` beside it).
public struct BestEpoch: Codable, Equatable, Sendable {
  /// 1-based epoch number.
  public var epoch: Int
  public var validationAccuracy: Double

  public init(epoch: Int, validationAccuracy: Double) {
    self.epoch = epoch
    self.validationAccuracy = validationAccuracy
  }

  /// Whether `record` replaces this one: a higher accuracy, or the same (later epoch wins).
  public func isBeaten(by record: EpochRecord) -> Bool {
    record.validationAccuracy >= validationAccuracy
  }
}
