"""The `report-assistant` console script."""
from __future__ import annotations

import typer

from . import tables

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Ask Korean government reports: exact tables, audit findings, cited passages.")
tables.register(app)

for _name in ("indexcmd", "ask", "evalcmd", "serve"):
    try:
        _mod = __import__(f"cli.{_name}", fromlist=["register"])
    except ModuleNotFoundError as _e:  # a stage not built yet in this checkout
        if _e.name != f"cli.{_name}":
            raise
        continue
    _mod.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
