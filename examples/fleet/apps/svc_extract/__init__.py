"""svc-extract: text out of PDF documents."""
