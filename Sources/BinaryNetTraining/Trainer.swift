import CFloatKernels
import Dispatch

/// Trains a `BinaryNetwork` epoch by epoch: seeded shuffling, augmentation, mini-batch
/// forward/backward, Adam with a decaying learning rate, latent weights clipped to [-1, 1];
/// under `KeptEpoch.best` it keeps a copy of the best epoch's model.
///
/// The whole state that decides the future (model, Adam moments, step, epoch, RNG, best
/// epoch) can be captured in a `Checkpoint`; a trainer restored from it continues
/// bit-identically.
/// Results do not depend on `threads` either (every reduction runs in a fixed order).
public final class Trainer {
  public internal(set) var configuration: TrainingConfiguration
  public let model: BinaryNetwork
  public let data: TrainingData
  public private(set) var gemm: GEMM
  /// Completed epochs.
  public internal(set) var epoch: Int
  /// Completed optimiser steps (Adam's t).
  public internal(set) var step: Int
  public internal(set) var rng: Xoshiro256
  public internal(set) var history: [EpochRecord]
  /// The best epoch so far and its model (`KeptEpoch.best` with validation images only).
  public internal(set) var best: BestEpoch?
  var bestSnapshot: NetworkSnapshot?
  let weightMoments: [AdamMoments]
  let gammaMoments: [AdamMoments]
  let betaMoments: [AdamMoments]
  let optimizer = Adam()
  private lazy var workspace = TrainingWorkspace(
    network: model, batch: configuration.batchSize, precision: configuration.gradients)

  /// A fresh run: weights initialised from `configuration.seed`.
  /// `data` must be split as `configuration` says (`TrainingData(..., configuration:)`).
  public init(configuration: TrainingConfiguration, data: TrainingData, threads: Int) {
    precondition(data.shape == configuration.architecture.input)
    precondition(data.validationCount == configuration.validationCount)
    precondition(data.trainingCount >= configuration.batchSize && configuration.batchSize > 0)
    self.configuration = configuration
    self.data = data
    gemm = GEMM(threads: threads)
    model = BinaryNetwork(
      architecture: configuration.architecture, epsilon: configuration.batchNormEpsilon,
      momentum: configuration.batchNormMomentum)
    rng = Xoshiro256(seed: configuration.seed)
    model.initializeWeights(using: &rng)
    epoch = 0
    step = 0
    history = []
    weightMoments = model.layers.map { AdamMoments(count: $0.latent.count) }
    gammaMoments = model.layers.map { AdamMoments(count: $0.outputCount) }
    betaMoments = model.layers.map { AdamMoments(count: $0.outputCount) }
  }

  public var threads: Int {
    get { gemm.threads }
    set { gemm = GEMM(threads: newValue, kernel: gemm.kernel) }
  }

  /// The SGEMM micro-kernel (default: the fastest this CPU has). The AVX2 and AVX-512
  /// paths give identical results; the portable one may differ in the last bits.
  public var sgemmPath: SGEMMPath {
    get { gemm.kernel }
    set { gemm = GEMM(threads: gemm.threads, kernel: newValue) }
  }

  public var stepsPerEpoch: Int { data.trainingCount / configuration.batchSize }
  public var totalSteps: Int { stepsPerEpoch * configuration.epochs }
  public var isFinished: Bool { epoch >= configuration.epochs }

  /// Learning rate of (0-based) optimiser step `step`.
  public func learningRate(atStep step: Int) -> Float {
    configuration.schedule.rate(
      step: step, totalSteps: totalSteps, start: configuration.learningRate,
      end: configuration.finalLearningRate)
  }

  /// The Glorot learning-rate scale of layer `index`'s binary weights,
  /// `1 / sqrt(1.5 / (fanIn + fanOut))`, or 1.
  func weightLearningRateScale(_ index: Int) -> Float {
    guard configuration.glorotLearningRateScale else { return 1 }
    let geometry = model.layers[index].geometry
    return 1 / (1.5 / Float(geometry.fanIn + geometry.fanOut)).squareRoot()
  }

