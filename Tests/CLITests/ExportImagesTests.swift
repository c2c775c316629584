import BinaryNet
import BinaryNetData
import BinaryNetImages
import CLISupport
import Foundation
import Testing

@Suite("coloured MNIST rule")
struct ColourisedImageTests {
  @Test func coloursAreDeterministicAndContrasted() {
    var distinct = Set<[UInt8]>()
    for split in 0...1 {
      for index in 0..<2000 {
        let a = ColourisedImage(seed: 42, split: split, index: index)
        let b = ColourisedImage(seed: 42, split: split, index: index)
        #expect(a.foreground == b.foreground && a.background == b.background)
        #expect(
          abs(ColourisedImage.luma(a.foreground) - ColourisedImage.luma(a.background))
            >= ColourisedImage.minimumContrast)
        distinct.insert([
          a.foreground.r, a.foreground.g, a.foreground.b, a.background.r, a.background.g, a.background.b,
        ])
      }
    }
    // Random per image: thousands of different pairs, not one fallback pair.
    #expect(distinct.count > 3900)
    let other = ColourisedImage(seed: 43, split: 0, index: 0)
    let first = ColourisedImage(seed: 42, split: 0, index: 0)
    #expect(other.foreground != first.foreground || other.background != first.background)
  }

  /// `bg + (fg - bg) * v / 255`, rounded to nearest, per channel.
  @Test func pixelsBlendBackgroundToForeground() {
    let c = ColourisedImage(seed: 7, split: 1, index: 3)
    let values: [UInt8] = [0, 1, 64, 127, 128, 200, 254, 255]
    let grey = PixelImage(width: 4, height: 2, channels: 1, pixels: values)
    let coloured = c.apply(to: grey)
    #expect(coloured.channels == 3 && coloured.width == 4 && coloured.height == 2)
    let fg = [c.foreground.r, c.foreground.g, c.foreground.b].map(Double.init)
    let bg = [c.background.r, c.background.g, c.background.b].map(Double.init)
    for (i, v) in values.enumerated() {
      for ch in 0..<3 {
        let exact = bg[ch] + (fg[ch] - bg[ch]) * Double(v) / 255
        #expect(Double(coloured.pixels[3 * i + ch]) == exact.rounded(), "pixel \(i) channel \(ch)")
      }
    }
    #expect(Array(coloured.pixels[0..<3]) == [c.background.r, c.background.g, c.background.b])
    #expect(Array(coloured.pixels[21..<24]) == [c.foreground.r, c.foreground.g, c.foreground.b])
  }
}

@Suite("bnn-run export-images")
struct ExportImagesTests {
  static func run(_ arguments: [String]) throws -> ToolRunner.Output {
    try ToolRunner.run("bnn-run", ["export-images"] + arguments)
  }

