"""Synonyms as the parser reads them: a shopper's phrase → the phrases it also stands for.

Kept apart from the catalog vocabulary (which is rebuilt only when the catalog changes): a synonym saved in
admin is live in every process within seconds, and a preview can try an unsaved one without a rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

ONE_WAY = "one_way"


@dataclass(frozen=True)
class Alternative:
    phrase: str  # normalised words the shopper's phrase also stands for
    synonym_id: int | None  # None: an unsaved synonym under preview


@dataclass
class SynonymSet:
    by_phrase: dict[str, list[Alternative]] = field(default_factory=dict)
    words: set[str] = field(default_factory=set)
    max_phrase_tokens: int = 0

    def alternatives(self, phrase: str) -> list[Alternative]:
        return self.by_phrase.get(phrase, [])

    def __bool__(self) -> bool:
        return bool(self.by_phrase)


def split_phrases(text: str) -> list[str]:
    from recommend.search.vocabulary import norm_phrase

    return [p for p in dict.fromkeys(norm_phrase(part) for part in text.split(",")) if p]


def build(rows: Iterable[tuple[int | None, str, str, str]]) -> SynonymSet:
    """``rows``: (id, terms, synonyms, kind) as stored in ``recommend.Synonym``."""
    out = SynonymSet()

    def add(phrase: str, alternative: str, synonym_id: int | None) -> None:
        if phrase == alternative:
            return
        entries = out.by_phrase.setdefault(phrase, [])
        if all(a.phrase != alternative for a in entries):
            entries.append(Alternative(alternative, synonym_id))
        out.words.update(phrase.split())
        out.max_phrase_tokens = max(out.max_phrase_tokens, len(phrase.split()))

    for synonym_id, terms, synonyms, kind in rows:
        left, right = split_phrases(terms), split_phrases(synonyms)
        if kind == ONE_WAY:
            for phrase in left:
                for alternative in right:
                    add(phrase, alternative, synonym_id)
        else:
            group = list(dict.fromkeys(left + right))
            for phrase in group:
                for alternative in group:
                    add(phrase, alternative, synonym_id)
    return out
