import BinaryNet
import BinaryNetFiles
import Testing

/// `bnn-run info` states the version the file has, not the newest this build reads
/// (a dense model is written as version 1; it printed "format v2").
@Suite struct InfoFormatVersionTests {
  @Test func infoPrintsTheFilesOwnVersion() throws {
    let folder = try ScratchFolder()
    let model = try makeModel()
    #expect(model.formatVersion == 1)
    try model.write(toFile: folder.path("dense.bnn"))
    let dense = try ToolRunner.run("bnn-run", ["info", folder.path("dense.bnn")])
    #expect(dense.status == 0 && dense.stdout.contains("format v1,"), "\(dense.stdout)")

    let conv = try ToolRunner.run(
      "bnn-run", ["export-c", "--arch", "c8-p-10", "--out", folder.path("c.c"), "--save-model", folder.path("c.bnn")])
    #expect(conv.status == 0, "\(conv.stderr)")
    let info = try ToolRunner.run("bnn-run", ["info", folder.path("c.bnn")])
    #expect(info.status == 0 && info.stdout.contains("format v2,"), "\(info.stdout)")
    #expect(info.stdout.contains("3x3/1 same") && info.stdout.contains("2x2/2"), "\(info.stdout)")
  }
}
