import BinaryNet
import Testing

@Suite struct PixelImageShapeTests {
  @Test func shapeIsHWC() {
    let image = PixelImage(width: 3, height: 2, channels: 3, pixels: [UInt8](repeating: 0, count: 18))
    #expect(image.shape == TensorShape(height: 2, width: 3, channels: 3))
  }
}
