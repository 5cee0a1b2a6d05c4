"""boundkit.simulation (under construction)."""

__all__: list[str] = []
