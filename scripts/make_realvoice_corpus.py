"""Generate labelled stereo calls from REAL voices with acoustic errors injected on the agent track.

Usage: python scripts/make_realvoice_corpus.py --out DIR [--seed 1] [--calls 56] [--realdata ../shared/realdata]

Sources (../shared/realdata; see scripts/realvoice_sources.py): the AWS
car-repair support call (agent and caller tracks, 8 kHz), the SpokenWOZ call
(8 kHz, caller ch0 / agent ch1), each cut at joint silences into windows of
40-90 s, and German pseudo-dialogues of real German voices (silero de.wav,
Thorsten, Picovoice) with natural gaps (16 kHz, a third of them at 8 kHz).
Call ``i`` gets error ``i % 7`` (six acoustic errors, then a clean call) and
source ``(i // 7) % 3``; everything else is drawn from the seed. The agent is on
the left or right channel at random. Nothing is manipulated on the customer
track (except being cut off, for ``impatient_voice`` / ``cut_off``).

How each error is injected (agent track only; variant and parameters drawn per call):

- ``toneless_voice``: PSOLA resynthesis (Praat) with the pitch contour compressed
  towards its median: ``compress`` keeps 10-25 % of the original range;
  ``declination`` keeps 5-15 % and adds a fall of 1-3 st across every turn.
- ``apathetic_voice``: 10-16 dB quieter and answers 1.5-3.0 s after the customer
  stops, plus ``flat`` (pitch range compressed to 50-70 %, milder than toneless),
  ``slow`` (speech slowed to 0.75-0.87x by PSOLA) or both.
- ``impatient_voice``: agent answers re-timed to start 0.5-1.5 s before the
  customer's turn ends (real barge-ins: both voices overlap in the audio), on at
  least 2 answers (each eligible answer with p = 0.75: it answers a customer turn of
  >= 1.5 s and opens with >= 1.2 s of speech, so the overlap is words, not a backchannel;
  the overlap is at most the customer turn minus 0.3 s);
  ``early`` (the customer finishes the turn) or ``cut_off`` (the customer stops
  0.3-0.6 s after the agent starts).
- ``rushed_voice``: every inner pause of the agent's turns shortened to
  0.03-0.12 s and every answer 0.0-0.1 s after the customer; ``quick`` also
  speeds the speech up 1.10-1.20x (PSOLA).
- ``indistinct_speech``: one of ``lowpass`` (8th-order Butterworth at
  1.0-1.8 kHz, level kept), ``smear`` (convolution with decaying noise, RT60
  0.5-1.0 s, tail 0-6 dB above the direct sound) or ``codec`` (AMR-NB 4.75 kbit/s,
  Opus 6 kbit/s or MP3 8 kbit/s, then band-limited to 1.8-2.4 kHz); with p = 0.5
  plus white or pink line noise at 8-15 dB SNR.
- ``too_fast``: speech compressed 1.35-1.6x without pitch change (Praat PSOLA
  or overlap-add Lengthen); inner pauses kept, or (``shorter_pauses``) shortened
  by the same factor but never below 0.3 s (fast, not breathless).
- clean: the cut call, untouched (German: the assembled dialogue).

Each call is ``<name>.wav`` (PCM 16) with ``<name>.labels.json``:
``{"file", "errors", "language", "agent_channel", "sr", "kind": "realvoice",
"source", "window_s", "seed", "call_seed", "variant", "params", "injected",
"duration_s", "events", "unjudged"}``; ``injected`` holds what the manipulation
measurably did (Praat pitch spread before/after, durations, barge-in overlaps);
``unjudged`` lists the rules the source cannot label (the evaluation leaves
them out for that call).
``scripts/evaluate.py --realvoice DIR`` scores callcheck against the labels.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inject  # noqa: E402
import realvoice_sources as sources  # noqa: E402
from realvoice_plan import ERRORS, CallPlan, answers, plan_call  # noqa: E402
from realvoice_render import Rendered, as_rendered, cut_off, render, retime  # noqa: E402

log = logging.getLogger(__name__)
DEFAULT_REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


def apply(plan: CallPlan, dialogue: sources.Dialogue, *, rng: np.random.Generator) -> tuple[Rendered, dict]:
    """`dialogue` with the plan's error injected on the agent track, and what was measurably done."""
    sr, p = dialogue.sr, plan.params
    retimer, gap_rule = _retimer(plan, sr=sr, rng=rng), _gap_rule(plan, rng)
    call = render(dialogue, rng=rng, retime_agent=retimer, response_gap=gap_rule) \
        if retimer or gap_rule else as_rendered(dialogue)  # timing untouched: the cut call bit for bit
    agent, injected = call.tracks["agent"], {}
    if "keep_ratio" in p:
        spans = tuple((u.start_s, u.end_s) for u in call.units if u.role == "agent")
        injected["pitch_before"] = _rounded(inject.pitch_spread_st(agent, sr=sr))
        agent = inject.flatten_pitch(agent, sr=sr, keep_ratio=p["keep_ratio"], fall_st=p.get("fall_st", 0.0),
                                     spans_s=spans)
        injected["pitch_after"] = _rounded(inject.pitch_spread_st(agent, sr=sr))
    if "gain_db" in p:
        agent = inject.gain(agent, db=p["gain_db"])
    if plan.error == "indistinct_speech":
        agent = _degrade(agent, sr=sr, p=p, rng=rng)
    if plan.error == "impatient_voice":
        injected["barge_ins"] = _barge_ins(call, plan=plan, rng=rng)
    if retimer is not None:
        injected["agent_speech_s"] = {
            "before": round(sum(u.duration_s for u in dialogue.units if u.role == "agent"), 3),
            "after": round(sum(u.duration_s for u in call.units if u.role == "agent"), 3)}
    if plan.error in ("rushed_voice", "apathetic_voice"):
        gaps = [e["gap_s"] for e in call.events if e["gap_s"] is not None]
        injected["response_gaps_s"] = [round(g, 3) for g in gaps]
    call.tracks["agent"] = np.clip(agent, -1.0, 1.0).astype(np.float32)
    return call, injected


