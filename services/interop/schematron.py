"""A small ISO Schematron evaluator for XPath 2.0 query bindings, on ``elementpath``.

FK's and TS's business rules are ISO Schematron files with ``queryBinding="xslt2"``: patterns of
rules, abstract rules pulled in with ``<extends rule="..."/>``, ``<let>`` variables and
``<value-of>`` in messages; they call no XSLT functions, only XPath 2.0. So no XSLT is needed:
this module reads a schema once (:func:`load`), compiles every context, ``let`` and ``assert``
with elementpath's XPath 2.0 parser, and evaluates them on a document.

Why not another engine: ``pyschematron`` (the maintained Python engine) needs a newer Python
than ours; ``lxml.isoschematron`` runs XSLT 1.0 (libxslt) and cannot evaluate XPath 2.0
(``matches``, ``castable as``, ``le``); the ISO skeleton for XSLT 2 is not shipped by any
package on the registry, and Saxon (``saxonche``) would add a 60 MB native dependency for a few
hundred expressions that elementpath evaluates in a few milliseconds.

Semantics kept from the standard: in one pattern a node is handled by the first rule whose
context matches it; every ``assert`` of that rule (its own and its abstract rules') is
evaluated with the rule's ``let`` variables bound; a false assert is a failure carrying its
message text (``<value-of>`` evaluated) and the location of the node.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from elementpath import XPath2Parser, XPathContext, get_node_tree
from lxml import etree

SCH = "http://purl.oclc.org/dsdl/schematron"
_Q = f"{{{SCH}}}"

# "//gn:svar[@id='1']", "//gn:delsvar[@id='1.2']": by far the most common contexts; they are
# answered from an index instead of a tree walk.
_BY_ID = re.compile(r"^//(\w+):(svar|delsvar)\[@id='([0-9.]+)'\]$")
_BY_NAME = re.compile(r"^//(\w+):([\w-]+)$")
# "//gn:delsvar[@id='1.1' and ...]" or "//gn:delsvar[@id='1.1']/tp:cv/...": the first step names
# the element (and often its id); the rest is evaluated from each candidate.
_FIRST_STEP = re.compile(r"^//(\w+):([\w-]+)(.*)$", re.S)
_LEADING_ID = re.compile(r"^\[\s*@id\s*=\s*'([0-9.]+)'\s*(?:\]|and\b)")
# Two assertion forms make up half of all tests; they are answered in Python:
# "count(gn:svar[@id='28']) le 4" and "count(gn:delsvar[not(matches(@id, $delsvarsIdExpr))]) = 0".
_COUNT_ID = re.compile(
    r"^count\((\w+):([\w-]+)(?:\[@id='([0-9.]+)'\])?\)\s*(le|ge|eq|lt|gt|=|<=|>=|<|>)\s*(\d+)$"
)
_COUNT_NOT_MATCHING = re.compile(
    r"^count\((\w+):([\w-]+)\[not\(matches\(@id,\s*\$(\w+)\)\)\]\)\s*=\s*0$"
)
_STRING_LITERAL = re.compile(r"^'([^']*)'$")
# count() of a plain location path — steps of names, "..", "//", and predicates comparing @id or
# the node's (normalized) text with a string literal — means the same in XPath 1.0, which lxml
# evaluates in C: "count(../../gn:svar[@id='8']/gn:delsvar[@id='8.5']) = 1".
_PREDICATE = r"\[(?:@id|\.|normalize-space\(\.\))\s*!?=\s*'[^']*'\]"
_STEP = rf"(?:\.\.|\*|\w+:[\w-]+(?:{_PREDICATE})*)"
_PLAIN_PATH = rf"(?://)?{_STEP}(?:/{{1,2}}{_STEP})*"
_TEXT_LENGTH = re.compile(
    r"^string-length\(normalize-space\(text\(\)\)\)\s*(le|ge|eq|lt|gt|=|<=|>=|<|>)\s*(\d+)$"
)
_CASTABLE = re.compile(r"^\. castable as xs:(boolean|decimal)$")
_XML_SPACE = re.compile(r"[ \t\r\n]+")
_LEXICAL = {
    "boolean": re.compile(r"^(true|false|1|0)$"),
    "decimal": re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$"),
}
_COUNT_PATH = re.compile(rf"^count\(({_PLAIN_PATH})\)\s*(le|ge|eq|lt|gt|=|<=|>=|<|>)\s*(\d+)$")
_OPS: dict[str, Callable[[int, int], bool]] = {
    "le": lambda a, b: a <= b,
    "<=": lambda a, b: a <= b,
    "ge": lambda a, b: a >= b,
    ">=": lambda a, b: a >= b,
    "eq": lambda a, b: a == b,
    "=": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "<": lambda a, b: a < b,
    "gt": lambda a, b: a > b,
    ">": lambda a, b: a > b,
}


@dataclass(frozen=True)
class Failure:
    """One failed assertion."""

    pattern: str
    context: str
    test: str
    message: str
    location: str  # "svar 32 (instans 2) / delsvar 32.2", or the node's path


@dataclass
class _Assert:
    test: str
    token: Any
    message: list[str | Any]  # text and compiled <value-of> expressions
    fast: Callable[[etree._Element], bool] | None = None  # the same test, in Python


@dataclass
class _Rule:
    context: str
    select: Callable[[_Doc], list[Any]]
    lets: list[tuple[str, Any]] = field(default_factory=list)
    literals: dict[str, str] = field(default_factory=dict)  # lets whose value is a string
    asserts: list[_Assert] = field(default_factory=list)


@dataclass
class _Pattern:
    id: str
    rules: list[_Rule]
    lets: list[tuple[str, Any]] = field(default_factory=list)  # evaluated once per document


class _Doc:
    """One document prepared for evaluation: elementpath's node tree and an id index."""

    def __init__(self, tree: etree._ElementTree, namespaces: dict[str, str]) -> None:
        self.root = get_node_tree(tree)
        self.namespaces = namespaces
        self.by_id: dict[tuple[str, str], list[Any]] = {}
        self.by_tag: dict[str, list[Any]] = {}
        for node in self.root.iter_descendants():
            elem = getattr(node, "elem", None)
            if elem is None or not isinstance(elem.tag, str):
                continue
            self.by_tag.setdefault(elem.tag, []).append(node)
            ident = elem.get("id")
            if ident is not None:
                self.by_id.setdefault((elem.tag, ident), []).append(node)


