"""boundkit.classes (under construction)."""

__all__: list[str] = []
