"""Score callcheck's eight rules against a labelled corpus (scripts/make_corpus.py).

Usage:
  python scripts/evaluate.py DIR [--config my.toml] [--cache DIR] [--details]
  python scripts/evaluate.py --realdata ../shared/realdata

For every ``*.labels.json`` in DIR the call is analysed (real Whisper model)
and each rule's outcome compared with the injected errors: a ``fail`` on a
labelled error is a true positive, a ``fail`` without the label a false
positive, anything else on a labelled error a false negative. Prints
precision, recall and F1 per rule, and macro F1 last.

``--realdata`` runs every recording in the shared real-data folder (natural,
unremarkable speech) and prints the findings per file; the target is at most
one finding per file.

``--cache`` keeps the recognised words per channel on disk (keyed by the
audio, the chunks, the language and the model), so that re-running after a
threshold change re-measures and re-scores without re-transcribing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callcheck.config import load_config
from callcheck.errors import CallcheckError
from callcheck.pipeline import AnalyzeOptions, analyze_call
from callcheck.records import Word
from callcheck.rules import RULE_IDS
from callcheck.speech.asr import WhisperTranscriber
from callcheck.speech.models import resolve_model

REALDATA_AGENT_CHANNEL = {"MUL1011_8k_stereo.flac": "right"}  # SpokenWOZ: caller ch0, agent ch1
AUDIO_SUFFIXES = {".wav", ".flac", ".mp3", ".ogg"}


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

    def transcribe(self, samples, *, chunks, language):
        path = self._key("words", samples, chunks, language)
        if not path.exists():
            words = self.inner.transcribe(samples, chunks=chunks, language=language)
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


def tally(results: list[tuple[dict, dict[str, str]]]) -> list[Tally]:
    """Per rule counts from (labels, {rule: outcome}) pairs."""
    out = []
    for rule in RULE_IDS:
        pairs = [(rule in labels["errors"], outcomes.get(rule) == "fail") for labels, outcomes in results]
        out.append(Tally(rule, tp=sum(t and p for t, p in pairs), fp=sum(p and not t for t, p in pairs),
                         fn=sum(t and not p for t, p in pairs), positives=sum(t for t, _ in pairs)))
    return out


def table(tallies: list[Tally], *, calls: int) -> str:
    lines = [f"{calls} calls", "",
             "| rule | labelled | TP | FP | FN | precision | recall | F1 |", "|---|---|---|---|---|---|---|---|"]
    lines += [f"| `{t.rule}` | {t.positives} | {t.tp} | {t.fp} | {t.fn} | {t.precision:.2f} | {t.recall:.2f} | {t.f1:.2f} |"
              for t in tallies]
    lines.append(f"| **macro F1** | | | | | | | **{np.mean([t.f1 for t in tallies]):.3f}** |")
    return "\n".join(lines)


def make_transcriber(args):
    transcriber = WhisperTranscriber(resolve_model(args.model))
    return CachedTranscriber(transcriber, args.cache) if args.cache else transcriber


def evaluate_corpus(args) -> int:
    label_files = sorted(args.dir.glob("*.labels.json"))
    if not label_files:
        print(f"evaluate: {args.dir}: no *.labels.json files (make them with scripts/make_corpus.py)", file=sys.stderr)
        return 2
    config, transcriber = load_config(args.config), make_transcriber(args)
    results, started = [], time.perf_counter()
    for label_file in label_files:
        labels = json.loads(label_file.read_text())
        try:
            report = analyze_call(label_file.parent / labels["file"], transcriber=transcriber,
                                  options=AnalyzeOptions(agent_channel=labels["agent_channel"], config=config))
        except CallcheckError as err:
            print(f"evaluate: {err}", file=sys.stderr)
            continue
        outcomes = {o.rule: o.outcome for o in report.outcomes}
        results.append((labels, outcomes))
        wrong = [r for r in RULE_IDS if (r in labels["errors"]) != (outcomes[r] == "fail")]
        if args.details and wrong:
            print(f"{labels['file']} ({labels['language']}, {labels['sr']} Hz, {labels['voices']['agent']}) "
                  f"labelled {labels['errors'] or 'clean'}, detected language {report.language}")
            for o in report.outcomes:
                if o.rule in wrong:
                    print(f"    {o.rule}: {o.outcome} - {o.reason}")
    print(table(tally(results), calls=len(results)))
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


def evaluate_realdata(args) -> int:
    config, transcriber = load_config(args.config), make_transcriber(args)
    files = sorted(p for p in args.realdata.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
    if not files:
        print(f"evaluate: {args.realdata}: no recordings", file=sys.stderr)
        return 2
    print("| file | s | findings |\n|---|---|---|")
    worst = 0
    for path in files:
        options = AnalyzeOptions(agent_channel=REALDATA_AGENT_CHANNEL.get(path.name, "left"), config=config)
        try:
            report = analyze_call(path, transcriber=transcriber, options=options)
        except CallcheckError as err:
            print(f"| {path.relative_to(args.realdata)} | | error: {err} |")
            continue
        worst = max(worst, len(report.findings))
        found = ", ".join(f"`{f.rule}` ({f.severity})" for f in report.findings) or "none"
        print(f"| {path.relative_to(args.realdata)} | {report.duration_s:.0f} | {found} |")
    print(f"\nmost findings in one file: {worst} (target: at most 1)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, nargs="?", help="directory with *.wav and *.labels.json")
    parser.add_argument("--realdata", type=Path, help="run on the real recordings in this folder instead")
    parser.add_argument("--config", type=Path, help="TOML overrides, as for callcheck analyze")
    parser.add_argument("--model", help="Whisper model (default: whisper-base)")
    parser.add_argument("--cache", type=Path, help="directory to cache recognised words in")
    parser.add_argument("--details", action="store_true", help="print every wrong outcome with its reason")
    args = parser.parse_args(argv)
    if args.realdata:
        return evaluate_realdata(args)
    if not args.dir:
        parser.error("give a corpus DIR or --realdata DIR")
    return evaluate_corpus(args)


if __name__ == "__main__":
    sys.exit(main())
