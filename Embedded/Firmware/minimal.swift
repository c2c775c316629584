// BinaryNet minimal firmware, one source for every board: the smallest runtime a product
// would flash (docs/EMBEDDED.md, "Minimal firmware"). It loads the model linked into flash
// with the trusted loader (`Model(trustedBorrowing:check:)`: the model was validated by
// `bnn-run export-c`, the device only recomputes its CRC-32 against the exported check
// value), classifies the test images linked with it through the same inference code as
// every other build, and prints each prediction and its class scores' bit patterns with a
// console writer of fixed texts and numbers (no String, no print). Exits 0 only when every
// prediction and every score bit equals the desktop's; 2 when the model is refused.
import BinaryNet
import Board

/// Writes a fixed text (its bytes stay in flash).
func put(_ text: StaticString) {
  board_write(UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self), text.utf8CodeUnitCount)
}

/// Writes `value` in decimal.
func put(_ value: UInt) { putDigits(value, 1) }

/// Writes the decimal digits of `value` for `power` (1, 10, 100, ...) and above; returns
/// what is left below `power`. By subtraction: ARMv6-M has no divide instruction, and the
/// library division would be the only one in this firmware.
@discardableResult
func putDigits(_ value: UInt, _ power: UInt) -> UInt {
  var rest = value
  if power <= UInt.max / 10, power &* 10 <= value { rest = putDigits(value, power &* 10) }
  var digit: CChar = 48
  while rest >= power {
    rest -= power
    digit += 1
  }
  board_write(&digit, 1)
  return rest
}

/// Writes `value` as 8 hexadecimal digits (a float's bit pattern).
func putHex(_ value: UInt32) {
  var shift: UInt32 = 32
  repeat {
    shift -= 4
    let nibble = (value >> shift) & 15
    var digit = CChar(truncatingIfNeeded: nibble < 10 ? 48 + nibble : 87 + nibble)
    board_write(&digit, 1)
  } while shift > 0
}

@_cdecl("firmware_main")
func firmwareMain() -> Int32 {
  put("BinaryNet minimal firmware (trusted model, Embedded Swift)\n")
  guard let base = board_model(), board_model_size() > 0 else {
    put("no model linked: this is the runtime-only image\n")
    return 0
  }
  let bytes = UnsafeRawBufferPointer(start: base, count: Int(board_model_size()))
  guard let model = Model(trustedBorrowing: bytes, check: board_model_check()) else {
    put("model refused: its CRC-32 is not the check value, or a layer kind is left out\n")
    return 2
  }
  let count = UInt(board_image_count())
  let size = Int(board_image_bytes())
  let classes = model.classCount
  guard count > 0, size == model.input.pixelCount, let images = board_images(), let expected = board_expected(),
    let expectedScores = board_expected_scores(), board_expected_class_count() == UInt32(classes)
  else {
    put("no test images, or images or scores that do not fit the model\n")
    return 2
  }
  let workspace = InferenceWorkspace(model: model, batchCapacity: 1)
  var identical: UInt = 0
  var identicalScores: UInt = 0
  for i in 0..<Int(count) {
    model.computeScores(UnsafeBufferPointer(start: images + i * size, count: size), count: 1, workspace: workspace)
    let scores = workspace.scores(ofImage: 0)
    let predicted = Model.argmax(scores)
    let desktop = Int(expected[i])
    put("image ")
    put(UInt(i))
    put(": predicted ")
    put(UInt(predicted))
    put(", desktop ")
    put(UInt(desktop))
    if predicted == desktop {
      identical += 1
      put("\n")
    } else {
      put("   MISMATCH\n")
    }
    put("scores ")
    put(UInt(i))
    put(":")
    var same = true
    for j in 0..<classes {
      let bits = scores[j].bitPattern
      if bits != expectedScores[i * classes + j] { same = false }
      put(" ")
      putHex(bits)
    }
    if same { identicalScores += 1 }
    put(same ? "\n" : "   SCORE MISMATCH\n")
  }
  put("result  ")
  put(identical)
  put(" of ")
  put(count)
  put(" predictions identical to the desktop; scores bit-identical for ")
  put(identicalScores)
  put("\n")
  return identical == count && identicalScores == count ? 0 : 1
}
