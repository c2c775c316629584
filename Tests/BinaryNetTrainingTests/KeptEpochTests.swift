import BinaryNet
import Foundation
import Testing

@testable import BinaryNetTraining

/// `KeptEpoch.best`: the best epoch's number, accuracy and model are tracked, stored in
/// the checkpoint and restored at the end.
@Suite struct KeptEpochTests {
  /// A short, noisy run (a high constant rate) whose validation accuracy goes up and down.
  static func configuration(keep: KeptEpoch? = nil) -> TrainingConfiguration {
    var configuration = SyntheticData.configuration(epochs: 6)
    configuration.schedule = .constant
    configuration.learningRate = 0.05
    if let keep { configuration.keep = keep }
    return configuration
  }

  static let data = SyntheticData.make(count: 400, validationCount: 100)

  @Test func bestIsTheDefaultWithValidationImagesAndLastWithout() {
    #expect(TrainingConfiguration(architecture: Self.configuration().architecture).keep == .best)
    #expect(
      TrainingConfiguration(architecture: Self.configuration().architecture, validationCount: 0).keep == .last)
  }

  /// The recorded best epoch is the last epoch of highest validation accuracy in the
  /// history (ties go to the later one), and its snapshot is the model a run stopped after
  /// that epoch has.
  @Test func bestEpochIsTheArgmaxOfTheHistoryAndItsModel() throws {
    let trainer = Trainer(configuration: Self.configuration(), data: Self.data, threads: 2)
    while !trainer.isFinished { trainer.trainEpoch() }
    let accuracies = trainer.history.map(\.validationAccuracy)
    let best = try #require(trainer.best)
    let expected = accuracies.indices.last { accuracies[$0] == accuracies.max()! }! + 1
    #expect(best.epoch == expected, "\(accuracies)")
    #expect(best.validationAccuracy == accuracies.max()!)
    #expect(trainer.keptEpoch == expected && trainer.keptRecord?.epoch == expected)

    let shorter = Trainer(configuration: Self.configuration(), data: Self.data, threads: 2)
    for _ in 0..<best.epoch { shorter.trainEpoch() }
    trainer.restoreKeptEpoch()
    #expect(trainer.model.snapshot() == shorter.model.snapshot())
    #expect(trainer.validate().accuracy == best.validationAccuracy)
  }

  @Test func lastKeepsTheLastEpoch() {
    let trainer = Trainer(configuration: Self.configuration(keep: .last), data: Self.data, threads: 2)
    while !trainer.isFinished { trainer.trainEpoch() }
    let before = trainer.model.snapshot()
    trainer.restoreKeptEpoch()
    #expect(trainer.best == nil && trainer.keptEpoch == 6)
    #expect(trainer.model.snapshot() == before)
  }

  /// A run resumed from any epoch's checkpoint ends with the same best epoch and model.
  @Test func checkpointCarriesTheBestEpoch() throws {
    let whole = Trainer(configuration: Self.configuration(), data: Self.data, threads: 2)
    var checkpoints: [Checkpoint] = []
    while !whole.isFinished {
      whole.trainEpoch()
      checkpoints.append(whole.checkpoint())
    }
    for checkpoint in checkpoints.prefix(5) {
      let resumed = try Trainer(checkpoint: checkpoint, path: "x", data: Self.data, threads: 1)
      #expect(resumed.best == checkpoint.metadata.best)
      while !resumed.isFinished { resumed.trainEpoch() }
      #expect(resumed.best == whole.best)
      #expect(resumed.checkpoint().tensors == whole.checkpoint().tensors)
    }
  }

  /// A checkpoint from before `--keep`, `--flip` and the seeded split (no such keys, no
  /// `best.` tensors) loads as keep last, no flip, the last images held out.
  @Test func oldCheckpointsLoadWithTheOldBehaviour() throws {
    let trainer = Trainer(configuration: Self.configuration(keep: .last), data: Self.data, threads: 1)
    trainer.trainEpoch()
    let json = try JSONEncoder().encode(trainer.checkpoint().metadata)
    var object = try #require(JSONSerialization.jsonObject(with: json) as? [String: Any])
    var configuration = try #require(object["configuration"] as? [String: Any])
    for key in ["augmentFlip", "validationMethod", "keep"] {
      #expect(configuration.removeValue(forKey: key) != nil, "\(key) is stored")
    }
    object["configuration"] = configuration
    object.removeValue(forKey: "best")
    let old = try JSONDecoder().decode(
      Checkpoint.Metadata.self, from: JSONSerialization.data(withJSONObject: object))
    #expect(old.configuration.keep == .last && !old.configuration.augmentFlip)
    #expect(old.configuration.validationMethod == .last && old.best == nil)
    let resumed = try Trainer(
      checkpoint: Checkpoint(metadata: old, tensors: trainer.checkpoint().tensors), path: "x", data: Self.data,
      threads: 1)
    #expect(resumed.epoch == 1)
  }

  /// A best epoch whose tensors are missing is a corrupt checkpoint, not a crash.
  @Test func missingBestTensorsAreRefused() throws {
    let trainer = Trainer(configuration: Self.configuration(), data: Self.data, threads: 1)
    trainer.trainEpoch()
    var checkpoint = trainer.checkpoint()
    #expect(checkpoint.metadata.best?.epoch == 1)
    checkpoint.metadata.tensors.removeLast()
    checkpoint.tensors.removeLast()
    #expect(throws: CheckpointError.self) {
      try Trainer(checkpoint: checkpoint, path: "x", data: Self.data, threads: 1)
    }
  }
}

/// `Trainer.extend(toEpochs:)`: continuing a finished run.
@Suite struct RunExtensionTests {
  static let data = SyntheticData.make(count: 400, validationCount: 100)

  /// A finished 2-epoch run extended to 4 trains 2 more epochs, at the rates of the
  /// 4-epoch plan; from its checkpoint it ends exactly as in memory.
  @Test func finishedRunContinuesOnTheReplannedSchedule() throws {
    let configuration = SyntheticData.configuration(epochs: 2)
    let trainer = Trainer(configuration: configuration, data: Self.data, threads: 2)
    while !trainer.isFinished { trainer.trainEpoch() }
    let finished = trainer.checkpoint()
    let lastRate = trainer.history.last!.learningRate

    trainer.extend(toEpochs: 4)
    #expect(!trainer.isFinished && trainer.configuration.epochs == 4)
    var longer = configuration
    longer.epochs = 4
    let plan = Trainer(configuration: longer, data: Self.data, threads: 1)
    #expect(trainer.nextLearningRate == plan.learningRate(atStep: trainer.step))
    #expect(trainer.nextLearningRate > lastRate)
    while !trainer.isFinished { trainer.trainEpoch() }
    #expect(trainer.epoch == 4 && trainer.history.count == 4)
    #expect(
      abs(trainer.history.last!.learningRate - configuration.finalLearningRate) <= 1e-5
        * configuration.finalLearningRate)

    let resumed = try Trainer(checkpoint: finished, path: "x", data: Self.data, threads: 1)
    #expect(resumed.isFinished)
    resumed.extend(toEpochs: 4)
    while !resumed.isFinished { resumed.trainEpoch() }
    #expect(resumed.checkpoint().tensors == trainer.checkpoint().tensors)
    #expect(resumed.checkpoint().metadata.configuration.epochs == 4)
  }
}
