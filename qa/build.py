"""corpus/ → index/, incrementally: decide what changed, embed only that, commit atomically.

Reading files is qa/articles.py's job, storing is qa/store.py's; this module holds the bookkeeping.
"""

from __future__ import annotations

import stat
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm.auto import tqdm

import qa
from qa.articles import (
    CLEANING_VERSION,
    MAX_FILE_BYTES,
    MAX_FILE_MB,
    SUFFIXES,
    Article,
    ArticleError,
    Skipped,
    Source,
    corpus_listing,
    parse_article,
    read_sources,
    shown_name,
)
from qa.backends import build_target
from qa.chunking import Chunk, ChunkSettings, article_sentences, chunk_article, embedding_text
from qa.chunkstore import Fingerprint
from qa.encoders import DEFAULT_MODEL, embedding_dimension, load_encoder, model_of_index
from qa.errors import IndexCorruptError, IndexFormatError, QAError
from qa.location import MilvusStore
from qa.store import FORMAT_VERSION, BuildBase, IndexSettings, IndexWriter, LocalTarget
from qa.translations import Message, say

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from qa.milvus_build import MilvusBase, MilvusTarget, MilvusWriter

    Target = LocalTarget | MilvusTarget

EMBED_BATCH = 256  # texts per progress step; the encoder batches within it


@dataclass(frozen=True)
class Duplicate:
    """A file or archive row whose cleaned text another article of the corpus already has: the
    index holds that one, once. It is read again at every build, so that it takes the place of
    the other when that one goes."""

    id: str
    same_as: str


# The files of other types the summary names; the JSON report lists them all.
_IGNORED_SHOWN = 5


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files of a type no article is read from
    duplicates: list[Duplicate] = field(default_factory=list)
    chunks_embedded: int = 0
    sentences_embedded: int = 0
    embedding_seconds: dict[str, float] = field(default_factory=dict)  # "chunks", "sentences"
    chunks_removed: int = 0
    total_articles: int = 0
    total_chunks: int = 0
    seconds: float = 0.0
    full_rebuild: Message | None = None  # why everything was re-embedded, when it was
    model: str = ""

    def summary(self) -> str:
        lines = []
        if self.full_rebuild:
            lines.append(f"Full rebuild: {self.full_rebuild}.")
        n = len(self.duplicates)
        duplicates = f", {n} duplicate{'s' * (n != 1)}" if n else ""
        lines.append(
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped{duplicates}; "
            f"{self.chunks_embedded} chunks embedded ({self.sentences_embedded} sentences), "
            f"{self.chunks_removed} removed; "
            f"index holds {self.total_articles} articles in {self.total_chunks} chunks "
            f"({self.model}); {self.seconds:.1f} s."
        )
        lines += [f"skipped {s.id}: {s.reason}" for s in self.skipped]
        if self.ignored:
            n = len(self.ignored)
            more = f" and {n - _IGNORED_SHOWN} more" if n > _IGNORED_SHOWN else ""
            lines.append(
                f"ignored {n} file{'s' * (n != 1)} of other types ({', '.join(SUFFIXES)} are read): "
                f"{', '.join(self.ignored[:_IGNORED_SHOWN])}{more}"
            )
        lines += [f"duplicate {d.id}: the same text as {d.same_as}, indexed once" for d in self.duplicates]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """The report as `qa build --json` prints it."""
        report = asdict(self)
        report["full_rebuild"] = str(self.full_rebuild) if self.full_rebuild else None
        report["skipped"] = [{"id": s.id, "reason": str(s.reason)} for s in self.skipped]
        report["duplicates"] = [{"id": d.id, "same_as": d.same_as} for d in self.duplicates]
        return report


def max_file_mb(value: str | None) -> float:
    """The largest file a build reads, in MB, from --max-file-mb or QA_MAX_FILE_MB; MAX_FILE_MB if unset."""
    if not value:
        return MAX_FILE_MB
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = -1.0
    if not megabytes > 0:
        raise QAError("error_max_file_mb", value=repr(value))
    return megabytes


