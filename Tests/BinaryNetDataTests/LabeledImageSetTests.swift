import BinaryNet
import BinaryNetData
import Testing

@Suite struct LabeledImageSetTests {
  @Test func imageSlicesThePixels() {
    let set = LabeledImageSet(
      shape: TensorShape(height: 1, width: 2, channels: 1), pixels: [1, 2, 3, 4], labels: [0, 1],
      sources: ["a", "b"])
    #expect(set.image(1).pixels == [3, 4])
  }
}
