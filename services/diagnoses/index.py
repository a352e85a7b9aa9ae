"""In-memory search indexes over a code list: a word index for text, a sorted key list for codes.

Text search does not scan all texts per query (rapidfuzz WRatio over 35.7k texts takes ~190 ms).
Instead every text is split into words once; the distinct words form a sorted vocabulary with a
posting list (which texts contain the word) stored as one contiguous numpy array. Per query
token we find matching vocabulary words, each with a token score:

- exact word                                     100
- prefix of a word ("bronk" -> "bronkit")        80..100 by how much of the word is typed
- inside a compound ("infarkt" in "hjärtinfarkt") 70..85
- typo in a whole word, rapidfuzz ratio >= 80    0.85 x ratio ("bronkid" ~ 73)
- typo in the part typed so far (last token)     0.80 x ratio

Words are folded for matching (lower case, accents removed: "ö" ~ "o", "é" ~ "e"), so
"hjartinfarkt" finds "hjärtinfarkt"; a text that also contains the exact accented spelling the
user typed gets a small bonus. The score of a text is the mean over query tokens of its best
word per token, plus a bonus when the text starts with a matched word and when it equals the
query, minus a small penalty per extra word (so "Akut bronkit" ranks above its long
subcodes), plus an optional per-code prior (codes with FMB information, see search.py). Equal
scores are ordered by code length, then code: short codes before subcodes. When a token is not
a word of the texts but one edit away from one ("diabetis" -> "diabetes"), the best text for the
corrected spelling is guaranteed a place among the first three, beside completions of what was
typed ("diabetisk").
Prefix ranges of a sorted vocabulary map to one contiguous slice of the posting arrays, so even
a one-letter query is a handful of vectorised numpy operations.

Everyday words (issue 20): the documents are the official texts plus extra search terms
(KSH97-P synonyms; for ICD-10-SE the everyday terms of synonyms.py, ranked one point below an
official text that matches as well). A query is expanded into slots (everyday.py): each typed
word has alternatives from the reviewed table and compound splitting; a slot scores the best
alternative (the mean of its words), the text's score is the mean over slots. Derived words
are known words: matched without typo tolerance, the table's words scored once at build time.
Perinatal (P) and pregnancy (O) codes rank CONTEXT_PENALTY lower unless a query word asks for
them. Typo candidates with the typed word's first letter are tried first.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .codes import CodeList
from .everyday import HEAD_MARK, Expander, Slot, load_table
from .text import fold, words_of

__all__ = ["CodeIndex", "Hit", "TextIndex", "fold", "words_of"]

FUZZY_MIN_LEN = 4
FUZZY_CUTOFF = 80.0
FUZZY_WEIGHT = 0.85
FUZZY_PREFIX_WEIGHT = 0.80
PREFIX_FUZZY_LENGTHS = range(4, 11)
CORRECTION_CUTOFF = 85.0
CORRECTION_RANK = 2
#: Codes of the perinatal (P) and pregnancy (O) chapters rank this many points lower unless a
#: query word begins with one of CONTEXT_WORDS (folded): "gulsot" is R17 before the newborn's P59.
CONTEXT_PENALTY = 8.0
CONTEXT_WORDS = (
    "nyfod",
    "spadbarn",
    "foster",
    "fostr",
    "gravid",
    "havandeskap",
    "forlossning",
    "barnsbord",
    "barnsang",
    "amning",
    "laktation",
    "mjolkstockning",
    "perinatal",
    "neonatal",
    "prematur",
    "missfall",
    "abort",
    "preeklampsi",
)
#: Points a synonym (not the official text) gets less than an official text matching as well.
SYNONYM_PENALTY = 1.0


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked search result: which document (text entry) and its score."""

    doc: int
    score: float