  @Test func usageErrors() throws {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder, train: 30, test: 10)
    try FileManager.default.createDirectory(atPath: folder.path("full"), withIntermediateDirectories: true)
    try Data("x".utf8).write(to: URL(fileURLWithPath: folder.path("full/file")))
    try Data("x".utf8).write(to: URL(fileURLWithPath: folder.path("plain-file")))
    let out = folder.path("out")
    let cases: [([String], String)] = [
      (["--out", out], "needs --data PATH or --dataset NAME"),
      (["--data", data, "--dataset", "mnist", "--out", out], "not both"),
      (["--data", data], "--out"),
      (["--dataset", "cifar-100", "--out", out], "unknown --dataset 'cifar-100'"),
      (["--data", data, "--out", out, "--quality", "80"], "--quality applies to --format jpeg"),
      (["--data", data, "--out", out, "--format", "gif"], "unknown --format 'gif'"),
      (["--data", data, "--out", out, "--resize", "area"], "--resize needs --size"),
      (["--data", data, "--out", out, "--colour", "blue"], "--colour wants a seed"),
      (["--data", data, "--out", out, "--size", "0x5"], "--size wants HxW"),
      (["--data", data, "--out", folder.path("full")], "is not empty; give --force"),
      (["--data", data, "--out", folder.path("plain-file")], "exists and is not a folder"),
      (["--data", data, "--out", data], "same file"),
      (["--data", data, "--out", data + "/png"], "lies inside the data set"),
      (["--data", data, "--out", folder.url.path, "--force"], "holds the data set"),
    ]
    for (arguments, message) in cases {
      let r = try ExportImagesTests.run(arguments)
      #expect(r.status == 2, "\(arguments) exited \(r.status): \(r.stderr)")
      #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
      #expect(!r.stderr.contains("Fatal error"))
    }
    #expect(!FileManager.default.fileExists(atPath: out))
    #expect(!FileManager.default.fileExists(atPath: data + "/png"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: data).count == 4)
  }

  /// Writes an IDX data set as PNG files, reads the files back through bnn-run eval's
  /// --data (an image folder), and compares pixels through classification. Needs the
  /// image codecs and DataSet.load.
  @Test func writesTheFolderTree() throws {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder, train: 40, test: 12)
    let out = folder.path("png")
    let r = try ExportImagesTests.run(["--data", data, "--out", out, "--limit", "25", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    #expect(summary?["train"] as? Int == 25 && summary?["test"] as? Int == 12)
    #expect(summary?["kind"] as? String == "IDX files")
    let fm = FileManager.default
    var written = 0
    for split in ["train", "test"] {
      for classFolder in try fm.contentsOfDirectory(atPath: out + "/" + split) {
        #expect(Int(classFolder).map { (0..<10).contains($0) } == true, "\(classFolder)")
        for file in try fm.contentsOfDirectory(atPath: out + "/\(split)/\(classFolder)") {
          #expect(file.hasSuffix(".png") && file.count == 9, "\(file)")
          let bytes = try Data(contentsOf: URL(fileURLWithPath: out + "/\(split)/\(classFolder)/\(file)"))
          #expect(Array(bytes.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
          written += 1
        }
      }
    }
    #expect(written == 37)
    // The first training image of the IDX file is train/<its label>/00000.png.
    let labels = try Data(contentsOf: URL(fileURLWithPath: data + "/train-labels-idx1-ubyte"))
    #expect(fm.fileExists(atPath: out + "/train/\(labels[8])/00000.png"))

    // Again into the same folder: refused unless --force.
    let again = try ExportImagesTests.run(["--data", data, "--out", out, "--limit", "25"])
    #expect(again.status == 2 && again.stderr.contains("--force"))
    let forced = try ExportImagesTests.run(["--data", data, "--out", out, "--limit", "25", "--force"])
    #expect(forced.status == 0, "\(forced.stderr)")
  }

  /// --colour SEED gives the same bytes on every run and different ones for another
  /// seed; JPEG files start with the JPEG magic. Needs the image codecs.
  @Test func colourExportIsDeterministic() throws {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder, train: 20, test: 5)
    var trees: [[String: Data]] = []
    for (name, seed) in [("a", "9"), ("b", "9"), ("c", "10")] {
      let r = try ExportImagesTests.run(["--data", data, "--out", folder.path(name), "--colour", seed])
      #expect(r.status == 0, "\(r.stderr)")
      var tree: [String: Data] = [:]
      let root = folder.path(name)
      for path in FileManager.default.enumerator(atPath: root)?.compactMap({ $0 as? String }) ?? []
      where path.hasSuffix(".png") {
        tree[path] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + path))
      }
      #expect(tree.count == 25)
      trees.append(tree)
    }
    #expect(trees[0] == trees[1])
    #expect(trees[0] != trees[2])
    let jpeg = try ExportImagesTests.run([
      "--data", data, "--out", folder.path("j"), "--format", "jpeg", "--quality", "80", "--limit", "3",
    ])
    #expect(jpeg.status == 0, "\(jpeg.stderr)")
    let files = FileManager.default.enumerator(atPath: folder.path("j"))?.compactMap { $0 as? String }
      .filter { $0.hasSuffix(".jpg") }
    #expect(files?.count == 6)
    if let first = files?.first {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: folder.path("j") + "/" + first))
      #expect(Array(bytes.prefix(3)) == [0xFF, 0xD8, 0xFF])
    }
  }

  /// --format idx writes the MNIST layout: colour images as rank-4 IDX in data-set order
  /// (read back through DataSet.load), the same pixels and labels as the PNG export of the
  /// same options (each PNG file matched by its index); grey images as rank 3, the source's
  /// own bytes. Needs the image codecs.
  @Test func idxExportMatchesThePNGExport() throws {
    let folder = try ScratchFolder()
    let data = try writeBarsDataset(to: folder, train: 200, test: 12)
    let options = ["--data", data, "--colour", "5", "--limit", "100"]
    let png = try ExportImagesTests.run(options + ["--out", folder.path("png")])
    let idx = try ExportImagesTests.run(options + ["--out", folder.path("idx"), "--format", "idx"])
    #expect(png.status == 0, "\(png.stderr)")
    #expect(idx.status == 0, "\(idx.stderr)")
    #expect(idx.stdout.contains("100 train and 12 test images (10x10x3, 10 classes, idx)"), "\(idx.stdout)")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path("idx")).sorted()
    #expect(
      files == [
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
      ])
    let header = try Data(contentsOf: URL(fileURLWithPath: folder.path("idx/train-images-idx3-ubyte"))).prefix(20)
    #expect(Array(header) == [0, 0, 8, 4, 0, 0, 0, 100, 0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 3])

    // Every PNG file (split/class/index.png) against image `index` of the IDX split.
    let fromIDX = try DataSet.load(path: folder.path("idx"))
    #expect(fromIDX.kind == .idx)
    for (split, idxSet, count) in [("train", fromIDX.train, 100), ("test", fromIDX.test, 12)] {
      #expect(idxSet.count == count)
      #expect(idxSet.shape == TensorShape(height: 10, width: 10, channels: 3))
      var seen = Set<Int>()
      let root = folder.path("png/" + split)
      for path in FileManager.default.enumerator(atPath: root)?.compactMap({ $0 as? String }) ?? []
      where path.hasSuffix(".png") {
        let parts = path.split(separator: "/")
        let index = try #require(Int(parts[1].dropLast(4)), "\(path)")
        seen.insert(index)
        let image = try ImageFile.read(path: root + "/" + path)
        #expect(image.pixels == idxSet.image(index).pixels, "\(path)")
        #expect(Int(parts[0]) == Int(idxSet.labels[index]), "\(path)")
      }
      #expect(seen == Set(0..<count))
    }

    // Grey: rank 3, the first 20 / all 12 images of the source, byte for byte.
    let grey = try ExportImagesTests.run([
      "--data", data, "--limit", "20", "--format", "idx", "--out", folder.path("g"),
    ])
    #expect(grey.status == 0, "\(grey.stderr)")
    let source = try Data(contentsOf: URL(fileURLWithPath: data + "/train-images-idx3-ubyte"))
    let written = try Data(contentsOf: URL(fileURLWithPath: folder.path("g/train-images-idx3-ubyte")))
    #expect(Array(written.prefix(16)) == [0, 0, 8, 3, 0, 0, 0, 20, 0, 0, 0, 10, 0, 0, 0, 10])
    #expect(written.dropFirst(16) == source.dropFirst(16).prefix(2000))
    let testSource = try Data(contentsOf: URL(fileURLWithPath: data + "/t10k-labels-idx1-ubyte"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: folder.path("g/t10k-labels-idx1-ubyte"))) == testSource)
  }
}
