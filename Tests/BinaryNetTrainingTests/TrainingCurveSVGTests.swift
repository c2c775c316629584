import Foundation
import Testing

@testable import BinaryNetTraining

@Suite struct TrainingCurveSVGTests {
  static let history = (1...12).map {
    EpochRecord(
      epoch: $0, trainLoss: 1 / Double($0), trainAccuracy: 0.9 + 0.008 * Double($0),
      validationLoss: 1.2 / Double($0), validationAccuracy: 0.88 + 0.008 * Double($0),
      seconds: 1, learningRate: 0.001)
  }

  @Test func drawsBothChartsWithLabelledAxes() {
    let svg = TrainingCurveSVG.render(
      history: Self.history, title: "mnist <mlp-1024>", testAccuracy: 0.985)
    #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
    #expect(svg.hasSuffix("</svg>\n"))
    #expect(svg.components(separatedBy: "<polyline").count - 1 == 4)
    #expect(svg.components(separatedBy: ">epoch</text>").count - 1 == 2)
    #expect(svg.contains("loss (softmax cross-entropy)"))
    #expect(svg.contains("accuracy (%)"))
    #expect(svg.contains("test accuracy 98.50%"))
    #expect(svg.contains("mnist &lt;mlp-1024&gt;"))
    #expect(!svg.contains("nan") && !svg.contains("inf"))
    // Balanced tags: every opened element is closed or self-closed.
    let opened = svg.components(separatedBy: "<g>").count - 1
    #expect(opened == svg.components(separatedBy: "</g>").count - 1)
  }

  @Test func singleEpochAndFlatValuesStillRender() {
    let one = [
      EpochRecord(
        epoch: 1, trainLoss: 0.5, trainAccuracy: 0.9, validationLoss: 0, validationAccuracy: 0,
        seconds: 1, learningRate: 0.001)
    ]
    let svg = TrainingCurveSVG.render(history: one, title: "t")
    #expect(svg.contains("<polyline"))
    #expect(!svg.contains("nan") && !svg.contains("inf"))
    let ticks = TrainingCurveSVG.niceTicks(low: 0.2, high: 0.9, count: 6)
    let expected = [0.2, 0.4, 0.6, 0.8, 1.0]
    #expect(ticks.count == expected.count)
    #expect(zip(ticks, expected).allSatisfy { abs($0 - $1) < 1e-9 })
  }
}
