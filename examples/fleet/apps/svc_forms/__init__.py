"""svc-forms: validates and normalises submitted forms."""
