import BinaryNet
import BinaryNetFiles
import CLISupport
import MNISTLoader

/// Loads a model, turning its errors into runtime errors that name the file.
func loadModel(_ path: String, kernel: KernelPath? = nil) throws(CLIError) -> Model {
  do {
    return try Model(contentsOfFile: path, kernelPath: kernel)
  } catch {
    throw .runtime(error.description)
  }
}

/// Fails unless `images` have the model's input shape (height, width and channels).
func checkImages(_ images: IDXImages, path: String, fit model: Model) throws(CLIError) {
  let input = model.input
  guard images.channels == input.channels, images.rows == input.height, images.cols == input.width else {
    throw .runtime(
      "\(path): images are \(images.rows)x\(images.cols)x\(images.channels), but the model expects "
        + "\(input.height)x\(input.width)x\(input.channels)")
  }
}

/// Loads IDX labels (each below the model's class count).
func loadLabels(_ path: String, for model: Model) throws(CLIError) -> IDXLabels {
  do {
    return try loadIDXLabels(path: path, classCount: model.classCount)
  } catch {
    throw .runtime(error.description)
  }
}

/// Writes `bytes` atomically, as a runtime error naming the file when that fails.
func write(_ bytes: [UInt8], to path: String) throws(CLIError) {
  do { try writeFileAtomically(path, bytes: bytes) } catch { throw .runtime(error.description) }
}
