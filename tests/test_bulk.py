"""Bulk archives (.jsonl, .csv: one article a row) and PDFs (one article, its pages kept), through the
real build: every good row indexed, every bad one named by file and line, edits re-embed one row."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import pytest

from qa.articles import ArticleError, Skipped, SourceFile, SourceRow, parse_article, read_sources, scan_corpus
from qa.build import build_index
from qa.chunkstore import ArticleInfo
from qa.cli import main
from qa.store import LocalIndex
from qa.uploads import check_upload

VENLO = "De gemeente Venlo bouwt een nieuwe brug over de Maas. De brug kost veertig miljoen euro."
DIJK = (
    "<p>Het waterschap Limburg <b>verhoogt</b> de dijk bij Roermond.</p>"
    "<p>Het werk kost twintig miljoen euro en duurt twee jaar.</p>"
)
AJAX = "Ajax wint de thuiswedstrijd tegen Feyenoord met drie doelpunten. Het stadion was uitverkocht."
KLIMAAT = "Het kabinet presenteert een nieuw klimaatplan. De uitstoot moet in 2030 met de helft omlaag."

# One row per kind: no id (its row number is its key), HTML text under other field names in
# other case, an impossible date, a broken line, a duplicate id, a url as key, no text at all.
ROWS = [
    {"content": VENLO, "date": "2022-05-10"},
    {"ID": "a2", "Titel": "Dijk bij Roermond omhoog", "Datum": "2020-03-01", "Section": "binnenland",
     "Link": "https://nieuws.example/a2", "Body": DIJK},
    {"id": "a3", "title": "Fout", "date": "2023-02-30", "text": "Een tekst met een datum die niet bestaat."},
    '{"id": "a4", "title": "Kapot", "text": "De regel houdt op',
    {"id": "a2", "text": "Een tweede rij met het id van rij twee."},
    {"url": "https://nieuws.example/ajax", "title": "Ajax wint", "category": "sport", "text": AJAX},
    {"guid": "a7", "headline": "Klimaatplan", "published": "2021-11-02T09:30:00+01:00", "tekst": KLIMAAT},
    {"id": "a8", "title": "Zonder tekst"},
]  # fmt: skip
BAD_ROWS = {
    "archief.jsonl:3": "field 'date': cannot read '2023-02-30' as a date",
    "archief.jsonl:4": "not JSON",
    "archief.jsonl:5": "id 'a2' is also the id of the row on line 2; give each row its own id",
    "archief.jsonl:8": "no text field: expected one of text, content, body, tekst",
}


def jsonl(rows: list) -> str:
    return "".join(
        (row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n" for row in rows
    )


# A Dutch Excel export: a byte order mark, ';' between fields, a text over several lines in quotes.
CSV = (
    "\ufeffID;Titel;Datum;Categorie;URL;Tekst\r\n"
    'c1;Hoogwater;2021-07-16;binnenland;https://nieuws.example/c1;"Het water in de Maas stijgt snel.\r\n'
    '\r\nIn Venlo worden zandzakken gevuld."\r\n'
    "c2;Kapotte datum;2024-02-31;sport;;Een wedstrijd op een dag die niet bestaat.\r\n"
    "c3;Te veel;velden;hier;x;y;z\r\n"
    "c1;Dubbel;2021-07-17;;;Een rij met het id van de eerste rij.\r\n"
    'c5;Storm;2022-02-18;weer;;"<p>Storm Eunice raast over het land.</p><p>Treinen rijden niet.</p>"\r\n'
)
BAD_CSV_ROWS = {
    "export.csv:5": "field 'date': cannot read '2024-02-31' as a date",
    "export.csv:6": "7 fields where the header names 6",
    "export.csv:7": "id 'c1' is also the id of the row on line 2",
}


def quiet(**kwargs):
    return {"log": lambda _: None, **kwargs}


def articles(index: Path) -> dict[str, ArticleInfo]:
    store = LocalIndex.open(index)
    try:
        return {a.id: a for a in store.articles()}
    finally:
        store.close()


def text_of(index: Path, article_id: str) -> str:
    store = LocalIndex.open(index)
    try:
        return store.article_text(article_id)
    finally:
        store.close()


@pytest.fixture
def archive(tmp_path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "archief.jsonl").write_text(jsonl(ROWS), encoding="utf-8")
    (corpus / "export.csv").write_text(CSV, encoding="utf-8", newline="")
    return corpus


def test_every_good_row_is_an_article_and_every_bad_one_is_named_by_file_and_line(
    archive, tmp_path, counting
):
    report = build_index(archive, tmp_path / "index", encoder=counting, **quiet())

    found = articles(tmp_path / "index")
    assert sorted(report.added) == sorted(found) == [
        "archief.jsonl#a2", "archief.jsonl#a7", "archief.jsonl#https://nieuws.example/ajax",
        "archief.jsonl#row1", "export.csv#c1", "export.csv#c5",
    ]  # fmt: skip
    dijk = found["archief.jsonl#a2"]
    assert (dijk.title, dijk.date, dijk.category, dijk.url) == (
        "Dijk bij Roermond omhoog", "2020-03-01", "binnenland", "https://nieuws.example/a2"
    )  # fmt: skip
    assert text_of(tmp_path / "index", dijk.id) == (
        "Het waterschap Limburg verhoogt de dijk bij Roermond.\n\n"
        "Het werk kost twintig miljoen euro en duurt twee jaar."
    )
    venlo = found["archief.jsonl#row1"]
    assert (venlo.title, venlo.date, venlo.url) == ("De gemeente Venlo bouwt een nieuwe brug over de Maas.",
                                                   "2022-05-10", None)  # fmt: skip
    assert found["archief.jsonl#a7"].date == "2021-11-02" and found["archief.jsonl#a7"].title == "Klimaatplan"
    ajax = found["archief.jsonl#https://nieuws.example/ajax"]
    assert (ajax.category, ajax.url) == ("sport", "https://nieuws.example/ajax")
    hoogwater = found["export.csv#c1"]
    assert (hoogwater.title, hoogwater.date, hoogwater.category, hoogwater.url) == (
        "Hoogwater", "2021-07-16", "binnenland", "https://nieuws.example/c1"
    )  # fmt: skip
    assert text_of(tmp_path / "index", "export.csv#c1") == (
        "Het water in de Maas stijgt snel.\n\nIn Venlo worden zandzakken gevuld."
    )
    assert (
        text_of(tmp_path / "index", "export.csv#c5")
        == "Storm Eunice raast over het land.\n\nTreinen rijden niet."
    )
    assert all(a.path.endswith(a.id.split("#")[0]) for a in found.values())

    reasons = {s.id: str(s.reason) for s in report.skipped}
    assert reasons.keys() == {**BAD_ROWS, **BAD_CSV_ROWS}.keys()
    for name, reason in {**BAD_ROWS, **BAD_CSV_ROWS}.items():
        assert reason in reasons[name], name
    lines = report.summary().splitlines()
    assert "skipped archief.jsonl:3: field 'date': cannot read '2023-02-30' as a date" in lines
    # The lines of one archive in file order.
    assert [s.id for s in report.skipped][:4] == ["archief.jsonl:3", "archief.jsonl:4", "archief.jsonl:5",
                                                  "archief.jsonl:8"]  # fmt: skip


def test_editing_one_row_re_embeds_that_row_alone(archive, tmp_path, counting):
    index = tmp_path / "index"
    build_index(archive, index, encoder=counting, **quiet())
    counting.embedded.clear()
    rows = list(ROWS)
    rows[1] = {**rows[1], "Body": "<p>Het waterschap stelt de dijkverhoging bij Roermond een jaar uit.</p>"}
    # Another row written out again with its keys in another order is the same row.
    rows[6] = dict(reversed(list(rows[6].items())))
    (archive / "archief.jsonl").write_text(jsonl(rows), encoding="utf-8")

    report = build_index(archive, index, encoder=counting, **quiet())

    assert (report.changed, report.added, report.removed) == (["archief.jsonl#a2"], [], [])
    assert report.unchanged == 5
    assert counting.embedded and all("dijkverhoging" in text for text in counting.embedded)
    assert report.chunks_embedded == 1 and report.sentences_embedded == 1
    assert (
        text_of(index, "archief.jsonl#a2")
        == "Het waterschap stelt de dijkverhoging bij Roermond een jaar uit."
    )
    assert text_of(index, "archief.jsonl#a7") == KLIMAAT


def test_a_row_that_no_longer_reads_keeps_its_indexed_version(archive, tmp_path, counting):
    index = tmp_path / "index"
    build_index(archive, index, encoder=counting, **quiet())
    rows = list(ROWS)
    rows[1] = {**rows[1], "Datum": "2020-13-01", "Body": "Een nieuwe tekst."}
    (archive / "archief.jsonl").write_text(jsonl(rows), encoding="utf-8")

    report = build_index(archive, index, encoder=counting, **quiet())

    assert (report.changed, report.removed) == ([], [])
    assert (
        "field 'date': cannot read '2020-13-01'"
        in {s.id: str(s.reason) for s in report.skipped}["archief.jsonl:2"]
    )
    assert text_of(index, "archief.jsonl#a2").startswith("Het waterschap Limburg verhoogt de dijk")


def test_a_deleted_row_is_removed_once_no_line_of_its_archive_is_unreadable(archive, tmp_path, counting):
    index = tmp_path / "index"
    build_index(archive, index, encoder=counting, **quiet())
    counting.embedded.clear()
    without_ajax = [row for row in ROWS if "Ajax" not in json.dumps(row)]
    (archive / "archief.jsonl").write_text(jsonl(without_ajax), encoding="utf-8")

    # Line 4 cannot be read: it may be the row that is gone, so nothing is removed yet.
    report = build_index(archive, index, encoder=counting, **quiet())
    assert report.removed == [] and "archief.jsonl#https://nieuws.example/ajax" in articles(index)

    fixed = [row for row in without_ajax if not isinstance(row, str)]
    (archive / "archief.jsonl").write_text(jsonl(fixed), encoding="utf-8")
    report = build_index(archive, index, encoder=counting, **quiet())

    assert report.removed == ["archief.jsonl#https://nieuws.example/ajax"] and report.added == []
    assert counting.embedded == [] and report.chunks_removed == 1
    assert "archief.jsonl#https://nieuws.example/ajax" not in articles(index)
    assert "archief.jsonl#a2" in articles(index)


def test_a_csv_without_a_text_column_is_skipped_naming_the_fields_it_needs(archive, tmp_path, counting):
    (archive / "lijst.csv").write_text("titel,datum\nEen kop,2020-01-01\n", encoding="utf-8")
    report = build_index(archive, tmp_path / "index", encoder=counting, **quiet())
    reasons = {s.id: str(s.reason) for s in report.skipped}
    assert reasons["lijst.csv"] == (
        "no text column: expected one of text, content, body, tekst (the header names titel, datum)"
    )
    assert not any(a.startswith("lijst.csv") for a in report.added)


def test_a_tsv_export_is_read_and_files_of_other_types_are_named(archive, tmp_path, counting):
    text = "De gemeenteraad van Venlo stemde dinsdag in met een nieuwe brug over de Maas."
    (archive / "export.tsv").write_text(f"kop\tdatum\ttekst\nBrug\t13-01-2022\t{text}\n", encoding="utf-8")
    (archive / "notulen.docx").write_bytes(b"PK\x03\x04")
    (archive / "foto.jpg").write_bytes(b"\xff\xd8\xff")
    (archive / ".verborgen.docx").write_bytes(b"PK")  # hidden: left out without a word
    report = build_index(archive, tmp_path / "index", encoder=counting, **quiet())
    assert "export.tsv#row1" in report.added
    assert report.ignored == ["foto.jpg", "notulen.docx"]
    assert "ignored 2 files of other types (.txt, .md," in report.summary()
    assert report.to_dict()["ignored"] == ["foto.jpg", "notulen.docx"]


def test_an_archive_that_stops_reading_keeps_all_its_rows(archive, tmp_path, counting):
    index = tmp_path / "index"
    build_index(archive, index, encoder=counting, **quiet())
    (archive / "export.csv").write_text("Kop;Datum\nEen kop;2020-01-01\n", encoding="utf-8")

    report = build_index(archive, index, encoder=counting, **quiet())

    assert (
        report.removed == []
        and "no text column" in {s.id: str(s.reason) for s in report.skipped}["export.csv"]
    )
    assert {"export.csv#c1", "export.csv#c5"} <= articles(index).keys()


def test_the_size_limit_applies_to_each_row_not_to_the_archive(tmp_path, counting):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = [{"id": f"r{i}", "text": f"{VENLO} Dit is bericht {i}."} for i in range(40)]
    rows.insert(3, {"id": "lang", "text": "Een heel lang bericht. " * 200})
    (corpus / "archief.jsonl").write_text(jsonl(rows), encoding="utf-8")
    assert (corpus / "archief.jsonl").stat().st_size > 4000 * 2

    report = build_index(corpus, tmp_path / "index", encoder=counting, **quiet(max_file_bytes=4000))

    assert len(report.added) == 40
    assert [(s.id, str(s.reason)) for s in report.skipped] == [
        (
            "archief.jsonl:4",
            "row of 0.0 MB, over the limit of 0.004 MB (QA_MAX_FILE_MB or qa build --max-file-mb)",
        )
    ]


def test_exports_that_write_dates_as_people_do_keep_every_row(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = [
        {"id": "b1", "datum": "13 januari 2022", "tekst": VENLO},
        {"id": "b2", "published": "14-01-2022", "text": AJAX},
        {"id": "b3", "date": "dinsdag 15 maart 2022, 14:03 uur", "text": KLIMAAT},
        {"id": "b4", "date": "maart 2021", "text": "Een artikel van maart zonder dag, met genoeg tekst."},
        {"id": "b5", "date": "Q1 2022", "text": "Een kwartaal is geen datum die een artikel kan hebben."},
        {"id": "b6", "date": 20220116, "text": "De datum in ISO's korte vorm, als getal geschreven."},
        {"id": "b7", "date": "20221316", "text": "Een dertiende maand bestaat niet, ook niet in korte vorm."},
    ]
    (corpus / "export.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    found = {}
    for source in scan_corpus(corpus):
        try:
            found[source.id] = parse_article(source).date
        except ArticleError as e:
            found[source.id] = str(e)
    assert found == {
        "export.jsonl#b1": "2022-01-13",
        "export.jsonl#b2": "2022-01-14",
        "export.jsonl#b3": "2022-03-15",
        "export.jsonl#b4": "2021-03",
        "export.jsonl#b5": "field 'date': cannot read 'Q1 2022' as a date",
        "export.jsonl#b6": "2022-01-16",
        "export.jsonl#b7": "field 'date': cannot read '20221316' as a date",
    }


def test_dutch_exports_name_the_headline_date_and_section_their_way(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    row = {"kop": "Venlo", "publicatiedatum": "2022-01-13", "rubriek": "regio", "tekst": VENLO}
    (corpus / "export.jsonl").write_text(json.dumps(row), encoding="utf-8")
    article = parse_article(next(iter(scan_corpus(corpus))))
    assert (article.title, article.date, article.category) == ("Venlo", "2022-01-13", "regio")


def test_a_file_that_is_no_json_lines_is_one_reason_not_one_per_line(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "export.jsonl").write_text(json.dumps([{"text": VENLO}] * 20, indent=2), encoding="utf-8")
    (found,) = scan_corpus(corpus)
    assert found.id == "export.jsonl" and str(found.reason).startswith(
        "not JSON Lines: none of the first 10 lines can be read (line 1: not JSON: Expecting value"
    )


def test_a_broken_json_line_is_explained_in_the_readers_language(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [json.dumps({"text": VENLO}), '{"text": "Brug" "title": "x"}', '{"text": "Dijk}', "{text: 1}"]
    (corpus / "export.jsonl").write_text("\n".join(lines), encoding="utf-8")
    reasons = {f.id: f.reason for f in scan_corpus(corpus) if isinstance(f, Skipped)}
    assert {key: str(reason) for key, reason in reasons.items()} == {
        "export.jsonl:2": "not JSON: Expecting ',' delimiter at column 17",
        "export.jsonl:3": "not JSON: Unterminated string at column 10",
        "export.jsonl:4": "not JSON: Expecting property name enclosed in double quotes at column 2",
    }
    assert [reason.said("nl") for reason in reasons.values()] == [
        "geen JSON: een ',' verwacht in kolom 17",
        "geen JSON: een tekst zonder afsluitend aanhalingsteken in kolom 10",
        "geen JSON: een veldnaam tussen dubbele aanhalingstekens verwacht in kolom 2",
    ]


def test_a_json_array_export_is_read_an_element_at_a_time(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = [
        {"id": "a1", "titel": "Venlo", "datum": "2022-01-13", "tekst": VENLO},
        {"id": "a2", "title": "Brug", "text": 'Hij zei "ja", en {ging} [weg]. De brug komt er.'},
        42,
        {"id": "a3", "title": ["Kop", "Onderkop"], "text": "Tekst."},
        # WordPress's REST API and Drupal wrap their fields.
        {"id": 7, "date": "2022-01-14T09:00:00", "title": {"rendered": "Maas"},
         "content": {"rendered": "<p>De Maas stijgt.</p>", "protected": False}},
        {"id": 8, "title": [{"value": "Dijk"}], "body": {"value": "<p>De dijk houdt.</p>", "format": "html"}},
    ]  # fmt: skip
    (corpus / "export.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    found = list(scan_corpus(corpus))
    articles = [parse_article(f) for f in found if isinstance(f, SourceRow)]
    assert [(a.id, a.title, a.date) for a in articles] == [
        ("export.json#a1", "Venlo", "2022-01-13"),
        ("export.json#a2", "Brug", None),
        ("export.json#7", "Maas", "2022-01-14"),
        ("export.json#8", "Dijk", None),
    ]
    assert (articles[2].text, articles[3].text) == ("De Maas stijgt.", "De dijk houdt.")
    assert articles[1].text.startswith('Hij zei "ja", en {ging} [weg].')
    # A bad element is named by the line it starts on; the others are read all the same.
    reasons = {f.id: str(f.reason) for f in found if isinstance(f, Skipped)}
    assert reasons == {
        "export.json:13": "a JSON number where a JSON object was expected",
        "export.json:14": "field 'title' holds a JSON array; expected text",
    }
    # One object alone is one article; a file that is no JSON is one reason.
    (corpus / "export.json").write_text(json.dumps({"title": "Venlo", "text": VENLO}), encoding="utf-8")
    assert parse_article(next(iter(scan_corpus(corpus)))).title == "Venlo"
    (corpus / "export.json").write_text("titel,tekst\nVenlo,x\n", encoding="utf-8")
    (skipped,) = scan_corpus(corpus)
    assert str(skipped.reason).startswith("not a JSON array of articles: the file starts with 't' instead")
    (corpus / "export.json").write_text(json.dumps(list(range(20))), encoding="utf-8")
    (skipped,) = scan_corpus(corpus)
    assert str(skipped.reason) == (
        "not a JSON array of articles: none of the first 10 elements can be read (line 1: a JSON "
        "number where a JSON object was expected)"
    )
    # The file ending inside an element keeps the elements before it.
    (corpus / "export.json").write_text(f'[{{"text": "{VENLO}"}}, {{"text": "zonder', encoding="utf-8")
    first, broken = scan_corpus(corpus)
    assert isinstance(first, SourceRow) and str(broken.reason) == "not JSON: the file ends inside it"


@pytest.mark.parametrize("name", ["groot.jsonl", "groot.json"])
def test_reading_a_large_archive_holds_one_row_not_the_file(tmp_path, name):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = (VENLO + " ") * 6
    array = name.endswith(".json")
    with open(corpus / name, "w", encoding="utf-8") as handle:
        handle.write("[\n" if array else "")
        for i in range(50_000):
            handle.write(",\n" if array and i else "")
            handle.write(
                json.dumps({"id": f"a{i}", "title": f"Bericht {i}", "date": "2021-07-16", "text": text})
            )
            handle.write("" if array else "\n")
        handle.write("\n]\n" if array else "")
    size = (corpus / name).stat().st_size

    tracemalloc.start()
    try:
        rows = sum(1 for _ in read_sources(corpus, corpus / name))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # What stays is the ids seen (to refuse a second row with the same one), some 130 bytes a row;
    # the file itself (30 MB) is never held. Measured: 6.7 MB, the same for rows ten times longer.
    assert rows == 50_000 and size > 30_000_000
    assert peak < 10_000_000


# --- PDFs ------------------------------------------------------------------------------------


def pdf(pages: list[list[str]], info: dict[str, str] | None = None) -> bytes:
    """A PDF whose pages hold these lines as text (Helvetica), with a document information
    dictionary (Title, CreationDate) if given: the smallest file pypdf reads as a text layer."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(len(pages))), len(pages)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, lines in enumerate(pages):
        shown = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines]
        stream = "\n".join(["BT /F1 11 Tf 14 TL 72 760 Td", *(f"({line}) Tj T*" for line in shown), "ET"])
        content = stream.encode("cp1252") if lines else b""
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    if info:
        objects.append(("<< " + " ".join(f"/{k} ({v})" for k, v in info.items()) + " >>").encode("cp1252"))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    trailer = b"<< /Size %d /Root 1 0 R%s >>" % (
        len(objects) + 1,
        b" /Info %d 0 R" % len(objects) if info else b"",
    )
    out.write(b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref))
    return out.getvalue()


