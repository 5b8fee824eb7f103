"""Score callcheck's eight rules on three kinds of calls, side by side.

Usage:
  python scripts/evaluate.py DIR [--config my.toml] [--cache DIR] [--details]
  python scripts/evaluate.py --realdata ../shared/realdata
  python scripts/evaluate.py --espeak /work/corpus-espeak-test --espeak-seed 13 \
      --realvoice /work/corpus-realvoice --realvoice-seed 1 \
      --realdata ../shared/realdata --cache /work/cache-eval-asr --json eval.json
  python scripts/evaluate.py --flite /work/eval/flite-81 --flite-seed 81 --cache /work/eval/cache

Kinds of calls:
- a labelled corpus (DIR, or ``--espeak DIR``: scripts/make_corpus.py, espeak-ng
  voices; ``--flite DIR``: the same with ``--engine flite``, CMU Flite voices,
  all English; ``--realvoice DIR``: scripts/make_realvoice_corpus.py, real voices with
  injected acoustic errors). For every ``*.labels.json`` the call is analysed and
  each rule's outcome compared with the injected errors: a ``fail`` on a
  labelled error is a true positive, a ``fail`` without the label a false
  positive, anything else on a labelled error a false negative. Macro F1 is
  over the eight rules for espeak-ng corpora and over the six acoustic rules
  for a real-voice corpus (its calls carry no word-based errors; failures of
  ``overlong_greeting`` and ``lacks_empathy`` there are still counted as false
  positives); a flite corpus is scored like an espeak-ng one, over all eight.
  With ``--espeak-seed`` / ``--flite-seed`` / ``--realvoice-seed`` a missing corpus is
  generated first (a fresh seed = a test set nobody has looked at).
- ``--mono espeak,flite,realvoice``: those labelled corpora once more as mono
  mixes of both parties ((left + right) / 2, written once into ``<dir>-mono``,
  scripts/mono_mix.py), so the parties must first be told apart by their voices;
  scored like their stereo originals. (espeak-ng's voices are one speaker to the
  speaker model, so its mixes read as one voice: use flite and realvoice.)
- ``--realdata DIR``: the natural real recordings of the shared folder (nothing
  injected; the AWS call as one stereo call): every finding per recording, with
  the measured values against their thresholds, and the speakers' metrics.

Each kind's tables are printed as soon as it is scored; with several kinds one
table side by side follows at the end. ``--json FILE`` writes everything. ``--cache`` keeps
the recognised words per channel on disk (keyed by the audio, the chunks, the
language, the vocabulary hints and the model), so re-running after a threshold change re-measures
and re-scores without re-transcribing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from callcheck.config import load_config  # noqa: E402
from callcheck.errors import CallcheckError  # noqa: E402
from callcheck.pipeline import AnalyzeOptions, analyze_call  # noqa: E402
from callcheck.records import Word  # noqa: E402
from callcheck.rules import RULE_IDS  # noqa: E402
from callcheck.speech.asr import WhisperTranscriber  # noqa: E402
from callcheck.speech.models import resolve_model  # noqa: E402
from eval_natural import NaturalCall, findings_table, metrics_table, score_natural  # noqa: E402
from mono_mix import mono_corpus  # noqa: E402

ACOUSTIC_RULES = ("toneless_voice", "apathetic_voice", "impatient_voice", "rushed_voice", "indistinct_speech", "too_fast")


class CachedTranscriber:
    """A Transcriber that remembers what the wrapped one recognised, on disk."""

    def __init__(self, inner, cache_dir: Path):
        self.inner, self.dir, self.info = inner, cache_dir, inner.info
        self.dir.mkdir(parents=True, exist_ok=True)

    def _key(self, kind: str, samples: np.ndarray, chunks, *extra) -> Path:
        digest = hashlib.sha256(np.ascontiguousarray(samples).tobytes())
        digest.update(repr((kind, self.info.name, tuple(chunks), extra)).encode())
        return self.dir / f"{digest.hexdigest()[:32]}.json"

    def detect_language(self, samples, *, chunks):
        path = self._key("lang", samples, chunks)
        if not path.exists():
            path.write_text(json.dumps(self.inner.detect_language(samples, chunks=chunks)))
        return json.loads(path.read_text())

    def transcribe(self, samples, *, chunks, language, **hints):
        # the hints (words and mode) are part of the key: other hints, other words
        path = self._key("words", samples, chunks, language, *sorted(hints.items()))
        if not path.exists():
            words = self.inner.transcribe(samples, chunks=chunks, language=language, **hints)
            path.write_text(json.dumps([[w.start_s, w.end_s, w.text, w.probability] for w in words]))
        return tuple(Word(*w) for w in json.loads(path.read_text()))


@dataclass(frozen=True)
class Tally:
    rule: str
    tp: int
    fp: int
    fn: int
    positives: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def judged(labels: dict, rule: str) -> bool:
    """Whether the call's labels say anything about `rule` (a source can leave a rule unlabelled)."""
    return rule not in labels.get("unjudged", ())


