"""The settings page behind ``llm-registry serve``: API keys, model visibility, refresh.

`settings` is what the page shows and does (no HTTP), `app` its routes, `guard` the checks
every request passes first, `server` binds and runs it; `page/` holds its HTML templates,
script and style sheet. Needs the ``[ui]`` extra; nothing else imports this package.
"""
