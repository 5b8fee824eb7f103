"""The signal stages: load and resample a recording, find speech, track pitch.

audio.py (files -> 16 kHz channels with roles), vad.py (Silero speech
regions), pitch.py (F0 tracker). Nothing here knows about words.
"""
