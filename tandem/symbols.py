"""The functions, classes and methods that changed lines fall in: Python by ``ast``, others by a heuristic."""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")
_NESTED_BODIES = ("body", "orelse", "finalbody", "handlers")
"""Statement fields that hold statements (``handlers`` holds except clauses, which have a ``body``)."""
_LOOKAHEAD_LINES = 8
"""How far below a definition line its body's ``{`` (or a ``;`` ending a declaration) is looked for."""


@dataclass(frozen=True, slots=True)
class Definition:
    """A named definition and the lines it spans (1-based, inclusive; decorators included)."""

    name: str
    """Qualified through the enclosing definitions: ``Class.method``, ``outer.inner``."""
    start: int
    end: int


def symbols_for_ranges(text: str, path: str, ranges: Sequence[tuple[int, int]]) -> list[tuple[str, ...]]:
    """For each ``(first, last)`` line range (1-based, inclusive), the definitions it overlaps.

    Outer definitions come before inner ones (``("Class", "Class.method")``), then by position; an empty
    range (``last < first``) touches nothing.
    """
    defs = definitions(text, path)
    out: list[tuple[str, ...]] = []
    for first, last in ranges:
        names = [d.name for d in defs if first <= last and d.start <= last and first <= d.end]
        out.append(tuple(dict.fromkeys(names)))
    return out


def definitions(text: str, path: str) -> list[Definition]:
    """All definitions in ``text``, ordered by start line (outer first). Python falls back to the heuristic
    when it does not parse (mid-typing)."""
    if path.endswith(PYTHON_SUFFIXES):
        found = python_definitions(text)
        if found is not None:
            return found
    return heuristic_definitions(text)


