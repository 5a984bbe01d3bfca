"""svc-ingest: accepts uploaded documents and hands them to the extractor."""
