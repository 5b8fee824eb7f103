"""German and English texts of the practice page, and the practice scenarios.

The page is rendered with the texts of one language; `page_language` picks it
from `?lang=` or the browser's Accept-Language. Scenario prompts say in one or
two sentences what to practise and which of the eight checks look at it.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("de", "en")

TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "title": "callcheck – Gespräche üben",
        "intro": "Nehmen Sie ein Übungsgespräch auf oder laden Sie eine Aufnahme hoch. callcheck wertet sie auf "
                 "diesem Rechner aus und zeigt, woran Sie arbeiten können.",
        "privacy": "Alles bleibt auf diesem Rechner; die Aufnahme wird nach der Auswertung gelöscht.",
        "privacy_kept": "Alles bleibt auf diesem Rechner; Aufnahmen werden auf diesem Rechner aufbewahrt.",
        "agent": "Ihr Name",
        "agent_hint": "für den Verlauf Ihrer Versuche (freiwillig)",
        "language": "Gesprächssprache",
        "auto": "automatisch",
        "german": "Deutsch",
        "english": "Englisch",
        "scenario": "Übung",
        "record": "Aufnehmen",
        "stop": "Aufnahme beenden",
        "recording": "Aufnahme läuft",
        "recorded": "Aufnahme bereit",
        "mic_denied": "Kein Zugriff auf das Mikrofon. Erlauben Sie den Zugriff oder laden Sie eine Datei hoch.",
        "no_recorder": "Dieser Browser kann nicht aufnehmen. Laden Sie bitte eine Datei hoch.",
        "or": "oder",
        "upload": "Datei hochladen",
        "upload_hint": "WAV, MP3, FLAC, OGG, M4A, WebM …; höchstens {max_mb} MB und {max_min} Minuten",
        "analyze": "Auswerten",
        "choose_first": "Nehmen Sie zuerst etwas auf oder wählen Sie eine Datei.",
        "sending": "Wird hochgeladen …",
        "queued": "In der Warteschlange (Position {position}) …",
        "running": "Wird ausgewertet …",
        "stage_audio": "Audio lesen",
        "stage_vad": "Sprache finden",
        "stage_layout": "Sprecher trennen",
        "stage_language": "Sprache erkennen",
        "stage_asr": "Mitschrift erstellen",
        "stage_measure": "Stimme messen",
        "stage_rules": "Bewerten",
        "done": "Fertig.",
        "failed": "Die Auswertung ist fehlgeschlagen",
        "network": "Der Server antwortet nicht.",
        "elapsed": "{seconds} s",
        "result": "Ihr Ergebnis",
        "score": "Punktzahl",
        "open_report": "Bericht in eigenem Tab öffnen",
        "history": "Ihre bisherigen Versuche",
        "history_empty": "Noch keine Versuche gespeichert.",
        "history_none": "Geben Sie Ihren Namen ein, um Ihre bisherigen Versuche zu sehen.",
        "trend": "Verlauf der Punktzahl",
        "attempts": "Versuche",
        "when": "Wann",
        "exercise": "Übung",
        "failed_checks": "Nicht bestanden",
        "recurring": "Was immer wieder auffällt",
        "recurring_none": "Keine Prüfung schlägt wiederholt an.",
        "failed_of": "in {failed} von {of} der letzten Versuche",
        "change": "Veränderung seit dem ersten Versuch: {change}",
        "no_speech": "keine Sprache",
        "switch": "English",
    },
    "en": {
        "title": "callcheck – practise calls",
        "intro": "Record a practice call or upload a recording. callcheck analyses it on this computer and shows "
                 "you what to work on.",
        "privacy": "Everything stays on this computer; the recording is deleted after the analysis.",
        "privacy_kept": "Everything stays on this computer; recordings are kept on this computer.",
        "agent": "Your name",
        "agent_hint": "to track your attempts (optional)",
        "language": "Call language",
        "auto": "detect",
        "german": "German",
        "english": "English",
        "scenario": "Exercise",
        "record": "Record",
        "stop": "Stop recording",
        "recording": "Recording",
        "recorded": "Recording ready",
        "mic_denied": "No access to the microphone. Allow it, or upload a file instead.",
        "no_recorder": "This browser cannot record. Please upload a file.",
        "or": "or",
        "upload": "Upload a file",
        "upload_hint": "WAV, MP3, FLAC, OGG, M4A, WebM …; at most {max_mb} MB and {max_min} minutes",
        "analyze": "Analyse",
        "choose_first": "Record something or choose a file first.",
        "sending": "Uploading …",
        "queued": "Waiting in line (position {position}) …",
        "running": "Analysing …",
        "stage_audio": "Reading audio",
        "stage_vad": "Finding speech",
        "stage_layout": "Telling speakers apart",
        "stage_language": "Detecting language",
        "stage_asr": "Transcribing",
        "stage_measure": "Measuring the voice",
        "stage_rules": "Scoring",
        "done": "Done.",
        "failed": "The analysis failed",
        "network": "The server does not answer.",
        "elapsed": "{seconds} s",
        "result": "Your result",
        "score": "Score",
        "open_report": "Open the report in its own tab",
        "history": "Your earlier attempts",
        "history_empty": "No attempts saved yet.",
        "history_none": "Enter your name to see your earlier attempts.",
        "trend": "Score trend",
        "attempts": "Attempts",
        "when": "When",
        "exercise": "Exercise",
        "failed_checks": "Failed checks",
        "recurring": "What keeps coming up",
        "recurring_none": "No check fails repeatedly.",
        "failed_of": "in {failed} of the last {of} attempts",
        "change": "Change since the first attempt: {change}",
        "no_speech": "no speech",
        "switch": "Deutsch",
    },
}

SCENARIOS: dict[str, dict[str, tuple[str, str]]] = {
    # id -> language -> (title, prompt)
    "free": {
        "de": ("Freies Gespräch", "Sprechen Sie so, wie Sie am Telefon mit Kunden sprechen."),
        "en": ("Free practice", "Speak the way you talk to customers on the phone."),
    },
    "greeting": {
        "de": ("Begrüßung", "Melden Sie sich wie bei einem echten Anruf: Firma, Ihr Name, ein Gruß – kurz, "
                            "freundlich und lebendig, in höchstens sechs Sekunden."),
        "en": ("Greeting", "Answer as on a real call: company, your name, a greeting – short, friendly and "
                           "lively, in six seconds at most."),
    },
    "complaint": {
        "de": ("Beschwerde", "Ein Kunde ist verärgert, weil seine Lieferung nicht kam. Zeigen Sie Verständnis, "
                             "bevor Sie erklären, und sagen Sie, was Sie jetzt für ihn tun."),
        "en": ("Complaint", "A customer is upset because the delivery did not arrive. Acknowledge the feeling "
                            "before you explain, and say what you will do now."),
    },
    "explain": {
        "de": ("Etwas erklären", "Erklären Sie einen Ablauf (z. B. eine Rücksendung) in Ruhe: kurze Sätze, "
                                 "Pausen zum Atmen, nicht zu schnell."),
        "en": ("Explaining", "Explain a procedure (e.g. a return) calmly: short sentences, pauses to breathe, "
                             "not too fast."),
    },
    "bad_news": {
        "de": ("Schlechte Nachricht", "Teilen Sie mit, dass ein Wunsch nicht erfüllt werden kann – mit Wärme in "
                                      "der Stimme und einer Alternative."),
        "en": ("Bad news", "Tell the customer that a request cannot be met – with warmth in your voice and an "
                           "alternative."),
    },
}


def texts(language: str) -> Mapping[str, str]:
    return TEXTS["de" if language == "de" else "en"]


def scenarios(language: str) -> list[dict[str, str]]:
    """[{id, title, prompt}] in `language`, in display order."""
    lang = "de" if language == "de" else "en"
    return [{"id": key, "title": by_lang[lang][0], "prompt": by_lang[lang][1]} for key, by_lang in SCENARIOS.items()]


def page_language(query: str | None, accept_language: str | None) -> str:
    """`?lang=de|en` if given; else the first of de/en in Accept-Language by preference; else English."""
    if query in LANGUAGES:
        return query
    best, best_q = "en", -1.0
    for n, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        lang = tag.strip().lower()[:2]
        try:
            q = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        if lang in LANGUAGES and q - n * 1e-6 > best_q:
            best, best_q = lang, q - n * 1e-6
    return best
