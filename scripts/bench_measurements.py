"""Benchmark callcheck's measurements and speed on ../shared/realdata (issue 3).

Prints Markdown tables (for the README) and a PASS/FAIL line per target:

accuracy
  pitch_sd        pitch SD (semitones re the median, voiced frames) within 0.3 st of
                  Praat's `To Pitch` (defaults, floor/ceiling as ours) on every file
                  with >= 5 s of speech; over the whole file and inside our speech regions
  articulation    articulation rate from the ASR transcript within 10 % of the rate
                  from the gold transcript, both over callcheck's phonation time
  spokenwoz       the real stereo call (agent right): no interruptions; response gaps
  synthetic       callsynth calls with injected interruptions (de/en, 16 kHz and 8 kHz
                  mu-law, with backchannels that must not count): each found, start
                  within 0.2 s, nothing else reported
speed (best of --repeats, measured side by side in this run)
  non_asr         `analyze` with a transcriber that returns cached words (audio load,
                  VAD, pitch, levels, rates, turns, rules, JSON + Markdown), one thread
                  pinned to one core: >= 200x real time (call duration / wall time)
  asr_overhead    `callcheck analyze` wall time <= 1.10x faster-whisper alone (same
                  model, int8, all cores, beam 1, VAD filter, word timestamps, language
                  detected on the agent channel and restricted to de/en)

    python scripts/bench_measurements.py [--realdata DIR] [--quick] [--strict]

Exit status 0 whatever the results, unless --strict (1 if a target fails).
parselmouth (GPL) and espeak-ng are benchmark-only dependencies.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))

import bench_pitch  # noqa: E402
import callsynth  # noqa: E402
from callcheck.measure.prosody import rate_stats, region_mask  # noqa: E402
from callcheck.measure.settings import MeasureSettings  # noqa: E402
from callcheck.pipeline import AnalyzeOptions, analyze_call  # noqa: E402
from callcheck.records import ModelInfo, Word  # noqa: E402
from callcheck.report import render  # noqa: E402
from callcheck.signal.audio import load_recording  # noqa: E402
from callcheck.signal.pitch import pitch_stats, track_pitch  # noqa: E402
from callcheck.signal.vad import VadSettings, asr_chunks, speech_regions  # noqa: E402
from callcheck.speech.syllables import count_syllables  # noqa: E402
from callsynth import Cue  # noqa: E402
from make_samples import agent_de, agent_en, customer_de, customer_en, hotline_agent  # noqa: E402

SD_TOLERANCE_ST = 0.3
MIN_SPEECH_S = 5.0
RATE_TOLERANCE = 0.10
START_TOLERANCE_S = 0.2
MIN_REALTIME_X = 200.0
MAX_ASR_RATIO = 1.10
SPOKENWOZ = "spokenwoz_speechbrain/MUL1011_8k_stereo.flac"
LONG_MONO = "silero_vad/de.wav"
ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "CT2_INTER_THREADS")}


@dataclass(frozen=True)
class Target:
    name: str
    passed: bool | None  # None = skipped
    detail: str


@dataclass(frozen=True)
class GoldFile:
    path: Path
    language: str
    text: str


@dataclass(frozen=True)
class SynthCall:
    name: str
    sr: int
    subtype: str
    language: str
    script: tuple[tuple[str, Cue], ...]  # (label, cue); label "interruption" | "backchannel" | ""


# ---------------------------------------------------------------- output helpers

def md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown pipe table with padded columns."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"

    return "\n".join([line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells[1:])])


def num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "SKIP"}[ok]


def section(title: str, table: str, target: Target, notes: Sequence[str] = ()) -> None:
    print(f"\n### {title}\n\n{table}\n")
    for note in notes:
        print(note)
    print(f"{verdict(target.passed)} {target.name}: {target.detail}", flush=True)


# ---------------------------------------------------------------- accuracy: pitch

def pitch_row(x: np.ndarray, name: str, *, floor_hz: float, ceiling_hz: float) -> tuple[list[str], bool, float]:
    """SD of ours and Praat's F0 on one 16 kHz signal: (table row, within tolerance, speech seconds)."""
    regions = speech_regions(x)
    speech_s = sum(r.duration_s for r in regions)
    ours = track_pitch(x, sr=bench_pitch.SR, floor_hz=floor_hz, ceiling_hz=ceiling_hz)
    praat = bench_pitch.praat_pitch(x, floor_hz=floor_hz, ceiling_hz=ceiling_hz, time_step_s=None)
    f_praat, step = praat.selected_array["frequency"], praat.time_step
    _, sd_praat, _, voiced_praat = bench_pitch.stats_of(f_praat, hop_s=step)
    sd_ours = bench_pitch.stats_of(ours.f0_hz)[1]
    sd_ours_speech = pitch_stats(ours, mask=region_mask(ours.times_s, regions)).sd_st  # = the report's pitch_sd_st
    sd_praat_speech = bench_pitch.stats_of(np.where(region_mask(praat.xs(), regions), f_praat, np.nan), hop_s=step)[1]
    ok = bool(max(abs(sd_ours - sd_praat), abs(sd_ours_speech - sd_praat_speech)) <= SD_TOLERANCE_ST)
    graded = speech_s >= MIN_SPEECH_S
    result = ("pass" if ok else "FAIL") if graded else f"({'pass' if ok else 'fail'}, < {MIN_SPEECH_S:g} s)"
    return [name, num(speech_s, 1), num(voiced_praat, 1), num(sd_praat), num(sd_ours), num(sd_ours - sd_praat, 3),
            num(sd_praat_speech), num(sd_ours_speech), num(sd_ours_speech - sd_praat_speech, 3), result], ok, speech_s


