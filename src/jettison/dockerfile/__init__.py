"""Dockerfiles: buildkit's parser turned into stages of positioned instructions."""
