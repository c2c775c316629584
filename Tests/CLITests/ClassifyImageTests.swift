import BinaryNet
import Foundation
import Testing

/// A PNG file (8-bit grey or RGB) written by hand: stored (uncompressed) deflate blocks,
/// so the test needs no encoder and the bytes are exactly what the decoder must undo.
func pngFile(width: Int, height: Int, channels: Int, pixels: [UInt8]) -> [UInt8] {
  func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
  func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for b in bytes {
      crc ^= UInt32(b)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }
  func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    return be32(UInt32(data.count)) + body + be32(crc32(body))
  }
  let rowBytes = width * channels
  var raw: [UInt8] = []
  for y in 0..<height { raw += [0] + pixels[(y * rowBytes)..<((y + 1) * rowBytes)] }
  precondition(raw.count < 65_536, "one stored block")
  var a: UInt32 = 1
  var b: UInt32 = 0
  for byte in raw {
    a = (a + UInt32(byte)) % 65_521
    b = (b + a) % 65_521
  }
  let length = UInt16(raw.count)
  // zlib header, one final stored block (LEN, NLEN little-endian), the data, Adler-32.
  var zlib: [UInt8] = [0x78, 0x01, 0x01]
  zlib += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
  zlib += raw
  zlib += be32(b << 16 | a)
  let colourType: UInt8 = channels == 3 ? 2 : 0
  var header = be32(UInt32(width))
  header += be32(UInt32(height))
  header += [8, colourType, 0, 0, 0]
  var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
  file += chunk("IHDR", header)
  file += chunk("IDAT", zlib)
  file += chunk("IEND", [])
  return file
}

/// BT.601 luma in integers, the rule `PixelImage.converted(toChannels: 1)` documents.
func luma(_ rgb: [UInt8]) -> [UInt8] {
  stride(from: 0, to: rgb.count, by: 3).map { (i: Int) -> UInt8 in
    let (r, g, b) = (Int(rgb[i]), Int(rgb[i + 1]), Int(rgb[i + 2]))
    let weighted: Int = 299 * r + 587 * g + 114 * b
    return UInt8((weighted + 500) / 1000)
  }
}

@Suite("bnn-run classify: image files")
struct ClassifyImageTests {
  static func json(_ r: ToolRunner.Output) throws -> [[String: Any]] {
    try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
  }

  @Test func usageErrors() throws {
    let folder = try ScratchFolder()
    try makeModel().write(toFile: folder.path("m.bnn"))
    for (arguments, message) in [
      (["--top", "4"], "--top 4 is more than the model's 3 classes"),
      (["--resize", "nearest"], "unknown --resize 'nearest' (area, bilinear)"),
    ] {
      let r = try ToolRunner.run("bnn-run", ["classify", folder.path("m.bnn"), folder.path("none.png")] + arguments)
      #expect(r.status == 2 && r.stderr.contains(message), "\(arguments): \(r.stderr)")
    }
  }

