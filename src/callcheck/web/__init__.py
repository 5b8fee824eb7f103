"""The practice web app (`callcheck serve`): record or upload a call, get coached.

`callcheck.web.app.create_app(...)` builds the FastAPI application. This package
is imported lazily by the CLI, so `callcheck analyze` never loads the web stack.
"""
