import BinaryNet
import Testing

/// The one architecture vocabulary: spec text <-> `NetworkArchitecture`.
@Suite struct ArchitectureSpecTests {
  let mnist = TensorShape(height: 28, width: 28, channels: 1)

  @Test func presetsParseToTheirSpecs() throws {
    for preset in NetworkArchitecture.presets {
      let architecture = try NetworkArchitecture.parse(preset.name, input: mnist)
      #expect(architecture.spec == preset.spec)
      #expect(NetworkArchitecture.name(ofSpec: architecture.spec) == preset.name)
      #expect(NetworkArchitecture.displayName(ofSpec: architecture.spec) == preset.name + " (" + preset.spec + ")")
      #expect(try NetworkArchitecture.canonicalSpec(preset.name) == preset.spec)
      #expect(try NetworkArchitecture.declaredClassCount(preset.name) == 10)
    }
    #expect(try NetworkArchitecture.declaredInputSize("mlp-1024") == 784)
    #expect(try NetworkArchitecture.declaredInputSize("conv") == nil)
  }

  @Test func specsRoundTrip() throws {
    for spec in ["784-10", "784-256-128-10", "c8-10", "c8k5s2v-p-c16-32-4", "c64k1-p-c3s3-7"] {
      let architecture = try NetworkArchitecture.parse(spec, input: mnist)
      #expect(architecture.spec == spec)
      #expect(try NetworkArchitecture.parse(architecture.spec, input: mnist) == architecture)
    }
    let conv = try NetworkArchitecture.parse("c8k5s2v-p-16", input: mnist)
    #expect(
      conv.layers == [
        .convolution(channels: 8, kernel: 5, stride: 2, padding: .valid, pool: true), .dense(outputs: 16),
      ])
  }

  @Test func badSpecsAreRefusedWithAMessage() {
    let cases: [(String, String)] = [
      ("", "unknown architecture"), ("mlp", "unknown architecture"), ("784--10", "unknown architecture"),
      ("784-0-10", "unknown architecture"), ("784-65537-10", "unknown architecture"),
      ("c0-10", "unknown architecture"), ("c8k16-10", "unknown architecture"), ("c8s9-10", "unknown architecture"),
      ("c8x-10", "unknown architecture"), ("p-10", "must follow a convolution"),
      ("c8-p-p-10", "must follow a convolution"), ("784-c8-10", "cannot precede a convolution"),
      ("c8-16-c8-10", "must come before dense layers"), ("c8", "must end with a dense layer"),
      ("784", "must end with a dense layer"), ("10", "must end with a dense layer"),
      ("9999999999-10", "unknown architecture"), ("c８-10", "unknown architecture"),
    ]
    for (spec, message) in cases {
      #expect(throws: ArchitectureError.self, "\(spec)") { _ = try NetworkArchitecture.canonicalSpec(spec) }
      do {
        _ = try NetworkArchitecture.parse(spec, input: mnist)
        Issue.record("\(spec) was accepted")
      } catch {
        #expect(error.description.contains(message), "\(spec): \(error)")
      }
    }
  }

  @Test func shapesThatDoNotFitAreRefused() {
    #expect(throws: ArchitectureError.self) { _ = try NetworkArchitecture.parse("100-10", input: mnist) }
    #expect(throws: ArchitectureError.self) { _ = try NetworkArchitecture.parse("c8k15v-p-c8k15v-10", input: mnist) }
    let tiny = TensorShape(height: 1, width: 1, channels: 1)
    #expect(throws: ArchitectureError.self) { _ = try NetworkArchitecture.parse("c8-p-10", input: tiny) }
  }
}