# Two pages, each longer than a chunk: a passage of the second page starts on it.
PAGE_ONE = [
    "Het waterschap Limburg legt in dit rapport uit hoe de dijken langs de Maas",
    "er na het hoogwater van juli 2021 voor staan. Bij Roermond en Venlo is de",
    "schade het grootst. Veel dijkvakken zijn verzwakt door de lange duur van",
    "het hoge water. De inspecteurs hebben alle dijkvakken te voet gelopen.",
    "Zij vonden scheuren, kwel en weggespoelde bekleding op twaalf plaatsen.",
    "De provincie betaalt een deel van het herstel. Het rijk betaalt de rest.",
    "De bewoners kunnen hun schade melden bij de gemeente.",
]
PAGE_TWO = [
    "De dijk bij Arcen wordt in 2024 verhoogd met tachtig centimeter.",
    "Het werk begint in het voorjaar en duurt ongeveer acht maanden.",
    "Tijdens het werk is het fietspad op de dijk afgesloten voor verkeer.",
    "Omwonenden krijgen een brief met de omleidingen en de werktijden.",
    "Het waterschap houdt in maart een avond voor vragen in het dorpshuis.",
    "Daar zijn de ontwerpen van de nieuwe dijk te zien op grote panelen.",
]


def pdf_source(data: bytes, name: str = "rapport.pdf") -> SourceFile:
    return SourceFile(name, Path(name), data, "hash")