class TextIndex:
    """Word index over the texts (and synonyms) of one code list."""

    def __init__(self, code_list: CodeList, extra: Sequence[tuple[int, str]] = ()) -> None:
        doc_code: list[int] = []
        doc_text: list[str] = []
        doc_synonym: list[bool] = []
        for index, text in enumerate(code_list.texts):
            for position, term in enumerate((text, *code_list.synonyms[index])):
                doc_code.append(index)
                doc_text.append(term)
                doc_synonym.append(position > 0)
        for index, term in extra:
            doc_code.append(index)
            doc_text.append(term)
            doc_synonym.append(True)
        self.doc_code = np.asarray(doc_code, dtype=np.int32)
        self.doc_text = doc_text
        #: True for a search term that is not the code's official text (synonym, everyday word).
        self.doc_synonym = np.asarray(doc_synonym, dtype=bool)
        self.doc_lower = [text.lower() for text in doc_text]
        n_docs = len(doc_text)

        doc_words = [words_of(text) for text in doc_text]
        vocab = sorted({word for words in doc_words for word in words})
        word_id = {word: i for i, word in enumerate(vocab)}
        self.vocab = vocab
        self.vocab_len = np.fromiter((len(w) for w in vocab), dtype=np.float32, count=len(vocab))

        # Postings: CSR by word id (vocabulary order), distinct documents per word.
        lengths = np.fromiter((len(words) for words in doc_words), dtype=np.int64, count=n_docs)
        flat_words = np.fromiter(
            (word_id[w] for words in doc_words for w in words),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        flat_docs = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        pair_keys = np.sort(flat_words * n_docs + flat_docs)  # by word, then document
        if pair_keys.size:
            pair_keys = pair_keys[np.concatenate(([True], pair_keys[1:] != pair_keys[:-1]))]
        post_word = (pair_keys // n_docs).astype(np.int32)
        self.post_doc = (pair_keys % n_docs).astype(np.int32)
        starts_of_doc = np.cumsum(lengths) - lengths
        first_word = np.where(
            lengths > 0, flat_words[np.minimum(starts_of_doc, max(flat_words.size - 1, 0))], -1
        ).astype(np.int32)
        n_words = lengths.astype(np.float32)
        self.phrase_docs: dict[str, list[int]] = {}
        for doc, words in enumerate(doc_words):
            self.phrase_docs.setdefault(" ".join(words), []).append(doc)
        counts = np.bincount(post_word, minlength=len(vocab))
        self.offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(counts, out=self.offsets[1:])
        self.post_word_len = self.vocab_len[post_word]
        official = ~self.doc_synonym[self.post_doc]
        self.official_word = np.zeros(len(vocab), dtype=bool)
        self.official_word[post_word[official]] = True
        self.first_word = first_word
        self.n_words = n_words
        self.n_docs = n_docs

        # Compound search: all words in one string, one regex scan finds substrings.
        self.joined = "\n".join(vocab) + "\n"
        starts = np.zeros(len(vocab), dtype=np.int64)
        if vocab:
            np.cumsum([len(w) + 1 for w in vocab[:-1]], out=starts[1:])
        self.word_starts = starts

        # Whole-word typo candidates grouped by length.
        by_len: dict[int, list[int]] = {}
        for i, word in enumerate(vocab):
            by_len.setdefault(len(word), []).append(i)
        self.len_ids = {n: np.asarray(ids, dtype=np.int32) for n, ids in by_len.items()}
        self.len_words = {n: [vocab[i] for i in ids] for n, ids in by_len.items()}
        # The same by length and first letter: a typo is rarely in the first letter, so that
        # smaller set is tried first (the whole length group when it has no close word).
        by_len_first: dict[tuple[int, str], list[int]] = {}
        for i, word in enumerate(vocab):
            by_len_first.setdefault((len(word), word[0]), []).append(i)
        self.len_first_ids = {k: np.asarray(ids, dtype=np.int32) for k, ids in by_len_first.items()}
        self.len_first_words = {k: [vocab[i] for i in ids] for k, ids in by_len_first.items()}

        # Typo in a partly typed word: distinct prefixes of length n are contiguous ranges.
        self.prefix_groups: dict[int, tuple[list[str], np.ndarray, np.ndarray]] = {}
        for n in PREFIX_FUZZY_LENGTHS:
            heads: list[str] = []
            lo: list[int] = []
            hi: list[int] = []
            for i, word in enumerate(vocab):
                if len(word) <= n:
                    continue
                head = word[:n]
                if heads and heads[-1] == head and hi[-1] == i:
                    hi[-1] = i + 1
                else:
                    heads.append(head)
                    lo.append(i)
                    hi.append(i + 1)
            self.prefix_groups[n] = (heads, np.asarray(lo), np.asarray(hi))

        # Tie-break: short codes first, then code order.
        code_len = np.fromiter((len(key) for key in code_list.keys), dtype=np.float64)
        self.doc_tiebreak = code_len[self.doc_code] * 0.1 + self.doc_code * 1e-6
        self.doc_prior = np.zeros(n_docs, dtype=np.float32)
        self.doc_context = np.zeros(n_docs, dtype=bool)
        table = load_table()
        self.expander = Expander(table, self.is_word, self.has_prefix, self.is_official_word)
        # The table's clinical words are searched in many queries: score them once, sparse.
        self._known: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        for word in sorted(table.words()):
            if len(word) >= 3 and self.has_prefix(word):
                doc_best, word_best, _ = self._token_doc_scores(word, False, False)
                docs, words = np.flatnonzero(doc_best), np.flatnonzero(word_best)
                self._known[word] = (docs, doc_best[docs], words, word_best[words])

    def set_prior(self, code_bonus: Sequence[float]) -> None:
        """A ranking bonus per code (index of the code list), e.g. for codes with FMB info.

        Synonyms rank a little below an official text that matches as well.
        """
        prior = np.asarray(code_bonus, dtype=np.float32)[self.doc_code]
        self.doc_prior = prior - self.doc_synonym.astype(np.float32) * SYNONYM_PENALTY

    def set_context_codes(self, flags: Sequence[bool]) -> None:
        """Codes ranked lower unless the query asks for their context (newborn, pregnancy)."""
        self.doc_context = np.asarray(flags, dtype=bool)[self.doc_code]

    def is_word(self, word: str) -> bool:
        """True when the folded word is a word of the texts."""
        at = bisect.bisect_left(self.vocab, word)
        return at < len(self.vocab) and self.vocab[at] == word

    def is_official_word(self, word: str) -> bool:
        """True when the folded word is a word of some official text (not only of a synonym)."""
        at = bisect.bisect_left(self.vocab, word)
        return at < len(self.vocab) and self.vocab[at] == word and bool(self.official_word[at])

    def has_prefix(self, word: str) -> bool:
        """True when some word of the texts begins with the folded word."""
        at = bisect.bisect_left(self.vocab, word)
        return at < len(self.vocab) and self.vocab[at].startswith(word)

    # --- per token ------------------------------------------------------------------------

    def _token_matches(
        self, token: str, last: bool, fuzzy: bool = True, inside: bool = True
    ) -> tuple[list[np.ndarray], list[np.ndarray], tuple[float, int] | None]:
        """Vocabulary words matching one folded token: (id arrays, score arrays, correction).

        The correction is the best whole-word typo fix (ratio, word id) when the token is not a
        word of the vocabulary, e.g. "diabetis" -> "diabetes".
        """
        ids: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        correction: tuple[float, int] | None = None
        n = len(token)
        lo = bisect.bisect_left(self.vocab, token)
        hi = bisect.bisect_left(self.vocab, token + "\x7f")
        is_word = lo < len(self.vocab) and self.vocab[lo] == token
        if n <= 2 and not last:
            # A finished one- or two-letter word ("i", "av", "på"): the word itself only.
            hi = lo + 1 if is_word else lo
        if hi > lo:
            word_ids = np.arange(lo, hi, dtype=np.int32)
            lengths = self.vocab_len[lo:hi]
            if n <= 2:
                # One or two letters: every completion is as likely as the bare word.
                score = np.full(hi - lo, 85.0, dtype=np.float32)
            else:
                score = 80.0 + 20.0 * (n / lengths)
            ids.append(word_ids)
            scores.append(score.astype(np.float32))
        if n >= FUZZY_MIN_LEN:
            found = [
                m.start()
                for m in (re.finditer(re.escape(token), self.joined) if inside else ())
                if m.start() > 0
            ]
            if found:
                wid = np.searchsorted(self.word_starts, np.asarray(found), side="right") - 1
                inside = self.word_starts[wid] != np.asarray(found)
                wid = np.unique(wid[inside]).astype(np.int32)
                if wid.size:
                    ids.append(wid)
                    scores.append((70.0 + 15.0 * (n / self.vocab_len[wid])).astype(np.float32))
            hit, matrix, cand_ids = self._close_words(token, fuzzy)
            if hit.size:
                hit_ids = cand_ids[hit]
                ids.append(hit_ids)
                scores.append(matrix[hit] * FUZZY_WEIGHT)
                if not is_word:
                    # Completions of the token are prefix matches, not corrections.
                    fixes = (hit_ids < lo) | (hit_ids >= hi)
                    fix_ids, fix_scores = hit_ids[fixes], matrix[hit][fixes]
                    if fix_ids.size:
                        frequency = self.offsets[fix_ids + 1] - self.offsets[fix_ids]
                        best = int(np.lexsort((-frequency, -fix_scores))[0])
                        if fix_scores[best] >= CORRECTION_CUTOFF:
                            correction = (float(fix_scores[best]), int(fix_ids[best]))
            if fuzzy and last and n in self.prefix_groups:
                heads, group_lo, group_hi = self.prefix_groups[n]
                # Heads are sorted: those with the token's first letter are one slice.
                first_lo = bisect.bisect_left(heads, token[0])
                first_hi = bisect.bisect_left(heads, token[0] + "\x7f")
                offset = first_lo
                matrix = self._ratios(token, heads[first_lo:first_hi])
                hit = np.flatnonzero(matrix)
                if not hit.size:
                    offset = 0
                    matrix = self._ratios(token, heads)
                    hit = np.flatnonzero(matrix)
                for h in hit[:50]:
                    g = int(h) + offset
                    if heads[g] == token:
                        continue
                    ids.append(np.arange(group_lo[g], group_hi[g], dtype=np.int32))
                    scores.append(
                        np.full(
                            group_hi[g] - group_lo[g],
                            matrix[h] * FUZZY_PREFIX_WEIGHT,
                            dtype=np.float32,
                        )
                    )
        return ids, scores, correction

    @staticmethod
    def _ratios(token: str, words: list[str]) -> np.ndarray:
        if not words:
            return np.zeros(0, dtype=np.float32)
        return process.cdist(
            [token], words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, dtype=np.float32
        )[0]

    def _close_words(self, token: str, fuzzy: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Whole words within a typo of the token: (hit positions, ratios, candidate ids).

        Words of two letters shorter to two longer with the token's first letter are tried
        first; when none is close, all words of those lengths.
        """
        empty = np.zeros(0, dtype=np.int64)
        if not fuzzy:
            return empty, np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int32)
        n = len(token)
        for groups, words_of_group, key in (
            (self.len_first_ids, self.len_first_words, lambda length: (length, token[0])),
            (self.len_ids, self.len_words, lambda length: length),
        ):
            cand_ids: list[np.ndarray] = []
            cand_words: list[str] = []
            for length in range(n - 2, n + 3):
                group = key(length)
                if group in groups:
                    cand_ids.append(groups[group])
                    cand_words.extend(words_of_group[group])
            matrix = self._ratios(token, cand_words)
            hit = np.flatnonzero(matrix)
            if hit.size:
                return hit, matrix, np.concatenate(cand_ids)
        return empty, np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int32)

    def _token_doc_scores(
        self, token: str, last: bool, fuzzy: bool = True, inside: bool = True
    ) -> tuple[np.ndarray, np.ndarray, tuple[float, int] | None]:
        """Best score per document and per vocabulary word for one token, and its correction."""
        doc_best = np.zeros(self.n_docs, dtype=np.float32)
        word_best = np.zeros(len(self.vocab), dtype=np.float32)
        ids, scores, correction = self._token_matches(token, last, fuzzy, inside)
        for word_ids, word_scores in zip(ids, scores, strict=True):
            np.maximum.at(word_best, word_ids, word_scores)
        if ids:
            word_ids = np.unique(np.concatenate(ids))
            starts = self.offsets[word_ids]
            lengths = self.offsets[word_ids + 1] - starts
            positions = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(
                int(lengths.sum())
            )
            np.maximum.at(
                doc_best, self.post_doc[positions], np.repeat(word_best[word_ids], lengths)
            )
        return doc_best, word_best, correction

    # --- query ----------------------------------------------------------------------------

    def search(self, query: str, limit: int) -> list[Hit]:
        """Ranked documents for a free-text query (at most ``limit`` * 4, best first)."""
        tokens = words_of(query)
        if not tokens or limit <= 0:
            return []
        accented = [t for t in query.lower().split() if not t.isascii()]
        slots = self.expander.expand(tokens)
        in_context = any(t.startswith(CONTEXT_WORDS) for t in tokens)
        return self._rank(slots, tokens, accented, limit, True, in_context)

    def _scores(self, memo: dict, token: str, last: bool, fuzzy: bool) -> tuple:
        key = (token, last, fuzzy)
        if key not in memo:
            head = token.startswith(HEAD_MARK)  # a compound's first part: no inside matches
            known = None if fuzzy or last or head else self._known.get(token)
            if known is None:
                memo[key] = self._token_doc_scores(
                    token.removeprefix(HEAD_MARK), last, fuzzy, inside=not head
                )
            else:
                docs, doc_scores, words, word_scores = known
                doc_best = np.zeros(self.n_docs, dtype=np.float32)
                doc_best[docs] = doc_scores
                word_best = np.zeros(len(self.vocab), dtype=np.float32)
                word_best[words] = word_scores
                memo[key] = (doc_best, word_best, None)
        return memo[key]

    def _rank(
        self,
        slots: list[Slot],
        tokens: list[str],
        accented: list[str],
        limit: int,
        allow_correction: bool,
        in_context: bool,
        memo: dict | None = None,
    ) -> list[Hit]:
        """Score = mean over slots of the slot's best alternative (mean over its words).

        The first alternative of a slot is the word as typed (with typo tolerance; the last
        slot's word may be a prefix still being typed); the others are known words derived
        from it and matched exactly, as the beginning of a word or inside a compound.
        """
        total: np.ndarray | None = None
        first_words: np.ndarray | None = None  # best score per word of the first slot's words
        correction: tuple[float, int, int] | None = None
        memo = {} if memo is None else memo
        for position, slot in enumerate(slots):
            last = position == len(slots) - 1
            slot_best: np.ndarray | None = None
            for number, alternative in enumerate(slot):
                typed = number == 0
                alt_score: np.ndarray | None = None
                for index, token in enumerate(alternative):
                    doc_best, word_best, fix = self._scores(
                        memo, token, typed and last and index == len(alternative) - 1, typed
                    )
                    alt_score = doc_best if alt_score is None else alt_score + doc_best
                    if position == 0 and index == 0:
                        first_words = (
                            word_best if first_words is None else np.maximum(first_words, word_best)
                        )
                    if typed and len(alternative) == 1 and fix is not None:
                        if correction is None or fix[0] > correction[0]:
                            correction = (fix[0], fix[1], position)
                assert alt_score is not None
                if len(alternative) > 1:
                    alt_score = alt_score / len(alternative)
                slot_best = alt_score if slot_best is None else np.maximum(slot_best, alt_score)
            assert slot_best is not None
            total = slot_best if total is None else total + slot_best
        assert total is not None and first_words is not None
        score = total / len(slots) if len(slots) > 1 else total
        candidates = np.flatnonzero(score > 0)
        if candidates.size == 0:
            return []
        # First-word bonus: the text starts with a word matching the first slot (-1: no words).
        first_ids = self.first_word[candidates]
        first_bonus = np.where(first_ids >= 0, first_words[first_ids] > 0, False) * 3.0
        extra = np.maximum(self.n_words[candidates] - len(slots), 0)
        final = (
            score[candidates]
            + first_bonus
            + self.doc_prior[candidates]
            - np.minimum(extra * 0.8, 8.0)
        )
        if not in_context:
            final -= self.doc_context[candidates] * CONTEXT_PENALTY
        phrases = {" ".join(tokens)}
        if len(slots) == 1:
            phrases.update(" ".join(alternative) for alternative in slots[0])
        for phrase in phrases:
            for doc in self.phrase_docs.get(phrase, ()):
                where = np.searchsorted(candidates, doc)
                if where < candidates.size and candidates[where] == doc:
                    final[where] += 5.0
        key = np.round(final, 2) * 100.0 - self.doc_tiebreak[candidates]
        wanted = min(candidates.size, max(limit * 4, 40))
        if wanted < candidates.size:
            top = np.argpartition(-key, wanted - 1)[:wanted]
        else:
            top = np.arange(candidates.size)
        hits = []
        for i in top:
            doc = int(candidates[i])
            bonus = 0.0
            if accented:
                # Exact accented spelling as typed: a small bonus among the best candidates.
                text = self.doc_lower[doc]
                bonus = sum(50.0 for t in accented if t in text)
            hits.append(Hit(doc, float(key[i]) + bonus))
        hits.sort(key=lambda hit: -hit.score)
        if allow_correction and correction is not None:
            corrected = list(slots)
            fixed_word = self.vocab[correction[1]]
            corrected[correction[2]] = ((fixed_word,),)
            fixed_tokens = [fixed_word if t == slots[correction[2]][0][0] else t for t in tokens]
            best = self._rank(corrected, fixed_tokens, [], 1, False, in_context, memo)
            if best:
                self._promote(hits, best[0])
        return hits

    @staticmethod
    def _promote(hits: list[Hit], promoted: Hit) -> None:
        """Give the best text for the corrected spelling a place among the first three.

        "diabetis" is a prefix of "diabetisk" and a typo of "diabetes"; both readings should
        be offered, so the best "diabetes" text moves up to third place if it is not higher.
        """
        for rank, hit in enumerate(hits):
            if hit.doc == promoted.doc:
                if rank <= CORRECTION_RANK:
                    return
                hits.pop(rank)
                break
        hits.insert(min(CORRECTION_RANK, len(hits)), promoted)


class CodeIndex:
    """Sorted code keys for prefix search, and by-length groups for near misses."""

    def __init__(self, code_list: CodeList) -> None:
        keyed = sorted((key, i) for i, key in enumerate(code_list.keys))
        self.keys = [k for k, _ in keyed]
        self.key_code = [i for _, i in keyed]
        by_len: dict[int, list[int]] = {}
        for position, key in enumerate(self.keys):
            by_len.setdefault(len(key), []).append(position)
        self.len_positions = by_len
        self.len_keys = {n: [self.keys[p] for p in ps] for n, ps in by_len.items()}

    def search(self, key: str, limit: int) -> list[int]:
        """Code indexes: codes starting with ``key`` (shortest first), then close codes."""
        lo = bisect.bisect_left(self.keys, key)
        hi = bisect.bisect_left(self.keys, key + "\x7f")
        prefix = sorted(range(lo, hi), key=lambda p: (len(self.keys[p]), self.keys[p]))
        result = [self.key_code[p] for p in prefix[:limit]]
        if len(result) >= limit:
            return result
        seen = set(prefix)
        near: list[tuple[int, int, int, str, int]] = []
        for length in (len(key), len(key) - 1, len(key) + 1):
            if length not in self.len_keys:
                continue
            matches = process.extract(
                key,
                self.len_keys[length],
                scorer=Levenshtein.distance,
                score_cutoff=1,
                limit=None,
            )
            for _, distance, j in matches:
                position = self.len_positions[length][j]
                if position in seen:
                    continue
                candidate = self.keys[position]
                common = 0
                for a, b in zip(candidate, key, strict=False):
                    if a != b:
                        break
                    common += 1
                near.append((distance, -common, len(candidate), candidate, position))
        near.sort()
        for *_, position in near:
            if len(result) >= limit:
                break
            if position not in seen:
                seen.add(position)
                result.append(self.key_code[position])
        return result