def tally(results: list[tuple[dict, dict[str, str]]]) -> list[Tally]:
    """Per rule counts from (labels, {rule: outcome}) pairs; calls that leave the rule unlabelled are not counted."""
    out = []
    for rule in RULE_IDS:
        pairs = [(rule in labels["errors"], outcomes.get(rule) == "fail") for labels, outcomes in results
                 if judged(labels, rule)]
        out.append(Tally(rule, tp=sum(t and p for t, p in pairs), fp=sum(p and not t for t, p in pairs),
                         fn=sum(t and not p for t, p in pairs), positives=sum(t for t, _ in pairs)))
    return out


@dataclass(frozen=True)
class CorpusResult:
    """A labelled corpus scored: per-rule tallies, the rules its macro F1 is over, recall per injection variant."""

    kind: str                       # "espeak" | "flite" | "realvoice"
    directory: str
    calls: int
    tallies: list[Tally]
    macro_rules: tuple[str, ...]
    variants: dict[str, dict[str, int]] = field(default_factory=dict)  # "rule/variant" -> calls, found
    wrong: list[dict] = field(default_factory=list)                    # every wrong outcome, with its reason
    per_call: list[dict] = field(default_factory=list)                 # labels, outcomes and key agent metrics
    seconds: float = 0.0

    @property
    def macro_f1(self) -> float:
        return float(np.mean([t.f1 for t in self.tallies if t.rule in self.macro_rules]))


def table(tallies: list[Tally], *, calls: int, macro_rules: tuple[str, ...] = RULE_IDS) -> str:
    lines = [f"{calls} calls", "",
             "| rule | labelled | TP | FP | FN | precision | recall | F1 |", "|---|---|---|---|---|---|---|---|"]
    for t in tallies:
        scores = f"{t.precision:.2f} | {t.recall:.2f} | {t.f1:.2f}" if t.rule in macro_rules or t.positives else \
            "- | - | - (not injected)"
        lines.append(f"| `{t.rule}` | {t.positives} | {t.tp} | {t.fp} | {t.fn} | {scores} |")
    macro = np.mean([t.f1 for t in tallies if t.rule in macro_rules])
    over = "" if macro_rules == RULE_IDS else f" (over the {len(macro_rules)} acoustic rules)"
    lines.append(f"| **macro F1**{over} | | | | | | | **{macro:.3f}** |")
    return "\n".join(lines)


def make_transcriber(args):
    transcriber = WhisperTranscriber(resolve_model(args.model))
    return CachedTranscriber(transcriber, args.cache) if args.cache else transcriber


