"""Training code for the reader (not shipped with the package)."""
