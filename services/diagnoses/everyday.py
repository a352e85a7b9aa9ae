"""Everyday words in a diagnosis query: the reviewed roots table and Swedish compound splitting.

A query becomes a list of *slots*, one per typed word (two for a table phrase such as "högt
blodtryck" become one slot). A slot holds alternatives, each a tuple of words searched
together; the first alternative is the word as typed (searched with typo tolerance), the
others come from

- the table (services/data/everyday_terms.tsv): "sockersjuka" -> "diabetes";
- splitting a compound that is not a word of the code texts into a first part that begins some
  word of the texts (or is in the table) and a last part that is a word of the texts or of
  the table: "lårbensbrott" -> ("^lårben", "fraktur"), "^" marking a first part that is
  matched only as a word or the beginning of one; the first part's clinical root and the
  last part's clinical suffix also make one word when the texts have it:
  "halsmandelinflammation" -> "tonsillit", "magkatarr" -> "gastrit";
- a Swedish definite ending removed when only the stem begins words of the texts:
  "lungan" -> "lung" (finds "lungemboli").

Filler words ("i", "på", "av", ...) are dropped unless they are all there is or the last,
still typed, word.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from .codes import DATA_DIR
from .text import fold, words_of

TABLE_FILE = DATA_DIR / "everyday_terms.tsv"

Alternative = tuple[str, ...]
Slot = tuple[Alternative, ...]

STOPWORDS = frozenset(
    {"i", "pa", "av", "och", "hos", "vid", "en", "ett", "den", "det", "till", "for", "fran", "om"}
)
_DEFINITE_ENDINGS = ("arna", "orna", "erna", "na", "an", "en", "et")
_LINKING = ("s", "e")
MIN_PART = 3
MIN_DERIVED = 3
MAX_ALTERNATIVES = 20
#: Marks a compound's first part in an alternative: matched as a word or its beginning only.
HEAD_MARK = "^"


@dataclass(frozen=True, slots=True)
class EverydayTable:
    """The parsed table: folded everyday key -> clinical alternatives, and suffix rules."""

    terms: dict[str, tuple[Alternative, ...]]
    phrases: dict[tuple[str, ...], tuple[Alternative, ...]]  # multi-word everyday keys
    suffixes: dict[str, str]
    rows: int

    def words(self) -> set[str]:
        """Every folded word the table can put into a query."""
        found = {w for alternatives in self.terms.values() for alt in alternatives for w in alt}
        found |= {w for alternatives in self.phrases.values() for alt in alternatives for w in alt}
        return found - STOPWORDS


def parse_table(text: str) -> EverydayTable:
    """Parse the TSV text (comments with "#", one header row)."""
    terms: dict[str, list[Alternative]] = {}
    suffixes: dict[str, str] = {}
    rows = 0
    header_seen = False
    for raw in text.splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t")
        if not header_seen:
            header_seen = True
            if parts[0] == "kind":
                continue
        if len(parts) < 3:
            raise ValueError(f"everyday table: bad row {raw!r}")
        kind, everyday, clinical = parts[0], parts[1], parts[2]
        rows += 1
        if kind == "suffix":
            suffixes[fold(everyday)] = fold(clinical)
        elif kind == "term":
            key = " ".join(words_of(everyday))
            alternatives = [tuple(words_of(alt)) for alt in clinical.split("|") if alt.strip()]
            terms.setdefault(key, []).extend(a for a in alternatives if a)
        else:
            raise ValueError(f"everyday table: unknown kind {kind!r}")
    single = {k: tuple(v) for k, v in terms.items() if " " not in k}
    phrases = {tuple(k.split()): tuple(v) for k, v in terms.items() if " " in k}
    return EverydayTable(single, phrases, suffixes, rows)


@cache
def load_table() -> EverydayTable:
    """The shipped table (cached)."""
    return parse_table(TABLE_FILE.read_text(encoding="utf-8"))


class Expander:
    """Turns query words into slots, checking candidate words against the texts' vocabulary."""

    def __init__(
        self,
        table: EverydayTable,
        is_word: Callable[[str], bool],
        has_prefix: Callable[[str], bool],
        is_official_word: Callable[[str], bool] | None = None,
    ) -> None:
        self.table = table
        self.is_word = is_word
        self.has_prefix = has_prefix
        #: A word of the official texts is not split; one known only from an everyday term
        #: ("korsbandsskada") is, so the texts' own words for its parts are found too.
        self.is_official_word = is_official_word or is_word

    def _usable(self, word: str) -> bool:
        return len(word) >= MIN_DERIVED and self.has_prefix(word)

    def _known(self, part: str) -> list[str]:
        """Forms of a compound's first part that the table or the vocabulary knows."""
        forms = [part]
        if part.endswith(_LINKING) and len(part) > MIN_PART:
            forms.append(part[:-1])
        return [f for f in forms if f in self.table.terms or self.has_prefix(f)]

    def _head_alternatives(self, head: str) -> list[str]:
        out: list[str] = []
        for form in self._known(head):
            for alt in ((form,), *self.table.terms.get(form, ())):
                if len(alt) == 1 and alt[0] not in out:
                    out.append(alt[0])
        return out

    def _splits(self, token: str) -> list[tuple[str, str]]:
        found: list[tuple[int, str, str]] = []
        for i in range(MIN_PART, len(token) - MIN_PART + 1):
            head, tail = token[:i], token[i:]
            in_table = tail in self.table.terms or tail in self.table.suffixes
            if not (in_table or self.is_word(tail)):
                continue
            if not self._known(head):
                continue
            found.append((0 if in_table else 1, head, tail))
        found.sort(key=lambda item: (item[0], -len(item[2])))
        return [(head, tail) for _, head, tail in found[:2]]

    def _compound(self, token: str) -> list[Alternative]:
        out: list[Alternative] = []
        for head, tail in self._splits(token):
            heads = self._head_alternatives(head)
            tails = [(tail,), *self.table.terms.get(tail, ())]
            suffix = self.table.suffixes.get(tail)
            if suffix:
                for root in heads:
                    if self.is_word(root + suffix) or self.has_prefix(root + suffix):
                        out.append((root + suffix,))
            for h in heads[:4]:
                for t in tails[:4]:
                    if len(t) == 1 and self.has_prefix(h + t[0]):
                        out.append((h + t[0],))
                    usable_h = self._usable(h)
                    if usable_h and all(self._usable(w) for w in t):
                        # The first part begins a word ("lårben" -> "lårbenet"); it is not
                        # looked for inside other words ("tand" is not "hotande").
                        out.append((HEAD_MARK + h, *t))
        return out

    def _stem(self, token: str) -> list[Alternative]:
        for ending in _DEFINITE_ENDINGS:
            stem = token[: -len(ending)]
            if token.endswith(ending) and len(stem) >= 4 and self.has_prefix(stem):
                return [(stem,)]
        return []

    def _slot(self, words: tuple[str, ...], last: bool) -> Slot:
        alternatives: list[Alternative] = [words]
        derived: list[Alternative] = []
        if len(words) > 1:
            derived.extend(self.table.phrases.get(words, ()))
        else:
            token = words[0]
            derived.extend(self.table.terms.get(token, ()))
            if not self.is_official_word(token) and not (
                last and self.has_prefix(token) and not self.is_word(token)
            ):
                derived.extend(self._stem(token))
                if len(token) >= 2 * MIN_PART:
                    derived.extend(self._compound(token))
        for alternative in derived:
            kept = tuple(w for w in alternative if w not in STOPWORDS) or alternative
            if kept not in alternatives and all(
                self._usable(w.removeprefix(HEAD_MARK)) for w in kept
            ):
                alternatives.append(kept)
            if len(alternatives) >= MAX_ALTERNATIVES:
                break
        return tuple(alternatives)

    def expand(self, tokens: list[str]) -> list[Slot]:
        """Slots for the folded query words (the last word may still be being typed)."""
        content = [
            (i, t) for i, t in enumerate(tokens) if t not in STOPWORDS or i == len(tokens) - 1
        ]
        if not content:
            content = list(enumerate(tokens))
        slots: list[Slot] = []
        position = 0
        while position < len(content):
            i, token = content[position]
            if position + 1 < len(content):
                pair = (token, content[position + 1][1])
                if pair in self.table.phrases:
                    slots.append(self._slot(pair, last=False))
                    position += 2
                    continue
            slots.append(self._slot((token,), last=i == len(tokens) - 1))
            position += 1
        return slots