def test_a_pdf_is_one_article_that_knows_where_each_page_starts():
    info = {"Title": "Dijken na het hoogwater", "CreationDate": "D:20220310093000+01'00'"}
    article = parse_article(pdf_source(pdf([PAGE_ONE, [], PAGE_TWO], info)))
    assert (article.title, article.date, article.category) == ("Dijken na het hoogwater", "2022-03-10", None)
    one, empty, two = article.pages
    assert one == 0 and empty == two and article.text[two - 2 : two] == "\n\n"
    assert article.text[:two].rstrip().endswith("hun schade melden bij de gemeente.")
    assert article.text[two:].startswith("De dijk bij Arcen wordt in 2024 verhoogd met tachtig centimeter.")
    # The lines of a page are joined into sentences, not kept as the printed lines.
    assert "Maas er na het hoogwater" in article.text
    info = ArticleInfo(article.id, article.title, None, None, None, "rapport.pdf", article.pages)
    assert info.page_span(two, two + 10) == (3, 3) and info.page_span(0, two + 1) == (1, 3)
    assert info.page_span(two - 5, two - 2) == (1, 1)


def test_a_pdf_without_a_usable_title_takes_its_first_sentence_and_no_impossible_date():
    info = {"Title": "Microsoft Word - rapport_v2.docx", "CreationDate": "D:21990101000000"}
    article = parse_article(pdf_source(pdf([PAGE_TWO], info)))
    assert article.title == "De dijk bij Arcen wordt in 2024 verhoogd met tachtig centimeter."
    assert article.date is None


