"""What vocabulary hints ([asr] hotwords) do to Whisper: greeting and name recognition, and the other words.

Usage:
  python scripts/eval_hotwords.py [--realdata ../shared/realdata] [--threads 2] [--json out.json]

Cases:
- the agent side of the three bundled demo calls (samples/, espeak-ng), whose
  greetings are made of the very names given as hints ("Grumps und Söhne, Sonja
  Müller, guten Tag.");
- espeak-ng agent tracks at 8 kHz mu-law, three English and three German, each
  with an unusual company and agent name in the greeting and four known
  sentences without names after it;
- the real AWS support call (../shared/realdata/aws_call_auto_repairs), both
  whole tracks: the agent's "Thank you for calling Platinum Motors ... I'm
  Michelle. How can I help you today?" and the caller's "Uh, hi, Michelle. My
  name is Jack."; the rest is scored against the silver transcript that comes
  with the call (a cloud ASR's, first 74 s, fillers removed).

Each case is transcribed in the same run by callcheck's WhisperTranscriber with
the pipeline's chunking: without hints, with the right hints (company and
agent name) as `hotwords` and as `initial_prompt`, with the right hints plus the
trained greeting as hotwords, and with another company's hints (not said in the
call: are they hallucinated in?). Printed per run: the greeting as recognised,
whether company and agent name came out right, the word error rate of the
greeting and of the rest, how many hint words appear more often than they were
said ("extra"), and how many words the whole track gave (a drop = lost speech).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import tempfile
import time
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))

import callsynth  # noqa: E402
from callcheck.records import AsrHints, Word  # noqa: E402
from callcheck.signal.audio import load_recording  # noqa: E402
from callcheck.signal.vad import VadSettings, asr_chunks, speech_regions  # noqa: E402
from callcheck.speech.asr import WhisperSettings, WhisperTranscriber  # noqa: E402
from callcheck.speech.models import resolve_model  # noqa: E402
from callsynth import Turn  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
AWS = "aws_call_auto_repairs"
AWS_SILVER_S = 74.0  # the silver transcript ends with the caller's "this one was a 2018", after this
AWS_GREETING = ("Thank you for calling Platinum Motors, the northwest home for high-end autos. I'm Michelle. "
                "How can I help you today?")
AWS_CALLER_GREETING = "Uh, hi, Michelle. My name is Jack."
AWS_GREETING_END_S = {"agent": 6.0, "caller": 9.5}  # on this recording (checked on the word times)
# partial_transcript.silver.txt split by party, up to AWS_SILVER_S, without the greetings and the unassignable "Yeah."
AWS_SILVER = {
    "agent": ("Of course I am so sorry for the inconvenience. Jack, what was your last name so I can look you up in the "
              "system. Could you spell that for me, please? OK? Thank you for that. OK, so I see in our system. You "
              "purchased several parts with us. Could I check with you? Which was the make and model of this one."),
    "caller": ("I'm calling in today because about two weeks ago. I got a car from your dealership. And, the the service "
               "Light came on already. And I know you guys handle a lot of your, your your you're fixing your mechanics "
               "are are all in house and in shop, and I'm just I'm a little baffled about how and why The light came on "
               "so soon, so I wanted to give you guys a call. Sure. My last name is Cilli. SI. T. I LLE"),
}
FILLERS = {"uh", "um", "uhm", "erm", "äh", "ähm"}
SPELLING = {"okay": "ok"}
REST = {
    "en": ("I am sorry to hear that the connection keeps dropping. Let me check your contract in our system. "
           "Could you please tell me your customer number? Thank you, I have booked a technician for Thursday morning."),
    "de": ("Das tut mir leid, dass die Heizung schon wieder ausgefallen ist. Ich schaue kurz in Ihrem Vertrag nach. "
           "Können Sie mir bitte Ihre Kundennummer sagen? Vielen Dank, ich habe einen Techniker für Donnerstag eingeplant."),
}
VOICE = {"en": "en-us", "de": "de+m3"}


@dataclass(frozen=True)
class Case:
    name: str
    language: str
    company: str
    agent: str
    greeting: str  # what the greeting says (known)
    rest: str  # the known text after the greeting
    trained: str = ""  # the greeting formula agents are trained to say, as a hint phrase
    rest_until_s: float | None = None  # the reference covers the words up to here (None: all)
    agent_said: str = ""  # the part of the agent's name the greeting says, if not all of it
    sample: str = ""  # a bundled demo call in samples/ (its agent channel)


@dataclass(frozen=True)
class Run:
    case: str
    variant: str  # off | hotwords | prompt | hotwords+greeting | wrong hotwords | wrong prompt
    hints: str
    greeting_heard: str
    company_ok: bool | None  # None: the greeting does not say it
    agent_ok: bool | None
    greeting_wer: float
    rest_wer: float  # against the known text (AWS: silver, up to AWS_SILVER_S)
    extra_hint_words: int  # hint words recognised more often than said
    words: int  # recognised in the whole track
    seconds: float
    rest_heard: str


SYNTHETIC = [
    Case("en1", "en", "Brightwell Telecom", "Marek Kowalczyk",
         "Thank you for calling Brightwell Telecom, my name is Marek Kowalczyk, how can I help you today?", REST["en"],
         "Thank you for calling Brightwell Telecom"),
    Case("en2", "en", "Zephyrine Insurance", "Tamsin Oakenfold",
         "Good morning, Zephyrine Insurance, you are speaking with Tamsin Oakenfold. How may I help you?", REST["en"],
         "Good morning, Zephyrine Insurance"),
    Case("en3", "en", "Velora Home Energy", "Anneke Vandermeer",
         "Welcome to Velora Home Energy, this is Anneke Vandermeer, what can I do for you?", REST["en"],
         "Welcome to Velora Home Energy"),
    Case("de1", "de", "Grumps und Söhne", "Jolanda Pfeiffenberger",
         "Grumps und Söhne, mein Name ist Jolanda Pfeiffenberger, was kann ich für Sie tun?", REST["de"],
         "Grumps und Söhne, was kann ich für Sie tun"),
    Case("de2", "de", "Hellwig Haustechnik", "Mirko Tschentscher",
         "Guten Tag, Sie sprechen mit Hellwig Haustechnik, mein Name ist Mirko Tschentscher, wie kann ich helfen?",
         REST["de"], "Guten Tag, Sie sprechen mit Hellwig Haustechnik"),
    Case("de3", "de", "Sternquell Versicherung", "Ilka Brodersen",
         "Herzlich willkommen bei der Sternquell Versicherung, Sie sprechen mit Ilka Brodersen.", REST["de"],
         "Herzlich willkommen bei der Sternquell Versicherung"),
]
SAMPLE_CASES = [
    Case("sample de", "de", "Grumps und Söhne", "Sonja Müller", "", "", sample="de_support_call"),
    Case("sample en", "en", "Grumps and Sons", "Sam Miller", "", "", agent_said="Sam", sample="en_support_call"),
    Case("sample 8k", "de", "Grumps und Söhne", "Sonja Müller-Lüdenscheid", "", "", sample="de_hotline_8k_ulaw"),
]
AWS_CASES = [
    Case("aws agent", "en", "Platinum Motors", "Michelle", AWS_GREETING, AWS_SILVER["agent"],
         "Thank you for calling Platinum Motors", rest_until_s=AWS_SILVER_S),
    Case("aws caller", "en", "Platinum Motors", "Michelle", AWS_CALLER_GREETING, AWS_SILVER["caller"],
         rest_until_s=AWS_SILVER_S),
]
WRONG = {"en": ("Northwind Telecom", "Priya Raman"), "de": ("Brockmann Logistik", "Sven Albrecht")}


def tokens(text: str) -> list[str]:
    """Lower-case words without punctuation and fillers; hyphens split ("high-end" = "high end"), accents kept."""
    text = unicodedata.normalize("NFC", text.lower().replace("-", " "))
    return [SPELLING.get(t, t) for t in re.findall(r"[\w']+", text) if t not in FILLERS]


def wer(ref: list[str], hyp: list[str]) -> float:
    """Word error rate: word-level edit distance / reference length."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        row = [i]
        for j, h in enumerate(hyp, 1):
            row.append(min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (r != h)))
        prev = row
    return prev[-1] / max(len(ref), 1)


