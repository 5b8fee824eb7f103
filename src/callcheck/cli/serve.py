"""`callcheck serve`: parse options, build the practice app, run it with uvicorn.

FastAPI and uvicorn are imported
only when the command runs, so the rest of the CLI starts as fast as before.
"""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

import click

from callcheck.cli.common import clean_errors, config_option, load_factory, model_options, redact_option, transcriber_option

log = logging.getLogger(__name__)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default is reachable from this computer only; "
                   "0.0.0.0 opens the app to the network (no login!).")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default="callcheck.db", show_default=True,
              help="Results database (SQLite, shared with `callcheck batch`); practice attempts are marked 'practice'.")
@click.option("--keep-audio", is_flag=True,
              help="Keep uploaded recordings (in --audio-dir) instead of deleting them after the analysis.")
@click.option("--audio-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where --keep-audio keeps uploads (default: <db name>-audio next to the database).")
@click.option("--max-upload-mb", type=click.FloatRange(0.1, 2048), default=50.0, show_default=True,
              help="Largest accepted upload (413 above).")
@click.option("--max-minutes", type=click.FloatRange(0.1, 240), default=15.0, show_default=True,
              help="Longest accepted recording (422 above).")
@click.option("--queue", "max_queued", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="Analyses that may wait; more are refused with 503.")
@model_options
@click.option("--threads", type=click.IntRange(0, 256), default=0, help="CPU threads for ASR (0 = all cores).")
@config_option
@redact_option
@transcriber_option
@click.pass_context
@clean_errors
def serve(ctx, host, port, db, keep_audio, audio_dir, max_upload_mb, max_minutes, max_queued, model_spec, beam_size,
          threads, config_path, no_redact, transcriber_ref):
    """Start the practice web app: record or upload a call in the browser and get coached.

    Open the printed address in a browser. Uploads are analysed one at a time and
    deleted afterwards (unless --keep-audio); every attempt is saved to --db.

    \b
    Examples:
      callcheck serve                                  # http://127.0.0.1:8765
      callcheck serve --db qa.db --port 9000
      callcheck serve --host 0.0.0.0 --keep-audio      # open to the network, keep recordings
    """
    import uvicorn

    from callcheck.config import load_config
    from callcheck.speech.asr import WhisperSettings
    from callcheck.speech.models import resolve_model
    from callcheck.web.app import create_app

    factory = load_factory(transcriber_ref) if transcriber_ref else None
    app = create_app(
        db=db, transcriber_factory=factory, model=None if factory else resolve_model(model_spec),
        whisper=WhisperSettings(cpu_threads=threads, beam_size=beam_size), config=load_config(config_path),
        keep_audio=keep_audio, audio_dir=audio_dir, max_upload_mb=max_upload_mb, max_duration_min=max_minutes,
        max_queued=max_queued, redact=False if no_redact else None,
    )
    if not _is_loopback(host):
        click.echo(f"callcheck: warning: listening on {host}: anyone who can reach this computer can use the app "
                   "and read the practice history (there is no login)", err=True)
    shown = f"[{host}]" if ":" in host else host
    kept = f"kept in {app.state.settings.kept_audio}" if keep_audio else "deleted after analysis"
    click.echo(f"callcheck practice app on http://{shown}:{port}/  (database {db}; uploads {kept}; Ctrl+C stops)")
    verbose = (ctx.find_root().params.get("verbose") or 0) > 0
    uvicorn.run(app, host=host, port=port, log_level="info" if verbose else "warning", access_log=verbose)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