def build_index(
    corpus: Path,
    index: Path | str | MilvusStore,
    model: str | None = None,
    chunking: ChunkSettings | None = None,
    rebuild: bool = False,
    encoder: SentenceTransformer | None = None,
    log: Callable[[str], None] = print,
    max_file_bytes: int = MAX_FILE_BYTES,
    vectors: object | None = None,
    language: str = "en",
) -> BuildReport:
    """Bring `index` (a folder, or a Milvus store: qa/backends.py) up to date with `corpus`,
    embedding only new and changed articles.

    `vectors` chooses how the vectors are searched, in the backend's terms (VectorSettings for a
    folder, MilvusVectors for Milvus; qa.backends.vector_settings makes either from a CLI option);
    None keeps what the index has.

    The model is, in order: `model`, the one the existing index was built with (a local folder
    only when named as `model`), the default. A different model, chunking or cleaning than the
    index has means a full rebuild, and so does damage the base generation's check finds. A file
    that cannot be read is skipped with its reason, never ending the build; files over
    `max_file_bytes` are not read at all. `language`: of the progress bars' labels (the app's page).
    """
    started = time.perf_counter()
    if not corpus.is_dir():
        raise QAError("error_no_corpus", corpus=corpus)
    target = build_target(index)
    try:
        target.check_writable()
        # The lock comes before the model: a second build is refused at once, not after loading it.
        with target.lock():
            return _build(
                corpus, target, model, chunking, rebuild, encoder, log, max_file_bytes, vectors, started,
                language,
            )  # fmt: skip
    finally:
        target.close()


def _build(
    corpus: Path,
    target: Target,
    model: str | None,
    chunking: ChunkSettings | None,
    rebuild: bool,
    encoder: SentenceTransformer | None,
    log: Callable[[str], None],
    max_file_bytes: int,
    asked_vectors: object | None,
    started: float,
    language: str,
) -> BuildReport:
    older_format = None
    try:
        previous = None if rebuild else target.committed()
    except IndexFormatError as e:
        # An index written by another qa version is rebuilt, not refused: this qa cannot
        # read it anyway, and the articles it was built from are in corpus/.
        previous, older_format = None, e.found
    except IndexCorruptError as e:
        raise QAError(e.message) from None
    if previous:
        target.tidy(keep=previous)
    # The vector index a user chose once (qa build --index-type) holds until they choose again.
    vectors = target.vector_settings(asked_vectors, previous)
    model_name = model or (
        model_of_index(previous.settings.model, None, target.where) if previous else DEFAULT_MODEL
    )
    if encoder is None and previous and previous.settings.model == model_name:
        # The model is loaded only once there is something to embed: an unchanged corpus is
        # checked without the seconds that loading it takes. Its dimension is the index's.
        dimension = previous.settings.dimension
    else:
        encoder = encoder or load_encoder(model_name)
        dimension = embedding_dimension(encoder)
    settings = IndexSettings(
        model=model_name,
        dimension=dimension,
        chunking=chunking or ChunkSettings(),
        cleaning_version=CLEANING_VERSION,
    )
    report = BuildReport(model=model_name)
    if rebuild:
        report.full_rebuild = Message("rebuild_asked")
    elif older_format is not None:
        report.full_rebuild = Message("rebuild_format", found=older_format, version=FORMAT_VERSION)
    elif previous and previous.settings != settings:
        report.full_rebuild = _difference(previous.settings, settings)
        previous = None
    base = None
    if previous:
        try:
            base = target.open_base(previous)
        except IndexCorruptError as e:
            # Damaged files are rebuilt from corpus/, not carried into the next generation.
            base, report.full_rebuild = None, e.problem
    if report.full_rebuild:
        log(f"Full rebuild: {report.full_rebuild}.")
    try:
        _update(
            corpus,
            target,
            settings,
            base,
            _Encoder(model_name, dimension, encoder),
            report,
            started,
            log=log,
            max_file_bytes=max_file_bytes,
            vectors=vectors,
            language=language,
        )
    finally:
        if base:
            base.close()
    return report


