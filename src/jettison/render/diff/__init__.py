"""Renderers of the diff report: terminal and Markdown (one document), JSON, HTML."""
