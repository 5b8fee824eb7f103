"""Old import path of the results database, kept for users' scripts: use `callcheck.batch.store`."""

from callcheck.batch.store import *  # noqa: F401,F403
from callcheck.batch.store import Store  # noqa: F401