def _rounded(values: dict) -> dict:
    return {k: None if v is None else round(v, 3) for k, v in values.items()}


def _retimer(plan: CallPlan, *, sr: int, rng: np.random.Generator):
    """The per-turn re-timing of the agent's audio the plan asks for, or None."""
    p = plan.params
    factor = p.get("speech_factor", 1.0)
    if "pause_s" in p:  # rushed: every inner pause this short
        def pause_rule(s):
            return min(s, float(rng.uniform(*p["pause_s"])))
    elif p.get("shorter_pauses"):  # too fast: pauses shrink with the speech, never below 0.3 s
        def pause_rule(s):
            return max(min(s, 0.3), s / factor)
    elif factor != 1.0:
        def pause_rule(s):
            return s
    else:
        return None

    def retimer(audio, unit):
        return retime(audio, sr=sr, pauses_s=unit.pauses_s, speech_factor=factor, pause_s=pause_rule,
                      method=p.get("method", "psola"))
    return retimer


def _gap_rule(plan: CallPlan, rng: np.random.Generator):
    """New response gaps: drawn from the plan's range; negative (barge-in) for the chosen impatient answers."""
    if "gap_s" not in plan.params:
        return None
    lo, hi = plan.params["gap_s"]
    chosen = set(plan.params.get("answers", ()))

    def rule(agent_unit, customer_unit, gap):
        if plan.error != "impatient_voice":
            return float(rng.uniform(lo, hi))
        return -float(rng.uniform(lo, hi)) if round(agent_unit.start_s, 4) in chosen else None
    return rule


def _barge_ins(call: Rendered, *, plan: CallPlan, rng: np.random.Generator) -> list[dict]:
    """The barge-ins as rendered; with ``cut_off`` the customer falls silent soon after the agent starts."""
    out = []
    for before, unit, event in zip(call.units, call.units[1:], call.events[1:], strict=False):
        if unit.role != "agent" or before.role != "customer" or event["gap_s"] is None or event["gap_s"] >= 0:
            continue
        entry = {"agent_start_s": unit.start_s, "customer_end_s": before.end_s,
                 "overlap_s": round(before.end_s - unit.start_s, 3)}
        if plan.variant == "cut_off":
            stop = unit.start_s + float(rng.uniform(*plan.params["cut_after_s"]))
            cut_off(call.tracks["customer"], sr=call.sr, from_s=stop, to_s=before.end_s, rng=rng)
            entry |= {"customer_cut_at_s": round(stop, 3), "overlap_s": round(stop - unit.start_s, 3)}
        out.append(entry)
    return out


