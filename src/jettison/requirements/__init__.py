"""Python requirements from requirements*.txt, pyproject.toml and conda environment.yml."""
