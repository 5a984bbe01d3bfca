"""Tiny offline models for the ML services (torch, transformers, sentence-transformers).

Only svc_embed and svc_classify import this package; importing it costs seconds and
needs torch, which the other services do not have any use for.
"""
