import Foundation

/// Learning rate as a function of training progress.
public enum LearningRateSchedule: String, Codable, Sendable, CaseIterable {
  /// Geometric decay per step from `start` to `end`: `start * (end/start)^(s/S)`.
  case exponential
  /// Half cosine per step from `start` to `end`: `end + (start-end) (1 + cos(pi s/S)) / 2`.
  case cosine
  /// Constant `start`.
  case constant

  /// The rate at step `step` (0-based) of `totalSteps`.
  public func rate(step: Int, totalSteps: Int, start: Float, end: Float) -> Float {
    let progress = totalSteps > 1 ? Double(step) / Double(totalSteps - 1) : 0
    switch self {
    case .exponential:
      return Float(Double(start) * pow(Double(end) / Double(start), progress))
    case .cosine:
      return Float(Double(end) + Double(start - end) * (1 + cos(Double.pi * progress)) / 2)
    case .constant:
      return start
    }
  }
}
