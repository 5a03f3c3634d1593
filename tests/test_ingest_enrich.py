"""Text enrichment: language, sentiment, theme tagging on a labelled sample, new-theme discovery."""
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv

from voc.ingest import discover, enrich, taxonomy

DATA = Path(__file__).resolve().parent / "data"


def _labelled():
    t = pcsv.read_csv(DATA / "labelled_verbatims.csv", convert_options=pcsv.ConvertOptions(
        column_types={"themes": pa.string()}, strings_can_be_null=True))
    gold = [set((g or "").split(";")) - {""} for g in t["themes"].to_pylist()]
    return t["text"].combine_chunks(), t["language"].to_pylist(), gold


def test_tagging_precision_and_recall_on_the_labelled_sample():
    texts, _, gold = _labelled()
    predicted = [set(p or []) for p in enrich.enrich(texts)["themes"].to_pylist()]
    tp = sum(len(g & p) for g, p in zip(gold, predicted))
    fp = sum(len(p - g) for g, p in zip(gold, predicted))
    fn = sum(len(g - p) for g, p in zip(gold, predicted))
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert len(gold) == 62 and tp + fn == 61
    assert precision >= 0.9, precision
    assert recall >= 0.85, recall
    # verbatims without any theme stay untagged
    assert all(not p for g, p in zip(gold, predicted) if not g)


def test_language_detection_on_the_labelled_sample():
    texts, languages, _ = _labelled()
    assert enrich.detect_language(texts).to_pylist() == languages


def test_language_detection_by_script_and_common_words():
    texts = pa.array(["包裹晚到了三天", "The app is fine", "Le colis est arrivé en retard", "配送が遅い", None, "12345"])
    assert enrich.detect_language(texts).to_pylist() == ["zh", "en", "fr", "ja", None, "und"]


def test_every_taxonomy_example_is_tagged_with_its_theme():
    tx = taxonomy.load()
    for theme in tx.themes:
        for language, examples in theme.examples.items():
            tagged = enrich.enrich(pa.array(list(examples)), pa.array([language] * len(examples)), tx)
            for example, themes in zip(examples, tagged["themes"].to_pylist()):
                assert themes and theme.theme_id in themes, (theme.theme_id, example, themes)


def test_sentiment_sign_and_negation():
    texts = pa.array(["Great service, love it", "Terrible, very disappointed", "The agent was not friendly",
                      "非常满意，很喜欢", "很不满意", "Order number 123", None])
    score = enrich.enrich(texts)["sentiment"].to_pylist()
    assert score[0] > 0.5 and score[1] < -0.5 and score[2] < 0 and score[3] > 0.5 and score[4] < 0
    assert score[5] == 0 and score[6] is None
    assert all(-1 <= s <= 1 for s in score if s is not None)


def test_chinese_segmentation_keeps_phrases_whole():
    tx = taxonomy.load()
    seg = enrich.segmenter(tx)
    assert "晚到" in seg.cut("包裹晚到了三天", True)
    # "满意" must not match inside "不满意": the word is kept whole or negated
    score = enrich.enrich(pa.array(["不满意"]))["sentiment"].to_pylist()[0]
    assert score < 0


def test_discovery_proposes_a_recurring_untagged_complaint():
    texts = pa.array(["Too much plastic packaging on everything"] * 6 + ["My parcel arrived late"] * 10
                     + ["plastic packaging again, please stop"] * 3 + ["ok"] * 5)
    enriched = enrich.enrich(texts)
    found = discover.new_themes(enriched, texts, taxonomy.load(), min_count=5)
    assert found[0]["phrase"] == "plastic packaging"
    assert found[0]["verbatims"] == 9 and found[0]["language"] == "en"
    assert all("late" not in f["phrase"] for f in found)  # tagged verbatims are not rediscovered
