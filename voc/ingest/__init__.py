"""Bring your own data: CSV, Parquet and Excel files into the canonical tables through a mapping.

``mapping`` (YAML mapping files) -> ``readers`` (file to Arrow) -> ``transform`` and ``validate``
(typed columns and every row rule, in SQL) -> ``enrich`` (language, sentiment, themes; new themes
by ``discover``) -> ``load`` (one transaction, idempotent, recorded in ``imports``). ``assistant``
suggests a mapping from a file; ``admin`` serves the data import page; ``cli`` the
``python -m voc import`` command; ``bench`` the import benchmark.
"""
