import CFloatKernels
import Testing

@testable import BinaryNetTraining

/// The int8 gradient kernels (cfloatkernels.h, "int8 gradient products"): the quantisers
/// against their definition, the portable product against an integer reference written
/// here, every path against the portable bytes, and `Int8Gradients` against the float
/// product and across thread counts.
@Suite struct Int8GradientTests {
  /// Boundary sizes of the 32-column and 6-row tiles and of the pairs.
  static let sizes = [0, 1, 2, 5, 6, 7, 31, 32, 33, 63, 64, 65, 127, 128, 129]

  static func gradient(_ count: Int, _ rng: inout Xoshiro256) -> [Float] {
    (0..<count).map { _ in (2 * rng.nextUnitFloat() - 1) * 0.01 }
  }

  static func signs(_ count: Int, _ rng: inout Xoshiro256) -> [Float] {
    (0..<count).map { _ in rng.nextIndex(below: 2) == 0 ? -1 : 1 }
  }

  /// The quantisation's definition: round to nearest, ties to even, of x * (127 / max).
  static func quantised(_ x: Float, max: Float) -> Int8 {
    max > 0 ? Int8((x * (127 / max)).rounded(.toNearestOrEven)) : 0
  }

  static func table(_ path: SGEMMPath) -> bnn_float_kernels {
    bnn_float_kernels_for(path.cValue)!.pointee
  }

  static var portable: bnn_float_kernels { table(.portable) }

