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

/// Loads IDX images and checks they fit the model's input.
func loadImages(_ path: String, for model: Model) throws(CLIError) -> IDXImages {
  let images: IDXImages
  do {
    images = try loadIDXImages(path: path)
  } catch {
    throw .runtime(error.description)
  }
  let input = model.input
  guard input.channels == 1, images.rows == input.height, images.cols == input.width else {
    throw .runtime(
      "\(path): images are \(images.rows)x\(images.cols), but the model expects "
        + "\(input.height)x\(input.width)x\(input.channels)")
  }
  return images
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