def _update(
    corpus: Path,
    target: Target,
    settings: IndexSettings,
    base: BuildBase | MilvusBase | None,
    encoder: _Encoder,
    report: BuildReport,
    started: float,
    *,
    log: Callable[[str], None],
    max_file_bytes: int,
    vectors: object,
    language: str,
) -> None:
    """Read the corpus once, file by file and a bulk archive row by row; parse, embed and write
    what is new or changed a batch at a time, so that memory holds one batch and one file or row
    however large the archive; remove what is gone; commit."""
    known = base.article_hashes() if base else {}
    recorded = base.sources() if base else {}
    of_file = _articles_by_file(known, recorded)
    fingerprints: dict[str, Fingerprint] = {}  # files read whole and clean this time
    unchanged_files: set[str] = set()  # skipped by their fingerprint
    scan_started = time.time_ns()
    seen: set[str] = set()  # articles found, or kept while their file does not read
    kept_rows_of: list[str] = []  # bulk archives whose rows not found this time stay
    # No writer until there is something to write: a build with no change commits nothing. A new
    # index is written even when empty.
    writer = None if base else target.writer(settings, base, vectors)
    batch: list[tuple[Article, list[Chunk]]] = []
    # One article per text: a file or row whose cleaned text another article has is a duplicate.
    # Which other article keeps it may be known only at the end of the scan (the one indexed
    # before may be found later, changed or gone), so such a case waits until then.
    taken: dict[str, str] = {}  # text hash → the article this build indexes with it
    rewritten: set[str] = set()  # articles this build changes
    waiting: list[tuple[tuple[Article, list[Chunk]], list[str]]] = []

    def take(read: tuple[Article, list[Chunk]]) -> None:
        nonlocal writer, batch
        article = read[0]
        writer = writer or target.writer(settings, base, vectors)
        if article.id in known:
            report.changed.append(article.id)
            rewritten.add(article.id)
            report.chunks_removed += writer.remove_articles([article.id])
        else:
            report.added.append(article.id)
        seen.add(article.id)
        taken.setdefault(article.text_hash, article.id)
        batch.append(read)
        if sum(len(c) for _, c in batch) >= BATCH_CHUNKS:
            _write_batch(writer, encoder, batch, report, language)
            batch = []

    def staying(holders: list[str]) -> str | None:
        """The first of the indexed articles with a text that stays in the index as it is."""
        return next((h for h in holders if h in seen and h not in rewritten), None)

    paths, others = corpus_listing(corpus)
    report.ignored = [shown_name(str(p.relative_to(corpus))) for p in others]
    try:
        with tqdm(
            total=sum(_size(path) for path in paths),
            desc=say("progress_reading", language),
            unit="B",
            unit_scale=True,
            leave=False,
        ) as bar:
            done = 0
            for path in paths:
                name, fingerprint = _fingerprint(corpus, path)
                if fingerprint and recorded.get(name) == fingerprint and of_file.get(name):
                    # Unchanged since it was last read whole and clean: its articles stand.
                    seen.update(of_file[name])
                    unchanged_files.add(name)
                    report.unchanged += len(of_file[name])
                    done += _size(path)
                    bar.update(done - bar.n)
                    continue
                clean = fingerprint is not None
                for found in read_sources(corpus, path, max_file_bytes):
                    if isinstance(found, Skipped):
                        clean = False
                        report.skipped.append(found)
                        if found.keeps_indexed:
                            seen.add(found.kept)
                            if found.rows_of:
                                kept_rows_of.append(f"{found.rows_of}#")
                        continue
                    if found.id in seen:
                        # Only a file named like a row of an archive (archief.jsonl#x.txt) can.
                        report.skipped.append(found.skipped(Message("skip_same_id", id=found.id)))
                        continue
                    seen.add(found.id)
                    if known.get(found.id) == found.hash:
                        report.unchanged += 1
                        bar.update(found.size)
                        continue
                    read = _read_article(found, settings.chunking, bar, log)
                    if isinstance(read, Skipped):
                        # A changed file that no longer reads keeps its last good version.
                        clean = False
                        report.skipped.append(read)
                        continue
                    article = read[0]
                    holders = (
                        [a for a in base.articles_with_text(article.text_hash) if a != article.id]
                        if base
                        else []
                    )
                    same_as = taken.get(article.text_hash) or staying(holders)
                    if same_as or holders:
                        # Not (or not yet) this article's own: an earlier version of it goes.
                        seen.discard(article.id)
                    if same_as:
                        report.duplicates.append(Duplicate(article.id, same_as))
                    elif holders:
                        waiting.append((read, holders))
                    else:
                        take(read)
                # A file changed in the last moments before the scan may change again within the
                # file system's clock tick, keeping its fingerprint ("racy git"): not noted.
                if clean and fingerprint[1] < scan_started - _RACY_NS:
                    fingerprints[name] = fingerprint
                done += _size(path)
                bar.update(done - bar.n)
        for read, holders in waiting:
            same_as = staying(holders) or taken.get(read[0].text_hash)
            if same_as:
                report.duplicates.append(Duplicate(read[0].id, same_as))
            else:
                take(read)
        report.duplicates.sort(key=lambda d: d.id)
        report.removed = sorted(
            article_id
            for article_id in known
            if article_id not in seen and not article_id.startswith(tuple(kept_rows_of))
        )
        if report.removed:
            writer = writer or target.writer(settings, base, vectors)
            report.chunks_removed += writer.remove_articles(report.removed)
        report.skipped.sort(key=_report_order)
        changed_sources = {n: f for n, f in fingerprints.items() if recorded.get(n) != f}
        # A file read again and not clean, or not found, loses its note: it is read until clean.
        gone_sources = [n for n in recorded if n not in fingerprints and n not in unchanged_files]
        if writer is None:
            # Nothing to write: the committed index already is this corpus.
            assert base is not None
            target.record_sources(base.manifest, changed_sources, gone_sources)
            _finish(report, base.manifest.articles, base.manifest.chunks, started)
            return
        _write_batch(writer, encoder, batch, report, language)
        report.seconds = time.perf_counter() - started
        manifest = writer.commit(
            {
                "qa_version": qa.__version__,
                "seconds": round(report.seconds, 3),
                "added": len(report.added),
                "changed": len(report.changed),
                "removed": len(report.removed),
                "skipped": len(report.skipped),
            }
        )
        # Noted only once the generation that holds these files' articles is committed.
        target.record_sources(manifest, fingerprints if base is None else changed_sources, gone_sources)
        _finish(report, manifest.articles, manifest.chunks, started)
    except BaseException:
        if writer:
            writer.abort()
        raise


