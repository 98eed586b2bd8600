"""Hostile and careless files: each is read or skipped with its reason, none ends, hangs or leaks a build."""

from __future__ import annotations

import codecs
import hashlib
import io
import itertools
import json
import os
import random
import shutil
import tracemalloc
from pathlib import Path

import pytest

from qa.archives import BadRow, read_rows
from qa.articles import FIELD_MAX_CHARS, Article, ArticleError, SourceFile, parse_article
from qa.build import build_index
from qa.chunking import CHUNK_MAX_CHARS, ChunkSettings, chunk_article, embedding_text
from qa.cli import main
from qa.store import LocalIndex
from qa.uploads import check_upload
from tests.conftest import SEEDS


def source(name: str, data: bytes) -> SourceFile:
    return SourceFile(name, Path(name), data, hashlib.sha256(data).hexdigest())


def one_paragraph(unit: str, size: int) -> bytes:
    return (unit * (size // len(unit) + 1))[:size].rsplit(" ", 1)[0].encode("utf-8")


STORY = "De gemeente opent een opvangcentrum voor 250 mensen. Burgemeester Penders is blij.\n"


def story(places: int) -> str:
    """STORY for another number of places: files meant to be indexed each have a text of their
    own, since the same text twice is one article."""
    return STORY.replace("250", str(places))


def random_bytes(allowed: range, size: int = 8000) -> bytes:
    """Random bytes that hold no NUL and none of the five bytes Windows-1252 leaves undefined."""
    rng = random.Random(11)
    undefined = {0x00, 0x81, 0x8D, 0x8F, 0x90, 0x9D}
    return bytes(b for b in rng.randbytes(3 * size) if b in allowed and b not in undefined)[:size]


def alias_bomb() -> str:
    """306 bytes of YAML whose title expands to 9**7 strings (35 MB) when aliases are followed."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in itertools.pairwise("abcdefg"):
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    return "---\n" + "\n".join(lines) + "\ntitle: *g\n---\nTekst van het stuk.\n"


def hostile_corpus(corpus: Path, outside: Path) -> dict[str, str]:
    """Write every kind of file a careless or hostile hand puts in a corpus; return the files that
    must be skipped, each with a part of its reason."""
    files: dict[str, bytes] = {
        "nieuws.txt": STORY.encode(),
        "met spaties in de naam.md": f"# Opvang in Maastricht\n\n{STORY}".encode(),
        "utf16-le.txt": codecs.BOM_UTF16_LE + story(16).encode("utf-16-le"),
        "utf16-be.txt": codecs.BOM_UTF16_BE + story(61).encode("utf-16-be"),
        "latin1.txt": "Een financiële crisis in Curaçao. De regering grijpt in.".encode("latin-1"),
        "cp1252.txt": "Hij zei: “Dit kost € 5 miljoen.” De raad stemde in.".encode("cp1252"),
        "half-utf8.txt": "De financiële crisis. ".encode() + b"Een losse byte \xff in de tekst.",
        "omgekeerd.md": f'---\ntitle: "Kop \\u202eexe.txt"\n---\n{story(202)}'.encode(),
        "diep.html": (
            "<div>" * 10_000 + "<p>De dijk bij Roermond houdt het.</p>" + "</div>" * 10_000
        ).encode(),
        "leeg.txt": b"  \n\n",
        "plaatje.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "ruis.txt": random_bytes(range(256)),
        "kapot-utf8.txt": b"Een kapotte byte \x81 in de tekst.",
        "bom.md": alias_bomb().encode(),
        "lange-kop.md": ("---\ntitle: x\ntekst: " + "a" * 70_000 + "\n---\nTekst.\n").encode(),
        "datum.txt": f" date 2023-13 {STORY}".encode(),
        "nieuwe\nregel.txt": STORY.encode(),
    }
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    (corpus.parent / "geheim.txt").write_text("Het wachtwoord van de beheerder is hunter2.\n")
    (corpus / "lek.txt").symlink_to(corpus.parent / "geheim.txt")
    (corpus / "weg.txt").symlink_to("bestaat-niet.txt")
    os.mkfifo(corpus / "pijp.txt")
    with open(corpus / "groot.txt", "wb") as handle:
        handle.truncate(21_000_000)  # sparse: over the limit without writing 21 MB
    (corpus / os.fsdecode(b"badname_\xff\xfe.txt")).write_bytes(STORY.encode())
    return {
        "leeg.txt": "file is empty",
        "plaatje.txt": "binary file (contains NUL bytes)",
        "ruis.txt": "binary file, not text",
        "kapot-utf8.txt": "not UTF-8 or Windows-1252 text",
        "bom.md": "alias *a is not allowed",
        "lange-kop.md": "front matter longer than 64 KB",
        "datum.txt": "no such month or day",
        "nieuwe\\nregel.txt": "file name holds the control character U+000A",
        "lek.txt": "outside the corpus folder",
        "weg.txt": "link to bestaat-niet.txt, which does not exist",
        "pijp.txt": "not a regular file but a FIFO",
        "groot.txt": "21.0 MB, over the limit of 20 MB",
        "badname_\\xff\\xfe.txt": "file name is not valid UTF-8",
    }


def indexed_texts(index: Path) -> dict[str, str]:
    store = LocalIndex.open(index)
    try:
        return {a.id: store.article_text(a.id) for a in store.articles()}
    finally:
        store.close()


def test_a_hostile_corpus_indexes_every_article_and_names_every_other_file(tmp_path, counting, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    skipped = hostile_corpus(corpus, tmp_path)
    articles = [
        "cp1252.txt", "diep.html", "half-utf8.txt", "latin1.txt", "met spaties in de naam.md",
        "nieuws.txt", "omgekeerd.md", "utf16-be.txt", "utf16-le.txt",
    ]  # fmt: skip

    report = build_index(corpus, tmp_path / "index", encoder=counting, log=lambda _: None)

    assert report.added == articles
    assert {s.id: str(s.reason) for s in report.skipped}.keys() == skipped.keys()
    for s in report.skipped:
        assert skipped[s.id] in str(s.reason)
    texts = indexed_texts(tmp_path / "index")
    assert texts["utf16-le.txt"] == story(16).strip() and texts["utf16-be.txt"] == story(61).strip()
    titles = {a.id: a.title for a in LocalIndex.open(tmp_path / "index").articles()}
    assert titles["omgekeerd.md"] == "Kop exe.txt"  # without the U+202E that showed it reversed
    assert "financiële" in texts["latin1.txt"] and "€ 5 miljoen" in texts["cp1252.txt"]
    assert not any("hunter2" in text for text in texts.values())
    assert max(len(t) for t in counting.embedded) < 1000  # no 35 MB title went to the encoder
    # The summary names each skipped file on a line of its own, a name that is not UTF-8 escaped.
    lines = report.summary().splitlines()
    assert len(lines) == 1 + len(skipped)
    assert "skipped badname_\\xff\\xfe.txt: file name is not valid UTF-8; rename the file" in lines

    # `qa build --json` reports the same; nothing has changed, so nothing is embedded again.
    code = main(["build", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 0 and printed["unchanged"] == len(articles) and printed["chunks_embedded"] == 0
    assert printed["skipped"] == [{"id": s.id, "reason": str(s.reason)} for s in report.skipped]
    assert set(printed) >= {"added", "changed", "removed", "total_chunks", "seconds"}


def test_a_skipped_file_keeps_its_indexed_version_unless_it_now_leads_outside(tmp_path, counting):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    for name in ("groeit.txt", "pijp.txt", "lek.txt"):
        (corpus / name).write_text(f"{name}: {STORY}")
    index = tmp_path / "index"
    build_index(corpus, index, encoder=counting, log=lambda _: None)
    (corpus / "groeit.txt").write_bytes(STORY.encode() * 200)  # 17 KB, over the limit below
    (corpus / "pijp.txt").unlink()
    os.mkfifo(corpus / "pijp.txt")
    (corpus / "lek.txt").unlink()
    (tmp_path / "geheim.txt").write_text("Het wachtwoord is hunter2.\n")
    (corpus / "lek.txt").symlink_to(tmp_path / "geheim.txt")

    report = build_index(corpus, index, encoder=counting, log=lambda _: None, max_file_bytes=10_000)

    assert [s.id for s in report.skipped] == ["groeit.txt", "lek.txt", "pijp.txt"]
    assert report.removed == ["lek.txt"]  # what a link outside showed never belonged in the index
    texts = indexed_texts(index)
    assert texts["groeit.txt"].startswith("groeit.txt:") and texts["pijp.txt"].startswith("pijp.txt:")
    assert "lek.txt" not in texts and not any("hunter2" in text for text in texts.values())


def test_a_file_that_meets_a_bug_is_skipped_and_the_build_goes_on(corpus, tmp_path, counting, monkeypatch):
    import qa.build

    def parse(source):
        if source.id.startswith("002"):
            raise KeyError("a bug")
        return parse_article(source)

    monkeypatch.setattr(qa.build, "parse_article", parse)
    messages = []
    report = build_index(corpus, tmp_path / "index", encoder=counting, log=messages.append)
    assert len(report.added) == 4 and [s.id[:3] for s in report.skipped] == ["002"]
    assert "KeyError: 'a bug'" in str(report.skipped[0].reason) and "please report" in messages[0]


def test_an_upload_of_an_alias_bomb_is_refused():
    refused = check_upload("bom.md", alias_bomb().encode(), 20_000_000)
    assert refused.problem == "unreadable" and "alias *a is not allowed" in str(refused.reason)


def test_a_5_mb_paragraph_of_titled_names_is_read_and_chunked():
    # Every "dhr." glues the next name on: one sentence the size of the file, which splitting used
    # to re-read for every merge (hours for 5 MB; bench/bench_split.py measures it).
    data = one_paragraph("dhr. Jansen, mevr. De Boer, prof. Bakker en dr. Smit, ", 5_000_000)
    article = parse_article(source("namen.txt", data))
    chunks = chunk_article(article, ChunkSettings())
    assert len(article.text) == len(data) and len(chunks) > 1000
    assert all(article.text[c.start : c.end] == c.text for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(article.text)


def test_a_file_of_40_000_short_paragraphs_is_read_and_chunked():
    # syntok's own paragraph splitting re-read the text before each paragraph (hours for this).
    data = ("Een zin van het stuk.\n\n" * 40_000).encode()
    article = parse_article(source("alineas.txt", data))
    chunks = chunk_article(article, ChunkSettings())
    assert article.text.count("\n\n") == 39_999 and all(
        article.text[c.start : c.end] == c.text for c in chunks
    )
    assert sum(len(c.sentences) for c in chunks) >= 40_000


@pytest.mark.parametrize(
    ("name", "content", "start"),
    [
        ("spaces.md", "# Kop" + " " * 100_000 + "zonder einde.", "Kop zonder einde."),
        ("emphasis.md", "De *minister zei _dat het 2 * 3 was. " * 30_000, "De *minister zei _dat"),
        ("links.md", "[tekst [zonder einde " * 30_000, "[tekst [zonder einde"),
        ("images.md", "![foto ![zonder einde " * 30_000, "![foto ![zonder einde"),
        ("quotes.md", "> > tekst zonder einde\n" * 50_000, "tekst zonder einde"),
        ("setext.md", ("Een regel zonder einde " * 1_000 + "\n\n") * 100, "Een regel zonder einde"),
    ],
    ids=["heading_spaces", "unclosed_emphasis", "unclosed_links", "unclosed_images", "quotes", "setext"],
)
def test_markdown_with_unclosed_marks_is_read_in_linear_time(name, content, start):
    # Each took minutes to hours with the regular expressions that backtracked over the marks.
    article = parse_article(source(name, content.encode("utf-8")))
    assert article.text.startswith(start)


@pytest.mark.parametrize(
    ("content", "start"),
    [
        ("<p>Tekst van het stuk.</p><p>" + '<a href="' * 50_000, 'Tekst van het stuk.\n\n<a href="<a href="'),
        ("<p>Tekst van het stuk.</p><p>" + "</a tekst " * 50_000, "Tekst van het stuk.\n\n</a tekst </a"),
        ("<p>Tekst van het stuk.</p><p>Meer.</p><![foo[ bar", "Tekst van het stuk.\n\nMeer."),
    ],
    ids=["unclosed_tags", "unclosed_end_tags", "unknown_marked_section"],
)
def test_html_with_unclosed_tags_is_read_in_linear_time(content, start):
    # Python's HTMLParser before 3.13.4 re-read the rest for every unclosed '<' (quadratic), and
    # raised AssertionError on a marked section it did not know.
    article = parse_article(source("stuk.html", content.encode("utf-8")))
    assert article.text.startswith(start)


@pytest.mark.parametrize(
    ("content", "reasons"),
    [
        ("[" + " " * 5_000_000 + '{"text": "Tekst van het stuk."}' + "\n" * 100_000 + "]", []),
        ("[" + "[" * 1_000_000, ["not JSON: the file ends inside it"]),
        ('[{"text": "' + "\\\\" * 500_000 + '"}]', []),
        ('[{"text": "x"}, ' + "}" * 200_000 + "]", ["not JSON: Expecting value at column 1"] * 200_000),
    ],
    ids=["whitespace", "unclosed_arrays", "escapes", "stray_braces"],
)
def test_a_json_array_is_read_in_linear_time(content, reasons):
    rows = list(read_rows(io.BytesIO(content.encode("utf-8")), ".json", 10_000_000))
    assert [str(r.reason) for r in rows if isinstance(r, BadRow)] == reasons


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF16_LE + STORY.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + STORY.encode("utf-16-be"),
        codecs.BOM_UTF32_LE + STORY.encode("utf-32-le"),
        codecs.BOM_UTF8 + STORY.encode("utf-8"),
    ],
    ids=["utf16_le", "utf16_be", "utf32_le", "utf8_mark"],
)
def test_text_with_a_byte_order_mark_is_read_in_its_encoding(data):
    assert parse_article(source("utf16.txt", data)).text == STORY.strip()


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Een financiële crisis in Curaçao.".encode("latin-1"), "Een financiële crisis in Curaçao."),
        ("Hij zei: “Dit kost € 5”.".encode("cp1252"), "Hij zei: “Dit kost € 5”."),
    ],
    ids=["latin1", "cp1252"],
)
def test_latin1_and_windows_1252_are_read(data, text):
    assert parse_article(source("oud.txt", data)).text == text


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (random_bytes(range(256)), "binary file, not text"),
        (random_bytes(range(0x80, 256)), "not article text"),
        (b"3,14 15,92 65,35 89,79 32,38 46,26 43,38 32,79 50,28 84,19\n" * 20, "letters"),
        (b"\xff\xfe" + "Tekst".encode("utf-16-le") + b"\x00\xd8", "not UTF-16 text"),
        (b"caf\xc3 \x81\x8d", "not UTF-8 or Windows-1252"),
        (STORY.encode("utf-16-le"), "UTF-16 needs a byte order mark"),
    ],
    ids=["random_without_nul", "random_high_bytes", "numbers", "bad_utf16", "bad_utf8", "utf16_no_mark"],
)
def test_binary_data_without_nul_bytes_is_not_read_as_text(data, reason):
    with pytest.raises(ArticleError, match=reason):
        parse_article(source("ruis.txt", data))


def test_yaml_alias_bomb_is_refused_before_anything_is_expanded():
    data = alias_bomb().encode("utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(ArticleError, match=r"line 3: alias \*a is not allowed"):
            parse_article(source("bom.md", data))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


@pytest.mark.parametrize(
    ("front_matter", "reason"),
    [
        ("title: x\nbody: " + "a" * 70_000, "front matter longer than 64 KB"),
        ("title: " + "[" * 5_000, "nested more than 20 levels deep"),
        ("title: " + "9" * 5_000, "broken front matter: Exceeds the limit"),
        ("date: 2023-02-30", "'date': cannot read '2023-02-30' as a date"),
        ("date: 2023-13", "'date': cannot read '2023-13' as a date"),
    ],
    ids=["huge", "deep", "huge_number", "no_such_day", "no_such_month"],
)
def test_front_matter_that_would_exhaust_the_parser_or_has_no_real_date_is_refused(front_matter, reason):
    with pytest.raises(ArticleError, match=reason):
        parse_article(source("a.md", f"---\n{front_matter}\n---\nTekst van het stuk.\n".encode()))


@pytest.mark.parametrize("header", [" date 2023-13", " date 2023-02-30"])
def test_a_date_line_with_no_such_month_or_day_is_refused(header):
    with pytest.raises(ArticleError, match=f"first line '{header}': no such month or day"):
        parse_article(source("a.txt", f"{header} Tekst van het stuk.\n".encode()))


def test_one_line_fields_lose_bidi_controls_and_are_capped():
    front_matter = (
        'title: "Kop \\u202eexe.txt \\u2066met\\u2069 \\x1b[31mkleur"\n'
        f'category: "\\u202e{"lang " * 100}"\n'
        f"url: https://example.org/{'a' * 3000}\n"
    )
    article = parse_article(source("a.md", f"---\n{front_matter}---\nTekst van het stuk.\n".encode()))
    assert article.title == "Kop exe.txt met kleur"  # the terminal colour code goes too
    assert article.category.startswith("lang lang") and article.category.endswith("lang…")
    assert len(article.category) <= 300 and article.url is None


def test_a_word_of_a_million_characters_is_cut_into_chunks_the_encoder_can_take():
    text = "Begin. " + "x" * 1_000_000 + " einde van het stuk."
    article = Article("lang.txt", "lang.txt", "Kop " * 200, None, None, None, text, "0")
    chunks = chunk_article(article, ChunkSettings())
    assert "".join(c.text for c in chunks).replace(" ", "") == text.replace(" ", "")
    assert all(len(embedding_text(article, c)) <= FIELD_MAX_CHARS + 1 + CHUNK_MAX_CHARS for c in chunks)
    assert all(e - s <= CHUNK_MAX_CHARS for c in chunks for s, e in c.sentences)
