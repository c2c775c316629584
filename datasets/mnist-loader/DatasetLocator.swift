import Foundation

/// Finds the folder of a bundled data set such as `mnist` or `fashion-mnist`.
///
/// Order: an explicit folder (`--data DIR`, used as given); else `$BNN_DATA_DIR/<name>`;
/// else `datasets/<name>` under the current directory; else `datasets/<name>` under the
/// executable's directory and each of its parents (so a binary in `.build/release` of a
/// fresh clone finds the repository's `datasets/`).
public struct DatasetLocator: Sendable {
  public var environment: [String: String]
  public var currentDirectory: String
  public var executablePath: String?

  public init(
    environment: [String: String] = ProcessInfo.processInfo.environment,
    currentDirectory: String = FileManager.default.currentDirectoryPath,
    executablePath: String? = DatasetLocator.currentExecutablePath()
  ) {
    self.environment = environment
    self.currentDirectory = currentDirectory
    self.executablePath = executablePath
  }

  /// The folder holding data set `name`, or `.dataNotFound` listing every place tried.
  public func locate(name: String, explicitDirectory: String? = nil) throws(IDXError) -> String {
    if let explicitDirectory { return explicitDirectory }
    let candidates = candidateDirectories(name: name)
    if let found = candidates.first(where: Dataset.isDatasetDirectory) { return found }
    throw .dataNotFound(name: name, searched: candidates)
  }

  /// Every folder `locate` would try, in order.
  public func candidateDirectories(name: String) -> [String] {
    var candidates: [String] = []
    if let root = environment["BNN_DATA_DIR"], !root.isEmpty {
      candidates.append(join(root, name))
    }
    candidates.append(join(join(currentDirectory, "datasets"), name))
    if let executablePath {
      var directory = (executablePath as NSString).deletingLastPathComponent
      while !directory.isEmpty {
        let candidate = join(join(directory, "datasets"), name)
        if !candidates.contains(candidate) { candidates.append(candidate) }
        let parent = (directory as NSString).deletingLastPathComponent
        if parent == directory { break }
        directory = parent
      }
    }
    return candidates
  }

  /// The running executable's absolute path (`/proc/self/exe` on Linux), if known.
  public static func currentExecutablePath() -> String? {
    if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      return resolved
    }
    return Bundle.main.executablePath
  }

  private func join(_ directory: String, _ component: String) -> String {
    (directory as NSString).appendingPathComponent(component)
  }
}
