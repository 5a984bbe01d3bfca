"""svc-kg: the knowledge graph of suppliers and invoices."""
