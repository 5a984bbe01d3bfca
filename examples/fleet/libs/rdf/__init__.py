"""RDF helpers for the knowledge graph (rdflib)."""