class Schematron:
    """A compiled schematron schema. Build with :func:`load` (cached per process)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        doc = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        schema = doc.getroot()
        self.title = " ".join((schema.findtext(f"{_Q}title") or "").split())
        self.namespaces = {ns.get("prefix"): ns.get("uri") for ns in schema.iter(f"{_Q}ns")}
        self._parser = XPath2Parser(namespaces=self.namespaces)
        abstract: dict[str, etree._Element] = {
            r.get("id"): r for r in schema.iter(f"{_Q}rule") if r.get("abstract") == "true"
        }
        # schema-level lets: global variables, evaluated once per document
        self.lets: list[tuple[str, Any]] = []
        literals: dict[str, str] = {}
        for let in schema.iterfind(f"{_Q}let"):
            self._let(let, self.lets, literals)
        self.patterns: list[_Pattern] = []
        for pattern in schema.iter(f"{_Q}pattern"):
            pattern_lets: list[tuple[str, Any]] = []
            pattern_literals = dict(literals)
            for let in pattern.iterfind(f"{_Q}let"):
                self._let(let, pattern_lets, pattern_literals)
            rules = []
            for rule in pattern.iterfind(f"{_Q}rule"):
                if rule.get("abstract") == "true":
                    continue
                rules.append(self._compile_rule(rule, abstract, pattern_literals))
            if rules:
                self.patterns.append(_Pattern(pattern.get("id") or "", rules, pattern_lets))

    # --- compiling --------------------------------------------------------------------------
    def _compile(self, expr: str) -> Any:
        return self._parser.parse(expr)

    def _let(
        self, let: etree._Element, lets: list[tuple[str, Any]], literals: dict[str, str]
    ) -> None:
        name, value = let.get("name") or "", (let.get("value") or "").strip()
        lets.append((name, self._compile(value)))
        literal = _STRING_LITERAL.match(value)
        if literal:
            literals[name] = literal.group(1)
        else:
            literals.pop(name, None)

    def _compile_rule(
        self,
        rule: etree._Element,
        abstract: dict[str, etree._Element],
        literals: dict[str, str],
    ) -> _Rule:
        compiled = _Rule(
            context=rule.get("context") or "",
            select=self._selector(rule),
            literals=dict(literals),
        )
        self._add_children(compiled, rule, abstract, depth=0)
        return compiled

    def _add_children(
        self,
        target: _Rule,
        rule: etree._Element,
        abstract: dict[str, etree._Element],
        depth: int,
    ) -> None:
        if depth > 10:
            raise ValueError("Schematron: extends-kedjan är för djup.")
        for child in rule:
            if child.tag == f"{_Q}let":
                self._let(child, target.lets, target.literals)
            elif child.tag == f"{_Q}assert":
                target.asserts.append(self._compile_assert(child, target.literals))
            elif child.tag == f"{_Q}extends":
                base = abstract.get(child.get("rule") or "")
                if base is None:
                    raise ValueError(f"Schematron: okänd abstrakt regel {child.get('rule')!r}.")
                self._add_children(target, base, abstract, depth + 1)

    def _compile_assert(self, node: etree._Element, literals: dict[str, str]) -> _Assert:
        parts: list[str | Any] = [node.text or ""]
        for child in node:
            if isinstance(child.tag, str) and etree.QName(child).localname == "value-of":
                parts.append(self._compile(child.get("select") or "''"))
            parts.append(child.tail or "")
        test = node.get("test") or "true()"
        return _Assert(
            test=test,
            token=self._compile(test),
            message=parts,
            fast=self._fast(" ".join(test.split()), literals),
        )

    def _fast(self, test: str, literals: dict[str, str]) -> Callable[[etree._Element], bool] | None:
        """A Python version of the most common assertion forms, or None.

        Handled: ``count(p:name[@id='X']) OP N`` and ``count(p:name) OP N`` on children,
        ``count(p:name[not(matches(@id, $var))]) = 0`` with a literal ``$var``, and ``and``/``or``
        combinations of those (optionally in parentheses)."""
        test = test.strip()
        while test.startswith("(") and _closing(test, 0) == len(test) - 1:
            test = test[1:-1].strip()
        for word in (" or ", " and "):
            parts = _split_top(test, word)
            if len(parts) > 1:
                compiled = [self._fast(part, literals) for part in parts]
                if any(c is None for c in compiled):
                    return None
                checks = [c for c in compiled if c is not None]
                if word == " or ":
                    return lambda e: any(c(e) for c in checks)
                return lambda e: all(c(e) for c in checks)
        match = _COUNT_ID.match(test)
        if match:
            prefix, local, ident, op, number = match.groups()
            tag, limit, compare = f"{{{self.namespaces[prefix]}}}{local}", int(number), _OPS[op]
            if ident is None:
                return lambda e: compare(sum(1 for _ in e.iterchildren(tag)), limit)
            return lambda e: compare(
                sum(1 for c in e.iterchildren(tag) if c.get("id") == ident), limit
            )
        match = _TEXT_LENGTH.match(test)
        if match:
            op, number = match.groups()
            limit, compare = int(number), _OPS[op]
            # normalize-space(text()): the first text node, XML whitespace collapsed
            return lambda e: compare(len(_XML_SPACE.sub(" ", e.text or "").strip(" ")), limit)
        match = _CASTABLE.match(test)
        if match:
            lexical = _LEXICAL[match.group(1)]
            return lambda e: (
                lexical.match(_XML_SPACE.sub(" ", "".join(e.itertext())).strip(" ")) is not None
            )
        match = _COUNT_PATH.match(test)
        if match:
            path, op, number = match.groups()
            counter = etree.XPath(f"count({path})", namespaces=self.namespaces)
            limit, compare = int(number), _OPS[op]
            return lambda e: compare(int(counter(e)), limit)
        match = _COUNT_NOT_MATCHING.match(test)
        if match and match.group(3) in literals:
            prefix, local, var = match.groups()
            tag, pattern = f"{{{self.namespaces[prefix]}}}{local}", re.compile(literals[var])
            return lambda e: (
                not any(pattern.search(c.get("id") or "") is None for c in e.iterchildren(tag))
            )
        return None

    def _selector(self, rule: etree._Element) -> Callable[[_Doc], list[Any]]:
        context = (rule.get("context") or "").strip()
        match = _BY_ID.match(context)
        if match:
            prefix, local, ident = match.groups()
            key = (f"{{{self.namespaces[prefix]}}}{local}", ident)
            return lambda doc: doc.by_id.get(key, [])
        match = _BY_NAME.match(context)
        if match:
            prefix, local = match.groups()
            tag = f"{{{self.namespaces[prefix]}}}{local}"
            return lambda doc: doc.by_tag.get(tag, [])
        match = _FIRST_STEP.match(context if context.startswith("/") else "//" + context)
        if match:
            # Candidates by element name (and id when the predicate starts with one), then the
            # rest of the pattern from each candidate.
            prefix, local, rest = match.groups()
            tag = f"{{{self.namespaces[prefix]}}}{local}"
            leading = _LEADING_ID.match(rest)
            step = self._compile(f"self::{prefix}:{local}{rest}")

            def candidates(doc: _Doc) -> list[Any]:
                if leading:
                    return doc.by_id.get((tag, leading.group(1)), [])
                return doc.by_tag.get(tag, [])

            def select_from(doc: _Doc) -> list[Any]:
                found: list[Any] = []
                for node in candidates(doc):
                    result = step.evaluate(XPathContext(doc.root, item=node))
                    found.extend(result if isinstance(result, list) else [result])
                return found

            return select_from
        # Any other match pattern: select the nodes it matches from the document root.
        token = self._compile(context if context.startswith("/") else "//" + context)

        def select(doc: _Doc) -> list[Any]:
            result = token.evaluate(XPathContext(doc.root))
            return list(result) if isinstance(result, list) else [result]

        return select

    # --- evaluating ---------------------------------------------------------------------------
    def validate(self, tree: etree._ElementTree | etree._Element) -> list[Failure]:
        """Every failed assertion of this schema on ``tree``, in document order per pattern."""
        if isinstance(tree, etree._Element):
            tree = tree.getroottree()
        doc = _Doc(tree, self.namespaces)
        global_vars = self._bind(self.lets, doc, {})
        failures: list[Failure] = []
        for pattern in self.patterns:
            handled: set[int] = set()
            pattern_vars = (
                self._bind(pattern.lets, doc, global_vars) if pattern.lets else global_vars
            )
            for rule in pattern.rules:
                for node in rule.select(doc):
                    if id(node) in handled:
                        continue
                    handled.add(id(node))
                    failures.extend(self._check(pattern, rule, doc, node, pattern_vars))
        return failures

    @staticmethod
    def _bind(lets: list[tuple[str, Any]], doc: _Doc, outer: dict[str, Any]) -> dict[str, Any]:
        """Variables of schema or pattern level, evaluated on the document root."""
        variables = dict(outer)
        for name, token in lets:
            try:
                variables[name] = token.evaluate(XPathContext(doc.root, variables=variables))
            except Exception:  # noqa: BLE001 - e.g. a malformed person id: tests then fail
                variables[name] = []
        return variables

    def _check(
        self, pattern: _Pattern, rule: _Rule, doc: _Doc, node: Any, outer: dict[str, Any]
    ) -> list[Failure]:
        variables: dict[str, Any] = dict(outer)
        for name, token in rule.lets:
            try:
                variables[name] = token.evaluate(
                    XPathContext(doc.root, item=node, variables=variables)
                )
            except Exception:  # noqa: BLE001 - e.g. xs:date() of a bad value: its tests fail
                variables[name] = []
        out = []
        for check in rule.asserts:
            if check.fast is not None:
                ok = check.fast(node.elem)
            else:
                context = XPathContext(doc.root, item=node, variables=variables)
                try:
                    ok = check.token.boolean_value(check.token.evaluate(context))
                except Exception:  # noqa: BLE001 - a type error in a test means bad data
                    ok = False
            if not ok:
                out.append(
                    Failure(
                        pattern=pattern.id,
                        context=rule.context,
                        test=check.test,
                        message=self._message(check, doc, node, variables),
                        location=describe(node),
                    )
                )
        return out

    def _message(self, check: _Assert, doc: _Doc, node: Any, variables: dict[str, Any]) -> str:
        text = []
        for part in check.message:
            if isinstance(part, str):
                text.append(part)
                continue
            try:
                value = part.evaluate(XPathContext(doc.root, item=node, variables=variables))
            except Exception:  # noqa: BLE001 - a message must never break validation
                value = ""
            if isinstance(value, list):
                value = " ".join(_string(v) for v in value)
            text.append(_string(value))
        return " ".join("".join(text).split())


def _closing(text: str, start: int) -> int:
    """The index of the parenthesis closing the one at ``start`` (-1 if none)."""
    depth = 0
    quote = ""
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _split_top(text: str, word: str) -> list[str]:
    """``text`` split on ``word`` where it is outside parentheses, brackets and quotes."""
    parts, depth, quote, last, i = [], 0, "", 0, 0
    while i < len(text):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(word, i):
            parts.append(text[last:i].strip())
            i += len(word)
            last = i
            continue
        i += 1
    parts.append(text[last:].strip())
    return parts


def _string(value: Any) -> str:
    if hasattr(value, "string_value"):
        return str(value.string_value)
    return "" if value is None else str(value)


def describe(node: Any) -> str:
    """Where a node is, in the message's own words: "svar 32 (instans 2) / delsvar 32.2"."""
    elem = getattr(node, "elem", node)
    if not isinstance(elem, etree._Element):
        return ""
    parts = []
    current: etree._Element | None = elem
    while current is not None and isinstance(current.tag, str):
        local = etree.QName(current).localname
        if local in ("svar", "delsvar") and current.get("id") is not None:
            label = f"{local} {current.get('id')}"
            instans = current.find("{urn:riv:clinicalprocess:healthcond:certificate:3}instans")
            if local == "svar" and instans is not None and instans.text:
                label += f" (instans {instans.text.strip()})"
            parts.append(label)
        elif local not in ("RegisterCertificate", "intyg") or not parts:
            if local in ("RegisterCertificate",):
                break
            parts.append(local)
        current = current.getparent()
    return " / ".join(reversed(parts)) or "intyg"


@cache
def load(path: Path) -> Schematron:
    """The compiled schema at ``path``, compiled once per process."""
    return Schematron(path)