  /// Trains one epoch over a fresh permutation of the training images (a final partial
  /// batch is skipped; the permutation changes every epoch), then validates.
  /// `progress(stepInEpoch, stepsPerEpoch, meanLossSoFar)` is called after every step; if
  /// it returns false the epoch stops early and `nil` is returned: the trainer is then in
  /// the middle of an epoch and must be discarded (resume from the last checkpoint).
  @discardableResult
  public func trainEpoch(progress: ((Int, Int, Double) -> Bool)? = nil) -> EpochRecord? {
    precondition(!isFinished, "training already finished")
    let started = DispatchTime.now().uptimeNanoseconds
    let batch = configuration.batchSize
    let order = rng.permutation(data.trainingCount)
    let augmentation = ImageAugmentation(
      shiftMaximum: configuration.augmentShift, flip: configuration.augmentFlip, shape: data.shape,
      seed: configuration.seed)
    var lossSum = 0.0
    var correct = 0
    var rate: Float = 0
    let ws = workspace
    // Adam keeps the binary weights current after every step; this covers a fresh or
    // restored model.
    model.refreshBinaryWeights(threads: gemm.threads)
    var stopped = false
    data.pixels.withUnsafeBufferPointer { pixels in
      for batchIndex in 0..<stepsPerEpoch where !stopped {
        let indices = order[(batchIndex * batch)..<((batchIndex + 1) * batch)].map { data.trainingIndices[$0] }
        if augmentation.shiftMaximum > 0 || augmentation.flip {
          augmentation.loadInputs(
            pixels: pixels.baseAddress!, indices: indices, epoch: epoch, into: ws.input, rng: &rng)
        } else {
          BinaryNetwork.loadInputs(
            pixels: pixels.baseAddress!, imageSize: data.imageSize, indices: indices, into: ws.input
          )
        }
        for (row, image) in indices.enumerated() { ws.labels[row] = Int32(data.labels[image]) }
        rate = learningRate(atStep: step)
        let result = trainStep(learningRate: rate)
        lossSum += result.loss
        correct += result.correct
        if let progress, !progress(batchIndex + 1, stepsPerEpoch, lossSum / Double(batchIndex + 1)) {
          stopped = true
        }
      }
    }
    if stopped { return nil }
    let validation = validate()
    epoch += 1
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    let record = EpochRecord(
      epoch: epoch, trainLoss: lossSum / Double(stepsPerEpoch),
      trainAccuracy: Double(correct) / Double(stepsPerEpoch * batch),
      validationLoss: validation.loss, validationAccuracy: validation.accuracy, seconds: seconds,
      learningRate: rate)
    history.append(record)
    if configuration.keep == .best, data.validationCount > 0, best?.isBeaten(by: record) ?? true {
      best = BestEpoch(epoch: epoch, validationAccuracy: record.validationAccuracy)
      bestSnapshot = model.snapshot()
    }
    return record
  }

  /// One optimiser step on the batch loaded in the workspace.
  private func trainStep(learningRate rate: Float) -> (loss: Double, correct: Int) {
    let threads = gemm.threads
    let result = model.forwardBackward(workspace: workspace, gemm: gemm)
    step += 1
    for (index, layer) in model.layers.enumerated() {
      optimizer.update(
        parameters: layer.latent.data, gradients: workspace.weightGradients[index].data,
        moments: weightMoments[index], count: layer.latent.count,
        learningRate: rate * weightLearningRateScale(index), step: step, clip: 1,
        signs: layer.binary.data, threads: threads)
      let gradients = result.batchNorm[index]
      layer.batchNorm.gamma.withUnsafeMutableBufferPointer { gamma in
        gradients.gamma.withUnsafeBufferPointer { g in
          optimizer.update(
            parameters: gamma.baseAddress!, gradients: g.baseAddress!, moments: gammaMoments[index],
            count: gamma.count, learningRate: rate, step: step, threads: 1)
        }
      }
      layer.batchNorm.beta.withUnsafeMutableBufferPointer { beta in
        gradients.beta.withUnsafeBufferPointer { g in
          optimizer.update(
            parameters: beta.baseAddress!, gradients: g.baseAddress!, moments: betaMoments[index],
            count: beta.count, learningRate: rate, step: step, threads: 1)
        }
      }
    }
    return (result.loss, result.correct)
  }

  /// Loss and accuracy on the validation images with the current running statistics.
  public func validate() -> (loss: Double, accuracy: Double) {
    guard data.validationCount > 0 else { return (0, 0) }
    model.refreshBinaryWeights(threads: gemm.threads)
    let result = data.pixels.withUnsafeBufferPointer { pixels in
      data.labels.withUnsafeBufferPointer { labels in
        model.evaluate(
          pixels: pixels.baseAddress!, labels: labels.baseAddress!,
          indices: data.validationIndices, gemm: gemm)
      }
    }
    return (result.loss, result.accuracy)
  }
}
