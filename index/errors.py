"""Errors that name the file, the line, the value and the fix."""
from __future__ import annotations


class ReportError(Exception):
    """A problem with an input file or a user request, worded for the user.

    Every instance says where (file and line when known), what (the value)
    and what to do about it (the fix). CLI and API print ``str(err)``.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 value: object | None = None, fix: str | None = None, code: str = "bad_input"):
        self.message = message
        self.file = file
        self.line = line
        self.value = value
        self.fix = fix
        self.code = code
        super().__init__(self.__str__())

    def __str__(self) -> str:  # pragma: no cover - trivial formatting
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        text = f"{where}{self.message}"
        if self.value is not None:
            shown = repr(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (value: {shown})"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


class IndexMissing(ReportError):
    def __init__(self, message: str, *, fix: str):
        super().__init__(message, fix=fix, code="index_missing")
