"""boundkit.complexity (under construction)."""

__all__: list[str] = []
