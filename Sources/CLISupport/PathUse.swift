import Foundation

/// A path a command line gives, and what gives it (`--out`, `MODEL`).
public struct PathUse: Sendable {
  public var what: String
  public var path: String

  public init(what: String, path: String) {
    self.what = what
    self.path = path
  }

  /// Usage error when an output is one of the inputs, or two outputs are the same file:
  /// writing it would destroy what the command reads, or one output would replace the
  /// other. Checked before any work.
  public static func checkNoOverwrite(inputs: [PathUse], outputs: [PathUse]) throws(CLIError) {
    let outputIDs = outputs.map { FileIdentity($0.path) }
    for (o, output) in outputs.enumerated() {
      for input in inputs where FileIdentity(input.path) == outputIDs[o] {
        throw .usage(
          "\(output.what) '\(output.path)' is the same file as \(input.what) '\(input.path)': "
            + "an output must not overwrite an input")
      }
      for p in 0..<o where outputIDs[p] == outputIDs[o] {
        throw .usage(
          "\(outputs[p].what) '\(outputs[p].path)' and \(output.what) '\(output.path)' are the same file")
      }
    }
  }
}

/// Which file a path names: device and inode when it exists (so links and other spellings
/// compare equal), else its absolute path with `.` and `..` resolved (its folder's real
/// path when that folder exists).
public enum FileIdentity: Hashable, Sendable {
  case existing(device: UInt64, inode: UInt64)
  case absent(String)

  public init(_ path: String) {
    var info = stat()
    if stat(path, &info) == 0 {
      self = .existing(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
      return
    }
    let url = URL(fileURLWithPath: path).standardizedFileURL
    let folder = url.deletingLastPathComponent().path
    if let real = realpath(folder, nil) {
      defer { free(real) }
      self = .absent(String(cString: real) + "/" + url.lastPathComponent)
    } else {
      self = .absent(url.path)
    }
  }
}

extension PathUse {
  /// Usage error when the folder `output` is an input or lies inside an input folder
  /// (and, with `orHoldsOne`, when an input lies inside it): a command that writes files
  /// into a folder must not write among the files it reads. Compared on real paths
  /// (links and `..` resolved).
  public static func checkFolderOutsideInputs(
    _ output: PathUse, inputs: [PathUse], orHoldsOne: Bool = false
  ) throws(CLIError) {
    let out = resolvedPath(output.path)
    for input in inputs {
      let inPath = resolvedPath(input.path)
      let relation =
        out == inPath
        ? "is" : isInside(out, inPath) ? "lies inside" : orHoldsOne && isInside(inPath, out) ? "holds" : nil
      if let relation {
        throw .usage(
          "\(output.what) '\(output.path)' \(relation) \(input.what) '\(input.path)': "
            + "an output folder must not be written among the inputs")
      }
    }
  }

  /// Whether the resolved path `path` lies below the resolved folder `folder`.
  static func isInside(_ path: String, _ folder: String) -> Bool {
    path.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
  }

  /// The absolute path `path` names, links resolved: the real path of its nearest
  /// existing ancestor followed by the components that do not exist yet.
  public static func resolvedPath(_ path: String) -> String {
    var url = URL(fileURLWithPath: path).standardizedFileURL
    var missing: [String] = []
    while true {
      if let real = realpath(url.path, nil) {
        defer { free(real) }
        let base = String(cString: real)
        return missing.reversed().reduce(base) { $0 == "/" ? "/" + $1 : $0 + "/" + $1 }
      }
      let parent = url.deletingLastPathComponent()
      if parent.path == url.path { return URL(fileURLWithPath: path).standardizedFileURL.path }
      missing.append(url.lastPathComponent)
      url = parent
    }
  }
}
