extension Trainer {
  /// The epoch whose model the run writes: the best one under `KeptEpoch.best` (when
  /// validation images chose one), else the last finished epoch.
  public var keptEpoch: Int { best?.epoch ?? epoch }

  /// The kept epoch's figures, nil before the first epoch.
  public var keptRecord: EpochRecord? { history.last { $0.epoch == keptEpoch } }

  /// Puts the kept epoch's weights and BatchNorm state into `model` (nothing to do when it
  /// is the last epoch). For the end of a run: the trainer's state no longer continues the
  /// run afterwards (resume from the checkpoint instead).
  public func restoreKeptEpoch() {
    guard let bestSnapshot, keptEpoch != epoch else { return }
    model.restore(bestSnapshot)
  }
}
