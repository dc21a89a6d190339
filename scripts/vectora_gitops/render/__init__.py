"""Renderers: text (terminal), Markdown (PR comments, job summaries), JSON, HTML."""
