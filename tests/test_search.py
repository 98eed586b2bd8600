"""Hybrid retrieval: modes, filters, merged passages and their exact offsets."""

from __future__ import annotations

import pytest

from qa.backends import open_index
from qa.build import build_index
from qa.chunking import ChunkSettings
from qa.errors import QAError
from qa.evaluate import load_questions, run_eval, summarize
from qa.filters import Filters
from qa.question import read_period, read_question
from qa.search import Retriever, SearchSettings
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def retriever(typed_index):
    opened = Retriever.open(typed_index)
    yield opened
    opened.close()


def test_every_passage_is_an_exact_slice_of_its_article(retriever):
    for question in ("Wat bood Trump aan?", "Hoeveel migranten staken de grens over?", "ICE"):
        for p in retriever.search(question, k=8):
            assert retriever.article_text(p.article.id)[p.start : p.end] == p.text


def test_passages_of_one_article_are_distinct_and_at_most_two(retriever):
    passages = retriever.search("Wat zeiden Sheinbaum en Trump over militairen en drugskartels?", k=10)
    by_article: dict[str, list] = {}
    for p in passages:
        by_article.setdefault(p.article.id, []).append(p)
    assert all(len(ps) <= 2 for ps in by_article.values())
    limit = 7 * 4 * ChunkSettings().max_words  # qa/search.py's readable size, at the defaults
    for ps in by_article.values():
        for a in ps:
            for b in ps:
                # Never overlapping; touching only where one passage of both would be too long.
                assert a is b or a.end <= b.start or b.end <= a.start
                if a is not b and (a.end + 2 >= b.start and b.end + 2 >= a.start):
                    assert max(a.end, b.end) - min(a.start, b.start) > limit
    one = retriever.search("Sheinbaum Trump militairen", k=5, settings=SearchSettings(per_article=1))
    assert len({p.article.id for p in one}) == len(one)


def test_every_sentence_shown_is_a_candidate_for_the_answer(retriever):
    # A passage's sentences (what the answer step chooses from) cover its text: also where it
    # took in a chunk a little way off, with the sentences between, or only the part of a chunk
    # no other passage shows.
    for question in ("Wat zeiden Sheinbaum en Trump over militairen en drugskartels?", "ICE", "migranten"):
        for p in retriever.search(question, k=10):
            spans = sorted(p.sentences)
            assert spans[0][0] >= p.start and spans[-1][1] <= p.end
            edges = [p.start, *(x for span in spans for x in span), p.end]
            text = retriever.article_text(p.article.id)
            assert all(not text[a:b].strip() for a, b in zip(edges[::2], edges[1::2], strict=True))


def test_a_strong_chunk_is_shown_though_its_article_has_its_passages(devarchive_index):
    # The third paragraph ranks third of all chunks, yet two weaker chunks of its article (the
    # first paragraph, the last but one) took the article's two places first; it used to be lost.
    retriever = Retriever.open(devarchive_index)
    try:
        passages = retriever.search(
            "Hoe noemde premier Schoof het besluit van de PVV om uit de coalitie te stappen?", k=5
        )
    finally:
        retriever.close()
    assert any("onverantwoordelijk en onnodig" in p.text for p in passages)


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_each_mode_finds_a_named_fact(retriever, mode):
    passages = retriever.search(
        "Bij welke legerbasis in Texas ligt de militaire zone?", k=3, settings=SearchSettings(mode=mode)
    )
    assert any("Fort Bliss" in p.text for p in passages)


def test_unknown_mode_is_an_error(retriever):
    with pytest.raises(QAError, match="search mode"):
        retriever.search("x", settings=SearchSettings(mode="magic"))


def test_date_and_category_filters(retriever):
    recent = retriever.search("migratie", k=10, filters=Filters(since="2025"))
    assert recent and {p.article.date[:4] for p in recent} == {"2025"}
    old = retriever.search("migratie", k=10, filters=Filters(until="2019-04"))
    assert {p.article.id[:3] for p in old} == {"001", "004"}
    category = retriever.search("migratie", k=10, filters=Filters(category="buitenland"))
    assert {p.article.id[:3] for p in category} == {"004"}
    assert retriever.search("migratie", filters=Filters(since="2030")) == []


@pytest.mark.parametrize("filters", [
    Filters(since="2025"), Filters(until="2019-04"), Filters(category="Buitenland"),
    Filters(since="2017", until="2023-12"), Filters(since="2030"),
])  # fmt: skip
def test_filtered_chunk_ids_are_those_of_admitted_articles(typed_index, filters):
    store = open_index(typed_index)
    chunks = store.chunks(range(store.manifest.next_chunk_id)).values()
    expected = sorted(c.id for c in chunks if filters.admits(c.article.date, c.article.category))
    assert store.chunk_ids_where(filters).tolist() == expected
    store.close()


