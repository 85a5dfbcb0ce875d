"""Ranking settings and A/B experiments for merchandisers.

``knobs.py``: the live knobs and each shopper's variant, read on the request path from a per-process
snapshot (one Redis read per request, no database query in the steady state); ``services.py``: start,
end and promote; ``report.py``: click-through and conversion per variant (SQL aggregates, Wilson
intervals); ``admin.py``: where a merchandiser does all of it.
"""
