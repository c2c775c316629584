import BinaryNetTraining
import Foundation
import MNISTLoader

// Temporary experiment driver (replaced by the real CLI).
let env = ProcessInfo.processInfo.environment
let arch = MLPArchitecture.parse(env["ARCH"] ?? "mlp-1024")!
let dataset = try Dataset.load(directory: "datasets/" + (env["DS"] ?? "mnist"), name: "mnist")
var config = TrainingConfiguration(architecture: arch)
config.epochs = Int(env["EPOCHS"] ?? "3")!
config.batchSize = Int(env["BATCH"] ?? "100")!
config.learningRate = Float(env["LR"] ?? "0.003")!
config.finalLearningRate = Float(env["LRF"] ?? "0.00003")!
config.glorotLearningRateScale = (env["GLOROT"] ?? "1") == "1"
config.schedule = LearningRateSchedule(rawValue: env["SCHED"] ?? "exponential")!
let data = TrainingData(dataset.train, validationCount: 5000)
let trainer = Trainer(configuration: config, data: data, threads: Int(env["THREADS"] ?? "2")!)
let gemm = GEMM(threads: 2)
while !trainer.isFinished {
  let r = trainer.trainEpoch()
  let test = dataset.test.images.pixels.withUnsafeBufferPointer { p in
    dataset.test.labels.withUnsafeBufferPointer { l in
      trainer.model.evaluate(pixels: p.baseAddress!, labels: l.baseAddress!, indices: Array(0..<10000), gemm: gemm)
    }
  }
  print(String(format: "epoch %2d loss %.4f train %.4f val %.4f test %.4f  %.1fs lr %.2e", r.epoch, r.trainLoss, r.trainAccuracy, r.validationAccuracy, test.accuracy, r.seconds, r.learningRate))
  FileHandle.standardOutput.synchronizeFile()
}
let idx = Array(0..<10000)
dataset.train.images.pixels.withUnsafeBufferPointer { p in
  trainer.model.reestimateBatchNormStatistics(pixels: p.baseAddress!, indices: Array(0..<10000), gemm: gemm)
}
let test2 = dataset.test.images.pixels.withUnsafeBufferPointer { p in
  dataset.test.labels.withUnsafeBufferPointer { l in
    trainer.model.evaluate(pixels: p.baseAddress!, labels: l.baseAddress!, indices: idx, gemm: gemm)
  }
}
print("after re-estimation: test \(test2.accuracy)  val \(trainer.validate().accuracy)")
