"""Search and recommendation analytics for merchandisers: impressions (services), figures (selectors), the
admin dashboard with its charts and CSV exports (views, charts), and the demo's history (demo)."""
