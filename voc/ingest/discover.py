"""Discovery of new themes among verbatims that no theme of the taxonomy matched.

Among the untagged verbatims of a load, word pairs and triples (after the same normalisation and
Chinese segmentation as tagging) are counted once per verbatim; phrases that start or end with a
common word are dropped; then phrases are picked greedily by how many still-uncovered verbatims
they cover, so one recurring complaint is proposed once, not as five overlapping phrases. Each
proposal carries its count, its share of the untagged verbatims and example verbatims, for an
analyst to turn into a theme in ``taxonomy.yaml``. Counting is vectorised (pyarrow group-by);
only the greedy choice among the top candidates is plain Python.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from voc.ingest import taxonomy as tx
from voc.ingest.enrich import STOPWORDS

ZH_STOPWORDS = set("的 了 是 我 你 他 她 也 很 都 就 在 和 有 还 这 那 一个 吧 啊 呢 吗 非常 真的 太 又 把 被 给 让 说 "
                   "我们 你们 就是 还是 但是 因为 所以 而且 已经 一下 什么 怎么 这个 那个 一直 没 不 到 要 会 能 "
                   "可以 一次 这次 现在 时候 自己 觉得 感觉 其实".split())
EXTRA_EN = set("it's i'm i've we our your their them there here just very really so too also all any "
               "an as at by from or if then than when what which who would could should will can did do does "
               "had has been were am get got one two three again still only even more most much some".split())
MIN_COUNT = 5
MAX_THEMES = 10


def _stopwords(taxonomy: tx.Taxonomy) -> pa.Array:
    words = set(ZH_STOPWORDS) | EXTRA_EN | set(taxonomy.negators)
    for ws in STOPWORDS.values():
        words |= set(ws)
    return pa.array(sorted(words), pa.string())


def new_themes(enriched: pa.Table, texts: pa.Array, taxonomy: tx.Taxonomy, *, min_count: int = MIN_COUNT,
               max_themes: int = MAX_THEMES) -> list[dict]:
    """Proposed themes: {phrase, language, verbatims, share, examples}."""
    mask = enriched["_untagged"].combine_chunks()
    untagged = int(pc.sum(mask).as_py() or 0)
    if untagged < min_count:
        return []
    norm = pc.filter(enriched["_normalised"].combine_chunks(), mask)
    langs = pc.filter(enriched["language"].combine_chunks(), mask)
    raw = pc.filter(texts, mask)
    words = pc.split_pattern(pc.utf8_trim(norm, " "), " ")
    flat = pc.list_flatten(words)
    parents = pc.list_parent_indices(words).to_numpy()
    stop = pc.is_in(flat, value_set=_stopwords(taxonomy)).to_numpy(zero_copy_only=False)
    short = (pc.utf8_length(flat).to_numpy() < 2) & ~pc.match_substring_regex(flat, r"\p{Han}").to_numpy(
        zero_copy_only=False)
    weak = stop | short
    grams, docs = [], []
    for n in (2, 3):
        if len(flat) < n:
            continue
        idx = np.arange(len(flat) - n + 1)
        ok = parents[idx] == parents[idx + n - 1]
        ok &= ~weak[idx] & ~weak[idx + n - 1]
        idx = idx[ok]
        if not idx.size:
            continue
        parts = [flat.take(pa.array(idx + k)) for k in range(n)]
        grams.append(pc.binary_join_element_wise(*parts, " "))
        docs.append(pa.array(parents[idx]))
    if not grams:
        return []
    table = pa.table({"gram": pa.concat_arrays(grams), "doc": pa.concat_arrays(docs)})
    pairs = table.group_by(["gram", "doc"]).aggregate([])
    counts = pairs.group_by("gram").aggregate([("doc", "count")]).sort_by([("doc_count", "descending")])
    counts = counts.filter(pc.greater_equal(counts["doc_count"], min_count)).slice(0, 200)
    if not counts.num_rows:
        return []
    top = counts["gram"].to_pylist()
    chosen = pairs.filter(pc.is_in(pairs["gram"], value_set=pa.array(top, pa.string())))
    by_gram: dict[str, set[int]] = {g: set() for g in top}
    for g, d in zip(chosen["gram"].to_pylist(), chosen["doc"].to_pylist()):
        by_gram[g].add(d)
    covered: set[int] = set()
    picked = []
    while len(picked) < max_themes:
        best = max(top, key=lambda g: (len(by_gram[g] - covered), len(g.split())), default=None)
        if best is None or len(by_gram[best] - covered) < min_count:
            break
        new = sorted(by_gram[best] - covered)
        covered |= by_gram[best]
        top.remove(best)
        examples = list(dict.fromkeys(raw.take(pa.array(new[:50])).to_pylist()))[:3]
        language = Counter(langs.take(pa.array(new)).to_pylist()).most_common(1)[0][0]
        phrase = best.replace(" ", "") if language in ("zh", "ja") else best
        picked.append({"phrase": phrase, "language": language, "verbatims": len(by_gram[best]),
                       "share": round(len(by_gram[best]) / untagged, 4), "examples": examples})
    return picked