def score_corpus(directory: Path, *, transcriber, config, details: bool = False) -> CorpusResult | None:
    """Analyse every labelled call in `directory`; None when it holds none."""
    label_files = sorted(directory.glob("*.labels.json"))
    if not label_files:
        return None
    results, wrong, variants, per_call, started = [], [], {}, [], time.perf_counter()
    kind = "espeak"
    for label_file in label_files:
        labels = json.loads(label_file.read_text())
        kind = labels.get("kind", labels.get("engine", "espeak"))
        try:
            report = analyze_call(label_file.parent / labels["file"], transcriber=transcriber,
                                  options=AnalyzeOptions(agent_channel=labels["agent_channel"], config=config))
        except CallcheckError as err:
            print(f"evaluate: {err}", file=sys.stderr)
            continue
        outcomes = {o.rule: o.outcome for o in report.outcomes}
        results.append((labels, outcomes))
        per_call.append({"file": labels["file"], "errors": labels["errors"], "variant": labels.get("variant"),
                         "source": labels.get("source"), "language": report.language, "outcomes": outcomes,
                         "metrics": key_metrics(report)})
        if "variant" in labels:
            for error in labels["errors"] or ["clean"]:
                entry = variants.setdefault(f"{error}/{labels['variant']}", {"calls": 0, "found": 0, "other_fails": 0})
                entry["calls"] += 1
                entry["found"] += error != "clean" and outcomes.get(error) == "fail"
                entry["other_fails"] += sum(o == "fail" and r not in labels["errors"] and judged(labels, r)
                                            for r, o in outcomes.items())
        for o in report.outcomes:
            if judged(labels, o.rule) and (o.rule in labels["errors"]) != (o.outcome == "fail"):
                wrong.append({"file": labels["file"], "labelled": labels["errors"], "rule": o.rule, "outcome": o.outcome,
                              "reason": o.reason, "language": report.language, "source": labels.get("source"),
                              "variant": labels.get("variant")})
        if details:
            _print_wrong(labels, report, wrong)
    macro_rules = ACOUSTIC_RULES if kind == "realvoice" else RULE_IDS
    return CorpusResult(kind=kind, directory=str(directory), calls=len(results), tallies=tally(results),
                        macro_rules=macro_rules, variants=variants, wrong=wrong, per_call=per_call,
                        seconds=round(time.perf_counter() - started, 1))


KEY_METRICS = ("articulation_rate_sps", "speaking_rate_sps", "pitch_sd_st", "pitch_range_st", "pauses_per_min",
               "mean_run_syllables", "level_vs_other_db", "level_dbfs", "dynamic_range_db", "low_confidence_share",
               "spectral_balance_db")


def key_metrics(report) -> dict:
    """The measurements the acoustic thresholds read, for the agent (and the customer's where rules compare)."""
    m = report.measurements
    if m is None:
        return {}
    agent, customer = m.roles.get("agent"), m.roles.get("customer")
    out = {k: _r(getattr(agent, k)) for k in KEY_METRICS} if agent else {}
    if customer:
        out |= {"customer_low_confidence_share": _r(customer.low_confidence_share),
                "customer_spectral_balance_db": _r(customer.spectral_balance_db),
                "customer_articulation_rate_sps": _r(customer.articulation_rate_sps)}
    c = m.conversation
    out |= {"response_gap_median_s": _r(c.response_gap_median_s),
            "interruptions_by_agent": c.interruptions_by_agent, "overlap_s": _r(c.overlap_s)}
    return out


def _r(value):
    return round(value, 3) if isinstance(value, float) else value


def _print_wrong(labels: dict, report, wrong: list[dict]) -> None:
    mine = [w for w in wrong if w["file"] == labels["file"]]
    if mine:
        what = labels.get("variant") or labels.get("voices", {}).get("agent", "")
        print(f"{labels['file']} ({labels['language']}, {labels['sr']} Hz, {what}) labelled {labels['errors'] or 'clean'}, "
              f"detected language {report.language}")
        for w in mine:
            print(f"    {w['rule']}: {w['outcome']} - {w['reason']}")


