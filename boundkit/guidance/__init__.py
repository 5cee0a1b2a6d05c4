"""boundkit.guidance (under construction)."""

__all__: list[str] = []
