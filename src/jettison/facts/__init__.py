"""Shared facts, in tables: packages (dev tools, the torch family), system packages (build
tools), model weights, and what a base image ships. Imports nothing from lint, fix, plan or
inspect; all of them read these."""
