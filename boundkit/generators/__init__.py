"""boundkit.generators (under construction)."""

__all__: list[str] = []
