import BinaryNet
import Testing

@testable import BinaryNetData

@Suite struct StratifiedSplitTests {
  @Test func splitMix64MatchesTheReferenceSequence() {
    // Reference outputs of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
    var generator = SplitMix64(seed: 0)
    #expect(generator.next() == 0xe220_a839_7b1d_cdaf)
    #expect(generator.next() == 0x6e78_9e6a_a1b9_65f4)
    #expect(generator.next() == 0x06c4_5d18_8009_454f)
  }

  @Test func boundedIntegersStayBelowTheBoundAndCoverIt() {
    var generator = SplitMix64(seed: 42)
    var seen = Set<Int>()
    for _ in 0..<1000 {
      let value = generator.next(below: 7)
      #expect((0..<7).contains(value))
      seen.insert(value)
    }
    #expect(seen.count == 7)
  }

  @Test func testCountsRoundAndKeepOneOnEachSide() {
    #expect(StratifiedSplit.testCount(of: 10, testFraction: 0.2) == 2)
    #expect(StratifiedSplit.testCount(of: 12, testFraction: 0.2) == 2)  // 2.4
    #expect(StratifiedSplit.testCount(of: 13, testFraction: 0.2) == 3)  // 2.6
    #expect(StratifiedSplit.testCount(of: 2, testFraction: 0.2) == 1)  // at least one
    #expect(StratifiedSplit.testCount(of: 1, testFraction: 0.5) == 0)  // a single item stays
    #expect(StratifiedSplit.testCount(of: 4, testFraction: 0.99) == 3)  // never all
  }

  @Test func splitIsStratifiedOrderedAndSeeded() {
    let labels: [UInt8] = (0..<100).map { UInt8($0 % 4) }
    let split = StratifiedSplit(labels: labels, testFraction: 0.25, seed: 9)
    #expect(split.test.count == 24)
    #expect(split.train.count + split.test.count == 100 && Set(split.train + split.test).count == 100)
    #expect(split.train == split.train.sorted() && split.test == split.test.sorted())
    for label in 0..<4 { #expect(split.test.filter { labels[$0] == label }.count == 6) }
    #expect(StratifiedSplit(labels: labels, testFraction: 0.25, seed: 9).test == split.test)
    #expect(StratifiedSplit(labels: labels, testFraction: 0.25, seed: 10).test != split.test)
  }

  @Test func badFractionsAreRefused() throws {
    let folder = try TestFolder()
    defer { folder.remove() }
    let path = try folder.write("t.npz", NPZLoadingTests.archive(trainLabels: [0, 0, 1, 1], testLabels: nil).bytes())
    for fraction in [0.0, 1.0, -0.5, .nan] {
      expectLoadError(
        path, prefix: "the test fraction", ["between 0 and 1"], options: DataSetOptions(testFraction: fraction))
    }
    let single = try folder.write("one.npz", NPZLoadingTests.archive(trainLabels: [0], testLabels: nil).bytes())
    expectLoadError(single, ["no test set", "too few images"])
  }
}
