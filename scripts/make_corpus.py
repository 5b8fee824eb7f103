"""Generate a labelled corpus of synthetic support calls with known errors.

Usage: python scripts/make_corpus.py OUT [--calls 60] [--seed 1] [--split dev|test] [--engine espeak|flite]

Every call is a stereo WAV (German or English; 16 kHz PCM or 8 kHz mu-law;
agent on the left or right) with any combination of the eight phone errors
injected by construction, and ``<name>.labels.json`` next to it:
``{"errors": [rule ids], "language", "agent_channel", "sr", "subtype",
"voices", "scenario", "split", "seed", "events"}``. ``scripts/evaluate.py OUT``
scores callcheck against the labels.

How each error is injected (everything else stays natural):

- toneless_voice: agent pitch range 0-6 (SSML prosody range; natural 68-90:
  at 55-60, drawn before, the de+m5 and en-us+m1 voices measured 1.5-1.7 st
  pitch SD, flatter than every natural speaker in ../shared/realdata
  (2.45-4.7 st), so a "clean" agent was a monotone one; from 68 up the espeak
  voices measure 2.2-4.0 st).
- apathetic_voice: agent 9-12 dB quieter than the customer, 1.7-2.4 s before
  every answer, slow (80-90 wpm).
- impatient_voice: the agent barges in twice (into the problem statement,
  1.1-1.65 s before its end, and into the follow-up, 1.5-2.2 s before its end,
  where the customer sometimes stops 0.3-0.6 s after the agent starts) and/or
  opens a reply with an impatience phrase. One short overlap as a customer
  finishes is how many turns end in ordinary conversation, not impatience.
- overlong_greeting: a long formula greeting instead of "Company, First Last, hello".
- rushed_voice: answers 0-0.1 s after the customer, each agent turn one run-on
  sentence (full stops become commas, flite: no commas either: no breath
  pauses), at a normal 160-172 wpm.
- indistinct_speech: the agent channel is muffled (4th-order low-pass at
  650-850 Hz, loudness kept).
- too_fast: agent at 260-280 wpm (German) / 320-350 wpm (English), still
  pausing 350 ms at punctuation (fast, not breathless; no breaks when the call
  is also rushed). That is an articulation
  rate of about 7.2-8 syllables/s, clearly above ordinary fluent conversation
  (mean ~5-6, fastest ordinary speakers ~7); the 225-250 wpm used before gave
  5.5-7.5 syllables/s, inside the normal range.
- lacks_empathy: the customer voices a problem; the agent answers with no
  acknowledgement, or lectures ("Da irren Sie sich", "you should have ...").

``--engine flite`` renders with CMU Flite instead of espeak-ng (see
scripts/callsynth.py for how the settings map): every call is English, the
agent and customer voices are two different ones of kal16, awb, rms and slt,
everything else (random draws, injections) is as for espeak-ng, and the labels
carry ``"engine": "flite"``.

Errors that contradict each other are never combined (an apathetic agent is
not also rushed, fast or impatient); muffled speech is not combined with the
errors measured from the recognised words (phrases, syllable rate), which it
garbles.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import butter, sosfilt

sys.path.insert(0, str(Path(__file__).resolve().parent))

import callsynth  # noqa: E402
from callsynth import Cue, Turn  # noqa: E402
from corpus_texts import POOLS, Pool, Scenario  # noqa: E402

log = logging.getLogger(__name__)

ERRORS = ("toneless_voice", "apathetic_voice", "impatient_voice", "overlong_greeting",
          "rushed_voice", "indistinct_speech", "too_fast", "lacks_empathy")
EXCLUSIVE = {
    "apathetic_voice": {"rushed_voice", "too_fast", "impatient_voice"},
    "indistinct_speech": {"lacks_empathy", "impatient_voice", "too_fast"},
}
FORMATS = ((16000, "PCM_16"), (8000, "ULAW"))
ENGINES = ("espeak", "flite")
FLITE_CALL_VOICES = ("flite:kal16", "flite:awb", "flite:rms", "flite:slt")
NEUTRAL_OPENERS = {"de": ("Gerne.", "Sehr gern."), "en": ("Sure.", "Of course.")}


def compatible(error: str, chosen: set[str]) -> bool:
    """True when `error` may join the errors already `chosen`."""
    return all(error not in EXCLUSIVE.get(c, ()) and c not in EXCLUSIVE.get(error, ()) for c in chosen)


def choose_errors(index: int, rng: np.random.Generator) -> set[str]:
    """A balanced design: call `index` has error index % 9 (8 = a clean call), sometimes one or two more."""
    slot = index % (len(ERRORS) + 1)
    if slot == len(ERRORS):
        return set()
    chosen = {ERRORS[slot]}
    for chance in (0.4, 0.15):
        if rng.random() < chance:
            options = [e for e in ERRORS if e not in chosen and compatible(e, chosen)]
            if options:
                chosen.add(str(rng.choice(options)))
    return chosen


@dataclass(frozen=True)
class Plan:
    """Everything random about one call, drawn once."""

    language: str
    sr: int
    subtype: str
    agent_channel: int
    errors: frozenset[str]
    scenario: Scenario
    agent: Turn           # template for agent turns (voice, speed, pitch, amplitude ...)
    customer: Turn        # template for customer turns
    gaps_s: tuple[float, ...]
    greeting: str
    opener: str
    reply_prefix: str
    reply_suffix: str
    barge_in_s: float | None
    cut_off_after_s: float | None  # the customer falls silent this long after the agent barges in
    thanks: str
    closing: str
    muffle_hz: float | None
    engine: str = "espeak"


def pick(rng: np.random.Generator, items):
    return items[int(rng.integers(len(items)))]


def plan_call(index: int, *, split: str, rng: np.random.Generator, engine: str = "espeak") -> Plan:
    errors = choose_errors(index, rng)
    language = "de" if rng.random() < 0.5 else "en"
    if engine == "flite":
        language = "en"  # flite speaks English only; the draw above is kept so the other draws stay in step
    pool: Pool = POOLS[(split, language)]
    scenarios = [s for s in pool.scenarios if not (s.neutral and "lacks_empathy" in errors)]
    scenario = pick(rng, scenarios)
    company, (first, last) = pick(rng, pool.companies), pick(rng, pool.names)
    greetings = pool.long_greetings if "overlong_greeting" in errors else pool.short_greetings
    sr, subtype = pick(rng, FORMATS)
    customer_amp = int(rng.integers(70, 91))
    flite = engine == "flite"  # flite: two different voices of FLITE_CALL_VOICES, drawn where espeak's are
    agent = Turn("agent", 0.0, "-", voice=pick(rng, FLITE_CALL_VOICES if flite else pool.agent_voices),
                 speed_wpm=int(rng.integers(150, 171)),
                 pitch=int(rng.integers(40, 61)), pitch_range=int(rng.integers(68, 91)), amplitude=customer_amp)
    customer_voices = tuple(v for v in FLITE_CALL_VOICES if v != agent.voice) if flite else pool.customer_voices
    customer = Turn("customer", 0.0, "-", voice=pick(rng, customer_voices), speed_wpm=int(rng.integers(150, 176)),
                    pitch=int(rng.integers(25, 46)), pitch_range=int(rng.integers(50, 81)), amplitude=customer_amp)
    gaps = rng.uniform(0.3, 0.9, size=8)
    if "toneless_voice" in errors:
        agent = dataclasses.replace(agent, pitch_range=int(rng.integers(0, 7)))
    if "apathetic_voice" in errors:
        quieter = 10 ** (-rng.uniform(9, 12) / 20)
        agent = dataclasses.replace(agent, amplitude=max(5, int(customer_amp * quieter)), speed_wpm=int(rng.integers(80, 91)))
        gaps = rng.uniform(1.7, 2.4, size=8)
    if "rushed_voice" in errors:
        agent = dataclasses.replace(agent, speed_wpm=int(rng.integers(160, 173)))
        gaps = rng.uniform(0.0, 0.1, size=8)
    if "too_fast" in errors:
        # espeak's English has fewer syllables per wpm; German faster than ~275 wpm Whisper base no longer recognises
        fast_wpm = (260, 281) if language == "de" else (320, 351)
        # fast, not breathless: 350 ms breaks at punctuation, unless the call is also rushed (then no breaks at
        # all: the breaks would put back the breathing pauses the rushed agent must not make)
        agent = dataclasses.replace(agent, speed_wpm=int(rng.integers(*fast_wpm)),
                                    break_ms=0 if "rushed_voice" in errors else 350)
    if scenario.neutral:
        opener = pick(rng, NEUTRAL_OPENERS[language])
    elif "lacks_empathy" in errors:
        opener = pick(rng, pool.plain + pool.know_it_all)
    else:
        opener = pick(rng, pool.empathy)
    reply_suffix = pick(rng, pool.know_it_all) if "lacks_empathy" in errors and rng.random() < 0.5 else ""
    barge_in_s = cut_off_after_s = None
    reply_prefix = ""
    if "impatient_voice" in errors:
        style = pick(rng, ("barge", "phrase", "both"))
        barge_in_s = float(rng.uniform(1.5, 2.2)) if style != "phrase" else None
        cut_off_after_s = float(rng.uniform(0.3, 0.6)) if barge_in_s and rng.random() < 0.5 else None
        reply_prefix = pick(rng, pool.impatience) if style != "barge" else ""
    fill = {"company": company, "first": first, "last": last}
    return Plan(
        language=language, sr=sr, subtype=subtype, agent_channel=int(rng.integers(2)), errors=frozenset(errors),
        scenario=scenario, agent=agent, customer=customer, gaps_s=tuple(float(g) for g in gaps),
        greeting=pick(rng, greetings).format(**fill), opener=opener, reply_prefix=reply_prefix, reply_suffix=reply_suffix,
        barge_in_s=barge_in_s, cut_off_after_s=cut_off_after_s, thanks=pick(rng, pool.thanks), closing=pick(rng, pool.closings),
        muffle_hz=float(rng.uniform(650, 850)) if "indistinct_speech" in errors else None, engine=engine,
    )


def breathless(text: str, *, engine: str = "espeak") -> str:
    """Agent text as one run-on sentence: inner full stops become commas, whose
    pauses espeak-ng keeps under 200 ms (below the 250 ms that count as a pause).
    Flite pauses 0.2-0.3 s at a comma (a breath, measured: 0.28-0.32 s in calls),
    so for flite the commas go as well."""
    body = text.rstrip(".?!")
    for mark in (". ", "? ", "! ", ": "):
        body = body.replace(mark, ", ")
    if engine == "flite":
        body = body.replace(", ", " ")
    return body + "."


def cues(plan: Plan) -> list[Cue]:
    """The call's turns in order, with their gaps."""
    s = plan.scenario
    rushed = "rushed_voice" in plan.errors

    def agent(text: str) -> Turn:
        text = " ".join(text.split())
        return dataclasses.replace(plan.agent, text=breathless(text, engine=plan.engine) if rushed else text)

    def customer(text: str) -> Turn:
        return dataclasses.replace(plan.customer, text=text)

    g = plan.gaps_s
    reply = " ".join(p for p in (plan.reply_prefix, s.reply, plan.reply_suffix) if p)
    return [
        Cue(agent(plan.greeting)),
        Cue(customer(s.problem), g[0]),
        Cue(agent(f"{plan.opener} {s.question}"), -0.75 * plan.barge_in_s if plan.barge_in_s else g[1]),
        Cue(customer(s.answer), g[2]),
        Cue(agent(s.solution), g[3]),
        Cue(customer(s.follow_up), g[4]),
        Cue(agent(reply), -plan.barge_in_s if plan.barge_in_s else g[5]),
        Cue(customer(plan.thanks), g[6]),
        Cue(agent(plan.closing), g[7]),
    ]


