"""The `report-assistant` console script."""
from __future__ import annotations

import typer

from . import ask, evalcmd, indexcmd, mcpcmd, serve, tables

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Ask Korean government reports: exact tables, audit findings, cited passages.")
for _module in (tables, indexcmd, ask, evalcmd, serve, mcpcmd):
    _module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
