"""boundkit.distributions (under construction)."""

__all__: list[str] = []
