"""The image model and its sources: one small ``Image``/``Layer`` type, many ways to open one."""
