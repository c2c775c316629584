import Foundation
import Testing

@testable import BinaryNetTraining

@Suite struct TrainerTests {
  /// The model's complete state as plain arrays, for exact comparisons.
  static func snapshot(_ trainer: Trainer) -> [[Float]] {
    trainer.checkpoint().tensors
  }

  static func historyWithoutTimes(_ trainer: Trainer) -> [EpochRecord] {
    trainer.history.map {
      var record = $0
      record.seconds = 0
      return record
    }
  }

  @Test func tinyModelLearnsTheSyntheticProblem() {
    let data = SyntheticData.make(count: 700, validationCount: 100)
    let trainer = Trainer(
      configuration: SyntheticData.configuration(epochs: 6), data: data, threads: 2)
    var records: [EpochRecord] = []
    while !trainer.isFinished { records.append(trainer.trainEpoch()!) }
    #expect(records.count == 6)
    #expect(records.last!.trainLoss < records.first!.trainLoss)
    #expect(records.last!.validationAccuracy > 0.9)
    #expect(trainer.step == 6 * 30)
    for layer in trainer.model.layers {
      #expect(layer.latent.values.allSatisfy { abs($0) <= 1 })
    }
  }

  /// An interrupted run (checkpoint written to disk after 2 epochs, read back by a new
  /// trainer) ends bit-identical to an uninterrupted one.
  @Test func resumedRunEqualsUninterruptedRun() throws {
    let data = SyntheticData.make(count: 700, validationCount: 100)
    let configuration = SyntheticData.configuration(epochs: 4)
    let straight = Trainer(configuration: configuration, data: data, threads: 2)
    while !straight.isFinished { straight.trainEpoch() }

    let path = NSTemporaryDirectory() + "bnn-train-resume-\(UUID().uuidString).ckpt"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let first = Trainer(configuration: configuration, data: data, threads: 2)
    first.trainEpoch()
    first.trainEpoch()
    try first.checkpoint(annotations: ["dataset": "synthetic"]).write(toFile: path)

    let loaded = try Checkpoint.read(fromFile: path)
    #expect(loaded.metadata.annotations == ["dataset": "synthetic"])
    let resumed = try Trainer(checkpoint: loaded, path: path, data: data, threads: 2)
    #expect(resumed.epoch == 2 && resumed.step == first.step)
    while !resumed.isFinished { resumed.trainEpoch() }

    #expect(Self.snapshot(resumed) == Self.snapshot(straight))
    #expect(resumed.rng == straight.rng)
    #expect(Self.historyWithoutTimes(resumed) == Self.historyWithoutTimes(straight))
  }

  @Test func resultsDoNotDependOnTheThreadCount() {
    let data = SyntheticData.make(count: 700, validationCount: 100)
    var configuration = SyntheticData.configuration(epochs: 2)
    // Wide enough that the GEMMs and BatchNorm really split between threads.
    configuration.architecture = MLPArchitecture(widths: [16, 300, 200, 4])
    configuration.batchSize = 50
    let one = Trainer(configuration: configuration, data: data, threads: 1)
    let three = Trainer(configuration: configuration, data: data, threads: 3)
    while !one.isFinished {
      one.trainEpoch()
      three.trainEpoch()
    }
    #expect(Self.snapshot(one) == Self.snapshot(three))
  }

  @Test func sameSeedSameModelDifferentSeedDifferentModel() {
    let data = SyntheticData.make(count: 300, validationCount: 100)
    let configuration = SyntheticData.configuration(epochs: 1)
    let a = Trainer(configuration: configuration, data: data, threads: 2)
    let b = Trainer(configuration: configuration, data: data, threads: 2)
    var other = configuration
    other.seed = 100
    let c = Trainer(configuration: other, data: data, threads: 2)
    for trainer in [a, b, c] { trainer.trainEpoch() }
    #expect(Self.snapshot(a) == Self.snapshot(b))
    #expect(Self.snapshot(a) != Self.snapshot(c))
  }

  /// After re-estimation each BatchNorm holds the exact mean/variance of its input `z`
  /// over the sample, computed with the final binary weights.
  @Test func batchNormReestimationGivesExactStatistics() {
    let data = SyntheticData.make(count: 400, validationCount: 100)
    let trainer = Trainer(
      configuration: SyntheticData.configuration(epochs: 1), data: data, threads: 2)
    trainer.trainEpoch()
    let model = trainer.model
    let indices = Array(0..<150)
    let gemm = GEMM(threads: 2)
    data.pixels.withUnsafeBufferPointer { pixels in
      model.reestimateBatchNormStatistics(
        pixels: pixels.baseAddress!, indices: indices, gemm: gemm, chunk: 64)
      // Recompute layer by layer over all 150 images at once.
      let workspace = FloatInferenceWorkspace(architecture: model.architecture, capacity: 150)
      BinaryMLP.loadInputs(
        pixels: pixels.baseAddress!, imageSize: 16, indices: indices, into: workspace.input)
      for (index, layer) in model.layers.enumerated() {
        let z = model.forwardInference(
          rows: 150, workspace: workspace, gemm: gemm, layerLimit: index + 1, rawLast: true)
        for j in 0..<layer.outputCount {
          let column = (0..<150).map { Double(z[$0, j]) }
          let mean = column.reduce(0, +) / 150
          let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 150
          #expect(abs(Double(layer.batchNorm.runningMean[j]) - mean) < 1e-4 * max(1, abs(mean)))
          #expect(
            abs(Double(layer.batchNorm.runningVariance[j]) - variance) < 1e-3 * max(1, variance))
        }
      }
    }
  }
}
