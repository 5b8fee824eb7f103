"""indistinct_speech - nachlässige, undeutliche Aussprache: information gets lost.

Three signs (the rule fails on `min_signs` of them), each compared with the customer on the same call where possible
(a bad line affects both parties, careless speech only one):
- unclear: the recogniser is unsure of many of the agent's words;
- lost: the agent speaks, but few words come through (recognised syllables
  per second of speech far below the customer's);
- dull: the agent's speech has much less energy above 1 kHz, where consonants
  live (mumbling, a covered microphone).
"""

from __future__ import annotations

from callcheck.records import Word
from callcheck.rules.base import Evidence, Finding, RuleContext, RuleResult, pick, rounded, turn_evidence

RULE = "indistinct_speech"
TITLE = {"de": "Undeutliche Aussprache", "en": "Indistinct pronunciation"}
SIGN_NAMES = {"unclear": ("unsicher erkannt", "low recognition confidence"),
              "lost": ("Wörter gehen verloren", "words get lost"), "dull": ("dumpfer Klang", "muffled sound")}


def evaluate(ctx: RuleContext) -> RuleResult:
    s, lang = ctx.settings, ctx.report_language
    roles = ctx.measurements.roles
    agent, customer = roles["agent"], roles.get("customer")
    if agent.speech_s < s["min_speech_s"]:
        return RuleResult(RULE, "not_applicable", pick(
            lang, "Zu wenig Sprache des Agenten.", "Too little agent speech to judge."))
    words, customer_words = ctx.words("agent"), ctx.words("customer")
    share = _low_share(words, s["low_probability"]) if len(words) >= s["min_words"] else None
    customer_share = _low_share(customer_words, s["low_probability"]) if len(customer_words) >= s["min_words"] else None
    rate = agent.syllables / agent.speech_s
    customer_rate = customer.syllables / customer.speech_s if customer and customer.speech_s >= s["min_speech_s"] else None
    balance, customer_balance = agent.spectral_balance_db, customer.spectral_balance_db if customer else None
    signs = {
        "unclear": share is not None and share > s["low_confidence_share_max"]
        and (customer_share is None or share - customer_share >= s["customer_margin"]),
        "lost": rate < s["recognised_min_sps"]
        or (customer_rate is not None and rate < s["recognised_vs_customer"] * customer_rate),
        "dull": balance is not None and customer_balance is not None
        and customer_balance - balance >= s["balance_drop_db"],
    }
    count = sum(signs.values())
    named = ", ".join(SIGN_NAMES[k][lang != "de"] for k, v in signs.items() if v)
    measured = {"low_confidence_share": rounded(share), "customer_low_confidence_share": rounded(customer_share),
                "recognised_sps": round(rate, 2), "customer_recognised_sps": rounded(customer_rate),
                "spectral_balance_db": rounded(balance), "customer_spectral_balance_db": rounded(customer_balance),
                "signs": count}
    threshold = {k: s[k] for k in ("low_probability", "low_confidence_share_max", "customer_margin",
                                   "recognised_min_sps", "recognised_vs_customer", "balance_drop_db", "min_signs")}
    if count < s["min_signs"]:
        return RuleResult(RULE, "pass", pick(
            lang, f"{count} Anzeichen ({named or '-'}); {_pct(share)} der Wörter unsicher erkannt.",
            f"{count} signs ({named or '-'}); {_pct(share)} of words recognised with low confidence."))
    low = [w for w in words if w.probability < s["low_probability"]]
    evidence = tuple(Evidence(w.start_s, w.end_s, "agent", f"{w.text} ({w.probability:.2f})") for w in low[:8]) or tuple(
        turn_evidence(t) for t in ctx.turns("agent")[:3])
    finding = Finding(
        rule=RULE, title=TITLE[lang], severity="major" if count >= 3 else "minor",
        confidence=0.9 if count >= 3 else 0.75, measured=measured, threshold=threshold, evidence=evidence,
        tip=pick(lang,
                 "Sprechen Sie Endungen und Konsonanten deutlich aus und halten Sie das Mikrofon in gleichem "
                 "Abstand vor dem Mund. Namen, Zahlen und Adressen langsam und betont sprechen.",
                 "Finish your word endings and consonants, and keep the microphone at a steady distance "
                 "from your mouth. Say names, numbers and addresses slowly and clearly."),
    )
    detail = pick(lang, f"{_pct(share)} der Wörter unsicher, Kunde {_pct(customer_share)}",
                  f"{_pct(share)} of words unsure, customer {_pct(customer_share)}")
    return RuleResult(RULE, "fail", f"{named} ({detail}).", finding)


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def _low_share(words: tuple[Word, ...], limit: float) -> float:
    return sum(w.probability < limit for w in words) / len(words) if words else 0.0
