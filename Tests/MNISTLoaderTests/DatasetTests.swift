import Foundation
import Testing

@testable import MNISTLoader

@Suite struct DatasetTests {
  /// The repository's `datasets/` folder, found from this source file.
  static let repositoryDatasets = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("datasets").path

  @Test func bundledMNISTLoadsCompletely() throws {
    let dataset = try Dataset.load(directory: Self.repositoryDatasets + "/mnist", name: "mnist")
    #expect(dataset.train.count == 60000 && dataset.test.count == 10000)
    #expect(dataset.train.images.rows == 28 && dataset.train.images.cols == 28)
    #expect(Array(dataset.train.labels.prefix(10)) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    #expect(Array(dataset.test.labels.prefix(10)) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
    let sum = dataset.train.images.pixels.reduce(0) { $0 + Int($1) }
    let mean = Double(sum) / Double(dataset.train.images.pixels.count)
    #expect(abs(mean - 33.318) < 0.001)
    #expect(dataset.classNames == (0..<10).map(String.init))
  }

  @Test func bundledFashionMNISTHasClothingNames() throws {
    let dataset = try Dataset.load(
      directory: Self.repositoryDatasets + "/fashion-mnist", name: "fashion-mnist")
    #expect(Array(dataset.test.labels.prefix(10)) == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
    #expect(dataset.classNames[9] == "Ankle boot")
  }

  @Test func plainFilesInMNISTLayoutLoad() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    try files.writePlain(
      "train-images-idx3-ubyte", IDXTestFiles.imageBytes(count: 4, rows: 3, cols: 3))
    try files.writePlain("train-labels-idx1-ubyte", IDXTestFiles.labelBytes([0, 1, 2, 1]))
    try files.writeGzip(
      "t10k-images-idx3-ubyte.gz", IDXTestFiles.imageBytes(count: 2, rows: 3, cols: 3))
    try files.writeGzip("t10k-labels-idx1-ubyte.gz", IDXTestFiles.labelBytes([2, 0]))
    let dataset = try Dataset.load(directory: files.directory, name: "tiny", classCount: 3)
    #expect(dataset.train.count == 4 && dataset.test.count == 2)
    #expect(dataset.classNames == ["0", "1", "2"])
  }

  @Test func testImagesOfAnotherShapeAreRefused() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    try files.writePlain(
      "train-images-idx3-ubyte", IDXTestFiles.imageBytes(count: 1, rows: 3, cols: 3))
    try files.writePlain("train-labels-idx1-ubyte", IDXTestFiles.labelBytes([0]))
    try files.writePlain(
      "t10k-images-idx3-ubyte", IDXTestFiles.imageBytes(count: 1, rows: 2, cols: 3))
    try files.writePlain("t10k-labels-idx1-ubyte", IDXTestFiles.labelBytes([0]))
    #expect(throws: IDXError.self) { try Dataset.load(directory: files.directory, name: "x") }
  }

  @Test func missingDatasetFileNamesTheGzPath() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    do {
      _ = try Dataset.load(directory: files.directory, name: "x")
      Issue.record("loading an empty folder succeeded")
    } catch {
      #expect(
        error
          == .cannotOpen(
            path: files.path("train-images-idx3-ubyte.gz"), reason: "No such file or directory"))
    }
  }

  @Test func locatorSearchOrder() throws {
    let files = try IDXTestFiles()
    defer { files.remove() }
    let root = files.directory
    // A fake tree: <root>/repo/datasets/mnist (with a train image file) and the executable
    // at <root>/repo/.build/release/bnn-train.
    let data = root + "/repo/datasets/mnist"
    try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
    try files.writePlain("repo/datasets/mnist/train-images-idx3-ubyte.gz", [])
    let locator = DatasetLocator(
      environment: [:], currentDirectory: root + "/elsewhere",
      executablePath: root + "/repo/.build/release/bnn-train")
    #expect(try locator.locate(name: "mnist") == data)
    #expect(try locator.locate(name: "mnist", explicitDirectory: "/x") == "/x")

    let env = DatasetLocator(
      environment: ["BNN_DATA_DIR": root + "/repo/datasets"], currentDirectory: "/",
      executablePath: nil)
    #expect(try env.locate(name: "mnist") == data)
    #expect(env.candidateDirectories(name: "mnist").first == data)

    let cwd = DatasetLocator(
      environment: [:], currentDirectory: root + "/repo", executablePath: nil)
    #expect(try cwd.locate(name: "mnist") == data)

    #expect(throws: IDXError.self) { try locator.locate(name: "fashion-mnist") }
  }
}
