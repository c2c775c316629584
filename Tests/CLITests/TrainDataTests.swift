import Foundation
import Testing

/// bnn-train's data and run options: the data set report, the seeded validation split,
/// `--keep`, extending a run with `--resume --epochs`, and their usage errors.
@Suite("bnn-train data and run options")
struct TrainDataTests {
  /// The JSON objects of a `--json` run's stdout.
  static func events(_ stdout: String) throws -> [[String: Any]] {
    try stdout.split(separator: "\n").compactMap {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }

  @Test func newOptionsRefuseBadValues() throws {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder, train: 200, test: 50)
    let cases: [([String], String)] = [
      (["--keep", "worst"], "unknown --keep 'worst' (best, last)"),
      (["--size", "0x5"], "--size wants HxW"),
      (["--size", "28"], "--size wants HxW"),
      (["--resize", "nearest"], "unknown --resize 'nearest'"),
      (["--keep", "best", "--val", "0"], "--keep best needs validation images"),
      (["--flip=yes"], "--flip"),
    ]
    for (args, message) in cases {
      let r = try ToolRunner.run("bnn-train", ["--data", data, "--out", folder.path("x.bnn")] + args)
      #expect(r.status == 2, "\(args) exited \(r.status): \(r.stderr)")
      #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
      #expect(!FileManager.default.fileExists(atPath: folder.path("x.bnn.ckpt")))
    }
  }

  /// A finished run extended with `--resume --epochs N`: fewer epochs than done is a usage
  /// error, more continue with a line about the schedule; the kept epoch is the best
  /// validation epoch (the later on a tie) of the whole history.
  @Test func resumeWithMoreEpochsExtendsAFinishedRun() throws {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder, train: 300, test: 50)
    let model = folder.path("bars.bnn")
    let common = ["--threads", "2", "--out", model, "--json"]
    let first = try ToolRunner.run(
      "bnn-train",
      ["--data", data, "--arch", "100-32-10", "--epochs", "2", "--batch", "50", "--val", "50", "--augment", "0"]
        + common)
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stderr.contains("bars (\(data), IDX files): 10x10x1 images, 10 classes; 250 training, 50 validation"))
    #expect(first.stderr.contains("data loaded in"), "\(first.stderr)")

    let fewer = try ToolRunner.run("bnn-train", ["--resume", "--epochs", "1"] + common)
    #expect(fewer.status == 2 && fewer.stderr.contains("fewer than the 2 epochs"), "\(fewer.stderr)")

    let extended = try ToolRunner.run("bnn-train", ["--resume", "--epochs", "4"] + common)
    #expect(extended.status == 0, "\(extended.stderr)")
    #expect(
      extended.stderr.contains("extending the run from 2 to 4 epochs: the exponential schedule is re-planned"),
      "\(extended.stderr)")
    let events = try Self.events(extended.stdout)
    let epochs = events.filter { $0["event"] as? String == "epoch" }
    #expect(epochs.map { $0["epoch"] as? Int } == [1, 2, 3, 4])
    let summary = try #require(events.first { $0["event"] as? String == "summary" })
    #expect(summary["epochs"] as? Int == 4)
    #expect(summary["keep"] as? String == "best")
    let accuracies = epochs.map { $0["val_accuracy"] as? Double ?? -1 }
    let best = accuracies.indices.last { accuracies[$0] == accuracies.max()! }! + 1
    #expect(summary["kept_epoch"] as? Int == best, "\(accuracies)")
    #expect(extended.stderr.contains("keeping epoch \(best) of 4"), "\(extended.stderr)")
    #expect(summary["engine_trainer_disagreements"] as? Int == 0)

    // Finished at 4: resuming again refits and rewrites the same model.
    let again = try ToolRunner.run("bnn-train", ["--resume"] + common)
    #expect(again.status == 0 && !again.stderr.contains("extending"), "\(again.stderr)")
    let repeated = try #require(try Self.events(again.stdout).first { $0["event"] as? String == "summary" })
    #expect(repeated["test_correct"] as? Int == summary["test_correct"] as? Int)

    // --size and --resize must match how the run read its data.
    let size = try ToolRunner.run("bnn-train", ["--resume", "--size", "12x12"] + common)
    #expect(size.status == 2 && size.stderr.contains("--size 12x12 (checkpoint: none)"), "\(size.stderr)")
  }

  /// Without validation images the last epoch is kept; a run with validation images is
  /// reproducible for a seed (which also chooses the held-out images) and differs for
  /// another seed.
  @Test func valZeroKeepsTheLastEpochAndRunsFollowTheSeed() throws {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder, train: 200, test: 50)
    func run(_ extra: [String], _ name: String) throws -> [[String: Any]] {
      let r = try ToolRunner.run(
        "bnn-train",
        ["--data", data, "--arch", "100-16-10", "--epochs", "2", "--batch", "50", "--json", "--out", folder.path(name)]
          + extra)
      #expect(r.status == 0, "\(r.stderr)")
      return try Self.events(r.stdout)
    }
    let none = try run(["--val", "0"], "a.bnn")
    let summary = try #require(none.last)
    #expect(summary["keep"] as? String == "last" && summary["kept_epoch"] as? Int == 2)
    let seeded = try run(["--val", "40", "--seed", "3"], "b.bnn")
    let same = try run(["--val", "40", "--seed", "3"], "c.bnn")
    let other = try run(["--val", "40", "--seed", "4"], "d.bnn")
    func validation(_ events: [[String: Any]]) -> [Double] {
      events.compactMap { $0["val_loss"] as? Double }
    }
    #expect(validation(seeded) == validation(same))
    #expect(validation(seeded) != validation(other))
  }

  /// A preset takes the data's input size and class count (10x10 images of 4 classes:
  /// mlp-1024 is 100-1024-1024-1024-4); an explicit spec must fit as given.
  @Test func presetsFitTheData() throws {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder, train: 120, test: 20)
    for stem in ["train", "t10k"] {
      let path = data + "/\(stem)-labels-idx1-ubyte"
      let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
      try Data(bytes.prefix(8) + bytes.dropFirst(8).map { $0 % 4 }).write(to: URL(fileURLWithPath: path))
    }
    let r = try ToolRunner.run(
      "bnn-train",
      [
        "--data", data, "--arch", "mlp-1024", "--epochs", "1", "--batch", "20", "--val", "20", "--bn-samples", "50",
        "--json", "--out", folder.path("m.bnn"),
      ])
    #expect(r.status == 0, "\(r.stderr)")
    let summary = try #require(try Self.events(r.stdout).last)
    #expect(summary["arch"] as? String == "100-1024-1024-1024-4")
    #expect(summary["classes"] as? Int == 4)
    let explicit = try ToolRunner.run(
      "bnn-train", ["--data", data, "--arch", "100-16-10", "--out", folder.path("n.bnn")])
    #expect(explicit.status == 2, "\(explicit.stderr)")
    #expect(explicit.stderr.contains("has 10 outputs, but the data set has 4 classes"), "\(explicit.stderr)")
  }

  /// No output may be a data file: the model, its checkpoint or its curve.
  @Test func outputsMayNotOverwriteTheData() throws {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder, train: 200, test: 50)
    for out in [data + "/train-images-idx3-ubyte", data + "/t10k-labels-idx1-ubyte", data] {
      let r = try ToolRunner.run("bnn-train", ["--data", data, "--arch", "100-16-10", "--out", out])
      #expect(r.status == 2, "\(out): \(r.stderr)")
      #expect(r.stderr.contains("must not overwrite"), "\(out): \(r.stderr)")
    }
  }
}
