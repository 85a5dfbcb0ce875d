from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import Product
from recommend.search import relevance
from recommend.search.engine import search


class Command(BaseCommand):
    help = (
        "Measure search relevance on judged data (DIR with products.tsv, queries.tsv, qrels.tsv): NDCG@10, "
        "Recall@100 and latency of ShopGuide's search, beside a BM25 baseline over the same products. The "
        "products live in their own database (shopguide_eval_<dir>), apart from the shop's catalog."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--json", action="store_true", dest="as_json", help="end with one JSON line")
        parser.add_argument("--limit", type=int, default=0, help="evaluate the first N queries only")

    def handle(self, *args, folder: Path, as_json: bool, limit: int, **options) -> None:
        try:
            judgements = relevance.read_judgements(folder, limit=limit)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        with relevance.judged_database(folder):
            self._evaluate(folder, judgements, as_json)

    def _evaluate(self, folder: Path, judgements: relevance.Judgements, as_json: bool) -> None:
        parsed = relevance.load_judged_catalog(folder, write=self.stdout.write)

        sku_by_id = dict(Product.objects.values_list("id", "sku"))

        def shopguide_rank(text: str) -> list[str]:
            hits = search(q=text, page_size=100, log=False).candidate_ids[:100]
            return [sku_by_id[pk] for pk in hits]

        shopguide_rank("warm up")  # load the model and caches before timing
        ours = relevance.score_run(judgements, shopguide_rank, timed=True).summary()
        ids = [item.sku for item in parsed.items]
        texts = [f"{item.title} {item.description}" for item in parsed.items]
        baseline = relevance.score_run(judgements, relevance.BM25Baseline(ids, texts).rank).summary()

        self.stdout.write(f"{'':<12}{'NDCG@10':>10}{'Recall@100':>12}{'p50 ms':>10}{'p95 ms':>10}")
        self.stdout.write(
            f"{'ShopGuide':<12}{ours['ndcg@10']:>10.4f}{ours['recall@100']:>12.4f}{ours['p50_ms']:>10.1f}{ours['p95_ms']:>10.1f}"
        )
        self.stdout.write(f"{'BM25':<12}{baseline['ndcg@10']:>10.4f}{baseline['recall@100']:>12.4f}")
        self.stdout.write(f"queries: {len(judgements.queries)}")
        if as_json:
            body = {**ours, "queries": len(judgements.queries), "baseline": {"bm25": baseline}}
            self.stdout.write(json.dumps(body))