  @Test func rowQuantisationFollowsItsDefinition() {
    var rng = Xoshiro256(seed: 11)
    for (rows, cols) in [(1, 1), (3, 7), (5, 64), (4, 65), (2, 130)] {
      var x = Self.gradient(rows * cols, &rng)
      for c in 0..<cols { x[c] = 0 }  // a row of zeros
      if rows > 1 { x[cols] = -0.05 }  // the largest magnitude, negative: -127
      let stride = (cols + 1) & ~1
      var q = [Int8](repeating: 99, count: rows * stride)
      var scale = [Float](repeating: 9, count: rows)
      var sum = [Int32](repeating: 9, count: rows)
      Self.portable.quantize_rows_s8(x, rows, cols, cols, &q, stride, &scale, &sum)
      for r in 0..<rows {
        let row = x[(r * cols)..<((r + 1) * cols)]
        let max = row.map(abs).max()!
        #expect(scale[r] == max / 127)
        let expected = row.map { Self.quantised($0, max: max) }
        #expect(Array(q[(r * stride)..<(r * stride + cols)]) == expected)
        #expect(sum[r] == expected.reduce(0) { $0 + Int32($1) })
        if cols & 1 == 1 { #expect(q[r * stride + cols] == 0) }
      }
      if rows > 1 { #expect(q[stride] == -127) }
      #expect(scale[0] == 0 && sum[0] == 0)
    }
  }

  /// Row r, column c of a pair layout with row length `width`.
  static func pairIndex(_ r: Int, _ c: Int, width: Int) -> Int { (r / 2) * 2 * width + 2 * c + r % 2 }

  @Test func columnQuantisationFollowsItsDefinition() {
    var rng = Xoshiro256(seed: 12)
    for (rows, cols) in [(1, 1), (7, 3), (64, 5), (65, 4), (9, 40)] {
      let x = Self.gradient(rows * cols, &rng)
      let width = cols + 3  // padding columns
      let pairs = (rows + 1) / 2
      var q = [Int8](repeating: 99, count: pairs * 2 * width)
      var scale = [Float](repeating: 9, count: cols)
      var sum = [Int32](repeating: 9, count: cols)
      var work = [Float](repeating: 0, count: cols)
      Self.portable.quantize_column_pairs_s8(x, rows, cols, cols, &q, width, &scale, &sum, &work)
      var expected = [Int8](repeating: 0, count: q.count)
      for c in 0..<cols {
        let column = (0..<rows).map { x[$0 * cols + c] }
        let max = column.map(abs).max()!
        #expect(scale[c] == max / 127)
        var total: Int32 = 0
        for r in 0..<rows {
          let v = Self.quantised(column[r], max: max)
          expected[Self.pairIndex(r, c, width: width)] = v
          total += Int32(v)
        }
        #expect(sum[c] == total)
      }
      // The padding row (odd rows) is 0; columns past cols keep their bytes.
      for r in 0..<(pairs * 2) {
        for c in 0..<width {
          let index = Self.pairIndex(r, c, width: width)
          #expect(q[index] == (c < cols ? expected[index] : 99), "row \(r) column \(c)")
        }
      }
    }
  }

  @Test func unitPairsHoldThePositiveEntries() {
    var rng = Xoshiro256(seed: 13)
    for (rows, cols) in [(1, 1), (5, 33), (6, 64), (3, 100)] {
      let x = Self.signs(rows * cols, &rng)
      let width = (cols + 31) & ~31
      var u = [UInt8](repeating: 7, count: (rows + 1) / 2 * 2 * width)
      Self.portable.pack_unit_pairs(x, rows, cols, cols, &u, width)
      var expected = [UInt8](repeating: 0, count: u.count)
      for r in 0..<rows {
        for c in 0..<cols where x[r * cols + c] > 0 { expected[Self.pairIndex(r, c, width: width)] = 1 }
      }
      #expect(u == expected)
    }
  }

  /// Every path's `im2col_unit_pairs` equals `pack_unit_pairs` of the float unfolding
  /// (`bnn_im2col`), for any part of its rows: borders, strides, channel counts off the
  /// 32-byte blocks, both padding values, odd row counts.
  @Test func unfoldedUnitPairsEqualThePackedUnfolding() {
    var rng = Xoshiro256(seed: 18)
    let windows: [(Int, Int, Int, Int, Int, Int)] = [  // height, width, channels, kernel, stride, pad
      (5, 7, 1, 3, 1, 1), (6, 6, 32, 3, 1, 1), (7, 5, 33, 3, 2, 1), (9, 9, 3, 5, 1, 2),
      (4, 4, 64, 3, 1, 0), (3, 8, 2, 1, 1, 0),
    ]
    for (height, width, channels, kernel, stride, pad) in windows {
      let outHeight = (height + 2 * pad - kernel) / stride + 1
      let outWidth = (width + 2 * pad - kernel) / stride + 1
      var window = bnn_window(
        height: height, width: width, channels: channels, kernel_height: kernel,
        kernel_width: kernel, stride: stride, pad_top: pad, pad_left: pad, out_height: outHeight,
        out_width: outWidth)
      let count = 3
      let images = Self.signs(count * height * width * channels, &rng)
      let rows = count * outHeight * outWidth
      let depth = kernel * kernel * channels
      let packed = (depth + 31) & ~31
      for padValue: Float in [1, -1] {
        var unfolded = [Float](repeating: 0, count: rows * depth)
        bnn_im2col(images, count, &window, padValue, &unfolded)
        for (first, length) in [(0, rows), (2, rows - 2), (0, rows - 1), (4, 1)] where length > 0 {
          var expected = [UInt8](repeating: 0, count: (length + 1) / 2 * 2 * packed)
          Self.portable.pack_unit_pairs(
            Array(unfolded[(first * depth)...]), length, depth, depth, &expected, packed)
          for path in SGEMMPath.available {
            var got = [UInt8](repeating: 9, count: expected.count)
            Self.table(path).im2col_unit_pairs(images, &window, padValue, first, length, &got, packed)
            #expect(got == expected, "\(path.name): \(window) pad \(padValue) rows \(first)+\(length)")
          }
        }
      }
    }
  }

  /// Quantised operands of one random product, in either layout of q.
  struct Operands {
    let m: Int, n: Int, depth: Int
    var q: [Int8]
    let rowStride: Int, pairStride: Int
    var scale: [Float]
    var sum: [Int32]
    var u: [UInt8]
    let width: Int

    init(m: Int, n: Int, depth: Int, columnPairs: Bool, rng: inout Xoshiro256) {
      (self.m, self.n, self.depth) = (m, n, depth)
      width = (n + 31) & ~31
      let pairs = (depth + 1) / 2
      u = [UInt8](repeating: 0, count: max(1, pairs * 2 * width))
      let x = Int8GradientTests.signs(depth * n, &rng)
      Int8GradientTests.portable.pack_unit_pairs(x, depth, n, n, &u, width)
      scale = [Float](repeating: 0, count: max(1, m))
      sum = [Int32](repeating: 0, count: max(1, m))
      if columnPairs {
        // g is depth x m, quantised per column: q's rows are g's columns.
        let g = Int8GradientTests.gradient(depth * m, &rng)
        q = [Int8](repeating: 0, count: max(1, pairs * 2 * m))
        var work = [Float](repeating: 0, count: max(1, m))
        Int8GradientTests.portable.quantize_column_pairs_s8(g, depth, m, m, &q, m, &scale, &sum, &work)
        (rowStride, pairStride) = (2, 2 * m)
      } else {
        let stride = (depth + 1) & ~1
        let g = Int8GradientTests.gradient(m * depth, &rng)
        q = [Int8](repeating: 0, count: max(1, m * stride))
        Int8GradientTests.portable.quantize_rows_s8(g, m, depth, depth, &q, stride, &scale, &sum)
        (rowStride, pairStride) = (stride, 2)
      }
    }

    /// `table`'s product into a copy of `c` (row stride ldc).
    func product(_ table: bnn_float_kernels, c: [Float], ldc: Int, accumulate: Bool) -> [Float] {
      var out = c
      table.s8_unit_gemm(
        m, n, depth, q, rowStride, pairStride, scale, sum, u, width, &out, ldc, accumulate ? 1 : 0)
      return out
    }

    /// The contract written out: exact integer S, then the finishing step's float operations.
    func reference(c: [Float], ldc: Int, accumulate: Bool) -> [Float] {
      var out = c
      for i in 0..<m {
        for j in 0..<n {
          var s: Int32 = 0
          for t in 0..<depth {
            let qt = Int32(q[i * rowStride + (t / 2) * pairStride + t % 2])
            s += qt * Int32(u[Int8GradientTests.pairIndex(t, j, width: width)])
          }
          let product = scale[i] * Float(2 * s - sum[i])
          out[i * ldc + j] = accumulate ? out[i * ldc + j] + product : product
        }
      }
      return out
    }
  }

  /// Shapes around the tiles, odd depths, and depths past 256 (the int16 sums are widened
  /// every 128 pairs).
  static var shapes: [(Int, Int, Int)] {
    var shapes: [(Int, Int, Int)] = []
    for size in sizes { shapes += [(size, 33, 9), (7, size, 64), (6, 32, size)] }
    shapes += [(13, 70, 257), (6, 32, 300), (9, 65, 1001), (1, 1, 777)]
    return shapes
  }

  @Test(arguments: [false, true])
  func portableProductMatchesTheIntegerReference(columnPairs: Bool) {
    var rng = Xoshiro256(seed: 14)
    for (m, n, depth) in Self.shapes {
      let operands = Operands(m: m, n: n, depth: depth, columnPairs: columnPairs, rng: &rng)
      let ldc = n + 5
      let c = Self.gradient(max(1, m * ldc), &rng)
      for accumulate in [false, true] {
        let got = operands.product(Self.portable, c: c, ldc: ldc, accumulate: accumulate)
        #expect(
          got == operands.reference(c: c, ldc: ldc, accumulate: accumulate),
          "m \(m) n \(n) depth \(depth) accumulate \(accumulate)")
      }
    }
  }

  /// Every path's four entries give the portable bytes, and the product writes nothing
  /// outside its m x n block (sentinels in the padding columns and after the last row).
  @Test(arguments: [false, true])
  func everyPathGivesThePortableBytes(columnPairs: Bool) {
    var rng = Xoshiro256(seed: 15)
    for path in SGEMMPath.available where path != .portable {
      let table = Self.table(path)
      for (m, n, depth) in Self.shapes {
        let operands = Operands(m: m, n: n, depth: depth, columnPairs: columnPairs, rng: &rng)
        let ldc = n + 3
        var c = Self.gradient(m * ldc + 40, &rng)
        c[(m * ldc)...] = ArraySlice(repeating: 12345, count: 40)
        for accumulate in [false, true] {
          let expected = operands.product(Self.portable, c: c, ldc: ldc, accumulate: accumulate)
          let got = operands.product(table, c: c, ldc: ldc, accumulate: accumulate)
          #expect(got == expected, "\(path.name): m \(m) n \(n) depth \(depth)")
        }
      }
      for (rows, cols) in [(1, 1), (2, 31), (3, 32), (4, 33), (9, 64), (8, 65), (5, 129), (70, 300)] {
        var x = Self.gradient(rows * cols, &rng)
        x[rows * cols / 2] = -0.03  // a largest magnitude inside a 32-column block
        let signs = Self.signs(rows * cols, &rng)
        let stride = (cols + 1) & ~1
        let width = (cols + 31) & ~31
        func outputs(_ t: bnn_float_kernels) -> [[Int32]] {
          var q = [Int8](repeating: 9, count: rows * stride)
          var pairs = [Int8](repeating: 9, count: (rows + 1) / 2 * 2 * width)
          var u = [UInt8](repeating: 9, count: (rows + 1) / 2 * 2 * width)
          var rowScale = [Float](repeating: 9, count: rows)
          var rowSum = [Int32](repeating: 9, count: rows)
          var columnScale = [Float](repeating: 9, count: cols)
          var columnSum = [Int32](repeating: 9, count: cols)
          var work = [Float](repeating: 0, count: cols)
          t.quantize_rows_s8(x, rows, cols, cols, &q, stride, &rowScale, &rowSum)
          t.quantize_column_pairs_s8(x, rows, cols, cols, &pairs, width, &columnScale, &columnSum, &work)
          t.pack_unit_pairs(signs, rows, cols, cols, &u, width)
          let scales = (rowScale + columnScale).map { Int32(bitPattern: $0.bitPattern) }
          return [q.map(Int32.init), pairs.map(Int32.init), u.map(Int32.init), scales, rowSum + columnSum]
        }
        #expect(outputs(table) == outputs(Self.portable), "\(path.name): \(rows) x \(cols)")
      }
    }
  }

  /// The int8 products approximate the float products (8-bit gradients: about 0.4% error).
  @Test func productsApproximateTheFloatProducts() {
    var rng = Xoshiro256(seed: 16)
    let (rows, n, k) = (150, 40, 70)
    let dz = Self.gradient(rows * n, &rng)
    let x = Self.signs(rows * k, &rng)
    let weights = Self.signs(n * k, &rng)
    let int8 = Int8Gradients()
    var dW = [Float](repeating: 0, count: n * k)
    var dx = [Float](repeating: 0, count: rows * k)
    int8.weightGradient(dz, rows: rows, n: n, x: x, k: k, alpha: 0.5, into: &dW, accumulate: false, threads: 1)
    int8.packWeights(weights, n: n, k: k, threads: 1)
    int8.inputGradient(dz, rows: rows, into: &dx, threads: 1)
    func relativeError(_ got: [Float], _ expected: [Double]) -> Double {
      let error = zip(got, expected).map { (Double($0) - $1) * (Double($0) - $1) }.reduce(0, +)
      return (error / expected.map { $0 * $0 }.reduce(0, +)).squareRoot()
    }
    var expectedW = [Double](repeating: 0, count: n * k)
    var expectedX = [Double](repeating: 0, count: rows * k)
    for r in 0..<rows {
      for c in 0..<n {
        for j in 0..<k {
          expectedW[c * k + j] += 0.5 * Double(dz[r * n + c]) * Double(x[r * k + j])
          expectedX[r * k + j] += Double(dz[r * n + c]) * Double(weights[c * k + j])
        }
      }
    }
    #expect(relativeError(dW, expectedW) < 0.01)
    #expect(relativeError(dx, expectedX) < 0.01)
  }

  /// Splitting a product between threads (by rows or by 32-column blocks) gives the same bytes.
  @Test func threadsGiveTheSameBytes() {
    var rng = Xoshiro256(seed: 17)
    for (rows, n, k) in [(3000, 64, 100), (40, 300, 700), (2000, 7, 45)] {
      let dz = Self.gradient(rows * n, &rng)
      let x = Self.signs(rows * k, &rng)
      let weights = Self.signs(n * k, &rng)
      func run(threads: Int) -> [Float] {
        let int8 = Int8Gradients()
        var dW = [Float](repeating: 0, count: n * k)
        var dx = [Float](repeating: 0, count: rows * k)
        int8.weightGradient(dz, rows: rows, n: n, x: x, k: k, alpha: 1, into: &dW, accumulate: false, threads: threads)
        int8.packWeights(weights, n: n, k: k, threads: threads)
        int8.inputGradient(dz, rows: rows, into: &dx, threads: threads)
        return dW + dx
      }
      #expect(run(threads: 1) == run(threads: 3), "rows \(rows) n \(n) k \(k)")
    }
  }
}
