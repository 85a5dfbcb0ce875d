from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommend.recs import evaluation


class Command(BaseCommand):
    help = (
        "Train the shop's recommender on shopper histories (DIR/sequences.txt, DIR/items.tsv) and score its "
        "full-ranking HR@10 / NDCG@10 on each shopper's next item (--holdout FILE, or each line's last item), "
        "side by side with popularity and an item-transition kNN in the same run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--holdout", type=Path, help="user_id<TAB>item_id with a header: the items to find")
        parser.add_argument("--json", action="store_true", dest="as_json", help="end with one JSON line")
        parser.add_argument("--seed", type=int, default=0, help="graph training seed")

    def handle(self, *args, folder: Path, holdout: Path | None, as_json: bool, seed: int, **options) -> None:
        started = time.monotonic()
        progress = options["verbosity"] > 0
        try:
            dataset = evaluation.read_dataset(folder, holdout=holdout)
        except evaluation.DatasetError as error:
            raise CommandError(str(error)) from error
        if not dataset.histories:
            raise CommandError(f"{folder}: no shopper with a history and an item to find")
        unknown = int((dataset.targets < 0).sum())
        self.stdout.write(
            f"{len(dataset.histories):,} shoppers, {dataset.n_items:,} items, "
            f"{sum(map(len, dataset.histories)):,} history items"
            + (f", {len(dataset.others):,} more shoppers' lines for training only" if dataset.others else "")
            + (f", {unknown} held-out items never seen in any history (misses)" if unknown else "")
        )
        model = evaluation.train(dataset, progress=progress, seed=seed)
        self.stdout.write("trained: " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in model.seconds.items()))
        rankers = {
            "shopguide": lambda user, history: evaluation.recommend(model, user, history),
            "popularity": evaluation.popularity_ranker(model),
            "item_knn": evaluation.item_knn_ranker(dataset, model),
        }
        results = {
            name: evaluation.score(dataset, rank, progress=progress, desc=name) for name, rank in rankers.items()
        }
        self.stdout.write(f"\n{'method':<12}{'HR@10':>8}{'NDCG@10':>9}")
        for name, scores in results.items():
            self.stdout.write(f"{name:<12}{scores.hr:>8.4f}{scores.ndcg:>9.4f}")
        self.stdout.write(f"{len(dataset.histories):,} shoppers, {time.monotonic() - started:.0f}s")
        if as_json:
            ours = results["shopguide"]
            self.stdout.write(
                json.dumps(
                    {
                        **ours.as_dict(),
                        "users": ours.users,
                        "baseline": {name: results[name].as_dict() for name in ("popularity", "item_knn")},
                    }
                )
            )