_RACY_NS = 2_000_000_000


def _fingerprint(corpus: Path, path: Path) -> tuple[str, Fingerprint | None]:
    """The file's id and (size, mtime_ns); None for a link or anything but a regular file,
    which is read every time (where a link leads can change without the link changing)."""
    name = path.relative_to(corpus).as_posix()
    try:
        status = path.lstat()
    except OSError:
        return name, None
    return name, (status.st_size, status.st_mtime_ns) if stat.S_ISREG(status.st_mode) else None


def _articles_by_file(known: dict[str, str], recorded: dict[str, Fingerprint]) -> dict[str, list[str]]:
    """The indexed articles of each recorded file: the file's own id, or a bulk archive's rows
    (archief.jsonl#key: the longest recorded name before a '#')."""
    found: dict[str, list[str]] = {}
    for article_id in known:
        if article_id in recorded:
            found.setdefault(article_id, []).append(article_id)
            continue
        cut = article_id.rfind("#")
        while cut > 0:
            if article_id[:cut] in recorded:
                found.setdefault(article_id[:cut], []).append(article_id)
                break
            cut = article_id.rfind("#", 0, cut)
    return found


def _size(path: Path) -> int:
    """What reading `path` moves the progress bar by: its size when it is a file."""
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def _report_order(skipped: Skipped) -> tuple[str, int]:
    """Files by name, the lines of one archive in file order (archief.jsonl:9 before :10)."""
    name, colon, line = skipped.id.rpartition(":")
    return (name, int(line)) if colon and line.isdigit() else (skipped.id, 0)


# Articles are embedded and written this many chunks at a time: the build's memory holds one
# batch (its chunk and sentence vectors) whatever the size of the archive.
BATCH_CHUNKS = 4_096


