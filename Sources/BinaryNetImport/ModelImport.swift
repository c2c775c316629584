import BinaryNet
import BinaryNetData

/// `bnn-run import`: an import `.npz` (docs/IMPORT.md; written by
/// `tools/larq-export/larq_export.py`) folded into a `ModelDefinition` by the library's
/// own folding (`Folding.network`, the trainer's path), or refused with one line.
///
/// Each weight layer with its pooling and BatchNorm becomes a `TrainedLayer`: the Keras
/// kernel transposed to the engine's row order, its bias (added to the dot product before
/// the BatchNorm), the BatchNorm (gamma/beta null = 1/0; none = the identity), the pool
/// before the BatchNorm (OR mask = flip bits) or after it (mask 0). The input map
/// `x * scale + offset` is the `InputDescription`. What the engine cannot reproduce
/// exactly (padding that needs per-position corrections, a sign on the raw input) is refused.
public enum ModelImport {
  /// Reads and folds the `.npz` at `path`.
  public static func importModel(path: String) throws(ImportError) -> ImportedModel {
    let archive: NumPyArchive
    do { archive = try NumPyArchive(path: path) } catch { throw ImportError(error.description) }
    return try importModel(archive: archive)
  }

  /// Folds an opened archive; errors start with its path.
  public static func importModel(archive: NumPyArchive) throws(ImportError) -> ImportedModel {
    let document = try readDocument(archive)
    do {
      return try fold(document, arrays: ImportArrays(archive: archive))
    } catch {
      throw ImportError(archive.path + ": " + error.description)
    }
  }

  static func readDocument(_ archive: NumPyArchive) throws(ImportError) -> ImportDocument {
    let path = archive.path
    let found: NumPyArrayData?
    do { found = try archive.array(named: "model.json") } catch { throw ImportError(error.description) }
    guard let raw = found else {
      throw ImportError(path + ": no 'model.json' array: not an import file (docs/IMPORT.md; see tools/larq-export)")
    }
    guard raw.shape.count == 1, let bytes = raw.uint8Values() else {
      throw ImportError(path + ": 'model.json' is " + raw.descr + " " + raw.shapeText + ", expected a uint8 vector")
    }
    guard let json = JSONValue.parse(bytes) else {
      throw ImportError(path + ": 'model.json' is not valid UTF-8 JSON (truncated or malformed)")
    }
    do { return try ImportDocument(json: json) } catch { throw ImportError(path + ": " + error.description) }
  }

  // MARK: Structure

  /// Groups the entries into weight blocks, checking that shapes chain and that every
  /// entry sits where the engine can run it.
  static func blocks(_ document: ImportDocument) throws(ImportError) -> [WeightBlock] {
    var shape = document.modelInputShape
    var blocks: [WeightBlock] = []
    var softmax: LayerEntry? = nil
    for entry in document.layers {
      if let softmax { throw entry.fail("comes after " + softmax.label + ", which must be the last entry") }
      if entry.type == "softmax" {
        softmax = entry
        continue
      }
      guard entry.inputShape == shape else {
        throw entry.fail(
          "input shape " + ImportDocument.shapeText(entry.inputShape) + ", but the previous output is "
            + ImportDocument.shapeText(shape))
      }
      let output: [Int]
      switch entry.type {
      case "flatten":
        output = [ImportDocument.elementCount(shape)]
        if !blocks.isEmpty { blocks[blocks.count - 1].flattened = true }
      case "dense":
        guard shape.count == 1 else {
          throw entry.fail(
            "reads " + ImportDocument.shapeText(shape) + "; a dense layer reads a vector (flatten first)")
        }
        output = [try entry.fields.integer("units", in: 1...ImportDocument.maxDimension)]
        blocks.append(WeightBlock(layer: entry, first: blocks.isEmpty))
      case "conv2d":
        guard shape.count == 3 else {
          throw entry.fail("reads " + ImportDocument.shapeText(shape) + "; conv2d reads [H, W, C]")
        }
        let conv = try ConvOptions(entry)
        guard let out = conv.geometry.outputShape(input: conv.input, channels: conv.filters) else {
          throw entry.fail("the kernel does not fit the input " + conv.input.description)
        }
        output = [out.height, out.width, out.channels]
        blocks.append(WeightBlock(layer: entry, first: blocks.isEmpty))
      case "batch_norm":
        guard let block = blocks.last else { throw entry.fail("comes before the first dense or conv2d layer") }
        guard block.norm == nil else {
          throw entry.fail("is a second batch_norm after " + block.layer.label + ", which is not supported")
        }
        guard block.poolAfterNorm == nil, !block.flattened else {
          throw entry.fail("after a flatten or a second pooling is not supported")
        }
        blocks[blocks.count - 1].norm = entry
        output = shape
      case "max_pool2d":
        guard let block = blocks.last else { throw entry.fail("comes before the first dense or conv2d layer") }
        guard shape.count == 3 else {
          throw entry.fail("reads " + ImportDocument.shapeText(shape) + "; max_pool2d reads [H, W, C]")
        }
        let size = try entry.fields.integers("pool_size", count: 2...2, each: 1...ImportDocument.maxDimension)
        let strides = try entry.fields.integers("strides", count: 2...2, each: 1...ImportDocument.maxDimension)
        guard size == [2, 2], strides == [2, 2] else {
          throw entry.fail(
            "pool_size " + ImportDocument.shapeText(size) + ", strides " + ImportDocument.shapeText(strides)
              + ": only 2x2 with stride 2 is supported")
        }
        guard block.pool == nil, !block.flattened else {
          throw entry.fail("is a second max_pool2d after " + block.layer.label + ", which is not supported")
        }
        guard shape[0] >= 2, shape[1] >= 2 else {
          throw entry.fail("input " + ImportDocument.shapeText(shape) + " is smaller than the 2x2 window")
        }
        if block.norm == nil {
          blocks[blocks.count - 1].poolBeforeNorm = entry
        } else {
          blocks[blocks.count - 1].poolAfterNorm = entry
        }
        output = [shape[0] / 2, shape[1] / 2, shape[2]]
      default:
        throw entry.fail("unknown layer type")
      }
      guard entry.outputShape == output else {
        throw entry.fail(
          "declares output shape " + ImportDocument.shapeText(entry.outputShape) + ", but computes "
            + ImportDocument.shapeText(output))
      }
      shape = output
    }
    guard let last = blocks.last else { throw ImportError("model.json: no dense or conv2d layer") }
    guard last.layer.type == "dense" else {
      throw last.layer.fail("the last weight layer must be a dense layer (the class scores)")
    }
    guard shape == [document.labels.count] else {
      throw last.layer.fail(
        "gives " + ImportDocument.shapeText(shape) + " scores for " + String(document.labels.count) + " labels")
    }
    return blocks
  }
}
