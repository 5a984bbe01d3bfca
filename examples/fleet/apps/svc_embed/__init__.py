"""svc-embed: sentence embeddings for retrieval."""
