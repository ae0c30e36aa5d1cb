"""The settings page behind ``llm-registry serve``: API keys, model visibility, refresh.

`views` is what the page shows (as data), `settings` fills it and runs the actions (no HTTP),
`app` holds its routes, `guard` the checks every request passes first, and `server` binds and
runs it; `page/` holds its HTML templates, script and style sheet. Needs the ``[ui]`` extra;
nothing else imports this package.
"""
