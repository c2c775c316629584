import CLISupport
import Testing

@Suite("classification metrics")
struct EvalMetricsTests {
  static func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-12 } ?? false }

  /// Class 2 neither present nor predicted: its precision, recall and F1 are undefined
  /// and the macro averages are taken over classes 0 and 1.
  @Test func absentClassIsLeftOutOfTheAverages() {
    let m = ClassificationMetrics(confusion: [[5, 1, 0], [2, 3, 0], [0, 0, 0]])
    #expect(m.total == 11 && m.correct == 8 && EvalMetricsTests.close(m.accuracy, 8.0 / 11))
    let c0 = m.perClass[0]
    #expect(c0.truePositives == 5 && c0.falsePositives == 2 && c0.falseNegatives == 1 && c0.support == 6)
    #expect(EvalMetricsTests.close(c0.precision, 5.0 / 7) && EvalMetricsTests.close(c0.recall, 5.0 / 6))
    #expect(EvalMetricsTests.close(c0.f1, 10.0 / 13))
    let c1 = m.perClass[1]
    #expect(EvalMetricsTests.close(c1.precision, 3.0 / 4) && EvalMetricsTests.close(c1.recall, 3.0 / 5))
    #expect(EvalMetricsTests.close(c1.f1, 2.0 / 3))
    #expect(m.perClass[2].precision == nil && m.perClass[2].recall == nil && m.perClass[2].f1 == nil)
    #expect(m.macroPrecision.classes == 2 && EvalMetricsTests.close(m.macroPrecision.value, (5.0 / 7 + 3.0 / 4) / 2))
    #expect(m.macroRecall.classes == 2 && EvalMetricsTests.close(m.macroRecall.value, (5.0 / 6 + 3.0 / 5) / 2))
    #expect(m.macroF1.classes == 2 && EvalMetricsTests.close(m.macroF1.value, (10.0 / 13 + 2.0 / 3) / 2))
  }

  /// Class 1 has images but is never predicted: precision undefined (left out of the
  /// macro precision), recall 0 and F1 0 (both counted).
  @Test func neverPredictedClassHasNoPrecision() {
    let m = ClassificationMetrics(confusion: [[4, 0, 0], [0, 0, 3], [1, 0, 2]])
    #expect(EvalMetricsTests.close(m.accuracy, 0.6))
    #expect(m.perClass[1].precision == nil)
    #expect(m.perClass[1].recall == 0 && m.perClass[1].f1 == 0)
    #expect(EvalMetricsTests.close(m.perClass[0].precision, 0.8) && m.perClass[0].recall == 1)
    #expect(EvalMetricsTests.close(m.perClass[0].f1, 8.0 / 9))
    #expect(
      EvalMetricsTests.close(m.perClass[2].precision, 0.4) && EvalMetricsTests.close(m.perClass[2].recall, 2.0 / 3))
    #expect(EvalMetricsTests.close(m.perClass[2].f1, 0.5))
    #expect(m.macroPrecision.classes == 2 && EvalMetricsTests.close(m.macroPrecision.value, 0.6))
    #expect(m.macroRecall.classes == 3 && EvalMetricsTests.close(m.macroRecall.value, 5.0 / 9))
    #expect(m.macroF1.classes == 3 && EvalMetricsTests.close(m.macroF1.value, (8.0 / 9 + 0.5) / 3))
  }

  @Test func confusionFromLabels() {
    let m = ClassificationMetrics(
      truth: [0, 1, 1, 2, 2, 2] as [UInt8], predicted: [0, 1, 2, 2, 0, 2] as [Int32], classCount: 3)
    #expect(m.confusion == [[1, 0, 0], [0, 1, 1], [1, 0, 2]])
    #expect(ClassificationMetrics(confusion: [[0, 0], [0, 0]]).accuracy == 0)
  }

  /// Ranks as the engine's argmax does: equal scores rank the lower class first.
  @Test func topKAccuracyCountsTiesByLowerClass() {
    // Image 0: [1, 3, 3], truth 2: class 1 ties it at a lower index, so it is second.
    // Image 1: [0, 0, 5], truth 0: class 2 is above, class 1 ties at a higher index: second.
    // Image 2: [2, 1, 0], truth 0: first.
    let scores: [Float] = [1, 3, 3, 0, 0, 5, 2, 1, 0]
    let truth: [UInt8] = [2, 0, 0]
    #expect(abs(topKAccuracy(scores: scores, classCount: 3, truth: truth, k: 1) - 1.0 / 3) < 1e-12)
    #expect(topKAccuracy(scores: scores, classCount: 3, truth: truth, k: 2) == 1)
    #expect(topKAccuracy(scores: scores, classCount: 3, truth: truth, k: 3) == 1)
  }

  @Test func fileNamesAreSafe() {
    #expect(fileNameComponent("7") == "7")
    #expect(fileNameComponent("T-shirt/top") == "T-shirt_top")
    #expect(fileNameComponent("a b:c\\d") == "a_b_c_d")
    #expect(fileNameComponent("") == "_" && fileNameComponent(".") == "_" && fileNameComponent("..") == "_.")
    #expect(fileNameComponent(".hidden") == "_hidden")
    #expect(fileNameComponent("café") == "caf_")
    #expect(fileNameComponent(String(repeating: "x", count: 100)).count == 40)
    #expect(zeroPadded(42, 6) == "000042" && zeroPadded(1_234_567, 6) == "1234567")
  }

  /// Folder names keep class order when read back in byte order, else get an index prefix.
  @Test func classFoldersSortInClassOrder() {
    #expect(classFolderNames(["0", "1", "2"]) == ["0", "1", "2"])
    #expect(classFolderNames(["cat", "dog"]) == ["cat", "dog"])
    let eleven = (0..<11).map { String($0) }
    #expect(classFolderNames(eleven) == (0..<11).map { zeroPadded($0, 2) + "-" + String($0) })
    #expect(classFolderNames(["dog", "cat"]) == ["0-dog", "1-cat"])
    #expect(classFolderNames(["a b", "a_b"]) == ["0-a_b", "1-a_b"])
    #expect(classFolderNames(["T-shirt/top", "Trouser"]) == ["T-shirt_top", "Trouser"])
  }
}