def _degrade(agent: np.ndarray, *, sr: int, p: dict, rng: np.random.Generator) -> np.ndarray:
    """The indistinct-speech degradation of the plan: low-pass, smearing or a codec, maybe line noise."""
    if p["primary"] == "lowpass":
        agent = inject.lowpass(agent, sr=sr, cutoff_hz=p["cutoff_hz"])
    elif p["primary"] == "smear":
        agent = inject.smear(agent, sr=sr, rt60_s=p["rt60_s"], direct_db=p["direct_db"], rng=rng)
    else:
        agent = inject.codec_roundtrip(agent, sr=sr, codec=p["codec"], bitrate_bps=p["bitrate_bps"])
        agent = inject.lowpass(agent, sr=sr, cutoff_hz=p["cutoff_hz"])
    if "snr_db" in p:
        agent = inject.add_noise(agent, sr=sr, snr_db=p["snr_db"], rng=rng, colour=p["noise"])
    return agent


def draw_dialogue(error: str, source: str, realdata: Path, *, rng: np.random.Generator) -> sources.Dialogue:
    """A clean dialogue for `error`; impatience needs at least two long customer turns to barge into."""
    for _ in range(50):
        dialogue = sources.make_dialogue(source, realdata, rng=rng)
        if error != "impatient_voice" or len(answers(dialogue)) >= 2:
            return dialogue
    raise RuntimeError(f"no {source} window with two customer turns to barge into")


def build_call(index: int, *, seed: int, realdata: Path, out: Path) -> dict:
    """Make call `index` of the corpus into `out`; returns its labels."""
    rng = np.random.default_rng([seed, index])
    error, source = ERRORS[index % len(ERRORS)], sources.SOURCES[(index // len(ERRORS)) % len(sources.SOURCES)]
    dialogue = draw_dialogue(error, source, realdata, rng=rng)
    plan = plan_call(error, dialogue, rng=rng)
    call, injected = apply(plan, dialogue, rng=rng)
    left, right = ("agent", "customer") if plan.agent_channel == "left" else ("customer", "agent")
    stereo = np.stack([call.tracks[left], call.tracks[right]], axis=1)
    if plan.out_sr != call.sr:
        stereo = resample_poly(stereo, plan.out_sr, call.sr, axis=0)
    name = f"rv_{seed}_{index:03d}"
    sf.write(out / f"{name}.wav", np.clip(stereo, -1.0, 1.0), plan.out_sr, subtype="PCM_16")
    return {
        "file": f"{name}.wav", "errors": [] if error == "clean" else [error], "language": dialogue.language,
        "agent_channel": plan.agent_channel, "sr": plan.out_sr, "subtype": "PCM_16", "kind": "realvoice",
        "source": source, "source_details": dialogue.details, "window_s": list(dialogue.window_s),
        "seed": seed, "call_seed": [seed, index], "variant": plan.variant, "params": plan.params,
        "injected": injected, "duration_s": round(stereo.shape[0] / plan.out_sr, 3), "events": list(call.events),
        "unjudged": list(dialogue.unjudged),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output directory (outside the repository)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--calls", type=int, default=56, help="number of calls (default 56 = 8 per error + 8 clean)")
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA, help="the shared real-data folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if not (args.realdata / "aws_call_auto_repairs" / "agent.flac").exists():
        print(f"make_realvoice_corpus: {args.realdata}: not the shared real-data folder", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for index in range(args.calls):
        labels = build_call(index, seed=args.seed, realdata=args.realdata, out=args.out)
        (args.out / labels["file"].replace(".wav", ".labels.json")).write_text(
            json.dumps(labels, indent=1, ensure_ascii=False) + "\n")
        print(f"{labels['file']}  {labels['source']:9s} {labels['sr']:5d} Hz  {labels['duration_s']:5.1f} s  "
              f"{', '.join(labels['errors']) or 'clean'} ({labels['variant']})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
