"""What the commands of a RUN script do: one module per tool family, each with its option
tables, a small frozen model per recognised command and pure functions over
:class:`~jettison.dockerfile.shell.Command` values. lint's rules, ``fix`` and ``plan`` ask
these modules; none of them reads a command's arguments on its own."""
