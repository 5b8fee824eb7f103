"""Many calls: discovery and planning (runner.py), worker processes and Dask
(executors.py), call metadata (metadata.py), the results database (store.py) and
monthly scorecards (scorecard.py, files in scorecard_files.py)."""