def side_by_side(corpora: dict[str, CorpusResult], natural: list[NaturalCall] | None) -> str:
    """One table: per rule F1 / precision / recall of each corpus, and the findings on natural calls."""
    head = ["rule"]
    for name in corpora:
        head += [f"{name} F1", "P", "R"]
    if natural is not None:
        head.append("natural: findings (recordings)")
    lines = [f"| {' | '.join(head)} |", "|" + "---|" * len(head)]
    for i, rule in enumerate(RULE_IDS):
        cells = [f"`{rule}`"]
        for r in corpora.values():
            t = r.tallies[i]
            cells += [f"{t.f1:.2f}", f"{t.precision:.2f}", f"{t.recall:.2f}"] if rule in r.macro_rules or t.positives \
                else [f"- (FP {t.fp})", "", ""]
        if natural is not None:
            hits = [c.name for c in natural if any(f["rule"] == rule for f in c.findings)]
            cells.append(str(len(hits)))
        lines.append(f"| {' | '.join(cells)} |")
    macro = ["**macro F1**"]
    for r in corpora.values():
        macro += [f"**{r.macro_f1:.3f}**" + ("" if r.macro_rules == RULE_IDS else " (6 acoustic)"), "", ""]
    if natural is not None:
        worst = max((len(c.findings) for c in natural), default=0)
        macro.append(f"{sum(len(c.findings) for c in natural)} in {len(natural)} recordings, at most {worst} per recording")
    lines.append(f"| {' | '.join(macro)} |")
    sizes = ", ".join(f"{name}: {r.calls} calls ({r.directory})" for name, r in corpora.items())
    return "\n".join(lines + ["", sizes])


def variants_table(result: CorpusResult) -> str:
    """Recall per injection variant of a real-voice corpus (and other rules failing on those calls)."""
    lines = ["| injected / variant | calls | found | other rules failing |", "|---|---|---|---|"]
    for key, v in sorted(result.variants.items()):
        found = "-" if key.startswith("clean/") else str(v["found"])
        lines.append(f"| {key} | {v['calls']} | {found} | {v['other_fails']} |")
    return "\n".join(lines)


