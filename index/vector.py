"""Vector retrieval: Chroma through langchain-chroma, always with our own
embedding function (never Chroma's default, which would download a model).

    client = open_client(path=index_dir / "chroma")          # embedded
    client = open_client(url="http://127.0.0.1:8000")        # server (`chroma run`)
    vec = VectorIndex.create(client, "chunks", embedder); vec.add(chunks)
    vec.search("질문", k=20, where={"doc": {"$in": ["work-report-2018"]}})  # [(chunk_id, distance)]
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from .embed import Embedder
from .errors import ReportError

ADD_BATCH = 1000
PROGRESS_BATCH = 32     # with a progress callback: embed and add this many at a time, reporting after each
SPACE = "cosine"


class EmbeddingsAdapter(Embeddings):
    """langchain's ``Embeddings`` over our ``Embedder``."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(list(texts))

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text)


def is_panic(e: BaseException) -> bool:
    """A Rust panic surfaced by pyo3 (``pyo3_runtime.PanicException`` derives from
    BaseException, so ``except Exception`` misses it): Chroma's answer to a damaged store."""
    return type(e).__name__ == "PanicException" or type(e).__module__ == "pyo3_runtime"


def parse_chroma_url(url: str) -> tuple[str, int, bool]:
    """'http://HOST:PORT' -> (host, port, ssl)."""
    u = urlparse(url if "://" in url else f"http://{url}")
    if u.scheme not in ("http", "https") or not u.hostname:
        raise ReportError("bad Chroma URL", value=url, fix="use http://HOST:PORT, e.g. http://127.0.0.1:8000")
    try:
        port = u.port or (443 if u.scheme == "https" else 8000)
    except ValueError:
        raise ReportError("bad port in Chroma URL", value=url, fix="use http://HOST:PORT") from None
    return u.hostname, port, u.scheme == "https"


def _settings():
    from chromadb.config import Settings
    return Settings(anonymized_telemetry=False)


def open_client(*, path: Path | str | None = None, url: str | None = None):
    """An embedded ``PersistentClient`` at ``path`` or an ``HttpClient`` for ``url``;
    an unreachable server is a ReportError, not a traceback."""
    import chromadb
    if url:
        host, port, ssl = parse_chroma_url(url)
        try:
            client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=_settings())
            client.heartbeat()
        except Exception as e:  # noqa: BLE001 - connection errors come in many types
            raise ReportError(f"cannot reach the Chroma server at {url} ({type(e).__name__})",
                              fix=f"start it (chroma run --path DIR --host {host} --port {port}) or build an "
                                  "embedded index: report-assistant index build --force (without --chroma-url)") from None
        return client
    if path is None:
        raise ValueError("open_client needs path or url")
    return chromadb.PersistentClient(path=str(path), settings=_settings())


def close_client(client) -> None:
    """Release an embedded client's files (no-op where unsupported)."""
    close = getattr(client, "close", None)
    if close:
        try:
            close()
        except Exception:  # noqa: BLE001 - best effort
            pass


class VectorIndex:
    """A Chroma collection of chunk vectors; metadata = chunk fields except the texts."""

    def __init__(self, store, embedder: Embedder, collection: str):
        self.store = store              # langchain_chroma.Chroma
        self.embedder = embedder
        self.collection = collection

    @classmethod
    def _chroma(cls, client, collection: str, embedder: Embedder, create: bool):
        from langchain_chroma import Chroma
        return Chroma(collection_name=collection, embedding_function=EmbeddingsAdapter(embedder), client=client,
                      collection_configuration={"hnsw": {"space": SPACE}} if create else None,
                      create_collection_if_not_exists=create)

    @classmethod
    def create(cls, client, collection: str, embedder: Embedder) -> "VectorIndex":
        try:
            client.delete_collection(collection)
        except Exception:  # noqa: BLE001 - it did not exist
            pass
        return cls(cls._chroma(client, collection, embedder, True), embedder, collection)

    @classmethod
    def open(cls, client, collection: str, embedder: Embedder) -> "VectorIndex":
        try:
            store = cls._chroma(client, collection, embedder, False)
        except Exception as e:  # noqa: BLE001
            raise ReportError(f"vector collection '{collection}' is missing ({type(e).__name__})",
                              fix="run: report-assistant index build --force") from None
        return cls(store, embedder, collection)

    def count(self) -> int:
        return int(self.store._collection.count())

    def add(self, chunks, progress: Callable[[int, int], None] | None = None) -> None:
        """Embed the chunks (their index_text) in small batches, so progress can be shown, then add
        them to Chroma in the large batches it accepts: many small writes in a row left a Chroma
        server (1.5) unresponsive to the next query."""
        chunks = list(chunks)
        texts = [c.index_text for c in chunks]
        step = min(ADD_BATCH, PROGRESS_BATCH) if progress else ADD_BATCH
        vectors: list[list[float]] = []
        for i in range(0, len(texts), step):
            vectors += self.embedder.embed_documents(texts[i:i + step])
            if progress:
                progress(min(i + step, len(texts)), len(texts))
        col = self.store._collection
        for i in range(0, len(chunks), ADD_BATCH):
            batch = chunks[i:i + ADD_BATCH]
            col.add(ids=[c.chunk_id for c in batch], embeddings=vectors[i:i + ADD_BATCH],
                    metadatas=[c.metadata() for c in batch], documents=texts[i:i + ADD_BATCH])

    def search(self, query: str, k: int, where: dict | None = None) -> list[tuple[str, float]]:
        """(chunk_id, cosine distance), nearest first."""
        if k <= 0:
            return []
        vec = self.embedder.embed_query(query)
        try:
            docs = self.store.similarity_search_by_vector_with_relevance_scores(vec, k=k, filter=where or None)
        except BaseException as e:  # noqa: BLE001 - a Rust panic is a BaseException
            if not is_panic(e):
                raise
            raise ReportError(f"index damaged: vector collection '{self.collection}' — run report-assistant index "
                              f"build --force ({type(e).__name__})", code="index_damaged") from None
        return [(d.metadata.get("chunk_id") or d.id, float(dist)) for d, dist in docs]
