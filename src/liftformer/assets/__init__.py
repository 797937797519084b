"""Files bundled with the package (the demo input)."""
