import Testing

@testable import BinaryNetData

@Suite struct PythonLiteralTests {
  func parse(_ text: String) throws(PythonLiteralError) -> PythonLiteral { try PythonLiteral.parse(Array(text.utf8)) }

  @Test func numpyHeadersParse() throws {
    let header = try parse("{'descr': '<i8', 'fortran_order': False, 'shape': (60000, 28, 28), }   \n")
    #expect(
      header
        == .dictionary([
          "descr": .string("<i8"), "fortran_order": .boolean(false),
          "shape": .sequence([.integer(60000), .integer(28), .integer(28)]),
        ]))
    #expect(try parse("{\"shape\": (), \"x\": None}") == .dictionary(["shape": .sequence([]), "x": .none]))
    #expect(try parse("(3L, 4L)") == .sequence([.integer(3), .integer(4)]))  // Python 2 numpy
    #expect(try parse("(5,)") == .sequence([.integer(5)]))
  }

  @Test func malformedHeadersFailWithAReason() {
    for (text, reason) in [
      ("{'a': ", "ends where a value should be"), ("'abc", "unterminated string"), ("{'a' 1}", "expected ':'"),
      ("(1 2)", "expected ','"), ("{1: 2}", "key is not a string"), ("Truex", "unexpected character"),
      ("99999999999999999999", "integer too large"), ("(1,) x", "unexpected text"),
      (String(repeating: "(", count: 40), "nested too deeply"),
    ] {
      #expect {
        try parse(text)
      } throws: { error in
        (error as? PythonLiteralError)?.reason.contains(reason) == true
      }
    }
  }
}
