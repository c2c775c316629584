import BinaryNet
import BinaryNetFiles
import Foundation
import Testing

/// `bnn-run import`: a Larq/Keras `.npz` (docs/IMPORT.md) into a model file, or one line
/// saying why not.
@Suite("bnn-run import")
struct ImportTests {
  static let fixtures: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/CLITests/ImportTests.swift
    return parts.joined(separator: "/") + "/Tests/Fixtures/larq/"
  }()

  @Test func importsAndReportsWhatItFolded() throws {
    let folder = try ScratchFolder()
    let out = folder.path("mlp.bnn")
    let r = try ToolRunner.run("bnn-run", ["import", Self.fixtures + "mlp_tiny.npz", "--out", out])
    #expect(r.status == 0, "\(r.stderr)")
    let model = try Model(contentsOfFile: out)
    #expect(model.labels == (0..<10).map { String($0) })
    #expect(model.input.offset == -1 && model.input.scale == Float(1 / 127.5))
    #expect(model.layerSummaries.map(\.kind) == [.pixelDense, .binaryDense, .binaryOutput])
    #expect(r.stdout.contains("input      28x28x1 uint8 pixels, folded x*0.00784313725490196+-1.0 (x/127.5-1)"))
    #expect(r.stdout.contains("classes    10: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9"))
    #expect(r.stdout.contains("layer 0    dense 'quant_dense' [784] -> [32], batch_norm, on 8-bit pixels"))
    #expect(r.stdout.contains("wrote      \(out) (\(model.fileBytes) bytes, format v1)"))
  }

  @Test func jsonDescribesTheImport() throws {
    let folder = try ScratchFolder()
    let out = folder.path("conv.bnn")
    let r = try ToolRunner.run(
      "bnn-run", ["import", Self.fixtures + "conv_negbn_deflated.npz", "--out", out, "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
    #expect(json["file_bytes"] as? Int == (try Model(contentsOfFile: out)).fileBytes)
    #expect(json["format_version"] as? Int == 2)
    #expect(json["labels"] as? [String] == (0..<10).map { String($0) })
    #expect((json["imported_layers"] as? [String])?.count == 3)
    #expect(
      json["engine_layers"] as? [String] == ["pixel-conv", "max-pool", "binary-conv", "max-pool", "binary-output"])
    let input = json["input"] as? [String: Any] ?? [:]
    #expect(input["offset"] as? Double == 0 && input["preprocess"] as? String == "x/255")
  }

  @Test func borderThresholdsAndTheInputSignShowInInfo() throws {
    let folder = try ScratchFolder()
    let conv = folder.path("conv_tiny.bnn")
    let r = try ToolRunner.run("bnn-run", ["import", Self.fixtures + "conv_tiny.npz", "--out", conv])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("border thresholds (pad value 0.0)") && r.stdout.contains("format v3"))
    let info = try ToolRunner.run("bnn-run", ["info", conv, "--json"])
    let json = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any] ?? [:]
    #expect(json["format_version"] as? Int == 3)
    let layers = json["layers"] as? [[String: Any]] ?? []
    #expect(layers.map { $0["border_classes"] as? Int } == [9, 0, 9, 0, 0, 0])
    let text = try ToolRunner.run("bnn-run", ["info", conv])
    #expect(text.stdout.contains("layer 0: 9 border classes with their own thresholds"))

    let sign = folder.path("sign.bnn")
    let s = try ToolRunner.run("bnn-run", ["import", Self.fixtures + "sign_mlp_tiny.npz", "--out", sign])
    #expect(s.status == 0, "\(s.stderr)")
    #expect(s.stdout.contains("sign of the input x*scale+offset") && s.stdout.contains("bit -1 below pixel 128"))
    #expect(try Model(contentsOfFile: sign).layerSummaries.first?.kind == .pixelSign)
  }

  @Test func refusalIsOneLineAndWritesNothing() throws {
    let folder = try ScratchFolder()
    let out = folder.path("dropout.bnn")
    let r = try ToolRunner.run("bnn-run", ["import", Self.fixtures + "bad_unsupported_layer.npz", "--out", out])
    #expect(r.status == 1)
    #expect(r.stderr.hasPrefix("bnn-run: error: " + Self.fixtures + "bad_unsupported_layer.npz: layer 2 (dropout "))
    #expect(r.stderr.contains("unknown layer type 'dropout'"))
    #expect(r.stderr.split(separator: "\n").count == 1)
    #expect(!FileManager.default.fileExists(atPath: out))
    let bad = try ToolRunner.run("bnn-run", ["import", Self.fixtures + "bad_truncated.npz", "--out", out])
    #expect(bad.status == 1 && bad.stderr.contains("corrupt ZIP"))
  }

  @Test func outputMustNotBeTheInput() throws {
    let folder = try ScratchFolder()
    let copy = folder.path("model.npz")
    try FileManager.default.copyItem(atPath: Self.fixtures + "mlp_tiny.npz", toPath: copy)
    let before = try Data(contentsOf: URL(fileURLWithPath: copy))
    let r = try ToolRunner.run("bnn-run", ["import", copy, "--out", copy])
    #expect(r.status == 2)
    #expect(r.stderr.contains("an output must not overwrite an input"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
    let missing = try ToolRunner.run("bnn-run", ["import", copy])
    #expect(missing.status == 2)
  }
}
