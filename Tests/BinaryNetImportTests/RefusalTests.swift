import BinaryNetImport
import Testing

/// What the importer cannot reproduce exactly, or cannot read, is refused with one line
/// naming the file, the layer (index, type, name) or the array, and the reason.
@Suite("Import refusals: one clear line each")
struct RefusalTests {
  func importError(_ file: String) -> String? {
    do {
      _ = try ModelImport.importModel(path: LarqFixtures.path(file))
      return nil
    } catch {
      return error.description
    }
  }

  @Test(arguments: [
    (
      "bad_missing_array.npz",
      "layer 0 (conv2d 'quant_conv2d_2'): array 'layers.0.kernel' (kernel) is missing from the archive"
    ),
    ("bad_wrong_shape.npz", "array 'layers.0.kernel' (kernel) has shape (5, 5, 1, 7), expected (5, 5, 1, 8)"),
    ("bad_unsupported_layer.npz", "layer 2 (dropout 'dropout'): unknown layer type 'dropout'"),
    ("bad_nan.npz", "array 'layers.1.gamma' (gamma): element 1 is nan (not finite)"),
    ("bad_truncated.npz", "bad_truncated.npz: corrupt ZIP"),
    ("bad_no_json.npz", "bad_no_json.npz: no 'model.json' array"),
    ("bad_version.npz", "format version 2 is newer than this BinaryNet supports (1)"),
    ("bad_json.npz", "bad_json.npz: 'model.json' is not valid UTF-8 JSON"),
    ("bad_float64.npz", "array 'layers.0.kernel' (kernel) has dtype <f8; only float32 ('<f4') is supported"),
    ("bad_quantizer.npz", "layer 3 (conv2d 'quant_conv2d_3'): input_quantizer 'ste_heaviside' is not supported"),
    ("no_such_file.npz", "no_such_file.npz: cannot open"),
  ])
  func badFixtureIsRefused(file: String, expected: String) {
    let message = importError(file)
    #expect(message?.contains(expected) == true, "\(message ?? "imported")")
    #expect(message?.contains("\n") == false)
  }

  /// conv_negbn with one edit of its document or arrays.
  @Test(arguments: [
    (
      "\"input_quantizer\": null, \"input_quantizer_larq\": null",
      "\"input_quantizer\": \"ste_heaviside\", \"input_quantizer_larq\": \"ste_heaviside\"",
      "layer 0 (conv2d 'quant_conv2d_2'): input_quantizer 'ste_heaviside' is not supported on the first layer"
    ),
    (
      "\"kernel_quantizer\": \"sign\"", "\"kernel_quantizer\": \"ste_tern\"",
      "kernel_quantizer 'ste_tern' is not supported"
    ),
    (
      "\"strides\": [2, 2], \"padding\"", "\"strides\": [1, 2], \"padding\"",
      "strides [1, 2]: the engine has one stride"
    ),
    ("\"pool_size\": [2, 2]", "\"pool_size\": [3, 3]", "layer 2 (max_pool2d 'max_pooling2d_2'): pool_size [3, 3]"),
    ("\"output_shape\": [144]", "\"output_shape\": [145]", "declares output shape [145], but computes [144]"),
    (
      "{\"type\": \"flatten\"", "{\"type\": \"softmax\", \"name\": \"early\"}, {\"type\": \"flatten\"",
      "comes after layer 6 (softmax 'early')"
    ),
    ("\"binarynet-import\"", "\"keras-json\"", "format 'keras-json' is not 'binarynet-import'"),
    (
      "{\"type\": \"flatten\", \"name\": \"flatten_1\"", "{\"type\": \"flat\\nten\", \"name\": \"a\\u0007b\"",
      "layer 6 (flat\\nten 'a\\u{07}b'): unknown layer type 'flat\\nten'"
    ),
    ("\"pixel_type\": \"uint8\"", "\"pixel_type\": \"float32\"", "'pixel_type' is 'float32'; only 'uint8'"),
    (", \"9\"]", "]", "gives [10] scores for 9 labels"),
    ("\"scale\": 0.00392156862745098", "\"scale\": 0", "'scale' must be non-zero"),
    ("\"units\": 10", "\"units\": 10.5", "'units' must be an integer"),
    ("\"epsilon_f32\": 0.0010000000474974513", "\"epsilon_f32\": -1", "epsilon must be a finite number >= 0"),
  ])
  func editedDocumentIsRefused(old: String, new: String, expected: String) throws {
    var npz = try NPZBuilder(fixture: "conv_negbn.npz")
    npz.replace(old, with: new)
    let message = npz.importError
    #expect(message?.contains(expected) == true, "\(message ?? "imported")")
    #expect(message?.hasPrefix("edited.npz: ") == true)
    #expect(message?.contains("\n") == false)
  }

  @Test func nonFiniteOrNegativeParametersAreRefused() throws {
    var npz = try NPZBuilder(fixture: "conv_negbn.npz")
    #expect(npz.importError == nil, "the unedited fixture imports")
    npz.set("layers.7.bias", NPZBuilder.float32([0, 0, 0, .infinity, 0, 0, 0, 0, 0, 0], shape: [10]))
    #expect(npz.importError?.contains("array 'layers.7.bias' (bias): element 3 is inf (not finite)") == true)
    npz = try NPZBuilder(fixture: "conv_negbn.npz")
    npz.set("layers.1.moving_variance", NPZBuilder.float32([1, 1, -2, 1, 1, 1, 1, 1], shape: [8]))
    #expect(npz.importError?.contains("moving_variance of channel 2 is negative") == true)
    npz = try NPZBuilder(fixture: "conv_negbn.npz")
    npz.remove("layers.8.moving_mean")
    #expect(npz.importError?.contains("array 'layers.8.moving_mean' (moving_mean) is missing") == true)
  }
}
