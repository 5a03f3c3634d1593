"""Text enrichment at load, offline and vectorised: language, sentiment and themes of verbatims.

* Language: by script, counted with regular expressions over the whole column (Han characters
  -> zh, kana -> ja, Hangul -> ko); Latin-script text goes to the language whose common words it
  uses most (en, fr, es, de, pt, it, nl; en when none). For this product's en/zh data this is
  exact on the demo's verbatims and on the labelled sample (see the report in bench.py).
* Words: Latin text is lower-cased and split on non-letters; Chinese text is segmented with
  rjieba (jieba's dictionary and algorithm in Rust, ~14x faster than jieba, shipped in the
  wheel, nothing downloaded) after every taxonomy phrase and lexicon word is added to its
  dictionary. The only per-row Python is that segmentation call for Chinese rows.
* Themes: one RE2 expression per theme and language (``voc.ingest.taxonomy``) over the
  normalised column (pyarrow.compute), so a phrase matches whole words only.
* Sentiment: a lexicon weight per word, flipped by a negator up to two words before it, summed
  per text and squashed into -1..1 as s / sqrt(s² + 4) (numpy over the flattened words).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from voc.ingest import taxonomy as tx

STOPWORDS = {
    "en": "the and to of a i is it was in my for not that this with you have but on be are they me as an at please".split(),
    "fr": "le la les de des et est un une je pas que qui pour dans ce il ne sur au avec mon".split(),
    "es": "el la los las de que y en un una es no por con para mi se lo muy pero".split(),
    "de": "der die das und ist nicht ich ein eine zu mit es den von auf sehr aber mein war".split(),
    "pt": "o a os as de que e do da em um uma não para com meu muito mas foi".split(),
    "it": "il la di che e un una non per con mi sono è del della ma molto".split(),
    "nl": "de het een en van ik is niet dat op te met voor maar mijn zijn".split(),
}
NON_WORD = r"[^\p{L}\p{N}']+"


@lru_cache(maxsize=4)
def segmenter(taxonomy: tx.Taxonomy):
    """An rjieba segmenter whose dictionary knows every Chinese phrase and lexicon word."""
    import rjieba

    seg = rjieba.Jieba()
    words = {p for t in taxonomy.themes for p in t.phrases.get("zh", ())}
    words |= {w for w in taxonomy.lexicon if any("\u4e00" <= ch <= "\u9fff" for ch in w)}
    words |= {w for w in taxonomy.negators if any("\u4e00" <= ch <= "\u9fff" for ch in w)}
    for word in sorted(words):
        if len(word) > 1 and " " not in word:
            seg.add_word(word, 20000, None)
    return seg


def _segment_words(taxonomy: tx.Taxonomy):
    seg = segmenter(taxonomy)
    return lambda phrase: [w for w in tx.normalise_words(" ".join(seg.cut(phrase, True))) if w]


def detect_language(texts: pa.Array) -> pa.Array:
    """A language code per text (null text -> null; no letters at all -> 'und')."""
    texts = pc.cast(texts, pa.string())
    n = len(texts)
    count = lambda pattern: pc.count_substring_regex(texts, pattern).to_numpy(zero_copy_only=False)  # noqa: E731
    han, kana, hangul = count(r"\p{Han}"), count(r"[\p{Hiragana}\p{Katakana}]"), count(r"\p{Hangul}")
    latin = count(r"\p{Latin}+")
    lower = pc.utf8_lower(pc.fill_null(texts, ""))
    words = pc.split_pattern_regex(lower, NON_WORD)
    flat, parents = pc.list_flatten(words), pc.list_parent_indices(words).to_numpy()
    scores = np.stack([np.bincount(parents, weights=pc.is_in(flat, pa.array(sw)).to_numpy(zero_copy_only=False),
                                   minlength=n) for sw in STOPWORDS.values()], axis=1)
    codes = np.array(list(STOPWORDS))
    scores[:, 0] += 0.5  # a tie goes to English, the product's main Latin-script language
    best = np.where(scores.max(axis=1) > 0, codes[scores.argmax(axis=1)], "en")
    out = np.where(latin > 0, best, "und").astype(object)
    out = np.where((han >= 2) & (han >= latin), "zh", out)
    out = np.where(kana >= 2, "ja", out)
    out = np.where((hangul >= 2) & (hangul >= latin), "ko", out)
    return pa.array(out, pa.string(), mask=pc.is_null(texts).to_numpy(zero_copy_only=False))


def normalise(texts: pa.Array, languages: pa.Array, taxonomy: tx.Taxonomy) -> pa.Array:
    """' word word ... ' per text: lower case, punctuation dropped, Chinese segmented into words."""
    texts = pc.fill_null(pc.cast(texts, pa.string()), "")
    zh = pc.fill_null(pc.equal(languages, "zh"), False)
    if pc.any(zh).as_py():
        seg = segmenter(taxonomy)
        chinese = pc.filter(texts, zh).to_pylist()
        texts = pc.replace_with_mask(texts, zh, pa.array([" ".join(seg.cut(t, True)) for t in chinese], pa.string()))
    lower = pc.replace_substring(pc.utf8_lower(texts), "\u2019", "'")
    spaced = pc.utf8_trim(pc.replace_substring_regex(lower, NON_WORD, " "), " ")
    return pc.binary_join_element_wise(" ", spaced, " ", "")


def tag(normalised: pa.Array, languages: pa.Array, taxonomy: tx.Taxonomy) -> tuple[pa.Array, np.ndarray]:
    """Themes per text (a list, null when none) and the boolean matrix text x theme."""
    ids = [t.theme_id for t in taxonomy.themes]
    matrix = np.zeros((len(normalised), len(ids)), dtype=bool)
    for language in taxonomy.languages:
        rows = np.flatnonzero(pc.fill_null(pc.equal(languages, language), False).to_numpy(zero_copy_only=False))
        if not rows.size:
            continue
        subset = normalised.take(pa.array(rows))
        segment = _segment_words(taxonomy) if language == "zh" else None
        for theme_id, pattern in taxonomy.patterns(language, segment):
            hits = pc.match_substring_regex(subset, pattern).to_numpy(zero_copy_only=False)
            matrix[rows[hits], ids.index(theme_id)] = True
    counts = matrix.sum(axis=1)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    values = pa.array(np.array(ids, dtype=object)[np.nonzero(matrix)[1]], pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets), values, mask=pa.array(counts == 0)), matrix


def sentiment(normalised: pa.Array, taxonomy: tx.Taxonomy) -> np.ndarray:
    """Lexicon sentiment in -1..1 per text (0 when no word of the lexicon occurs)."""
    n = len(normalised)
    words = pc.split_pattern(pc.utf8_trim(normalised, " "), " ")
    flat, parents = pc.list_flatten(words), pc.list_parent_indices(words).to_numpy()
    vocab = list(taxonomy.lexicon)
    index = pc.index_in(flat, value_set=pa.array(vocab, pa.string())).to_numpy(zero_copy_only=False)
    weights_of = np.array([taxonomy.lexicon[w] for w in vocab] + [0.0])
    weight = weights_of[np.where(np.isnan(index.astype(float)), len(vocab), index).astype(int)]
    negator = pc.is_in(flat, value_set=pa.array(sorted(taxonomy.negators), pa.string())).to_numpy(zero_copy_only=False)
    flipped = np.zeros(flat.length(), dtype=bool) if hasattr(flat, "length") else np.zeros(len(flat), dtype=bool)
    for back in (1, 2):
        if len(flipped) > back:
            same = parents[back:] == parents[:-back]
            flipped[back:] |= negator[:-back] & same
    total = np.bincount(parents, weights=np.where(flipped, -weight, weight), minlength=n)
    return total / np.sqrt(total * total + 4.0)


def _language_codes(languages: pa.Array) -> pa.Array:
    """'ZH-S', 'en_GB', 'EN' -> 'zh', 'en', 'en'."""
    lower = pc.utf8_lower(pc.cast(languages, pa.string()))
    return pc.replace_substring_regex(lower, r"[-_].*$", "")


def enrich(texts: pa.Array, languages: pa.Array | None = None, taxonomy: tx.Taxonomy | None = None) -> pa.Table:
    """language, sentiment and themes for every text (a given language wins over the detected one)."""
    taxonomy = taxonomy or tx.load()
    texts = pc.cast(texts, pa.string())
    detected = detect_language(texts)
    language = detected if languages is None else pc.coalesce(_language_codes(languages), detected)
    normalised = normalise(texts, language, taxonomy)
    themes, matrix = tag(normalised, language, taxonomy)
    score = sentiment(normalised, taxonomy)
    has_text = pc.fill_null(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(pc.fill_null(texts, ""))), 0), False)
    missing = pc.invert(has_text).to_numpy(zero_copy_only=False)
    return pa.table({"language": pc.if_else(has_text, language, pa.scalar(None, pa.string())),
                     "sentiment": pa.array(np.round(score, 4), mask=missing),
                     "themes": themes, "_normalised": normalised, "_untagged": pa.array(~matrix.any(axis=1) & ~missing)})


def stage_hook(taxonomy: tx.Taxonomy, discovered: list | None = None):
    """A ``validate.stage`` hook: enrich ``_conv_feedback`` into the temp table ``_enrichment``."""
    def hook(cur, target) -> bool:
        mapped = {c.target for c in target.columns}
        hook.ran = "text" in mapped
        if not hook.ran:
            return False
        language = "language" if "language" in mapped else "null::varchar as language"
        rows = cur.sql(f"select _row, text, {language} from _conv_feedback where text is not null").to_arrow_table()
        result = enrich(rows["text"].combine_chunks(), rows["language"].combine_chunks(), taxonomy)
        cur.register("_enrichment", pa.table({"_row": rows["_row"], "language": result["language"],
                                              "sentiment": result["sentiment"], "themes": result["themes"]}))
        if discovered is not None:
            from voc.ingest import discover

            discovered.extend(discover.new_themes(result, rows["text"].combine_chunks(), taxonomy))
        return True
    hook.ran = False  # True once it has enriched the texts of a load (a mapping without text has none)
    return hook
