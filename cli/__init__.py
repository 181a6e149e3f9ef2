"""Command-line shell (typer). Thin: it parses flags, calls the library and prints."""
