import Testing

@testable import BinaryNetTraining

@Suite struct ParallelTests {
  @Test func chunksCoverTheRangeOnAlignedBoundaries() {
    for count in [0, 1, 5, 16, 17, 100, 1000, 1031] {
      for threads in [1, 2, 3, 8] {
        for alignment in [1, 6, 16] {
          let parts = Parallel.chunks(count: count, threads: threads, alignment: alignment)
          #expect(parts.reduce(0) { $0 + $1.count } == count)
          #expect(parts.count <= threads)
          for (left, right) in zip(parts, parts.dropFirst()) {
            #expect(left.upperBound == right.lowerBound)
            #expect(left.upperBound % alignment == 0)
          }
          if let first = parts.first { #expect(first.lowerBound == 0) }
        }
      }
    }
  }

  @Test func everyIndexIsVisitedOnce() {
    let counts = Matrix(rows: 1, cols: 1000)
    Parallel.forEachChunk(count: 1000, threads: 4, alignment: 16) { range in
      for i in range { counts.data[i] += 1 }
    }
    #expect(counts.values.allSatisfy { $0 == 1 })
  }
}
