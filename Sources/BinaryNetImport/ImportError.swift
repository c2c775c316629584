/// A model file that cannot be imported: one line saying what and where (the `.npz`
/// path, the layer by index, type and name, the array or option) and why.
public struct ImportError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}
