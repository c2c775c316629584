extension Trainer {
  /// Makes the run `epochs` epochs long (more than planned, or fewer as long as no
  /// finished epoch is undone), e.g. to continue a finished run.
  ///
  /// The learning-rate schedule is re-planned for the new length: every step from here on
  /// gets the rate that an `epochs`-epoch run has at that step (from `learningRate` at step
  /// 0 to `finalLearningRate` at the last). A finished exponential or cosine run therefore
  /// continues at a higher rate than its last one (the new plan's rate at this epoch) and
  /// decays to the final rate again; the steps already taken keep the rates they had
  /// (`history`).
  public func extend(toEpochs epochs: Int) {
    precondition(epochs >= epoch && epochs > 0, "cannot undo finished epochs")
    configuration.epochs = epochs
  }

  /// The rate the next optimiser step takes.
  public var nextLearningRate: Float { learningRate(atStep: step) }
}
