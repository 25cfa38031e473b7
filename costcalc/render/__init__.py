"""Renderers: each takes a whole report and writes one format (terminal, JSON, CSV, Markdown, LaTeX, HTML, charts)."""
