import BinaryNet
import Foundation
import Testing

@testable import BinaryNetTraining

/// The folded engine model must predict exactly what the trainer's float evaluation
/// predicts, on every image (DESIGN.md: parity, not merely close accuracy).
@Suite struct EngineParityTests {
  static func trainedTrainer(widths: [Int], epochs: Int, seed: UInt64) -> Trainer {
    let data = SyntheticData.make(count: 900, validationCount: 100, seed: seed)
    var configuration = SyntheticData.configuration(epochs: epochs)
    configuration.architecture = MLPArchitecture(widths: widths)
    configuration.seed = seed
    let trainer = Trainer(configuration: configuration, data: data, threads: 2)
    while !trainer.isFinished { trainer.trainEpoch() }
    return trainer
  }

  @Test(arguments: [[16, 32, 24, 4], [16, 70, 4], [16, 4]])
  func foldedModelPredictsLikeTheTrainer(widths: [Int]) throws {
    let trainer = Self.trainedTrainer(widths: widths, epochs: 3, seed: 5)
    let model = trainer.model
    let gemm = GEMM(threads: 2)
    let data = trainer.data
    data.pixels.withUnsafeBufferPointer {
      model.reestimateBatchNormStatistics(
        pixels: $0.baseAddress!, indices: Array(0..<300), gemm: gemm)
    }
    // Images the trainer never saw, including extreme ones (all 0, all 255, noise).
    var rng = Xoshiro256(seed: 77)
    var pixels = [UInt8](repeating: 0, count: 16) + [UInt8](repeating: 255, count: 16)
    for _ in 0..<2000 * 16 { pixels.append(UInt8(rng.nextIndex(below: 256))) }
    pixels += data.pixels
    let count = pixels.count / 16
    let labels = [UInt8](repeating: 0, count: count)
    let float = pixels.withUnsafeBufferPointer { p in
      labels.withUnsafeBufferPointer { l in
        model.evaluate(
          pixels: p.baseAddress!, labels: l.baseAddress!, indices: Array(0..<count), gemm: gemm)
      }
    }
    let engine = try model.fold(width: 4, height: 4, labels: ["a", "b", "c", "d"])
    let path = NSTemporaryDirectory() + "bnn-parity-\(UUID().uuidString).bnn"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try engine.write(toFile: path)
    let reloaded = try Model(contentsOfFile: path)
    let predicted = try reloaded.predictLabels(pixels, count: count)
    let differing = zip(predicted, float.predictions).filter { $0 != $1 }.count
    #expect(differing == 0, "\(differing) of \(count) predictions differ")
  }

  @Test func foldedLayersCarryTheTrainerParameters() {
    let trainer = Self.trainedTrainer(widths: [16, 32, 4], epochs: 1, seed: 6)
    let layers = trainer.model.trainedLayers()
    #expect(layers.count == 2)
    #expect(layers[0].weights == trainer.model.layers[0].latent.values)
    #expect(layers[1].batchNorm.mean == trainer.model.layers[1].batchNorm.runningMean)
    #expect(layers[1].batchNorm.epsilon == trainer.model.layers[1].batchNorm.epsilon)
    let input = BinaryMLP.inputDescription(width: 4, height: 4)
    #expect(input.scale == 1 / 255 && input.offset == 0 && input.pixelCount == 16)
  }
}
