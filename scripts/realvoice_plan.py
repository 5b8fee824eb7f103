"""What to inject into one real-voice call: the error, its variant and parameters, drawn once.

The ranges are documented in scripts/make_realvoice_corpus.py; they live here
as numbers. A plan is data only: scripts/make_realvoice_corpus.py applies it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from realvoice_sources import Dialogue

ACOUSTIC_ERRORS = ("toneless_voice", "apathetic_voice", "impatient_voice", "rushed_voice",
                   "indistinct_speech", "too_fast")
ERRORS = ACOUSTIC_ERRORS + ("clean",)
BARGE_IN_MIN_CUSTOMER_S = 1.5  # only customer turns at least this long are barged into ...
BARGE_IN_MIN_AGENT_S = 1.2     # ... by an answer whose first stretch of speech (up to its first pause) is this long:
# a short "okay," moved over the caller's end is a backchannel, not a barge-in


@dataclass(frozen=True)
class CallPlan:
    """``error`` is a rule id or "clean"; ``params`` holds the drawn values (JSON-ready)."""

    error: str
    variant: str
    params: dict = field(default_factory=dict)
    agent_channel: str = "left"
    out_sr: int = 8000


def _u(rng: np.random.Generator, lo: float, hi: float, digits: int = 3) -> float:
    return round(float(rng.uniform(lo, hi)), digits)


def answers(dialogue: Dialogue) -> list[float]:
    """Start times of agent units that can barge in: answers to a customer unit of >= 1.5 s that open
    with >= 1.2 s of speech before their first pause."""
    out, units = [], dialogue.units
    for before, unit in zip(units, units[1:], strict=False):
        first_s = unit.pauses_s[0][0] if unit.pauses_s else unit.duration_s
        if unit.role == "agent" and before.role == "customer" and before.duration_s >= BARGE_IN_MIN_CUSTOMER_S \
                and unit.start_s >= before.end_s - 0.3 and first_s >= BARGE_IN_MIN_AGENT_S:
            out.append(round(unit.start_s, 4))
    return out


def draw_params(error: str, dialogue: Dialogue, *, rng: np.random.Generator) -> tuple[str, dict]:
    """The variant and parameters of `error` for `dialogue`."""
    pick = lambda options: str(options[int(rng.integers(len(options)))])  # noqa: E731
    if error == "toneless_voice":
        variant = pick(("compress", "declination"))
        if variant == "compress":
            return variant, {"keep_ratio": _u(rng, 0.10, 0.25)}
        return variant, {"keep_ratio": _u(rng, 0.05, 0.15), "fall_st": _u(rng, 1.0, 3.0)}
    if error == "apathetic_voice":
        variant = pick(("flat", "slow", "flat_slow"))
        params = {"gain_db": -_u(rng, 10.0, 16.0, 1), "gap_s": (1.5, 3.0)}
        if "flat" in variant:
            params["keep_ratio"] = _u(rng, 0.50, 0.70)
        if "slow" in variant:
            params["speech_factor"] = _u(rng, 0.75, 0.87)
        return variant, params
    if error == "impatient_voice":
        candidates = answers(dialogue)
        chosen = [a for a in candidates if rng.random() < 0.75]
        while len(chosen) < min(2, len(candidates)):
            chosen = sorted(set(chosen) | {candidates[int(rng.integers(len(candidates)))]})
        variant = pick(("early", "cut_off"))
        params = {"gap_s": (0.5, 1.5), "answers": sorted(chosen)}
        if variant == "cut_off":
            params["cut_after_s"] = (0.3, 0.6)
        return variant, params
    if error == "rushed_voice":
        variant = pick(("no_pauses", "quick"))
        params = {"pause_s": (0.03, 0.12), "gap_s": (0.0, 0.1)}
        if variant == "quick":
            params["speech_factor"] = _u(rng, 1.10, 1.20)
        return variant, params
    if error == "indistinct_speech":
        return _indistinct(rng, pick)
    if error == "too_fast":
        variant = pick(("pauses_kept", "shorter_pauses"))
        return variant, {"speech_factor": _u(rng, 1.35, 1.60), "method": pick(("psola", "ola")),
                         "shorter_pauses": variant == "shorter_pauses"}
    return "untouched", {}


def _indistinct(rng: np.random.Generator, pick) -> tuple[str, dict]:
    primary = pick(("lowpass", "smear", "codec"))
    if primary == "lowpass":
        params: dict = {"primary": primary, "cutoff_hz": round(_u(rng, 1000, 1800, 0))}
    elif primary == "smear":
        params = {"primary": primary, "rt60_s": _u(rng, 0.5, 1.0), "direct_db": -_u(rng, 0.0, 6.0, 1)}
    else:
        codec, bitrate = [("amr_nb", 4750), ("opus", 6000), ("mp3", 8000)][int(rng.integers(3))]
        params = {"primary": primary, "codec": codec, "bitrate_bps": bitrate, "cutoff_hz": round(_u(rng, 1800, 2400, 0))}
    if rng.random() < 0.5:
        params |= {"noise": pick(("white", "pink")), "snr_db": _u(rng, 8.0, 15.0, 1)}
    return primary + ("_noise" if "snr_db" in params else ""), params


def plan_call(error: str, dialogue: Dialogue, *, rng: np.random.Generator) -> CallPlan:
    """Everything random about one call except the dialogue itself."""
    variant, params = draw_params(error, dialogue, rng=rng)
    out_sr = dialogue.sr if dialogue.source != "german" or rng.random() < 2 / 3 else 8000
    return CallPlan(error=error, variant=variant, params=params,
                    agent_channel="left" if rng.random() < 0.5 else "right", out_sr=out_sr)