def test_a_scanned_or_locked_pdf_is_skipped_with_its_reason():
    from pypdf import PdfReader, PdfWriter

    with pytest.raises(ArticleError, match=r"^no text layer \(a scan\?\)$"):
        parse_article(pdf_source(pdf([[], []])))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf([PAGE_ONE]))))
    writer.encrypt("geheim", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)
    with pytest.raises(ArticleError, match="encrypted PDF that needs a password"):
        parse_article(pdf_source(locked.getvalue()))
    with pytest.raises(ArticleError, match="not a PDF that can be read"):
        parse_article(pdf_source(b"%PDF-1.4\nniets\n"))


def test_a_pdf_passage_says_on_which_page_it_stands(tmp_path, encoder, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "rapport.pdf").write_bytes(pdf([PAGE_ONE, PAGE_TWO], {"Title": "Dijken na het hoogwater"}))
    report = build_index(corpus, tmp_path / "index", encoder=encoder, **quiet())
    assert report.added == ["rapport.pdf"] and report.skipped == []

    question = "Met hoeveel centimeter wordt de dijk bij Arcen verhoogd?"
    assert main(["ask", "--index", str(tmp_path / "index"), "-k", "1", "--json", question]) == 0
    passage = json.loads(capsys.readouterr().out)["passages"][0]
    # The answer's passage runs on from the end of page one (where the search joins a chunk to
    # it) or starts on page two; either way its pages are said as they are.
    first, last = passage["pages"]
    assert first in (1, 2) and last == 2 and "tachtig centimeter" in passage["text"]
    assert (first == 1) == ("De inspecteurs hebben" in passage["text"])

    assert main(["ask", "--index", str(tmp_path / "index"), "-k", "1", question]) == 0
    out = capsys.readouterr().out
    pages = "2" if first == 2 else "1–2"
    assert "tachtig centimeter" in out and f"— rapport.pdf, p. {pages}, characters " in out