def pitch_target(realdata: Path) -> Target:
    """Whole-file and in-speech pitch SD, ours vs Praat `To Pitch` with its default time step."""
    settings = MeasureSettings()
    floor, ceiling = settings.pitch_floor_hz, settings.pitch_ceiling_hz
    rows, failed, graded = [], [], 0
    for rel, channel in bench_pitch.FILES:
        if not (realdata / rel).exists():
            continue
        name = Path(rel).name + (f" ch{channel}" if channel is not None else "")
        row, ok, speech_s = pitch_row(bench_pitch.load_16k(realdata / rel, channel)[0], name,
                                      floor_hz=floor, ceiling_hz=ceiling)
        rows.append(row)
        if speech_s >= MIN_SPEECH_S:
            graded += 1
            failed += [] if ok else [name]
    table = md_table(["file", "speech_s", "voiced_praat_s", "sd_praat_st", "sd_ours_st", "d_st",
                      "sd_praat_speech_st", "sd_ours_speech_st", "d_speech_st", "result"], rows)
    target = Target("pitch_sd", not failed if graded else None,
                    f"{graded - len(failed)}/{graded} files with >= {MIN_SPEECH_S:g} s speech within "
                    f"{SD_TOLERANCE_ST} st" + (f"; failing: {', '.join(failed)}" if failed else ""))
    section("Pitch SD vs Praat", table, target, [
        f"Praat: Sound.to_pitch(pitch_floor={floor:g}, pitch_ceiling={ceiling:g}), default time step "
        f"(0.75 / floor = {750 / floor:.1f} ms); ours: callcheck.signal.pitch.track_pitch, 10 ms; both on 16 kHz mono "
        "(bench_pitch.load_16k: stereo files other than the call are mixed). SD = population SD in semitones re "
        "the median of voiced frames; '_speech' = voiced frames inside callcheck's VAD speech regions (what the "
        "report's pitch_sd_st uses). Graded: files with >= 5 s of VAD speech."])
    return target


# ---------------------------------------------------------------- accuracy: articulation rate

def gold_files(realdata: Path, *, quick: bool) -> list[GoldFile]:
    """Read-speech recordings with exact transcripts, with their language."""
    files: list[GoldFile] = []
    for folder in ("thorsten_voice/neutral_read", "thorsten_voice/dataset_gt"):
        tsv = realdata / folder / "transcripts.tsv"
        if tsv.exists():
            with tsv.open(encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh, delimiter="\t"))
            files += [GoldFile(realdata / folder / r["file"], "de", r["transcript"]) for r in rows[: 1 if quick else None]]
    for audio, txt in (("osr_joinly/OSR_us_000_0034_8k.wav", "osr_joinly/OSR_us_000_0034_8k.txt"),
                       ("whisper_jfk/jfk.flac", "whisper_jfk/jfk.txt"),
                       ("ljspeech_speechbrain/LJ050-0131.wav", "ljspeech_speechbrain/LJ050-0131.txt")):
        if (realdata / txt).exists():
            text = (realdata / txt).read_text(encoding="utf-8").strip().split("\t")[-1]  # LJ: "ID<TAB>text"
            files.append(GoldFile(realdata / audio, "en", text))
    tsv = realdata / "picovoice" / "transcripts.tsv"
    if tsv.exists() and not quick:
        with tsv.open(encoding="utf-8") as fh:
            files += [GoldFile(realdata / "picovoice" / r["file"], r["language"], r["transcript"])
                      for r in csv.DictReader(fh, delimiter="\t") if r["file"].startswith("leopard")]
    return [f for f in files if f.path.exists()][: 4 if quick else None]