def python_definitions(text: str) -> list[Definition] | None:
    """Functions, async functions and classes from Python's own parser; None when the text does not parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like are the author's business
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found: list[Definition] = []

    def visit(statements: list[ast.stmt], prefix: str) -> None:
        # Definitions live in statement lists only: skipping expressions keeps this cheap on big files.
        for node in statements:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}.{node.name}" if prefix else node.name
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                found.append(Definition(name, start, node.end_lineno or node.lineno))
                visit(node.body, name)
                continue
            for attr in _NESTED_BODIES:
                nested = getattr(node, attr, None)
                if nested:
                    visit(nested, prefix)
            for case in getattr(node, "cases", ()):  # match statements
                visit(case.body, prefix)

    visit(tree.body, "")
    return sorted(found, key=lambda d: (d.start, -d.end))


_MODIFIERS = (
    r"(?:(?:export|default|public|private|protected|internal|static|abstract|final|sealed|open|override|async"
    r"|unsafe|extern|inline|virtual|data|partial|readonly|pub(?:\([^)]*\))?|const(?=\s+fn))\s+)*"
)
_NAME = r"[A-Za-z_$][\w$]*"
_GO_METHOD = re.compile(rf"^func\s*\(\s*(?:\w+\s+)?\*?\s*(?P<recv>\w+)(?:\[[^\]]*\])?\s*\)\s*(?P<name>{_NAME})")
_RUST_IMPL = re.compile(
    r"^(?:unsafe\s+)?impl\b(?:\s*<[^>]*>)?\s+(?:[\w:]+(?:<[^>]*>)?\s+for\s+)?(?:\w+::)*(?P<name>\w+)"
)
_GO_TYPE = re.compile(rf"^type\s+(?P<name>{_NAME})(?:\[[^\]]*\])?\s+(?:struct|interface)\b")
_KEYWORD = re.compile(
    rf"^{_MODIFIERS}(?:class|struct|interface|trait|enum|union|module|namespace|object|record|protocol"
    rf"|extension|def|defp|defmodule|function\*?|func|fn|fun|sub|proc)\s+\*?\s*"
    rf"(?:self\.)?(?P<name>{_NAME}(?:(?:::|\.){_NAME})*)"
)
_JS_ASSIGNED = re.compile(
    rf"^(?:export\s+)?(?:const|let|var)\s+(?P<name>{_NAME})\s*=\s*(?:async\s+)?(?:function\b|\([^)]*\)\s*=>|{_NAME}\s*=>)"
)
_C_LIKE = re.compile(rf"^{_MODIFIERS}(?:[\w<>\[\],.*&:?]+\s+)*?[*&]*(?P<name>~?{_NAME})\s*\([^;\"'`]*\)[^;=]*$")
_NOT_A_NAME = frozenset(
    (
        *("if", "for", "while", "switch", "catch", "return", "else", "do", "try", "new", "sizeof", "typeof"),
        *("function", "await", "with", "elif", "until", "unless", "synchronized", "foreach", "using", "lock"),
        *("fixed", "match", "case", "when", "throw", "yield", "delete"),
    )
)
_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`(?:\\.|[^`\\])*`|/\*.*?\*/|//.*$')


@dataclass(slots=True)
class _Found:
    name: str
    start: int
    end: int
    qualified: bool


def heuristic_definitions(text: str) -> list[Definition]:
    """Definitions recognised line by line for C-family, Go, Rust, JavaScript/TypeScript, Java, Ruby and the
    like: a definition keyword (``class``, ``def``, ``function``, ``func``, ``fn``, ``struct``, ``impl``,
    ``interface``, ``type X struct``...) or a ``name(...) {`` signature. The body is the braces' extent when
    its ``{`` opens on the signature (which may span lines inside parentheses) or starts the next line;
    otherwise the lines indented deeper than the definition (plus a closing ``end``). Strings and comments
    are ignored when counting braces."""
    lines = text.split("\n")
    code = [_STRINGS.sub("", line) for line in lines]
    found: list[_Found] = []
    for i, line in enumerate(lines):
        hit = _match(line.strip())
        if hit is None:
            continue
        name, qualified, needs_brace = hit
        end = _brace_end(code, i)
        if end is None and needs_brace:
            continue
        found.append(_Found(name, i + 1, (end if end is not None else _indent_end(lines, i)) + 1, qualified))
    return _qualify(found)


def _match(stripped: str) -> tuple[str, bool, bool] | None:
    """``(name, already qualified, needs a brace body)`` for a definition line."""
    if m := _GO_METHOD.match(stripped):
        return f"{m['recv']}.{m['name']}", True, False
    for regex in (_RUST_IMPL, _GO_TYPE, _KEYWORD, _JS_ASSIGNED):
        if (m := regex.match(stripped)) and m["name"] not in _NOT_A_NAME:
            return m["name"], False, False
    if (m := _C_LIKE.match(stripped)) and m["name"].lstrip("~") not in _NOT_A_NAME:
        return m["name"], False, True
    return None


def _brace_end(code: list[str], i: int) -> int | None:
    """The 0-based line closing the body that opens on the signature starting at line ``i``; None for a
    declaration without a body (or a body still unbalanced while typing)."""
    opening = _body_opening(code, i)
    if opening is None:
        return None
    j, col = opening
    depth = 0
    while j < len(code):
        for ch in code[j][col:]:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    return j
        j, col = j + 1, 0
    return None


def _body_opening(code: list[str], i: int) -> tuple[int, int] | None:
    parens = 0
    for j in range(i, min(len(code), i + _LOOKAHEAD_LINES)):
        for col, ch in enumerate(code[j]):
            if ch in "([":
                parens += 1
            elif ch in ")]":
                parens -= 1
            elif parens <= 0 and ch == ";":
                return None
            elif parens <= 0 and ch == "{":
                return j, col
        if parens <= 0:
            following = code[j + 1].lstrip() if j + 1 < len(code) else ""
            return (j + 1, code[j + 1].index("{")) if following.startswith("{") else None
    return None


def _indent_end(lines: list[str], i: int) -> int:
    indent = _indent(lines[i])
    last = i
    for j in range(i + 1, len(lines)):
        if not lines[j].strip():
            continue
        if _indent(lines[j]) <= indent:
            if lines[j].strip() == "end":
                last = j
            break
        last = j
    return last


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def _qualify(found: list[_Found]) -> list[Definition]:
    out: list[Definition] = []
    stack: list[tuple[str, int]] = []  # (qualified name, end line) of the open enclosing definitions
    for f in sorted(found, key=lambda f: (f.start, -f.end)):
        while stack and stack[-1][1] < f.start:
            stack.pop()
        name = f.name if f.qualified or not stack else f"{stack[-1][0]}.{f.name}"
        out.append(Definition(name, f.start, f.end))
        stack.append((name, f.end))
    return out