  /// Colour PNG and PPM files given to a grey model are converted with BT.601 luma and
  /// classified exactly as the library classifies the converted pixels; the JSON has
  /// every score and its softmax probability. Needs the image decoders.
  @Test func colourFilesAreConvertedForAGreyModel() throws {
    let folder = try ScratchFolder()
    let model = try makeModel()
    try model.write(toFile: folder.path("m.bnn"))
    let rgb = randomPixels(35 * 3, seed: 21)
    let expected = try model.classify(luma(rgb))
    try Data(pngFile(width: 7, height: 5, channels: 3, pixels: rgb)).write(
      to: URL(fileURLWithPath: folder.path("c.png")))
    try Data(Array("P6\n7 5\n255\n".utf8) + rgb).write(to: URL(fileURLWithPath: folder.path("c.ppm")))
    let r = try ToolRunner.run(
      "bnn-run", ["classify", folder.path("m.bnn"), folder.path("c.png"), folder.path("c.ppm"), "--json", "--top", "3"])
    #expect(r.status == 0, "\(r.stderr)")
    let results = try ClassifyImageTests.json(r)
    #expect(results.count == 2)
    let probabilities = Classification(scores: expected.scores).probabilities
    for result in results {
      #expect(result["class"] as? Int == expected.label)
      #expect((result["scores"] as? [Double])?.map { Float($0) } == expected.scores)
      let p = (result["probabilities"] as? [Double]) ?? []
      #expect(p.count == 3 && abs(p.reduce(0, +) - 1) < 1e-5)
      #expect(zip(p, probabilities).allSatisfy { abs($0 - Double($1)) < 1e-6 })
      let top = (result["top"] as? [[String: Any]]) ?? []
      #expect(
        top.map { $0["class"] as? Int }
          == expected.scores.indices.sorted {
            expected.scores[$0] > expected.scores[$1] || (expected.scores[$0] == expected.scores[$1] && $0 < $1)
          })
      #expect(((result["notes"] as? [String]) ?? []).contains { $0.contains("converted to grey") })
    }
    // Text: the conversion is said on stderr, the labels with percentages on stdout.
    let text = try ToolRunner.run("bnn-run", ["classify", folder.path("m.bnn"), folder.path("c.png")])
    #expect(text.status == 0 && text.stderr.contains("c.png: colour image converted to grey"), "\(text.stderr)")
    #expect(text.stdout.hasPrefix(folder.path("c.png") + ": " + model.labels[expected.label] + " "))
    #expect(text.stdout.contains("%"))
  }

  /// Another size is refused naming both sizes, unless --resize says how; --invert
  /// classifies 255 - v. Needs the image decoders and resizing.
  @Test func sizeAndInversion() throws {
    let folder = try ScratchFolder()
    let model = try makeModel()
    try model.write(toFile: folder.path("m.bnn"))
    let small = randomPixels(35, seed: 33)
    // Twice the size, each pixel a uniform 2x2 block: an area resize gives `small` back.
    var big = [UInt8](repeating: 0, count: 14 * 10)
    for y in 0..<10 { for x in 0..<14 { big[y * 14 + x] = small[(y / 2) * 7 + x / 2] } }
    try Data(Array("P5\n14 10\n255\n".utf8) + big).write(to: URL(fileURLWithPath: folder.path("big.pgm")))
    let refused = try ToolRunner.run("bnn-run", ["classify", folder.path("m.bnn"), folder.path("big.pgm")])
    #expect(refused.status == 1)
    #expect(
      refused.stderr.contains("big.pgm: image is 10x14, the model takes 5x7") && refused.stderr.contains("--resize"),
      "\(refused.stderr)")
    let area = try ToolRunner.run(
      "bnn-run", ["classify", folder.path("m.bnn"), folder.path("big.pgm"), "--resize", "area", "--json"])
    #expect(area.status == 0, "\(area.stderr)")
    #expect(try ClassifyImageTests.json(area).first?["class"] as? Int == model.classify(small).label)
    let bilinear = try ToolRunner.run(
      "bnn-run", ["classify", folder.path("m.bnn"), folder.path("big.pgm"), "--resize", "bilinear"])
    #expect(bilinear.status == 0, "\(bilinear.stderr)")

    try pngFile(width: 7, height: 5, channels: 1, pixels: small).withUnsafeBufferPointer {
      try Data(buffer: $0).write(to: URL(fileURLWithPath: folder.path("g.png")))
    }
    let inverted = try ToolRunner.run(
      "bnn-run", ["classify", folder.path("m.bnn"), folder.path("g.png"), "--invert", "--json"])
    #expect(inverted.status == 0, "\(inverted.stderr)")
    let expected = try model.classify(small.map { 255 - $0 })
    #expect(
      (try ClassifyImageTests.json(inverted).first?["scores"] as? [Double])?.map { Float($0) } == expected.scores)
  }
}
