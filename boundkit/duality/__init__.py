"""boundkit.duality (under construction)."""

__all__: list[str] = []
