// BinaryNet firmware, one source for every board (Cortex-M4F, Cortex-M0, RISC-V 32): checks
// the popcount variants on this processor, runs the model linked into flash (bnn-run
// export-c) in place on the test images linked with it, prints each prediction next to the
// one the desktop engine made and each image's class scores as float bit patterns (checked
// against the desktop's bits), the ticks per inference and the memory used, and exits with
// 0 only when every prediction and every score bit is identical.
import BinaryNet
import Board

/// `value` as hexadecimal with a 0x prefix (no formatting library on the device).
func hex(_ value: UInt) -> String {
  let digits: [UInt8] = Array("0123456789abcdef".utf8)
  var text: [UInt8] = []
  var v = value
  repeat {
    text.append(digits[Int(v & 15)])
    v >>= 4
  } while v != 0
  return "0x" + String(decoding: text.reversed(), as: UTF8.self)
}

/// `value` as 8 hexadecimal digits (a float's bit pattern).
func hex8(_ value: UInt32) -> String {
  let digits: [UInt8] = Array("0123456789abcdef".utf8)
  var text: [UInt8] = []
  for i in 0..<8 { text.append(digits[Int((value >> UInt32(28 - 4 * i)) & 15)]) }
  return String(decoding: text, as: UTF8.self)
}

/// Right-aligned in `width` columns.
func column(_ text: String, _ width: Int) -> String {
  let n = text.utf8.count
  return n >= width
    ? text : String(decoding: [UInt8](repeating: 0x20, count: width - n), as: UTF8.self) + text
}

@_cdecl("firmware_main")
func firmwareMain() -> Int32 {
  print(
    "BinaryNet firmware (\(String(cString: board_name())), Embedded Swift, console \(String(cString: board_console())))"
  )
  if firmware_popcount_selftest() != 0 { return 3 }
  print("clock   1000000 instructions (a known loop) take \(firmware_ticks_per_million_instructions()) ticks")
  guard let base = board_model(), board_model_size() > 0 else {
    print("no model linked: this is the runtime-only image (link a file from 'bnn-run export-c')")
    return 0
  }
  let bytes = UnsafeRawBufferPointer(start: base, count: Int(board_model_size()))

  // The model is used in place: its weights stay in flash; RAM holds only the layer plans.
  let loadStart = board_ticks()
  let model: Model
  do {
    model = try Model(borrowing: bytes)
  } catch {
    print("model refused: " + error.description)
    return 2
  }
  let loadTicks = board_ticks() &- loadStart
  let input = model.input
  let shape = "\(input.height)x\(input.width)x\(input.channels)"
  print(
    "model   \(bytes.count) bytes in flash at \(hex(UInt(bitPattern: base))), \(model.layerSummaries.count) layers, "
      + "input \(shape), \(model.classCount) classes, \(model.kernelPath.name) kernels (popcount \(String(cString: firmware_popcount_variant())))"
  )
  print("load    \(loadTicks) ticks (checksum and validation of every field)")

  let count = Int(board_image_count())
  let size = Int(board_image_bytes())
  guard count > 0 else {
    print("no test images linked (export-c --images)")
    return 0
  }
  guard size == input.pixelCount, let images = board_images(), let expected = board_expected(),
    let labels = board_labels()
  else {
    print("test images are \(size) bytes, but the model takes \(input.pixelCount)")
    return 2
  }

  // The desktop's scores (float bit patterns), when the data file has them.
  let classes = model.classCount
  let expectedScores: UnsafePointer<UInt32>? =
    board_expected_class_count() == UInt32(classes) ? board_expected_scores() : nil
  let workspace = InferenceWorkspace(model: model, batchCapacity: 1)
  var identical = 0
  var identicalScores = 0
  var correct = 0
  var labelled = 0
  var totalTicks: UInt64 = 0
  var fewest = UInt64.max
  var most: UInt64 = 0
  for i in 0..<count {
    let image = UnsafeBufferPointer(start: images + i * size, count: size)
    let start = board_ticks()
    let predicted: Int
    do {
      predicted = try model.classify(image, workspace: workspace)
    } catch {
      print("image \(i): \(error.description)")
      return 2
    }
    let ticks = board_ticks() &- start
    totalTicks += ticks
    fewest = min(fewest, ticks)
    most = max(most, ticks)
    let desktop = Int(expected[i])
    let truth = Int(labels[i])
    if predicted == desktop { identical += 1 }
    if truth >= 0 {
      labelled += 1
      if predicted == truth { correct += 1 }
    }
    let label = truth >= 0 ? ", label \(truth)" : ""
    let verdict = predicted == desktop ? "" : "   MISMATCH"
    print(
      "image \(column(String(i), 4)): predicted \(predicted), desktop \(desktop)\(label)\(verdict), \(ticks) ticks"
    )
    // Every score's bits, and whether all of them equal the desktop's.
    let scores = workspace.scores(ofImage: 0)
    var line = "scores \(column(String(i), 4)):"
    var same = expectedScores != nil
    for j in 0..<classes {
      let bits = scores[j].bitPattern
      line += " " + hex8(bits)
      if let expectedScores, expectedScores[i * classes + j] != bits { same = false }
    }
    if same { identicalScores += 1 }
    print(expectedScores == nil ? line : line + (same ? "" : "   SCORE MISMATCH"))
  }

  // SysTick counts processor clocks (the board's nominal clock); minstret (hz 0) counts
  // instructions.
  let hz = board_tick_hz()
  let clock = hz == 0 ? "" : ", \(hz / 1_000_000) MHz processor clock"
  print(
    "ticks   per inference: mean \(totalTicks / UInt64(count)), min \(fewest), max \(most) "
      + "(\(String(cString: board_tick_name()))\(clock))"
  )
  print(
    "memory  heap used \(board_heap_used()) of \(board_heap_size()) bytes, stack used \(board_stack_used()) of \(board_stack_size()) bytes"
  )
  if labelled > 0 { print("accuracy \(correct) / \(labelled) labelled images") }
  print(
    "result  \(identical) of \(count) predictions identical to the desktop, \(count - identical) different"
  )
  if expectedScores != nil {
    print("scores  \(identicalScores) of \(count) images with every score bit-identical to the desktop")
  } else {
    print("scores  not checked (the data file has no expected scores)")
  }
  return identical == count && (expectedScores == nil || identicalScores == count) ? 0 : 1
}