def articulation_row(gold: GoldFile, transcriber) -> tuple[list[str], float, str]:
    """One file: (table row, relative error, ASR text)."""
    channels = sf.info(str(gold.path)).channels
    options = AnalyzeOptions(language=gold.language, channel_map={"agent": 0} if channels > 1 else None)
    report = analyze_call(gold.path, transcriber=transcriber, options=options)
    m = report.measurements
    floor = [t for t in m.turns if t.role == "agent" and not t.backchannel]
    rates = rate_stats(floor, language=gold.language)
    ours = m.roles["agent"].articulation_rate_sps
    gold_syllables = count_syllables(gold.text, language=gold.language)
    reference = gold_syllables / rates.phonation_s if rates.phonation_s > 0 else float("nan")
    error = (ours / reference - 1) if ours is not None and reference > 0 else float("nan")
    row = [gold.path.name, gold.language, num(rates.phonation_s), gold_syllables, rates.syllables,
           num(reference), num(ours), f"{100 * error:+.1f}", "pass" if abs(error) <= RATE_TOLERANCE else "FAIL"]
    return row, error, " ".join(w.text for t in floor for w in t.words)


def articulation_target(realdata: Path, transcriber, *, quick: bool) -> Target:
    files = gold_files(realdata, quick=quick)
    rows, notes, errors = [], [], []
    for gold in files:
        row, error, asr_text = articulation_row(gold, transcriber)
        rows.append(row)
        errors.append(error)
        if not abs(error) <= RATE_TOLERANCE:
            notes.append(f"- {gold.path.name}: gold \"{gold.text}\" / ASR \"{asr_text}\"")
    failed = sum(not abs(e) <= RATE_TOLERANCE for e in errors)
    table = md_table(["file", "lang", "phonation_s", "syll_gold", "syll_asr", "ref_sps", "ours_sps", "diff_pct",
                      "result"], rows)
    target = Target("articulation", not failed if files else None,
                    f"{len(files) - failed}/{len(files)} files within {RATE_TOLERANCE:.0%}; "
                    f"median abs. difference {100 * float(np.nanmedian(np.abs(errors))) if errors else float('nan'):.1f} %")
    section("Articulation rate vs gold transcripts", table, target, [
        "ref = syllables of the gold transcript / phonation time (callcheck's VAD regions of the agent's turns); "
        "ours = metrics.agent.articulation_rate_sps (ASR words, same phonation time); known language given; "
        "stereo files with identical channels analysed as --channel-map agent=0.", *notes])
    return target


# ---------------------------------------------------------------- accuracy: SpokenWOZ

def silver_gaps(rttm: Path) -> list[tuple[float, float]]:
    """(customer end, gap) from the silver per-channel RTTM: agent segments right after a customer one."""
    segments = []
    for line in rttm.read_text().splitlines():
        parts = line.split()
        if len(parts) > 7 and parts[0] == "SPEAKER":
            start, dur = float(parts[3]), float(parts[4])
            segments.append((start, start + dur, "agent" if parts[7].startswith("agent") else "customer"))
    segments.sort()
    return [(a[1], b[0] - a[1]) for a, b in zip(segments, segments[1:], strict=False)
            if a[2] == "customer" and b[2] == "agent"]


