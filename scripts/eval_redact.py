"""Measure the PII detector (callcheck.redact) on the labelled sets, and what it costs.

    python scripts/eval_redact.py                       # dev and holdout side by side
    python scripts/eval_redact.py --misses dev          # also list dev's misses and false alarms
    python scripts/eval_redact.py --asr-model whisper-base   # + ASR time of samples/en_support_call.wav

The sets (tests/data/redact/*.jsonl) hold one ASR-style sentence per line:
{"lang": "de", "text": "...", "spans": [{"label": "IBAN", "text": "<substring>"}], "known_names": [...]}.

Criterion: a gold span is *caught* when every letter and digit of it lies inside
a predicted span (of any label: for privacy a phone number redacted as
[CUSTOMER_ID] is still gone); *caught with its label* when those spans also
carry the gold label. A predicted span is *correct* (precision) when it overlaps
a gold span. A plain sentence (no gold span) is *untouched* when nothing in it
is predicted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from callcheck.redact import LABELS, find_pii, find_pii_text

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "redact"
SETS = ("dev", "holdout", "blind")  # blind: written by someone who had not seen the detector


def load(name: str) -> list[dict]:
    path = DATA / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def gold_ranges(item: dict) -> list[tuple[str, int, int]]:
    """(label, start, end) of each gold span; repeated substrings take successive occurrences."""
    out, used = [], set()
    for span in item["spans"]:
        start = item["text"].find(span["text"])
        while (start, span["text"]) in used:
            start = item["text"].find(span["text"], start + 1)
        used.add((start, span["text"]))
        out.append((span["label"], start, start + len(span["text"])))
    return out


def score(items: list[dict]) -> dict:
    """Counts per language and label: gold, caught, caught with label; predictions; plain sentences."""
    s: dict = defaultdict(int)
    misses: list[str] = []
    for item in items:
        lang, text = item["lang"], item["text"]
        pred = find_pii_text(text, language=lang, known_names=item.get("known_names", ()))
        covered = {k: p.label for p in pred for k in range(p.start, p.end)}
        gold = gold_ranges(item)
        for label, start, end in gold:
            chars = [k for k in range(start, end) if text[k].isalnum()]
            caught = all(k in covered for k in chars)
            labelled = caught and all(covered[k] == label for k in chars)
            for key in ((lang, label), (lang, "all")):
                s[("gold",) + key] += 1
                s[("caught",) + key] += caught
                s[("labelled",) + key] += labelled
            if not caught:
                misses.append(f"miss   {lang} {label:11} {text[start:end]!r} in {text!r}")
        for p in pred:
            ok = any(p.start < end and start < p.end for _, start, end in gold)
            s[("pred", lang)] += 1
            s[("pred_ok", lang)] += ok
            if not ok:
                misses.append(f"alarm  {lang} {p.label:11} {text[p.start:p.end]!r} in {text!r}")
        if not gold:
            s[("plain", lang)] += 1
            s[("untouched", lang)] += not pred
    return {"counts": s, "misses": misses}


def score_sequence(items: list[dict], *, seed: int = 1) -> dict:
    """The same counts with each language's sentences shuffled into one long word sequence.

    A role's words reach `find_pii` as one sequence, so a cue or a name in one
    sentence must not spill into the next; this runs the set that way.
    """
    import random

    s: dict = defaultdict(int)
    misses: list[str] = []
    for lang in ("de", "en"):
        group = [it for it in items if it["lang"] == lang]
        random.Random(seed).shuffle(group)
        text = " ".join(it["text"] for it in group)
        known = [n for it in group for n in it.get("known_names", ())]
        pred = find_pii_text(text, language=lang, known_names=known)
        covered = {k for p in pred for k in range(p.start, p.end)}
        pos = 0
        for it in group:
            start = text.index(it["text"], pos)
            pos = start + len(it["text"])
            for label, a, b in gold_ranges(it):
                chars = [k for k in range(start + a, start + b) if text[k].isalnum()]
                caught = all(k in covered for k in chars)
                s[("gold", lang, "all")] += 1
                s[("caught", lang, "all")] += caught
                if not caught:
                    misses.append(f"miss   {lang} {label:11} {it['text'][a:b]!r} in {it['text']!r}")
            if not it["spans"]:
                touched = any(k in covered for k in range(start, pos))
                s[("plain", lang)] += 1
                s[("untouched", lang)] += not touched
                if touched:
                    misses.append(f"alarm  {lang} in {it['text']!r}")
    return {"counts": s, "misses": misses}


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "-"


def report(results: dict[str, dict]) -> str:
    lines = [f"{'lang':4} {'label':11} " + " ".join(f"{name + ' recall':>22}" for name in results)]
    for lang in ("de", "en"):
        for label in LABELS + ("all",):
            cells = [_ratio(r["counts"][("caught", lang, label)], r["counts"][("gold", lang, label)])
                     for r in results.values()]
            lines.append(f"{lang:4} {label:11} " + " ".join(f"{c:>22}" for c in cells))
        for name, key in (("with label", "labelled"),):
            cells = [_ratio(r["counts"][(key, lang, "all")], r["counts"][("gold", lang, "all")]) for r in results.values()]
            lines.append(f"{lang:4} {name:11} " + " ".join(f"{c:>22}" for c in cells))
        cells = [_ratio(r["counts"][("pred_ok", lang)], r["counts"][("pred", lang)]) for r in results.values()]
        lines.append(f"{lang:4} {'precision':11} " + " ".join(f"{c:>22}" for c in cells))
        cells = [_ratio(r["counts"][("untouched", lang)], r["counts"][("plain", lang)]) for r in results.values()]
        lines.append(f"{lang:4} {'untouched':11} " + " ".join(f"{c:>22}" for c in cells))
    return "\n".join(lines)


def redaction_cost(items: list[dict], *, words_wanted: int = 10_000, repeats: int = 3) -> float:
    """Seconds per 1000 words for find_pii on one long role sequence built from the sets' sentences
    (the slower language, best of `repeats` runs: the machine is shared)."""
    by_lang = defaultdict(list)
    for item in items:
        by_lang[item["lang"]].extend(item["text"].split())
    per_1000 = []
    for lang, words in by_lang.items():
        seq = (words * (words_wanted // len(words) + 1))[:words_wanted]
        find_pii(seq[:200], language=lang)  # load the word lists once
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            find_pii(seq, language=lang)
            best = min(best, time.perf_counter() - t0)
        per_1000.append(best / len(seq) * 1000)
    return max(per_1000)


def asr_cost(model: str, wav: Path) -> dict:
    """Time the ASR stage of `callcheck.pipeline.analyze_call` on `wav`, and find_pii on its words.

    ASR = language detection + transcription of both channels (the hook times
    between "vad" and "asr"); the model is loaded before the clock starts.
    """
    from callcheck.pipeline import AnalyzeOptions, analyze_call
    from callcheck.speech.asr import WhisperTranscriber
    from callcheck.speech.models import resolve_model

    transcriber = WhisperTranscriber(resolve_model(model, auto_install=False))
    _ = transcriber.model
    marks: dict[str, float] = {}
    captured: dict = {}

    def hook(stage: str, value) -> None:
        marks[stage] = time.perf_counter()
        if stage == "asr":
            captured["speakers"] = value
        if stage == "audio":
            captured["duration_s"] = value.duration_s

    analyze_call(wav, transcriber=transcriber, options=AnalyzeOptions(), hook=hook)
    speakers = captured["speakers"]
    t0 = time.perf_counter()
    for sp in speakers:
        find_pii(sp.words, language=sp.language or "en")
    redact_s = time.perf_counter() - t0
    return {"asr_s": marks["asr"] - marks["vad"], "audio_s": captured["duration_s"],
            "words": sum(len(sp.words) for sp in speakers), "redact_s": redact_s}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--misses", choices=SETS, help="list the misses and false alarms of this set")
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated sets to score (default: dev,holdout)")
    ap.add_argument("--asr-model", help="a CTranslate2 Whisper model directory: also measure ASR time")
    ap.add_argument("--wav", default=str(ROOT / "samples" / "en_support_call.wav"))
    args = ap.parse_args(argv)
    names = args.sets.split(",")
    results = {name: score(load(name)) for name in names}
    print(report(results))
    sequences = {name: score_sequence(load(name)) for name in names}
    for lang in ("de", "en"):
        cells = []
        for r in sequences.values():
            c = r["counts"]
            cells.append(f"recall {_ratio(c[('caught', lang, 'all')], c[('gold', lang, 'all')])}, "
                         f"untouched {_ratio(c[('untouched', lang)], c[('plain', lang)])}")
        print(f"{lang:4} {'one sequence':11} " + " | ".join(cells))
    if args.misses in results:
        print(f"\n{args.misses}: misses and false alarms")
        print("\n".join(results[args.misses]["misses"]) or "none")
        print(f"\n{args.misses}, all sentences as one sequence per language: misses and touched plain sentences")
        print("\n".join(sequences[args.misses]["misses"]) or "none")
    per_1000 = redaction_cost(load("dev") + load("holdout"))
    words_3min = 2 * 3 * 150  # two roles, 3 minutes, 150 words per minute each at most
    print(f"\ncost: find_pii {per_1000 * 1000:.1f} ms per 1000 words; a 3-minute call "
          f"(<= {words_3min} words) {per_1000 * words_3min / 1000:.3f} s")
    if args.asr_model:
        r = asr_cost(args.asr_model, Path(args.wav))
        per_min = r["asr_s"] / r["audio_s"] * 60
        print(f"ASR: {r['asr_s']:.2f} s for {r['audio_s']:.1f} s of audio ({r['words']} words) = {per_min:.1f} s per "
              f"audio minute; find_pii on those words {r['redact_s'] * 1000:.1f} ms "
              f"({r['redact_s'] / r['asr_s'] * 100:.2f} % of their ASR time)")
        print(f"a 3-minute call: ASR ~{per_min * 3:.0f} s, redaction <= {per_1000 * words_3min / 1000:.3f} s = "
              f"{per_1000 * words_3min / 1000 / (per_min * 3) * 100:.2f} % (target <= 2 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
