/// A file that could not be read or written as an image: one line naming the file.
public struct ImageFileError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public init(_ description: String) { self.description = description }
}

/// Why bytes are not a usable image, before the file's name is put in front.
struct ImageCodecFailure: Error {
  var reason: String
  init(_ reason: String) { self.reason = reason }
}
