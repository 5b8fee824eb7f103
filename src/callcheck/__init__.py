"""callcheck: offline quality checks for telephone-support calls."""

from callcheck.errors import AudioError, CallcheckError, ConfigError, ModelError

__version__ = "0.1.0"
__all__ = ["AudioError", "CallcheckError", "ConfigError", "ModelError", "__version__"]