def ensure_corpus(directory: Path, *, seed: int | None, kind: str) -> None:
    """Generate the corpus into `directory` with `seed` when it has no labels yet."""
    if seed is None or any(directory.glob("*.labels.json")):
        return
    if kind in ("espeak", "flite"):
        import make_corpus
        make_corpus.main([str(directory), "--split", "test", "--seed", str(seed), "--calls", "54", "--engine", kind])
    else:
        import make_realvoice_corpus
        make_realvoice_corpus.main(["--out", str(directory), "--seed", str(seed)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, nargs="?", help="a labelled corpus: *.wav and *.labels.json")
    parser.add_argument("--espeak", type=Path, help="espeak-ng corpus (scripts/make_corpus.py --split test)")
    parser.add_argument("--espeak-seed", type=int, help="generate the espeak-ng test split with this seed if --espeak is empty")
    parser.add_argument("--flite", type=Path, help="CMU Flite corpus (scripts/make_corpus.py --engine flite --split test)")
    parser.add_argument("--flite-seed", type=int, help="generate the flite test split with this seed if --flite is empty")
    parser.add_argument("--realvoice", type=Path, help="real-voice corpus (scripts/make_realvoice_corpus.py)")
    parser.add_argument("--realvoice-seed", type=int, help="generate the real-voice corpus with this seed if it is empty")
    parser.add_argument("--mono", default="", help="also score these corpora (comma-separated: espeak, flite, realvoice, "
                        "corpus) as mono mixes of both parties, written once into <dir>-mono")
    parser.add_argument("--realdata", type=Path, help="the natural real recordings (../shared/realdata)")
    parser.add_argument("--config", type=Path, help="TOML overrides, as for callcheck analyze")
    parser.add_argument("--model", help="Whisper model (default: whisper-base)")
    parser.add_argument("--cache", type=Path, help="directory to cache recognised words in")
    parser.add_argument("--json", type=Path, help="write all results to this JSON file")
    parser.add_argument("--details", action="store_true", help="print every wrong outcome with its reason")
    args = parser.parse_args(argv)
    named = {"corpus": args.dir, "espeak": args.espeak, "flite": args.flite, "realvoice": args.realvoice}
    if not any(named.values()) and not args.realdata:
        parser.error("give a corpus DIR, --espeak DIR, --flite DIR, --realvoice DIR and/or --realdata DIR")
    for kind, seed in (("espeak", args.espeak_seed), ("flite", args.flite_seed), ("realvoice", args.realvoice_seed)):
        if named[kind]:
            ensure_corpus(named[kind], seed=seed, kind=kind)
    for name in filter(None, (n.strip() for n in args.mono.split(","))):
        if name not in named:
            parser.error(f"--mono: {name!r} is not one of {', '.join(named)}")
        if named[name] is None:
            parser.error(f"--mono {name}: give that corpus too (--{name} DIR)" if name != "corpus" else
                         "--mono corpus: give the corpus DIR too")
        source = named[name]
        named[f"{name} mono"] = source.with_name(source.name + "-mono")
        mono_corpus(source, named[f"{name} mono"])
    config, transcriber = load_config(args.config), make_transcriber(args)
    corpora: dict[str, CorpusResult] = {}
    for name, directory in named.items():
        if directory is None:
            continue
        result = score_corpus(directory, transcriber=transcriber, config=config, details=args.details)
        if result is None:
            print(f"evaluate: {directory}: no *.labels.json files (make them with scripts/make_corpus.py "
                  f"or scripts/make_realvoice_corpus.py)", file=sys.stderr)
            return 2
        corpora[result.kind if name == "corpus" else name] = result
        print_corpus(result.kind if name == "corpus" else name, result)  # as soon as it is done
        _write_json(args.json, corpora, None)
    natural = None
    if args.realdata:
        natural = score_natural(args.realdata, transcriber=transcriber, config=config)
        print("## natural real recordings\n\n" + findings_table(natural) + "\n\n" + metrics_table(natural) + "\n")
    if len(corpora) + (natural is not None) > 1:
        print("## All kinds side by side\n\n" + side_by_side(corpora, natural))
    _write_json(args.json, corpora, natural)
    return 0


def _write_json(path: Path | None, corpora: dict[str, CorpusResult], natural: list[NaturalCall] | None) -> None:
    if path is not None:
        path.write_text(json.dumps(to_json(corpora, natural), indent=1, ensure_ascii=False) + "\n")


def print_corpus(name: str, r: CorpusResult) -> None:
    """A corpus's own tables: per rule, then recall per injection variant."""
    print(f"## {name}: {r.directory}\n\n" + table(r.tallies, calls=r.calls, macro_rules=r.macro_rules))
    if r.variants:
        print("\n" + variants_table(r))
    print(f"\n({r.seconds:.0f} s)\n", flush=True)


def to_json(corpora: dict[str, CorpusResult], natural: list[NaturalCall] | None) -> dict:
    out: dict = {"rules": list(RULE_IDS), "corpora": {}}
    for name, r in corpora.items():
        out["corpora"][name] = {
            "kind": r.kind, "directory": r.directory, "calls": r.calls, "macro_rules": list(r.macro_rules),
            "macro_f1": round(r.macro_f1, 4), "seconds": r.seconds, "variants": r.variants, "wrong": r.wrong,
            "per_call": r.per_call,
            "rules": {t.rule: {"labelled": t.positives, "tp": t.tp, "fp": t.fp, "fn": t.fn, "precision": round(t.precision, 4),
                               "recall": round(t.recall, 4), "f1": round(t.f1, 4)} for t in r.tallies}}
    if natural is not None:
        out["natural"] = [asdict(c) for c in natural]
    return out


if __name__ == "__main__":
    sys.exit(main())
