"""lacks_empathy on real calls: real audio, real (silver/gold) transcripts edited to remove or add the
acknowledgement, through the scripted transcriber (no model).

Each transcript line is (start_s, end_s, text); its words are spread evenly over the line's time. The
pipeline transcribes the agent's channel first (call 0), then the customer's (call 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from callcheck.parties import SpeakerSplit
from callcheck.pipeline import AnalyzeOptions, analyze_call
from callcheck.records import Region, Word
from conftest import ScriptedTranscriber, realdata

Line = tuple[float, float, str]


def spread(lines: list[Line]) -> tuple[Word, ...]:
    """Words of each line evenly over its time span (as a recogniser's word times would roughly fall)."""
    out = []
    for start_s, end_s, text in lines:
        tokens = text.split()
        step = (end_s - start_s) / len(tokens)
        out += [Word(start_s + i * step, start_s + (i + 0.8) * step, w, 0.9) for i, w in enumerate(tokens)]
    return tuple(out)


def empathy_outcome(path: Path, words_by_call: dict[int, tuple[Word, ...]], language: str = "en", **options):
    transcriber = ScriptedTranscriber(words_by_call, language=language)
    report = analyze_call(path, transcriber=transcriber, options=AnalyzeOptions(language=language, **options))
    return {o.rule: o for o in report.outcomes}["lacks_empathy"]


# ---------------------------------------------------------------- AWS car-repair call (acted support call, stereo)

# The silver partial transcript of aws_call_auto_repairs, with the times of each line in the recording.
AWS_AGENT = [
    (0.45, 5.89, "Thank you for calling Platinum Motors the northwest home for high end autos. I'm Michelle. "
                 "How can I help you today?"),
    (45.19, 50.85, "{answer}"),
    (57.06, 58.08, "Could you spell that for me, please?"),
]
AWS_CUSTOMER = [
    (6.88, 42.72, "Uh, hi, Michelle. My name is Jack. Uh, I'm calling in today because about two weeks ago. I got a car "
                  "from your dealership. Um and, uh, the the service light came on already. And I know you guys handle "
                  "a lot of your, um your your fixing, your mechanics are are all in house and in shop, and I'm just "
                  "I'm a little baffled about how and why the light came on so soon, so I wanted to give you guys a "
                  "call."),
    (53.57, 56.06, "My last name is Cilli."),
]
AWS_ORIGINAL = ("Of course I am so sorry for the inconvenience. Uh, Jack, what was your last name so I can look you up "
                "in the system.")


@pytest.fixture(scope="module")
def aws_call(tmp_path_factory) -> Path:
    agent, sr = sf.read(realdata("aws_call_auto_repairs/agent.flac"), dtype="float32")
    caller, _ = sf.read(realdata("aws_call_auto_repairs/caller.flac"), dtype="float32")
    n = 60 * sr  # the first minute holds the greeting, the problem and the answer to it
    path = tmp_path_factory.mktemp("aws") / "aws_first_minute.wav"
    sf.write(path, np.stack([agent[:n], caller[:n]], axis=1), sr)
    return path


def aws(path: Path, answer: str):
    agent = [(a, b, t.format(answer=answer)) for a, b, t in AWS_AGENT]
    return empathy_outcome(path, {0: spread(agent), 1: spread(AWS_CUSTOMER)}, agent_channel="left")


@pytest.mark.parametrize("answer,outcome", [
    (AWS_ORIGINAL, "pass"),                                                                        # as recorded: apology
    ("Uh, Jack, what was your last name so I can look you up in the system.", "fail"),             # apology removed
    ("So the service light came on two weeks after you got the car. Jack, what was your last name?", "pass"),  # paraphrase
    ("Let me look into that for you. Jack, what was your last name so I can look you up?", "pass"),  # ownership
])
def test_aws_call_acknowledgement_edited_in_and_out(aws_call, answer, outcome):
    result = aws(aws_call, answer)
    assert result.outcome == outcome, result.reason


# ---------------------------------------------------------------- SpokenWOZ (real customer-service call, stereo, 8 kHz)

# The first 40 s of the silver per-channel transcript (caller ch0, agent ch1), the caller's lines placed on their
# speech regions and the second one edited to voice a problem.
WOZ_CUSTOMER = [
    (5.31, 7.29, "Hello, it's a customer service?"),
    (10.59, 13.60, "My train ticket was cancelled and I still have not received my refund."),
    (17.63, 19.01, "I'm looking for a train."),
    (23.81, 28.54, "The train should leave on Saturday and should go to Cambridge."),
]
WOZ_AGENT = [
    (8.02, 10.02, "Yes, what can I help you?"),
    (14.11, 16.11, "{answer}"),
    (19.64, 22.56, "Right and what's your list of the string?"),
    (29.49, 31.49, "Okay, so please go ahead"),
]


@pytest.fixture(scope="module")
def woz_call(tmp_path_factory) -> Path:
    audio, sr = sf.read(realdata("spokenwoz_speechbrain/MUL1011_8k_stereo.flac"), dtype="float32")
    path = tmp_path_factory.mktemp("woz") / "woz_first_40s.wav"
    sf.write(path, audio[: 40 * sr], sr)
    return path


@pytest.mark.parametrize("answer,outcome", [
    ("Okay, please tell me what you need", "fail"),                         # as recorded: the problem is not taken up
    ("Oh, I'm sorry about that. Okay, please tell me what you need", "pass"),  # apology added
    ("Your ticket was cancelled and no refund yet?", "pass"),                # paraphrase added
])
def test_spokenwoz_call_with_a_voiced_problem(woz_call, answer, outcome):
    agent = [(a, b, t.format(answer=answer)) for a, b, t in WOZ_AGENT]
    result = empathy_outcome(woz_call, {0: spread(agent), 1: spread(WOZ_CUSTOMER)}, agent_channel="right")
    assert result.outcome == outcome, result.reason


def test_spokenwoz_as_recorded_voices_no_problem(woz_call):
    customer = [*WOZ_CUSTOMER[:1], (10.59, 13.60, "I'm looking for information in Cambridge."), *WOZ_CUSTOMER[2:]]
    agent = [(a, b, t.format(answer="Okay, please tell me what you need")) for a, b, t in WOZ_AGENT]
    result = empathy_outcome(woz_call, {0: spread(agent), 1: spread(customer)}, agent_channel="right")
    assert result.outcome == "not_applicable"


# ---------------------------------------------------------------- pyannote sample (real phone chat, mono mix, gold)

def gold_diarizer(rttm: Path):
    """A diarizer that returns the gold speaker turns (within the detected speech)."""
    turns: dict[str, list[Region]] = {}
    for line in rttm.read_text().splitlines():
        fields = line.split()
        turns.setdefault(fields[7], []).append(Region(float(fields[3]), float(fields[3]) + float(fields[4])))

    def diarize(samples, *, regions, sr, force_two=False) -> SpeakerSplit:
        split = {}
        for k, name in enumerate(sorted(turns)):
            split[k] = tuple(Region(max(r.start_s, g.start_s), min(r.end_s, g.end_s)) for r in regions for g in turns[name]
                             if min(r.end_s, g.end_s) - max(r.start_s, g.start_s) > 0.05)
        return SpeakerSplit(2, 0.5, 0.9, split)
    return diarize


def pyannote_lines(reply: str) -> list[Line]:
    """The gold transcript (sample.stm); Sheila's introduction edited to voice a problem, Diane's answer `reply`."""
    lines = []
    for line in realdata("pyannote_sample/sample.stm").read_text().splitlines():
        _, _, who, start, end, *text = line.split()
        text = " ".join(text)
        if text.startswith("And I'm Sheila"):
            text = "And I'm Sheila in Texas, and my phone line has been broken for a week."
        if text.startswith("Oh, I'm originally from Chicago also"):
            text = reply
        lines.append((float(start), float(end), text))
    return lines


@pytest.mark.parametrize("reply,outcome", [
    ("Oh, I'm originally from Chicago also.", "fail"),
    ("Oh no, I'm sorry, a whole week?", "pass"),
])
def test_pyannote_chat_with_a_complaint(reply, outcome):
    path = realdata("pyannote_sample/sample.wav")
    words = spread(pyannote_lines(reply))
    transcriber = ScriptedTranscriber({0: words}, language="en")
    report = analyze_call(path, transcriber=transcriber,
                          options=AnalyzeOptions(language="en", layout="mixed", agent_speaker="first"),
                          diarizer=gold_diarizer(path.parent / "sample.rttm"))
    result = {o.rule: o for o in report.outcomes}["lacks_empathy"]
    assert result.outcome == outcome, result.reason
