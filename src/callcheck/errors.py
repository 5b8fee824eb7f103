"""One exception family for callcheck.

Library code raises these with the file and the problem in the message; only the
CLI (and later the web layer) turns them into exit codes or HTTP answers.
"""

from __future__ import annotations


class CallcheckError(Exception):
    """Root of every error callcheck raises on purpose."""


class AudioError(CallcheckError):
    """The input file is not usable audio (empty, corrupt, too short, ...)."""


class ModelError(CallcheckError):
    """The speech model is missing, incomplete or fails verification."""


class ConfigError(CallcheckError):
    """An option or a configuration file has a wrong key or value."""


class ManifestError(CallcheckError):
    """Call metadata (a manifest CSV or a --pattern) is wrong; names the row or file."""


class StoreError(CallcheckError):
    """The results database cannot be opened, migrated or written."""


class ScorecardError(CallcheckError):
    """A scorecard cannot be made (no scored calls in the month, bad option)."""