def spokenwoz_target(realdata: Path, transcriber) -> Target:
    path = realdata / SPOKENWOZ
    if not path.exists():
        return Target("spokenwoz", None, "file missing")
    report = analyze_call(path, transcriber=transcriber, options=AnalyzeOptions(agent_channel="right"))
    conv = report.measurements.conversation
    gaps = [g.gap_s for g in conv.response_gaps]
    silver = silver_gaps(path.parent / "MUL1011.silver_channel_vad.rttm")
    summary = [["callcheck (fine VAD, turns)", len(conv.interruptions), len(gaps), num(conv.response_gap_median_s),
                num(conv.response_gap_p90_s), num(conv.overlap_s)]]
    if silver:
        values = [g for _, g in silver]
        summary.append(["silver RTTM (coarse VAD, no turns)", "-", len(values), num(float(np.median(values))),
                        num(float(np.percentile(values, 90))), "0.00"])
    first = md_table(["customer_stops_s", "agent_gap_s", "silver_gap_s"], [
        [num(g.start_s), num(g.gap_s), num(next((s for t, s in silver if abs(t - g.start_s) < 1.0), None))]
        for g in conv.response_gaps[:6]])
    interruptions = "; ".join(f"{e.interrupter} at {e.start_s:.2f} s" for e in conv.interruptions)
    target = Target("spokenwoz", not conv.interruptions,
                    f"{len(conv.interruptions)} interruptions{' (' + interruptions + ')' if interruptions else ''}, "
                    f"{len(gaps)} response gaps, median {num(conv.response_gap_median_s)} s, "
                    f"p90 {num(conv.response_gap_p90_s)} s")
    table = md_table(["source", "interruptions", "gaps", "median_gap_s", "p90_gap_s", "overlap_s"], summary)
    section("SpokenWOZ MUL1011 (stereo, agent right)", table + "\n\nFirst response gaps:\n\n" + first, target)
    return target


# ---------------------------------------------------------------- accuracy: synthetic interruptions

def synth_calls(*, quick: bool) -> list[SynthCall]:
    """Calls with known interruptions and backchannels; gaps are seconds after (negative: before)
    the end of the referenced turn, or after its start for anchor="start"."""
    de16 = SynthCall("de_16k", 16000, "PCM_16", "de", (
        ("", Cue(agent_de("Grumps und Söhne, Sonja Müller, guten Tag."))),
        ("", Cue(customer_de("Guten Tag. Ich habe vor drei Wochen einen Schrank bestellt, und er ist immer noch "
                             "nicht da, obwohl man mir gesagt hat, dass er am Montag ganz bestimmt kommt."), 0.5)),
        ("interruption", Cue(agent_de("Moment, wie ist denn Ihre Bestellnummer?"), -1.5)),
        ("", Cue(customer_de("Vier fünf acht zwei."), 0.6)),
        ("", Cue(agent_de("Danke. Der Schrank steht noch im Lager und wird morgen verschickt, Sie bekommen "
                          "heute noch eine E-Mail mit der Sendungsnummer."), 0.5)),
        ("interruption", Cue(customer_de("Erst morgen? Das hat man mir letzte Woche auch schon gesagt."), -1.2)),
        ("", Cue(agent_de("Das tut mir leid. Ich kümmere mich persönlich darum."), 0.5)),
    ))
    en16 = SynthCall("en_16k", 16000, "PCM_16", "en", (
        ("", Cue(agent_en("Grumps and Sons, this is Sam, how can I help you?"))),
        ("", Cue(customer_en("Hi, I ordered a lamp two weeks ago. It arrived yesterday, but the glass shade "
                             "was broken into pieces."), 0.5)),
        ("", Cue(agent_en("I'm so sorry to hear that. I can send you a new lamp today, free of charge, and "
                          "you will have it by Friday at the latest."), 0.5)),
        ("backchannel", Cue(customer_en("Okay.", speed_wpm=150), 1.5, anchor="start")),
        ("interruption", Cue(customer_en("Friday is too late, I need it for a party on Thursday."), -1.2, ref=2)),
        ("", Cue(agent_en("I understand. I will send it by express, so it arrives on Wednesday."), 0.4)),
        ("", Cue(customer_en("Thank you, that works."), 0.5)),
    ))
    de8 = SynthCall("de_8k_ulaw", 8000, "ULAW", "de", (
        ("", Cue(hotline_agent("Grumps und Söhne, Sonja Müller, guten Tag."))),
        ("", Cue(customer_de("Hallo. Ich warte seit drei Wochen auf meine Waschmaschine, und ich habe schon "
                             "zweimal angerufen, und jedes Mal hieß es, die kommt morgen ganz bestimmt."), 0.5)),
        ("interruption", Cue(hotline_agent("Ja, Moment, geben Sie mir mal die Kundennummer."), -1.5)),
        ("", Cue(customer_de("Sieben drei neun eins."), 0.6)),
        ("", Cue(hotline_agent("Okay, die Maschine ist im Lager, die Lieferung kommt nächste Woche am Dienstag, "
                               "zwischen acht und zwölf Uhr."), 0.3)),
        # 0.8 s before the agent stops: without the backchannel rule this is a cut-off interruption
        ("backchannel", Cue(customer_de("Ja, genau."), -0.8)),
        ("", Cue(customer_de("Erst nächste Woche? Na gut, danke."), 0.6, ref=2)),
        ("", Cue(hotline_agent("Gern, tschüss."), 0.3)),
    ))
    en8 = SynthCall("en_8k_ulaw", 8000, "ULAW", "en", (
        ("", Cue(agent_en("Thank you for calling Grumps and Sons, my name is Sam."))),
        ("", Cue(customer_en("Hello, I am calling about my invoice. You charged me twice for the same order "
                             "last month, and I would like to get my money back."), 0.6)),
        # overlap 0.8 s < 1 s, but the customer stops within 1 s of the onset: a cut-off
        ("interruption", Cue(agent_en("Sorry, can I have your order number first?"), -0.8)),
        ("", Cue(customer_en("It is four five eight two."), 0.5)),
        ("", Cue(agent_en("Thank you. I can see both payments, and I will refund the second one today. It "
                          "takes three to five business days."), 0.5)),
        ("backchannel", Cue(customer_en("Yeah.", speed_wpm=150), 2.0, anchor="start")),
        ("interruption", Cue(customer_en("Five business days? That is far too long."), -1.5, ref=2)),
        ("", Cue(agent_en("I understand, I will mark it as urgent."), 0.5)),
    ))
    return [de8, en16] if quick else [de16, en16, de8, en8]