def test_a_period_in_the_question_ranks_but_does_not_filter(retriever):
    question = "Wat zeiden de VS en Mexico in 2017 over uitwijzingen?"
    found = retriever.retrieve(question, k=5)
    assert found.period == read_period(question) and not found.filters.active
    assert found.passages[0].article.date == "2017-02" and found.passages[0].period_relevance > 0
    # Other years are still searched: the period is a signal, not a filter.
    assert len({p.article.date for p in found.passages}) > 1
    assert all(p.period_relevance is not None for p in found.passages)
    ignored = retriever.retrieve(read_question(question, use_period=False), k=5)
    assert ignored.period is None and all(p.period_relevance is None for p in ignored.passages)


def test_a_period_no_article_is_from_still_finds_the_report_on_it(retriever):
    found = retriever.retrieve("Hoeveel illegale grensoversteken waren er in 2022?")
    assert any("2,2 miljoen" in p.text for p in found.passages)


def test_the_period_weight_lifts_passages_about_the_period(retriever):
    question = "Wat zeiden de VS en Mexico in 2017 over uitwijzingen?"
    plain = SearchSettings(period_weight=0.0, window_weight=0.0)
    flat = retriever.search(question, k=5, settings=plain)
    ranked = retriever.search(question, k=5)
    assert sum(p.period_relevance for p in ranked) >= sum(p.period_relevance or 0 for p in flat)
    # Passages about the period searched apart as well: their fused score counts twice.
    assert ranked[0].score > flat[0].score and ranked[0].period_relevance > 0


def test_hybrid_beats_each_retriever_alone_on_the_dev_set(retriever):
    questions = load_questions(ROOT / "eval" / "dev.tsv")
    mrr = {}
    for mode in ("dense", "bm25", "hybrid"):
        settings = SearchSettings(mode=mode)
        summary = summarize(run_eval(
            questions, lambda q, k, s=settings: retriever.retrieve(q, k, settings=s).passages,
            retriever.article_text))  # fmt: skip
        mrr[mode] = summary["passage"]["mrr@10"]
        if mode == "hybrid":
            assert summary["passage"]["recall@5"] >= 0.95
    assert mrr["hybrid"] >= mrr["dense"] and mrr["hybrid"] >= mrr["bm25"], mrr


def test_bm25_follows_incremental_builds(corpus, index, counting):
    (corpus / "zeeland.txt").write_text(
        " date 2024-03 De nieuwe veerdienst tussen Vlissingen en Breskens vaart vanaf juni elk uur.",
        encoding="utf-8")  # fmt: skip
    build_index(corpus, index, encoder=counting, log=lambda _: None)
    bm25 = SearchSettings(mode="bm25")
    assert Retriever.open(index).search("veerdienst Vlissingen", settings=bm25)[0].article.id == "zeeland.txt"
    (corpus / "zeeland.txt").unlink()
    build_index(corpus, index, encoder=counting, log=lambda _: None)
    assert all(p.article.id != "zeeland.txt"
               for p in Retriever.open(index).search("veerdienst Vlissingen", settings=bm25))  # fmt: skip


def test_bm25_scores_as_bm25s_lucene_and_segments_less_removed_chunks_as_a_full_build_would(tmp_path):
    import bm25s
    import numpy as np

    from qa.articles import parse_article, scan_corpus
    from qa.chunking import ChunkSettings, chunk_article, embedding_text
    from qa.lexical import LexicalIndex, read_counts, terms, write_counts

    articles = [parse_article(s) for s in scan_corpus(ROOT / "corpus")]
    chunk_terms = [terms(embedding_text(a, c)) for a in articles for c in chunk_article(a, ChunkSettings())]
    ids = list(range(100, 100 + len(chunk_terms)))
    ours = LexicalIndex.build(ids, chunk_terms)
    reference = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    reference.index(chunk_terms, show_progress=False)
    # Two segments written as builds write them (the vocabulary grew between them), 5 chunks of
    # the first removed since: the same as one build of what is left.
    half = len(ids) // 2
    vocabulary: dict[str, int] = {}
    for n, (start, end) in enumerate(((0, half), (half, len(ids)))):
        term_ids = [[vocabulary.setdefault(t, len(vocabulary)) for t in c] for c in chunk_terms[start:end]]
        write_counts(tmp_path / f"{n}.npz", np.array(ids[start:end]), term_ids, len(vocabulary))
    segments = [read_counts(tmp_path / f"{n}.npz") for n in range(2)]
    updated = LexicalIndex.from_segments(segments, np.array(ids[:5]), vocabulary)
    rebuilt = LexicalIndex.build(ids[5:], chunk_terms[5:])
    for question in [q.question for q in load_questions(ROOT / "eval" / "dev.tsv")]:
        query = [t for t in terms(question) if t in reference.vocab_dict]
        if query:
            found = dict(ours.search(question, len(ids)))
            scores = np.array([found.get(i, 0.0) for i in ids])
            np.testing.assert_allclose(scores, reference.get_scores(query), atol=1e-5)
        got, expected = updated.search(question, 10), rebuilt.search(question, 10)
        assert [i for i, _ in got] == [i for i, _ in expected]
        np.testing.assert_allclose([x for _, x in got], [x for _, x in expected], atol=1e-5)
