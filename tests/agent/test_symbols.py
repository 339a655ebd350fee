"""Touched symbols: Python by its parser (with a fallback while typing), other languages by the heuristic."""

from __future__ import annotations

from tandem.symbols import definitions, heuristic_definitions, symbols_for_ranges

PYTHON = """\
import os


@decorator
class Store:
    limit = 3

    def get(self, key):
        return key

    async def put(self, key, value):
        def check():
            return value
        return check()


def helper():
    return os.sep
"""


def test_python_definitions_are_qualified_and_include_decorators() -> None:
    spans = {d.name: (d.start, d.end) for d in definitions(PYTHON, "store.py")}
    assert spans == {
        "Store": (4, 14),
        "Store.get": (8, 9),
        "Store.put": (11, 14),
        "Store.put.check": (12, 13),
        "helper": (17, 18),
    }


def test_ranges_give_outer_first_names() -> None:
    found = symbols_for_ranges(PYTHON, "store.py", [(9, 9), (13, 13), (6, 6), (1, 2), (9, 11), (4, 4), (5, 4)])
    assert found == [
        ("Store", "Store.get"),
        ("Store", "Store.put", "Store.put.check"),
        ("Store",),
        (),
        ("Store", "Store.get", "Store.put"),
        ("Store",),
        (),
    ]


def test_python_that_does_not_parse_falls_back_to_the_heuristic() -> None:
    typing = "class Store:\n    def get(self, key):\n        return (key\n\ndef helper(:\n    pass\n"
    assert symbols_for_ranges(typing, "store.py", [(3, 3), (6, 6)]) == [("Store", "Store.get"), ("helper",)]


def test_go_methods_take_their_receiver() -> None:
    src = (
        "package main\n\ntype Server struct {\n\tname string\n}\n\n"
        "func (s *Server) Start(x int) error {\n\tif x > 0 {\n\t\treturn nil\n\t}\n\treturn nil\n}\n\n"
        "func helper() {\n}\n"
    )
    spans = {d.name: (d.start, d.end) for d in definitions(src, "main.go")}
    assert spans == {"Server": (3, 5), "Server.Start": (7, 12), "helper": (14, 15)}


def test_javascript_classes_methods_and_arrow_functions() -> None:
    src = """\
export class Foo extends Bar {
  constructor(a = {}) {
    super(a);
  }

  async load(url) {
    const x = { a: "}" };
    if (x) {
      return x;
    }
  }
}

function top(a,
             b) {
  return a + b;
}
const arrow = (a) => {
  return a;
};
describe("suite", () => {
  it("works", function () {
  });
});
"""
    spans = {d.name: (d.start, d.end) for d in definitions(src, "foo.ts")}
    assert spans == {
        "Foo": (1, 12),
        "Foo.constructor": (2, 4),
        "Foo.load": (6, 11),
        "top": (14, 17),
        "arrow": (18, 20),
    }


def test_rust_impl_blocks_qualify_their_methods() -> None:
    src = (
        "impl<T> Display for Wrapper<T> {\n"
        "    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {\n"
        '        write!(f, "{}", self.0)\n'
        "    }\n}\n"
        "pub(crate) async fn go() {}\n"
        "fn declared();\n"
    )
    spans = {d.name: (d.start, d.end) for d in definitions(src, "lib.rs")}
    assert spans == {"Wrapper": (1, 5), "Wrapper.fmt": (2, 4), "go": (6, 6), "declared": (7, 7)}


def test_c_like_functions_need_a_body_and_skip_control_flow() -> None:
    src = "int add(int a, int b)\n{\n    if (a) {\n        return a + b;\n    }\n}\nint proto(int);\nfoo(bar)\n"
    assert [(d.name, d.start, d.end) for d in heuristic_definitions(src)] == [("add", 1, 6)]


def test_ruby_blocks_end_at_their_end() -> None:
    src = "class Foo\n  def bar(a)\n    puts a\n  end\nend\n"
    spans = {d.name: (d.start, d.end) for d in definitions(src, "foo.rb")}
    assert spans == {"Foo": (1, 5), "Foo.bar": (2, 4)}


def test_unknown_text_has_no_symbols() -> None:
    assert symbols_for_ranges("just some prose\nwith lines\n", "notes.txt", [(1, 2)]) == [()]


def test_python_definitions_inside_compound_statements() -> None:
    src = (
        "if True:\n    def a():\n        pass\nelse:\n    def b():\n        pass\n"
        "try:\n    import x\nexcept ImportError:\n    def c():\n        pass\nfinally:\n    def d():\n        pass\n"
        "match v:\n    case 1:\n        class E:\n            def m(self):\n                pass\n"
        "with ctx:\n    f = lambda: 1\n    def g():\n        pass\n"
    )
    assert [d.name for d in definitions(src, "m.py")] == ["a", "b", "c", "d", "E", "E.m", "g"]