def muffle(samples: np.ndarray, *, sr: int, cutoff_hz: float) -> np.ndarray:
    """Low-pass `samples` (mumbling into the headset), keeping their RMS level."""
    sos = butter(4, min(cutoff_hz, 0.45 * sr), fs=sr, output="sos")
    out = sosfilt(sos, samples)
    rms_in, rms_out = np.sqrt(np.mean(samples ** 2)), np.sqrt(np.mean(out ** 2))
    return (out * (rms_in / max(rms_out, 1e-12))).astype(np.float32)


def cut_off(stereo: np.ndarray, events: list[dict], *, sr: int, channel: int, after_s: float) -> None:
    """Silence the customer `after_s` after the agent barges in (events 5 and 6), in place, with a 20 ms fade."""
    follow_up, barge_in = events[5], events[6]
    stop = int(round((barge_in["start_s"] + after_s) * sr))
    end = int(round(follow_up["end_s"] * sr))
    fade = min(int(0.02 * sr), max(0, end - stop))
    stereo[stop: stop + fade, channel] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    stereo[stop + fade: end, channel] = 0.0
    follow_up["end_s"] = round(min(end, stop + fade) / sr, 4)
    follow_up["cut_off"] = True


def build(plan: Plan, path: Path, *, seed: int) -> dict:
    """Render `plan` to `path` (WAV); return its labels."""
    turns = callsynth.layout(cues(plan), sr=plan.sr)
    stereo, events = callsynth.render_call(turns, sr=plan.sr, agent_channel=plan.agent_channel, seed=seed)
    if plan.cut_off_after_s:
        cut_off(stereo, events, sr=plan.sr, channel=1 - plan.agent_channel, after_s=plan.cut_off_after_s)
    if plan.muffle_hz:
        ch = plan.agent_channel
        stereo[:, ch] = muffle(stereo[:, ch], sr=plan.sr, cutoff_hz=plan.muffle_hz)
    callsynth.write_call(path, np.clip(stereo, -1.0, 1.0), sr=plan.sr, subtype=plan.subtype)
    labels = {
        "file": path.name,
        "errors": sorted(plan.errors),
        "language": plan.language,
        "agent_channel": "left" if plan.agent_channel == 0 else "right",
        "sr": plan.sr,
        "subtype": plan.subtype,
        "voices": {"agent": plan.agent.voice, "customer": plan.customer.voice},
        "agent_settings": {k: getattr(plan.agent, k) for k in ("speed_wpm", "pitch", "pitch_range", "amplitude")},
        "scenario": plan.scenario.problem,
        "muffle_hz": plan.muffle_hz,
        "duration_s": round(stereo.shape[0] / plan.sr, 3),
        "events": events,
    }
    if plan.engine != "espeak":
        labels["engine"] = plan.engine
    return labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="output directory")
    parser.add_argument("--calls", type=int, default=54, help="number of calls (default 54 = 6 per error + 6 clean)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--split", choices=("dev", "test"), default="test",
                        help="dev = the texts and voices the thresholds were tuned on; test = others")
    parser.add_argument("--engine", choices=ENGINES, default="espeak",
                        help="speech synthesiser: espeak-ng (default) or CMU Flite (English only)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if args.engine == "flite" and not callsynth.flite_available():
        print("make_corpus: flite not found on PATH (apt install flite)", file=sys.stderr)
        return 1
    if args.engine == "espeak" and not callsynth.espeak_available():
        print("make_corpus: espeak-ng not found on PATH (apt install espeak-ng)", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    for index in range(args.calls):
        plan = plan_call(index, split=args.split, rng=rng, engine=args.engine)
        name = f"{args.split}_{args.seed}_{index:03d}"
        labels = build(plan, args.out / f"{name}.wav", seed=args.seed * 1000 + index)
        labels |= {"split": args.split, "seed": args.seed}
        (args.out / f"{name}.labels.json").write_text(json.dumps(labels, indent=1, ensure_ascii=False) + "\n")
        print(f"{name}.wav  {labels['language']} {plan.sr:5d} Hz  {labels['duration_s']:5.1f} s  "
              f"{', '.join(labels['errors']) or 'clean'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
