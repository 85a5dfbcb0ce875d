from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommend.search.vocabulary import base_vocabulary
from recommend.understanding import refinement, training
from recommend.understanding import tagger as tagger_module
from shopguide import embedding

DEFAULT_QUERYNER = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "nlu" / "train" / "queryner.conll"
SCORED_KINDS = ("color", "material", "department", "price", "UoM", "quantity")


class Command(BaseCommand):
    help = (
        "Train the learned slot tagger (recommend/understanding/tagger.npz) on a QueryNER-style train file and "
        "sentences generated from the demo shop's vocabulary; the L2 strength is chosen by k-fold cross-validation "
        "on those examples (never a dev file). Writes the weights and tagger.json (seed, command, CV figures)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queryner", type=Path, default=DEFAULT_QUERYNER, help="a TRAIN split (CoNLL)")
        parser.add_argument("--generated", type=int, default=6000, help="sentences generated from the vocabulary")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument(
            "--alphas",
            type=float,
            nargs="+",
            default=list(training.ALPHAS),
            help="the L2 strengths cross-validation chooses from (default: %(default)s)",
        )
        parser.add_argument("--out", type=Path, default=tagger_module.WEIGHTS)

    def handle(
        self, *args, queryner: Path, generated: int, folds: int, alphas: list[float], out: Path, **options
    ) -> None:
        if not queryner.is_file():
            raise CommandError(f"{queryner} does not exist (pass --queryner PATH to a QueryNER train split)")
        if "dev" in queryner.parts or "test" in queryner.parts:
            raise CommandError("training reads a train split only, never a dev or test file")
        started = time.monotonic()
        parser_vocab, generator_vocab = training.demo_vocabularies()
        ner = training.conll_examples(queryner)
        made = training.generated_examples(generator_vocab, generated)
        self.stdout.write(f"{len(ner)} QueryNER queries, {len(made)} generated sentences; encoding…")
        xs = training.featurize(ner, base_vocabulary().finish(), progress=True)
        xs += training.featurize(made, parser_vocab, progress=True)
        examples = ner + made
        tags = [e.tags for e in examples]
        scored = [e.source == "queryner" for e in examples]
        results, out_of_fold = {}, {}
        for alpha in alphas:
            results[alpha], out_of_fold[alpha] = training.cross_validate(
                xs, tags, alpha=alpha, k=folds, kinds=SCORED_KINDS, scored=scored
            )
            self.stdout.write(f"alpha={alpha:g}: {folds}-fold CV micro-F1 {results[alpha]['micro_f1']:.4f}")
        alpha = max(results, key=lambda a: results[a]["micro_f1"])
        # The whole step (rules, then the tagger's out-of-fold tags merged in): what evaluate_query_parser scores.
        structured = training.structured_request_scores(
            examples, out_of_fold[alpha], base_vocabulary().finish(), SCORED_KINDS
        )
        self.stdout.write(f"structured request, {folds}-fold CV micro-F1 {structured['micro_f1']:.4f}")
        tagger = training.fit(xs, tags, alpha=alpha)
        out.write_bytes(tagger.to_bytes())
        out.with_name(tagger_module.PEOPLE_WORDS.name).write_text(json.dumps(training.people_words(ner)) + "\n")
        head, head_report = training.train_refinement(generator_vocab)
        out.with_name(refinement.WEIGHTS.name).write_bytes(head.to_bytes())
        self.stdout.write(
            f"refinement head: {head_report['cv_accuracy']:.4f} {folds}-fold accuracy at threshold {head.threshold}"
        )
        report = {
            "command": " ".join(["manage.py train_understanding", *map(shlex.quote, sys.argv[2:])]),
            "seed": training.SEED,
            "hidden": training.HIDDEN,
            "alpha": alpha,
            "embedding_model": embedding.model_name(),
            "examples": {"queryner": len(ner), "generated": len(made)},
            "labels": tagger.labels,
            "cross_validation": {f"{a:g}": r for a, r in results.items()},
            "structured_request_cross_validation": structured,
            "refinement": head_report,
            "seconds": round(time.monotonic() - started),
        }
        out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
        chosen = results[alpha]
        self.stdout.write(
            f"chose alpha={alpha:g}; CV micro-F1 {chosen['micro_f1']:.4f}; "
            + ", ".join(f"{k} {v['f1']:.3f}" for k, v in chosen["per_type"].items())
            + f"; wrote {out} in {report['seconds']} s"
        )