def synth_rows(call: SynthCall, transcriber, workdir: Path) -> tuple[list[list[str]], int]:
    """Render, analyse and compare one call; returns table rows and the number of misses."""
    turns = callsynth.layout([cue for _, cue in call.script], sr=call.sr)
    stereo, events = callsynth.render_call(turns, sr=call.sr)
    wav = callsynth.write_call(workdir / f"{call.name}.wav", stereo, sr=call.sr, subtype=call.subtype)
    report = analyze_call(wav, transcriber=transcriber)
    found = list(report.measurements.conversation.interruptions)
    rows, misses = [], 0
    tag = f"{call.name} ({report.language})"
    labelled = [(label, event) for (label, _), event in zip(call.script, events, strict=True) if label]
    for label, event in sorted(labelled, key=lambda le: le[0] != "interruption"):  # interruptions match first
        match = next((e for e in found if e.interrupter == event["role"]
                      and abs(e.start_s - event["start_s"]) <= (START_TOLERANCE_S if label == "interruption" else 1.0)),
                     None)
        if match:
            found.remove(match)
        ok = (match is not None) == (label == "interruption")
        misses += not ok
        rows.append([tag, label, event["role"], num(event["start_s"]), num(match.start_s) if match else "-",
                     num(match.start_s - event["start_s"]) if match else "-",
                     ("pass" if ok else "FAIL") + _backchannel_note(label, ok)])
    for extra in found:
        misses += 1
        rows.append([tag, "unexpected", extra.interrupter, "-", num(extra.start_s), "-", f"FAIL \"{extra.words}\""])
    return rows, misses


def _backchannel_note(label: str, ok: bool) -> str:
    return "" if label == "interruption" else (" (not counted)" if ok else " (counted)")


def synthetic_target(transcriber, *, quick: bool) -> Target:
    if not callsynth.espeak_available():
        return Target("synthetic", None, "espeak-ng not on PATH")
    calls = synth_calls(quick=quick)
    rows, misses = [], 0
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        for call in calls:
            call_rows, call_misses = synth_rows(call, transcriber, Path(tmp))
            rows += call_rows
            misses += call_misses
    injected = sum(label == "interruption" for call in calls for label, _ in call.script)
    table = md_table(["call (detected lang)", "event", "role", "injected_s", "found_s", "error_s", "result"], rows)
    target = Target("synthetic", misses == 0, f"{len(calls)} calls, {injected} injected interruptions, "
                    f"{misses} misses (not found, start off by > {START_TOLERANCE_S} s, backchannel counted or unexpected)")
    section("Synthetic calls with injected interruptions (callsynth)", table, target, [
        "injected_s: audible start of the interrupting turn; found_s: start of the reported interruption; "
        "backchannel rows pass when no interruption is reported within 1 s of them."])
    return target


# ---------------------------------------------------------------- speed: faster-whisper alone vs callcheck analyze

