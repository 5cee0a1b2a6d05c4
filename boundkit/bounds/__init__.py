"""boundkit.bounds (under construction)."""

__all__: list[str] = []
