"""The corpus directory: report files plus manifest.json listing documents."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .errors import ReportError
from .records import DocumentInfo

MANIFEST = "manifest.json"
KINDS = ("work_report", "audit_response")
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class ManifestEntry:
    id: str
    title: str
    file: str
    kind: str
    as_of: str
    start: str = ""        # text of the line where this document begins in a shared file


def read_manifest(corpus_dir: Path) -> list[ManifestEntry]:
    path = Path(corpus_dir) / MANIFEST
    if not path.exists():
        raise ReportError("corpus manifest not found", file=str(path),
                          fix=f"create {MANIFEST} listing the documents (id, title, file, kind, as_of)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ReportError(f"manifest is not valid JSON: {e}", file=str(path),
                          fix="repair the JSON syntax") from None
    docs = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(docs, list) or not docs:
        raise ReportError("manifest has no 'documents' list", file=str(path),
                          fix='write {"documents": [{"id": ..., "title": ..., "file": ..., "kind": ..., "as_of": ...}]}')
    out, seen = [], set()
    for i, d in enumerate(docs):
        missing = [k for k in ("id", "title", "file", "kind", "as_of") if not isinstance(d, dict) or not d.get(k)]
        if missing:
            raise ReportError(f"document #{i + 1} lacks {', '.join(missing)}", file=str(path), fix="add the missing fields")
        if d["kind"] not in KINDS:
            raise ReportError(f"document '{d['id']}' has unknown kind", file=str(path), value=d["kind"],
                              fix=f"use one of {', '.join(KINDS)}")
        if d["id"] in seen:
            raise ReportError("duplicate document id", file=str(path), value=d["id"], fix="give each document its own id")
        if "/" in d["file"] or "\\" in d["file"] or d["file"].startswith("."):
            raise ReportError("document file must be a plain file name inside the corpus directory",
                              file=str(path), value=d["file"], fix="move the file into the corpus directory")
        seen.add(d["id"])
        out.append(ManifestEntry(d["id"], d["title"], d["file"], d["kind"], d["as_of"], d.get("start", "") or ""))
    return out


def read_lines(path: Path) -> list[str]:
    """The file's lines (1-based in citations), with clear errors for bad files."""
    path = Path(path)
    if not path.exists():
        raise ReportError("report file not found", file=str(path), fix="check the manifest's 'file' entry")
    size = path.stat().st_size
    if size == 0:
        raise ReportError("report file is empty", file=str(path), fix="export the report's text into this file")
    if size > MAX_FILE_BYTES:
        raise ReportError(f"report file is too large ({size:,} bytes, limit {MAX_FILE_BYTES:,})", file=str(path),
                          fix="split the report into several documents in the manifest")
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise ReportError("report file is binary (it contains NUL bytes)", file=str(path),
                          fix="extract the text first (e.g. pdftotext -layout) and point the manifest at the .txt")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ReportError("report file is not valid UTF-8", file=str(path), line=line,
                          value=raw[e.start:e.start + 8], fix="re-save the file as UTF-8 (e.g. iconv -f cp949 -t utf-8)") from None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def split_documents(entries: list[ManifestEntry], lines: list[str], file: str) -> list[DocumentInfo]:
    """Line ranges of the documents that share one file, found by their start text."""
    from .text import squash
    starts = []
    for e in entries:
        if not e.start:
            starts.append((1, e))
            continue
        key = squash(e.start)
        hit = next((i + 1 for i, l in enumerate(lines) if key and key in squash(l)), None)
        if hit is None:
            raise ReportError(f"document '{e.id}' start text not found", file=file, value=e.start,
                              fix="set 'start' in the manifest to the text of the document's first line")
        starts.append((hit, e))
    starts.sort(key=lambda x: x[0])
    out = []
    for i, (s, e) in enumerate(starts):
        end = starts[i + 1][0] - 1 if i + 1 < len(starts) else len(lines)
        out.append(DocumentInfo(e.id, e.title, e.file, e.kind, e.as_of, s, end))
    return out


def corpus_hash(corpus_dir: Path, entries: list[ManifestEntry]) -> str:
    h = hashlib.sha256()
    h.update((Path(corpus_dir) / MANIFEST).read_bytes())
    for f in sorted({e.file for e in entries}):
        h.update(f.encode())
        h.update((Path(corpus_dir) / f).read_bytes())
    return h.hexdigest()[:16]
