"""Merchandising: the rules (pin, boost, bury, hide, redirect) and synonyms merchandisers set in admin.

``state.py`` holds the live rules and synonyms in each process (refreshed when a merchandiser saves);
``rules.py`` decides which rules apply where and moves results; ``synonyms.py`` widens the parser's words;
``preview.py`` shows a merchandiser what a query (or an unsaved change) does before it goes live.
"""
