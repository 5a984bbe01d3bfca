"""``jettison lint``: rules that know AI stacks, over a Dockerfile and its requirements."""
