"""boundkit.symbolic (under construction)."""

__all__: list[str] = []