def contains(hyp: list[str], phrase: str) -> bool:
    want = tokens(phrase)
    return any(hyp[i:i + len(want)] == want for i in range(len(hyp) - len(want) + 1))


def extra_words(hyp: list[str], ref: list[str], hints: tuple[str, ...]) -> int:
    """Hint words (longer than 3 letters) recognised more often than the reference has them."""
    words = {t for hint in hints for t in tokens(hint) if len(t) > 3}
    return sum(max(0, hyp.count(t) - ref.count(t)) for t in words)


def synthetic_track(case: Case, folder: Path) -> tuple[Path, float]:
    """The agent's side of a synthetic call, 8 kHz mu-law; returns (path, end of the greeting in s)."""
    voice = VOICE[case.language]
    greeting = Turn("agent", 0.6, case.greeting, voice=voice, speed_wpm=165, amplitude=80)
    sentences = re.findall(r"[^.?!]+[.?!]", case.rest)
    turns, start = [greeting], 0.6 + callsynth.turn_duration_s(greeting, sr=8000) + 3.0
    for sentence in sentences:
        turn = Turn("agent", round(start, 3), sentence.strip(), voice=voice, speed_wpm=165, amplitude=80)
        turns.append(turn)
        start += callsynth.turn_duration_s(turn, sr=8000) + 2.5
    stereo, events = callsynth.render_call(turns, sr=8000, seed=7)
    path = folder / f"{case.name}.wav"
    sf.write(path, stereo[:, 0], 8000, subtype="ULAW")
    return path, events[0]["end_s"]


