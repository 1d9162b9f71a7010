"""doc layer."""
