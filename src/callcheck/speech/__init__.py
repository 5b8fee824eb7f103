"""Words: the Whisper model (models.py finds and verifies it, asr.py runs it) and
what is counted on words (syllables.py, numbers.py for numbers as spoken)."""
