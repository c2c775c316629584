import BinaryNet

/// An image size given on the command line as `HxW` (`28x28`, `32x48`): height first,
/// like the shapes BinaryNet prints.
public struct ImageSize: Equatable, Sendable, CustomStringConvertible {
  public var height: Int
  public var width: Int

  public init(height: Int, width: Int) {
    self.height = height
    self.width = width
  }

  /// Parses `HxW`; each side 1...65535.
  public init(parsing text: String, optionName: String) throws(CLIError) {
    let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
    guard parts.count == 2, let height = Int(parts[0]), let width = Int(parts[1]),
      (1...65535).contains(height), (1...65535).contains(width)
    else {
      throw .usage("--\(optionName) wants HxW (height x width, each 1...65535), got '\(text)'")
    }
    self.init(height: height, width: width)
  }

  public var description: String { "\(height)x\(width)" }
}

extension Option where Value == ImageSize? {
  /// `--NAME HxW`, nil when absent.
  public static func imageSize(_ name: String, section: String? = nil, help: String) -> Option {
    Option(name, value: "HxW", default: .some(nil), section: section, help: help) { text throws(CLIError) in
      try ImageSize(parsing: text, optionName: name)
    }
  }
}

extension Option where Value == ResizeMethod? {
  /// `--NAME area|bilinear`, nil when absent.
  public static func resizeMethod(_ name: String, section: String? = nil, help: String) -> Option {
    Option(name, value: "METHOD", default: .some(nil), section: section, help: help) { text throws(CLIError) in
      guard let method = ResizeMethod(rawValue: text) else {
        throw .usage("unknown --\(name) '\(text)' (area, bilinear)")
      }
      return method
    }
  }
}
