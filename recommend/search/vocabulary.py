"""The vocabulary the query parser matches against: built-in shopping words plus the catalog's own
categories, brands and attribute values. Built in the background when the catalog changes, shared
through the cache, and held in each process between changes."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from recommend.search import lexicon

logger = logging.getLogger(__name__)

# Which slot a catalog attribute key feeds.
ATTRIBUTE_SLOTS = {
    "color": "color",
    "material": "material",
    "gender": "department",
    "style": "style",
    "features": "feature",
}
SINGULAR_OK = {"category", "feature", "style", "brand"}
# When two sources claim a phrase, the earlier type here keeps it.
PRIORITY = ["brand", "category", "department", "color", "material", "feature", "style", "size"]


def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# Marks that join words without being one: left out of phrase keys, so "fast-charging", "fast charging" and
# "Jackets & Coats" / "jackets coats" are one phrase each (the parser leaves them out of its windows the same way).
PHRASE_JOINERS = frozenset(("&", ",", "-", "'"))


def norm_phrase(text: str) -> str:
    from recommend.search.parser import tokenize

    return " ".join(t.norm for t in tokenize(text) if t.norm not in PHRASE_JOINERS)


@dataclass
class Vocabulary:
    phrases: dict[str, tuple[str, object]] = field(default_factory=dict)
    known_words: set[str] = field(default_factory=set)
    correctable: list[str] = field(default_factory=list)
    by_initial: dict[str, list[str]] = field(default_factory=dict)
    catalog_colors: set[str] = field(default_factory=set)
    category_keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # slug -> (tree key, name)
    max_phrase_tokens: int = 1
    version: str = "base"

    def add(self, phrase: str, slot_type: str, value: object) -> None:
        key = norm_phrase(phrase)
        if not key:
            return
        variants = {key}
        if slot_type in SINGULAR_OK:
            variants.add(" ".join([*key.split()[:-1], singular(key.split()[-1])]))
        for variant in variants:
            current = self.phrases.get(variant)
            # A later source of the same type (the catalog after the lexicon) wins: its spelling is the stored one.
            if current is not None and PRIORITY.index(current[0]) < PRIORITY.index(slot_type):
                continue
            self.phrases[variant] = (slot_type, value)
            self.max_phrase_tokens = max(self.max_phrase_tokens, len(variant.split()))
        self.known_words.update(key.split())

    def lookup(self, phrase: str) -> tuple[str, object] | None:
        entry = self.phrases.get(phrase)
        words = phrase.split()
        if entry is None and words:
            entry = self.phrases.get(" ".join([*words[:-1], singular(words[-1])]))
            # "boots" is a boot, but "glasses" are not glass: plurals only reach product words.
            if entry is not None and entry[0] not in SINGULAR_OK:
                return None
        return entry

    def knows(self, word: str) -> bool:
        return (
            word in self.known_words
            or singular(word) in self.known_words
            or word in lexicon.STOPWORDS
            or word in english_words()
        )

    def correct(self, word: str) -> str | None:
        """The vocabulary word a typo most likely meant, or None when nothing is close enough."""
        if len(word) < 4 or not self.correctable:
            return None
        # Typos keep the first letter and roughly the length; this keeps real words we do not know
        # ("hiking") from being "corrected" into ones we do ("king").
        candidates = [w for w in self.by_initial.get(word[0], ()) if abs(len(w) - len(word)) <= 2]
        found = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=80 if len(word) > 5 else 85)
        return found[0] if found else None

    def category_tree_keys(self, slug: object) -> tuple[str, ...]:
        """The tree keys a category named in a query stands for: every category of that name.

        A catalog may use one name in several places (Men > Jeans, Women > Jeans): the words "jeans" name
        them all, while the phrase table can hold one slug per phrase. A facet filter stays exact.
        """
        entry = self.category_keys.get(str(slug))
        if entry is None:
            return ()
        family = getattr(self, "_same_name", None)
        if family is None:  # built once per vocabulary (also for one unpickled from the cache)
            family = {}
            for tree_key, name in self.category_keys.values():
                family.setdefault(name.casefold(), []).append(tree_key)
            self._same_name = family
        return tuple(sorted(family.get(entry[1].casefold(), [entry[0]])))

    def finish(self) -> Vocabulary:
        # A typo is corrected into a word the catalog uses: its names (categories, brands, values) and the words of
        # its product titles ("refrigirator" → "refrigerator" on a shop whose titles say so).
        words = {
            w for w in (*(w for phrase in self.phrases for w in phrase.split()), *self.known_words)
            if w.isalpha() and len(w) >= 4
        }  # fmt: skip
        self.correctable = sorted(words)
        self.by_initial = {}
        for word in self.correctable:
            self.by_initial.setdefault(word[0], []).append(word)
        return self


@functools.cache
def english_words() -> frozenset[str]:
    """Real English words (symspellpy's 82,765-word frequency list): never "corrected" into catalog words."""
    import symspellpy

    path = Path(symspellpy.__file__).parent / "frequency_dictionary_en_82_765.txt"
    with path.open(encoding="utf-8") as handle:
        return frozenset(line.split(" ", 1)[0] for line in handle)


def base_vocabulary() -> Vocabulary:
    vocab = Vocabulary()
    for phrase, department in lexicon.DEPARTMENTS.items():
        vocab.add(phrase, "department", department)
    for color in lexicon.COLORS:
        vocab.add(color, "color", norm_phrase(color))
    for material in lexicon.MATERIALS:
        vocab.add(material, "material", norm_phrase(material))
    for size in lexicon.SIZE_WORDS:
        vocab.add(size, "size", norm_phrase(size))
    vocab.known_words.update(lexicon.STOPWORDS | lexicon.NEGATIONS | lexicon.QUESTION_STARTS)
    vocab.known_words.update(
        w for p in lexicon.CHEAP_WORDS | lexicon.PREMIUM_WORDS | lexicon.SERVICE_WORDS for w in p.split()
    )
    vocab.known_words.update(["stars", "star", "rated", "under", "over", "between", "dollars", "size", "pack"])
    return vocab


def catalog_vocabulary(*, title_words: Iterable[str] = ()) -> Vocabulary:
    """Built-in words plus the catalog's categories, brands and attribute values (a few queries)."""
    from django.db import connection

    from catalog.models import Brand, Category

    vocab = base_vocabulary()
    for name in Brand.objects.values_list("name", flat=True):
        vocab.add(name, "brand", name)
    for slug, name, tree_key in Category.objects.values_list("slug", "name", "tree_key"):
        vocab.category_keys[slug] = (tree_key, name)
        if len(name.split()) <= 4:
            vocab.add(name, "category", slug)
    with connection.cursor() as cursor:
        for key, slot_type in ATTRIBUTE_SLOTS.items():
            cursor.execute(
                """
                SELECT DISTINCT v FROM (
                    SELECT jsonb_array_elements_text(attributes -> %s) AS v FROM catalog_product
                     WHERE jsonb_typeof(attributes -> %s) = 'array'
                    UNION
                    SELECT attributes ->> %s FROM catalog_product WHERE jsonb_typeof(attributes -> %s) = 'string'
                ) AS values WHERE v IS NOT NULL AND length(v) BETWEEN 2 AND 40
                """,
                [key, key, key, key],
            )
            for (value,) in cursor.fetchall():
                vocab.add(value, slot_type, value)
                if slot_type == "color":
                    vocab.catalog_colors.add(norm_phrase(value))
        cursor.execute(
            r"""
            SELECT word FROM (
                SELECT regexp_split_to_table(lower(title), '[^[:alpha:]]+') AS word FROM catalog_product
            ) AS w WHERE length(word) >= 3 GROUP BY word
            """
        )
        vocab.known_words.update(word for (word,) in cursor.fetchall())
    vocab.known_words.update(title_words)
    return vocab.finish()


# --- Process-wide holder, refreshed when the catalog version in the cache moves.

VERSION_KEY = "catalog:version"  # bumped by catalog.services on every catalog write
# The pickled vocabulary's shape: bumped when ``finish`` or the fields change, so a deploy never reads a vocabulary
# an older release built (2: typos are corrected into title words too).
VOCAB_FORMAT = 2
VOCAB_KEY = f"search:vocabulary:{VOCAB_FORMAT}:{{version}}"
CHECK_EVERY = 5.0

_lock = threading.Lock()
_current: Vocabulary | None = None
_checked_at = 0.0


def catalog_version() -> str:
    from django.core.cache import cache

    try:
        return str(cache.get(VERSION_KEY) or "0")
    except Exception:  # Redis down: keep serving with what this process holds
        return _current.version if _current else "0"


def get_vocabulary() -> Vocabulary:
    """The current vocabulary: from this process, else from the cache, else built here (once)."""
    global _current, _checked_at
    now = time.monotonic()
    if _current is not None and now - _checked_at < CHECK_EVERY:
        return _current
    with _lock:
        version = catalog_version()
        _checked_at = now
        if _current is not None and _current.version == version:
            return _current
        _current = load_or_build(version)
        return _current


def load_or_build(version: str) -> Vocabulary:
    from django.core.cache import cache

    key = VOCAB_KEY.format(version=version)
    try:
        vocab = cache.get(key)
    except Exception:
        vocab = None
    if vocab is None:
        started = time.monotonic()
        vocab = catalog_vocabulary()
        vocab.version = version
        logger.info(
            "built search vocabulary v%s (%d phrases) in %.2fs", version, len(vocab.phrases), time.monotonic() - started
        )
        try:
            cache.set(key, vocab, timeout=7 * 24 * 3600)
        except Exception:
            logger.warning("could not store the search vocabulary in the cache")
    return vocab


def pin(vocab: Vocabulary) -> None:
    """Use this vocabulary and stop following the cache (offline evaluation on another database)."""
    global _current, _checked_at
    with _lock:
        _current = vocab
        _checked_at = float("inf")


def reset() -> None:
    """Forget this process's vocabulary (tests, and after a rebuild in the same process)."""
    global _current, _checked_at
    with _lock:
        _current = None
        _checked_at = 0.0
    from recommend.search import retrieval

    retrieval.reset_caches()