def aws_track(realdata: Path, role: str, folder: Path) -> tuple[Path, float]:
    """One whole AWS track (8 kHz FLAC) as it is; returns (path, end of the greeting in s)."""
    return realdata / AWS / f"{role}.flac", AWS_GREETING_END_S[role]


def sample_track(case: Case) -> tuple[Case, Path, float]:
    """A bundled demo call (agent on the left), its agent's greeting and later turns from its events file."""
    path = ROOT / "samples" / f"{case.sample}.wav"
    events = [e for e in json.loads(path.with_suffix(".events.json").read_text())["events"] if e["role"] == "agent"]
    known = dataclasses.replace(case, greeting=events[0]["text"], rest=" ".join(e["text"] for e in events[1:]))
    return known, path, events[0]["end_s"] + 0.2


def variants(case: Case) -> list[tuple[str, AsrHints]]:
    right = (case.company, case.agent)
    wrong = WRONG[case.language]
    out = [("off", AsrHints()), ("hotwords", AsrHints(right, "hotwords")), ("prompt", AsrHints(right, "prompt"))]
    if case.trained:
        out.append(("hotwords+greeting", AsrHints((case.trained, case.agent), "hotwords")))
    return [*out, ("wrong hotwords", AsrHints(wrong, "hotwords")), ("wrong prompt", AsrHints(wrong, "prompt"))]


def run_case(case: Case, path: Path, greeting_end_s: float, transcriber: WhisperTranscriber) -> list[Run]:
    samples = load_recording(path).channel("agent").samples
    vad = VadSettings()
    chunks = asr_chunks(speech_regions(samples, settings=vad), duration_s=samples.size / 16_000,
                        pad_s=vad.asr_pad_ms / 1000, merge_gap_s=vad.asr_merge_gap_ms / 1000)
    runs = []
    for variant, hints in variants(case):
        start = time.perf_counter()
        extra = {"hints": hints} if hints.active else {}
        words = transcriber.transcribe(samples, chunks=chunks, language=case.language, **extra)
        seconds = time.perf_counter() - start
        until = case.rest_until_s or float("inf")
        greeting = tokens(" ".join(w.text for w in words if _middle(w) < greeting_end_s))
        rest = tokens(" ".join(w.text for w in words if greeting_end_s <= _middle(w) < until))
        rest_ref = tokens(case.rest)
        runs.append(Run(
            case=case.name, variant=variant, hints="; ".join(hints.words), greeting_heard=" ".join(greeting),
            company_ok=_said(greeting, case.company, case),
            agent_ok=_said(greeting, case.agent_said or case.agent, case),
            greeting_wer=round(wer(tokens(case.greeting), greeting), 3), rest_wer=round(wer(rest_ref, rest), 3),
            extra_hint_words=extra_words(greeting + rest, tokens(case.greeting) + rest_ref, hints.words),
            words=len(words), seconds=round(seconds, 2), rest_heard=" ".join(rest)))
    return runs


