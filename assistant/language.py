"""Which language a message is in, when it is not English: the shipped encoder understands English only, so the
assistant says so honestly (and in English) rather than guessing or answering "sorry, I can't help".

A message counts as another language when most of its words are neither English nor the catalog's own words
(brand names, product terms) and langid.py (its own model, shipped in the package: nothing is downloaded) names a
language other than English. The first test keeps short English queries with an unusual brand name ("Noreix hair
mask", which langid alone reads as Lithuanian) in English.
"""

from __future__ import annotations

import functools
import re

from recommend.search.vocabulary import Vocabulary

# A message is English enough when at least this share of its words are English or catalog words.
KNOWN_SHARE = 0.6
MIN_CONFIDENCE = 0.9
WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
NAMES = {
    "es": "Spanish", "de": "German", "fr": "French", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
    "pl": "Polish", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish", "tr": "Turkish",
    "ru": "Russian", "uk": "Ukrainian", "cs": "Czech", "ro": "Romanian", "hu": "Hungarian", "el": "Greek",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ar": "Arabic", "he": "Hebrew", "hi": "Hindi",
    "vi": "Vietnamese", "id": "Indonesian", "th": "Thai", "ca": "Catalan",
}  # fmt: skip


@functools.cache
def _identifier():
    from langid.langid import LanguageIdentifier, model  # loads its model once, on the first foreign-looking message

    return LanguageIdentifier.from_modelstring(model, norm_probs=True)


def other_language(text: str, vocabulary: Vocabulary) -> str | None:
    """The name of the language ``text`` is written in when it is clearly not English, else None."""
    words = [w.casefold() for w in WORD_RE.findall(text)]
    if not words:
        return None
    known = sum(1 for w in words if w.isascii() and vocabulary.knows(w))
    if known / len(words) >= KNOWN_SHARE:
        return None
    code, confidence = _identifier().classify(text)
    if code == "en" or confidence < MIN_CONFIDENCE:
        return None
    return NAMES.get(code, f"another language ({code})")