def _write_batch(
    writer: IndexWriter | MilvusWriter,
    model: _Encoder,
    batch: list[tuple[Article, list[Chunk]]],
    report: BuildReport,
    language: str,
) -> None:
    if not batch:
        return
    encoder = model.loaded()
    texts = [embedding_text(article, chunk) for article, chunks in batch for chunk in chunks]
    embedding = time.perf_counter()
    vectors = _embed(encoder, texts, say("progress_chunks", language), "chunk", batch_size=32)
    report.embedding_seconds["chunks"] = (
        report.embedding_seconds.get("chunks", 0.0) + time.perf_counter() - embedding
    )
    # Answers are chosen sentence by sentence; embedding them here rather than per question
    # takes about 20 ms off every question at 100k chunks (BENCHMARKS.md).
    spans = [article_sentences(chunks) for _, chunks in batch]
    sentences = [a.text[s:e] for (a, _), found in zip(batch, spans, strict=True) for s, e in found]
    # Short texts: a whole progress step per batch halves the per-batch overhead (bench_build.py).
    embedding = time.perf_counter()
    sentence_vectors = _embed(
        encoder, sentences, say("progress_sentences", language), "sentence", batch_size=EMBED_BATCH
    )
    report.embedding_seconds["sentences"] = (
        report.embedding_seconds.get("sentences", 0.0) + time.perf_counter() - embedding
    )
    offset = sentence_offset = 0
    for (article, chunks), found in zip(batch, spans, strict=True):
        writer.add_article(
            article,
            chunks,
            vectors[offset : offset + len(chunks)],
            sentence_vectors[sentence_offset : sentence_offset + len(found)],
        )
        offset += len(chunks)
        sentence_offset += len(found)
    report.chunks_embedded += offset
    report.sentences_embedded += sentence_offset


def _finish(report: BuildReport, articles: int, chunks: int, started: float) -> None:
    report.total_articles = articles
    report.total_chunks = chunks
    report.seconds = time.perf_counter() - started


def _read_article(
    source: Source, chunking: ChunkSettings, bar: tqdm, log: Callable[[str], None]
) -> tuple[Article, list[Chunk]] | Skipped:
    """One new or changed file or archive row as an article and its chunks, or why not.

    Splitting sentences takes most of a long file's time, so the bar moves through it as they are.
    """
    done = bar.n
    try:
        article = parse_article(source)
        scale = source.size / len(article.text)
        chunks = chunk_article(article, chunking, lambda at: bar.update(done + int(at * scale) - bar.n))
    except ArticleError as e:
        return source.skipped(e.message)
    except Exception as e:
        # A bug met by one file must not throw away the work on all others: the file is skipped
        # with the error, which is worth reporting.
        error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        log(f"qa: {source.name}: {error} while reading it; please report this with the file")
        return source.skipped(Message("skip_bug", error=error))
    finally:
        bar.update(done + source.size - bar.n)
    return article, chunks


class _Encoder:
    """The build's model, loaded the first time something is embedded."""

    def __init__(self, name: str, dimension: int, loaded: SentenceTransformer | None = None):
        self.name, self.dimension, self._loaded = name, dimension, loaded

    def loaded(self) -> SentenceTransformer:
        if self._loaded is None:
            self._loaded = load_encoder(self.name)
            found = embedding_dimension(self._loaded)
            if found != self.dimension:  # the files behind a model's name changed since
                raise QAError("error_model_changed", model=self.name, found=found, dimension=self.dimension)
        return self._loaded


def _embed(
    encoder: SentenceTransformer, texts: list[str], desc: str, unit: str, batch_size: int
) -> np.ndarray:
    dimension = embedding_dimension(encoder)
    if not texts:
        return np.zeros((0, dimension), dtype=np.float32)
    parts = []
    with tqdm(total=len(texts), desc=desc, unit=unit) as bar:
        for i in range(0, len(texts), EMBED_BATCH):
            batch = texts[i : i + EMBED_BATCH]
            parts.append(
                encoder.encode_document(
                    batch,
                    batch_size=batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            )
            bar.update(len(batch))
    return np.concatenate(parts).astype(np.float32, copy=False)


def _difference(old: IndexSettings, new: IndexSettings) -> Message:
    if old.model != new.model:
        return Message("rebuild_model", old=old.model, new=new.model)
    if old.chunking != new.chunking:
        return Message("rebuild_chunking", old=old.chunking, new=new.chunking)
    if old.cleaning_version != new.cleaning_version:
        return Message("rebuild_cleaning")
    return Message("rebuild_dimension", old=old.dimension, new=new.dimension)
