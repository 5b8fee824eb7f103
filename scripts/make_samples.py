"""Build the bundled demo calls in samples/ with callsynth (deterministic).

Usage: python scripts/make_samples.py [--out samples]

Writes, for each call, ``<name>.wav`` (stereo, agent on channel 0 = left,
customer on channel 1 = right) and ``<name>.events.json`` with the true
timeline of every turn.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import callsynth  # noqa: E402
from callsynth import Cue, Turn  # noqa: E402

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
MAX_TOTAL_BYTES = 3_000_000
AGENT_CHANNEL = 0
AMPLITUDE = 80  # espeak-ng -a; at the default 100 some voices reach full scale


@dataclass(frozen=True)
class Sample:
    """One demo call: its file name, format and script."""

    name: str
    sr: int
    subtype: str
    language: str
    exhibits: str
    cues: Callable[[], list[Cue]]


def agent_de(text: str, **kw) -> Turn:
    """The German agent (polite defaults). espeak-ng's female German variants
    are hard for Whisper base to understand; "de+m2" at pitch 40 is one of the
    clearest: at "de+m3"'s default pitch Whisper base heard "Hast du die Leite"
    for "Das tut mir leid" and half the polite agent's words came out unsure
    (an `indistinct_speech` finding on the polite call); de+m2 at pitch 40 31 %."""
    return Turn("agent", 0.0, text, **{"voice": "de+m2", "pitch": 40, "speed_wpm": 165, "pitch_range": 70,
                                       "amplitude": AMPLITUDE, **kw})


def customer_de(text: str, **kw) -> Turn:
    """A German male customer."""
    return Turn("customer", 0.0, text, **{"voice": "de+m3", "speed_wpm": 160, "pitch": 40, "amplitude": AMPLITUDE, **kw})


def de_support_cues() -> list[Cue]:
    """A short, polite German support call about a late delivery."""
    return [
        Cue(agent_de("Grumps und Söhne, Sonja Müller, guten Tag.")),
        Cue(customer_de("Guten Tag. Ich habe einen Tisch bestellt, aber er ist noch nicht da."), 0.5),
        Cue(agent_de("Das tut mir leid. Wie ist Ihre Bestellnummer?"), 0.4),
        Cue(customer_de("Vier fünf acht zwei."), 0.6),
        Cue(agent_de("Danke. Ihr Tisch kommt am Donnerstag."), 0.7),
        Cue(customer_de("Prima, vielen Dank."), 0.4),
        Cue(agent_de("Gern geschehen. Schönen Tag noch."), 0.3),
    ]


def hotline_agent(text: str, **kw) -> Turn:
    """The hurried hotline agent: fast and nearly monotone.

    espeak-ng's default German voice: Whisper base still understands it at
    8 kHz mu-law and 190 wpm, where the female variants turned to mush.
    """
    return agent_de(text, **{"voice": "de", "pitch": 50, "speed_wpm": 190, "pitch_range": 15, **kw})


def de_hotline_cues() -> list[Cue]:
    """A worse German call: overlong greeting, fast agent, one interruption."""
    return [
        Cue(hotline_agent(
            "Herzlich willkommen bei Grumps und Söhne, mein Name ist Sonja Müller-Lüdenscheid, "
            "was kann ich für Sie tun?")),
        Cue(customer_de(
            "Hallo. Ich warte seit drei Wochen auf meine Waschmaschine, und ich habe schon "
            "zweimal angerufen und jedes Mal hieß es die kommt morgen ganz bestimmt"), 0.5),
        # the agent barges in 1.5 s before the customer stops talking
        Cue(hotline_agent("Ja, Moment, geben Sie mir mal die Kundennummer."), -1.5),
        Cue(customer_de("Sieben drei neun eins."), 0.6),
        Cue(hotline_agent(
            "Okay, die Maschine ist im Lager, die Lieferung kommt nächste Woche, sonst noch was?"), 0.3),
        Cue(customer_de("Erst nächste Woche? Na gut, sonst nichts."), 0.8),
        Cue(hotline_agent("Alles klar, danke für Ihren Anruf bei Grumps und Söhne, tschüss."), 0.2),
    ]


def agent_en(text: str, **kw) -> Turn:
    """An American English male agent."""
    return Turn("agent", 0.0, text, **{"voice": "en-us+m3", "speed_wpm": 165, "pitch_range": 70, "amplitude": AMPLITUDE, **kw})


def customer_en(text: str, **kw) -> Turn:
    """An American English female customer."""
    return Turn("customer", 0.0, text, **{"voice": "en-us+f2", "speed_wpm": 165, "amplitude": AMPLITUDE, **kw})


def en_support_cues() -> list[Cue]:
    """A polite English call with one customer backchannel over the agent."""
    return [
        Cue(agent_en("Grumps and Sons, this is Sam, how can I help you?")),
        Cue(customer_en("Hi, my order arrived yesterday, but the lamp inside was broken."), 0.6),
        Cue(agent_en("I'm sorry to hear that. I can send you a new lamp today, free of charge."), 0.5),
        # backchannel 1.6 s into the agent's turn; the next turn follows the agent (ref=2)
        Cue(customer_en("Okay.", speed_wpm=150), 1.6, anchor="start"),
        Cue(customer_en("That's great, thank you."), 0.5, ref=2),
        Cue(agent_en("You're welcome. Have a nice day."), 0.4),
    ]


SAMPLES = (
    Sample("de_support_call", 16000, "PCM_16", "de",
           "polite German call: short greeting, natural gaps 0.3-0.8 s, no overlaps", de_support_cues),
    Sample("de_hotline_8k_ulaw", 8000, "ULAW", "de",
           "worse German call at telephone quality: overlong greeting, fast monotone agent, "
           "agent interrupts the customer once (1.5 s overlap)", de_hotline_cues),
    Sample("en_support_call", 16000, "PCM_16", "en",
           "polite English call with one short customer backchannel overlapping the agent", en_support_cues),
)


def build(sample: Sample, out: Path) -> tuple[Path, float]:
    """Render ``sample`` into ``out``; return (wav path, duration in s)."""
    turns = callsynth.layout(sample.cues(), sr=sample.sr)
    stereo, events = callsynth.render_call(turns, sr=sample.sr, agent_channel=AGENT_CHANNEL)
    wav = callsynth.write_call(out / f"{sample.name}.wav", stereo, sr=sample.sr, subtype=sample.subtype)
    duration_s = stereo.shape[0] / sample.sr
    meta = {
        "file": wav.name,
        "sr": sample.sr,
        "subtype": sample.subtype,
        "language": sample.language,
        "duration_s": round(duration_s, 4),
        "channels": {"agent": AGENT_CHANNEL, "customer": 1 - AGENT_CHANNEL},
        "exhibits": sample.exhibits,
        "events": events,
    }
    (out / f"{sample.name}.events.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return wav, duration_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "samples", help="output directory")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if not callsynth.espeak_available():
        print("espeak-ng not found on PATH", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for sample in SAMPLES:
        wav, duration_s = build(sample, args.out)
        size = wav.stat().st_size + (args.out / f"{sample.name}.events.json").stat().st_size
        total += size
        print(f"{wav.name:28s} {duration_s:6.2f} s  {sample.sr:5d} Hz {sample.subtype:6s} {size / 1e6:5.2f} MB")
    print(f"{'total':28s} {'':30s}{total / 1e6:5.2f} MB")
    if total >= MAX_TOTAL_BYTES:
        print(f"samples exceed {MAX_TOTAL_BYTES / 1e6:.1f} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
