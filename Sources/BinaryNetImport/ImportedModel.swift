import BinaryNet

/// A folded import: the model definition to write, and what it came from, for the
/// tool's report.
public struct ImportedModel: Sendable {
  public var definition: ModelDefinition
  /// `producer.model_name` and `producer.framework` of the document, if given.
  public var modelName: String?
  public var framework: String?
  /// The input map as declared (doubles; the definition holds them as `Float`).
  public var scale: Double
  public var offset: Double
  public var preprocess: String?
  /// One line per weight layer: the entries it folds and what they became.
  public var layers: [String]
}