def _said(heard: list[str], name: str, case: Case) -> bool | None:
    return contains(heard, name) if contains(tokens(case.greeting), name) else None


def _middle(word: Word) -> float:
    return (word.start_s + word.end_s) / 2


def summary(runs: list[Run], *, prefixes: tuple[str, ...]) -> list[dict]:
    """Per variant over the cases whose names start with `prefixes`: names right, mean WERs, extra hint words, words."""
    out = []
    for variant in dict.fromkeys(r.variant for r in runs):
        mine = [r for r in runs if r.variant == variant and r.case.startswith(prefixes)]
        if not mine:
            continue
        out.append({
            "variant": variant, "cases": len(mine), "words": sum(r.words for r in mine),
            "company_ok": _count(r.company_ok for r in mine), "agent_ok": _count(r.agent_ok for r in mine),
            "greeting_wer": round(float(np.mean([r.greeting_wer for r in mine])), 3),
            "rest_wer": round(float(np.mean([r.rest_wer for r in mine])), 3),
            "extra_hint_words": sum(r.extra_hint_words for r in mine),
            "seconds": round(sum(r.seconds for r in mine), 1),
        })
    return out


def _yes(flag: bool | None) -> str:
    return {True: "yes", False: "no ", None: "-  "}[flag]


def _count(flags) -> str:
    known = [f for f in flags if f is not None]
    return f"{sum(known)}/{len(known)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--realdata", type=Path, default=ROOT.parent / "shared" / "realdata")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default=None)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not callsynth.espeak_available():
        print("espeak-ng is not installed", file=sys.stderr)
        return 2
    transcriber = WhisperTranscriber(resolve_model(args.model), settings=WhisperSettings(cpu_threads=args.threads))
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="eval-hotwords-") as tmp:
        folder = Path(tmp)
        tracks = [sample_track(case) for case in SAMPLE_CASES if (ROOT / "samples" / f"{case.sample}.wav").exists()]
        tracks += [(case, *synthetic_track(case, folder)) for case in SYNTHETIC]
        if (args.realdata / AWS).is_dir():
            tracks += [(case, *aws_track(args.realdata, role, folder))
                       for case, role in zip(AWS_CASES, ("agent", "caller"), strict=True)]
        for case, path, greeting_end_s in tracks:
            for run in run_case(case, path, greeting_end_s, transcriber):
                runs.append(run)
                print(f"{run.case:10} {run.variant:17} company {_yes(run.company_ok)} agent {_yes(run.agent_ok)} "
                      f"greeting WER {run.greeting_wer:.2f} "
                      f"rest WER {run.rest_wer:.2f} extra {run.extra_hint_words} words {run.words:3} "
                      f"{run.seconds:5.1f} s | {run.greeting_heard}", flush=True)
    tables = {}
    for prefixes, title in ((("sample",), "demo calls (samples/, greeting = the hint names)"),
                            (("en", "de"), "synthetic cases (espeak-ng, unusual names, known text)"),
                            (("aws",), "AWS call (real, silver rest)")):
        tables[title] = table = summary(runs, prefixes=prefixes)
        if not table:
            continue
        print(f"\n{title}, per variant:")
        print("| variant | company right | agent right | greeting WER | rest WER | extra hint words | words | ASR s |")
        print("|---|---|---|---|---|---|---|---|")
        for row in table:
            print(f"| {row['variant']} | {row['company_ok']} | {row['agent_ok']} | "
                  f"{row['greeting_wer']:.3f} | {row['rest_wer']:.3f} | {row['extra_hint_words']} | {row['words']} | "
                  f"{row['seconds']} |")
    if args.json:
        args.json.write_text(json.dumps({"runs": [asdict(r) for r in runs], "summary": tables}, indent=1,
                                        ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