def test_uploads_take_archives_and_pdfs_by_the_same_reader():
    assert check_upload("archief.jsonl", jsonl(ROWS).encode(), 1_000_000) is None
    assert check_upload("export.csv", CSV.encode(), 1_000_000) is None
    assert check_upload("export.tsv", CSV.replace(";", "\t").encode(), 1_000_000) is None
    assert check_upload("export.json", json.dumps(ROWS).encode(), 1_000_000) is None
    refused = check_upload("export.json", b"<rss><item/></rss>", 1_000_000)
    assert refused.problem == "unreadable" and str(refused.reason).startswith("not a JSON array of articles")
    assert check_upload("rapport.pdf", pdf([PAGE_ONE]), 1_000_000) is None
    refused = check_upload("lijst.csv", b"titel;datum\nKop;2020\n", 1_000_000)
    assert refused.problem == "unreadable" and str(refused.reason).startswith(
        "no text column: expected one of text"
    )
    refused = check_upload("leeg.jsonl", jsonl([{"id": "x", "title": "Kop"}]).encode(), 1_000_000)
    assert refused.problem == "unreadable" and "line 1: no text field" in str(refused.reason)
    # An archive holds many articles: the limit of one article's file is its rows'.
    big = jsonl([{"id": f"r{i}", "text": VENLO} for i in range(100)]).encode()
    assert check_upload("veel.jsonl", big, 2_000, max_archive_bytes=100_000) is None
    assert check_upload("veel.jsonl", big, 2_000, max_archive_bytes=5_000).problem == "size"