WHISPER_ALONE = r"""
import json, os, sys
from faster_whisper import WhisperModel, decode_audio
path, model_dir, n_channels, agent = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
audio = decode_audio(path, split_stereo=True) if n_channels == 2 else (decode_audio(path),)
model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=os.cpu_count() or 1,
                     local_files_only=True)
_, _, probs = model.detect_language(audio=audio[agent], vad_filter=True)
language = max(("de", "en"), key=lambda lang: dict(probs).get(lang, 0.0))
words, asr_s = 0, 0.0
for channel in audio:
    segments, info = model.transcribe(channel, language=language, beam_size=1, word_timestamps=True,
                                      vad_filter=True, condition_on_previous_text=False)
    words += sum(len(s.words or ()) for s in segments)
    asr_s += info.duration_after_vad
print(json.dumps({"language": language, "words": words, "asr_audio_s": asr_s}))
"""


def timed(cmd: Sequence[str], env: dict | None = None) -> tuple[float, float, str]:
    """Wall time and CPU time (user + system, all threads) of a subprocess, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd[:4]))} ...: exit {done.returncode}: {done.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def callcheck_asr_audio_s(path: Path, agent: str) -> float:
    """Seconds of audio callcheck hands to Whisper: its ASR chunks over all channels (as the pipeline makes them)."""
    recording = load_recording(path, agent_channel=agent)
    vad = VadSettings()
    return sum(c.duration_s for ch in recording.channels
               for c in asr_chunks(speech_regions(ch.samples, settings=vad), duration_s=recording.duration_s,
                                   pad_s=vad.asr_pad_ms / 1000, merge_gap_s=vad.asr_merge_gap_ms / 1000))


def asr_ratio_row(path: Path, agent: str, model_dir: Path, repeats: int, out: Path) -> tuple[list[str], float, dict]:
    """Best-of wall times of faster-whisper alone and `callcheck analyze`, alternated."""
    channels = sf.info(str(path)).channels
    whisper_cmd = [sys.executable, "-c", WHISPER_ALONE, str(path), str(model_dir), str(channels),
                   str(1 if agent == "right" and channels == 2 else 0)]
    callcheck_cmd = [sys.executable, "-m", "callcheck", "analyze", str(path), "--agent-channel", agent,
                     "--model", str(model_dir), "-o", str(out)]
    whisper, callcheck, info = [], [], {}  # (wall, cpu) per run
    for _ in range(repeats):
        wall, cpu, stdout = timed(whisper_cmd)
        whisper.append((wall, cpu))
        info = json.loads(stdout.strip().splitlines()[-1])
        callcheck.append(timed(callcheck_cmd)[:2])
    report = json.loads(out.read_text())
    words = sum(len(s["words"]) for s in report["speakers"])
    (fw_wall, fw_cpu), (cc_wall, cc_cpu) = np.min(whisper, axis=0), np.min(callcheck, axis=0)
    ratio = cc_wall / fw_wall
    row = [path.name, num(report["call"]["duration_s"], 1), channels, num(fw_wall), num(cc_wall), num(ratio, 3),
           f"{num(fw_cpu, 1)} / {num(cc_cpu, 1)} = {cc_cpu / fw_cpu:.3f}",
           f"{num(info['asr_audio_s'], 1)} / {num(callcheck_asr_audio_s(path, agent), 1)}",
           f"{info['words']} / {words}", f"{info['language']} / {report['call']['language']}",
           "pass" if ratio <= MAX_ASR_RATIO else "FAIL"]
    return row, ratio, report


def asr_overhead_target(realdata: Path, model_dir: Path, workdir: Path, *, repeats: int,
                        quick: bool) -> tuple[Target, list[tuple[Path, str, Path]]]:
    """Returns the target and (audio, agent channel, callcheck JSON report) for the non-ASR benchmark."""
    cases = [(realdata / SPOKENWOZ, "right")] + ([] if quick else [(realdata / LONG_MONO, "left")])
    rows, ratios, reports = [], [], []
    for path, agent in cases:
        if not path.exists():
            continue
        out = workdir / f"{path.stem}.json"
        row, ratio, _ = asr_ratio_row(path, agent, model_dir, repeats, out)
        rows.append(row)
        ratios.append(ratio)
        reports.append((path, agent, out))
    table = md_table(["file", "duration_s", "channels", "faster_whisper_s", "callcheck_s", "ratio",
                      "cpu_s fw / cc = ratio", "asr_audio_s fw / cc", "words fw / cc", "lang fw / cc", "result"], rows)
    worst = max(ratios, default=float("nan"))
    target = Target("asr_overhead", bool(worst <= MAX_ASR_RATIO) if ratios else None,
                    f"worst ratio {worst:.3f} (limit {MAX_ASR_RATIO}); best of {repeats}, {os.cpu_count()} cores")
    section("`callcheck analyze` vs faster-whisper alone (wall time, new process each)", table, target, [
        "Both include interpreter start, imports, model load and audio decoding. faster-whisper: "
        "decode_audio(split_stereo), detect_language(vad_filter=True) on the agent channel restricted to de/en, "
        "transcribe(beam_size=1, word_timestamps=True, vad_filter=True, condition_on_previous_text=False), int8, "
        f"cpu_threads={os.cpu_count()}. callcheck: `python -m callcheck analyze FILE -o out.json` with the same model. "
        "Times are the best of the alternated runs; the graded ratio is wall time, CPU time (user + system of "
        "all threads, less sensitive to other load on the machine) is shown as a cross-check. asr_audio_s: seconds "
        "of audio each sends to Whisper after its VAD."])
    return target, reports


# ---------------------------------------------------------------- speed: everything except ASR

class CachedTranscriber:
    """A Transcriber that returns the words of an earlier callcheck JSON report, channel by channel."""

    info = ModelInfo(name="cached", compute_type="none")

    def __init__(self, report: dict):
        self.language = report["call"]["language"]
        self.queue = [tuple(Word(w["start_s"], w["end_s"], w["text"], w["probability"]) for w in s["words"])
                      for s in report["speakers"] if s["speech_s"] > 0]

    def detect_language(self, samples, *, chunks):
        return self.language

    def transcribe(self, samples, *, chunks, language, hints=None):  # hints change nothing: the words are given
        return self.queue.pop(0)


def time_analysis(audio: str, agent: str, report: dict) -> tuple[float, float, dict[str, float]]:
    """Wall and CPU time of one non-ASR analysis (+ JSON and Markdown rendering), and its stages (wall)."""
    cpu = time.process_time()
    marks = [("start", time.perf_counter())]
    result = analyze_call(audio, transcriber=CachedTranscriber(report), options=AnalyzeOptions(agent_channel=agent),
                          hook=lambda stage, _: marks.append((stage, time.perf_counter())))
    render(result, fmt="json")
    render(result, fmt="md")
    marks.append(("render", time.perf_counter()))
    stages = {name: t - marks[i][1] for i, (name, t) in enumerate(marks[1:])}
    return marks[-1][1] - marks[0][1], time.process_time() - cpu, stages


def nonasr_child(spec_json: str) -> None:
    """Runs in a child pinned to one core: times each case, profiles the first; prints JSON."""
    spec = json.loads(spec_json)
    first = spec["cases"][0]
    time_analysis(first["audio"], first["agent"], json.loads(Path(first["report"]).read_text()))  # warm-up: VAD session
    results = []
    for case in spec["cases"]:
        report = json.loads(Path(case["report"]).read_text())
        runs = [time_analysis(case["audio"], case["agent"], report) for _ in range(spec["repeats"])]
        wall, _, stages = min(runs, key=lambda r: r[0])
        results.append({"file": Path(case["audio"]).name, "duration_s": report["call"]["duration_s"],
                        "channels": len(report["speakers"]), "wall_s": wall, "cpu_s": min(r[1] for r in runs),
                        "stages": stages})
    profile = cProfile.Profile()
    profile.runcall(time_analysis, first["audio"], first["agent"], json.loads(Path(first["report"]).read_text()))
    stats = pstats.Stats(profile).stats
    hot = sorted(((v[2], v[3], f"{Path(k[0]).name}:{k[1]}({k[2]})") for k, v in stats.items()), reverse=True)[:12]
    print(json.dumps({"results": results, "profile": [{"tottime_s": t, "cumtime_s": c, "function": f}
                                                      for t, c, f in hot]}))


def nonasr_target(cases: list[tuple[Path, str, Path]], *, repeats: int) -> Target:
    if not cases:
        return Target("non_asr", None, "no cached transcripts (the analyze runs were skipped)")
    core = max(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    pin = f"import os; os.sched_setaffinity(0, {{{core}}}); " if core is not None else ""
    code = f"{pin}import sys; sys.path.insert(0, {str(SCRIPTS)!r}); import bench_measurements as b; b.nonasr_child(sys.argv[1])"
    spec = {"repeats": repeats, "cases": [{"audio": str(a), "agent": g, "report": str(r)} for a, g, r in cases]}
    *_, stdout = timed([sys.executable, "-c", code, json.dumps(spec)], env={**os.environ, **ONE_THREAD})
    out = json.loads(stdout.strip().splitlines()[-1])
    rows, worst = [], float("inf")
    for r in out["results"]:
        x = r["duration_s"] / r["wall_s"]
        worst = min(worst, x)
        stages = ", ".join(f"{k} {1000 * v:.0f}" for k, v in r["stages"].items() if v >= 0.0005)
        rows.append([r["file"], num(r["duration_s"], 1), r["channels"], num(r["wall_s"], 3), num(x, 0),
                     num(x * r["channels"], 0), num(r["duration_s"] / r["cpu_s"], 0), stages,
                     "pass" if x >= MIN_REALTIME_X else "FAIL"])
    table = md_table(["file", "duration_s", "channels", "wall_s", "x_realtime", "x_per_channel", "x_cpu_time",
                      "stages_ms", "result"], rows)
    target = Target("non_asr", worst >= MIN_REALTIME_X,
                    f"slowest {worst:.0f}x real time (call duration / wall; limit {MIN_REALTIME_X:.0f}x), "
                    f"one core, best of {repeats}")
    notes = ["Cached words from the `callcheck analyze` runs above; pinned to CPU core "
             f"{core}, OMP/OpenBLAS/MKL threads 1 (Silero VAD runs single-threaded anyway). "
             "x_per_channel: channel-seconds per wall second; x_cpu_time: call duration / CPU time of the process "
             "(a cross-check against other load on the core); stages: wall ms of the best run."]
    if not target.passed:
        hot = md_table(["function", "tottime_s", "cumtime_s"], [[p["function"], num(p["tottime_s"], 3),
                                                                  num(p["cumtime_s"], 3)] for p in out["profile"]])
        notes.append(f"\nHotspots (cProfile, {out['results'][0]['file']}, by own time):\n\n{hot}\n")
    section("Everything except ASR, one core", table, target, notes)
    return target


# ---------------------------------------------------------------- main

def git_version() -> str:
    """The checkout's commit, marked when the working tree has uncommitted changes."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "(not a git checkout)"
    return f"{head}{' + uncommitted changes' if dirty else ''}"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realdata", type=Path, default=ROOT.parent / "shared" / "realdata",
                    help="folder with the real recordings (default: ../shared/realdata from the repo root)")
    ap.add_argument("--quick", action="store_true", help="fewer files and calls, one repetition")
    ap.add_argument("--repeats", type=int, help="timing repetitions, best taken (default 3, --quick 1)")
    ap.add_argument("--model", help="Whisper model path or name (default: callcheck's resolution)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = ap.parse_args(argv)
    args.repeats = args.repeats or (1 if args.quick else 3)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.realdata.is_dir():
        print(f"{args.realdata}: not found", file=sys.stderr)
        return 2
    from callcheck.speech.asr import WhisperTranscriber
    from callcheck.speech.models import resolve_model

    spec = resolve_model(args.model)
    transcriber = WhisperTranscriber(spec)
    start = time.perf_counter()
    print(f"# callcheck measurement benchmark\n\ncallcheck {git_version()}; realdata: {args.realdata}; model: {spec.name} "
          f"({spec.path}); {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"{'quick' if args.quick else 'normal'} mode, best of {args.repeats}")
    print("\n## Accuracy")
    targets = [pitch_target(args.realdata), articulation_target(args.realdata, transcriber, quick=args.quick),
               spokenwoz_target(args.realdata, transcriber), synthetic_target(transcriber, quick=args.quick)]
    print("\n## Speed")
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as tmp:
        ratio, reports = asr_overhead_target(args.realdata, spec.path, Path(tmp), repeats=args.repeats, quick=args.quick)
        targets += [nonasr_target(reports, repeats=args.repeats), ratio]
    print("\n## Summary\n")
    print(md_table(["target", "result", "detail"], [[t.name, verdict(t.passed), t.detail] for t in targets]))
    failed = [t.name for t in targets if t.passed is False]
    print(f"\n{len(targets) - len(failed)}/{len(targets)} targets met or skipped"
          f"{'; FAILED: ' + ', '.join(failed) if failed else ''} ({time.perf_counter() - start:.0f} s; "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
