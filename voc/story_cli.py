"""``python -m voc story ...``: export, publish and list versions of stories from the command line.

    python -m voc story export stories/<slug>.md --audience executive [--param unit=<id>] \\
        --format html|pdf --out FILE [--as USER]
    python -m voc story publish FILE [--slug SLUG] [--base N] [--as USER]
    python -m voc story history <slug> [--format table|csv|json]

``export`` takes the story's current published version (the latest studio publish, else the file in
``stories/``: only the slug of the path counts) and renders it under a reader's scope:

* ``--as USER``: that enabled account's org units, masking and the versions its role may read (an
  executive gets the executive version only; analysts and admins any audience). For scheduled
  distribution, name the recipient so that the file holds only what they may see.
* without ``--as``: allowed on generated demo data only, where it renders company-wide as an analyst
  (contact details masked). On any other database the command refuses and asks for ``--as``.

``publish`` adds the file's text as the next version (``--base`` is the version you edited, default 0:
the file in the repository; a later version published meanwhile is a conflict, see
``voc.story_store``). It acts as ``--as USER`` (an analyst or admin) or as the file's owner
(``cli:<os user>``, an admin, as every command-line write does).

Every command runs as a job (``voc.jobs``): here when the database file is free, else inside the
running app, which holds it. The PDF is printed here, from the HTML the job returns. The job
handlers register on import: ``voc.jobs.HANDLER_MODULES`` must list ``"voc.story_cli"``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from voc import auth, jobs, queries, story_export, story_store
from voc import db as dbmod
from voc.story_format import AUDIENCES, StoryError
from voc.users import User


def _account(database, username: str) -> User:
    account = auth.get_account(database, username)
    if account is None or account.disabled:
        raise ValueError(f"there is no enabled user {username!r} (see `python -m voc users list`)")
    return account.user


def _demo(database) -> bool:
    frame = queries.run("database_info", database=database)
    return len(frame) > 0 and frame.iloc[0]["kind"] == "demo"


def _reader(database, as_user: str | None, actor: str) -> User:
    if as_user:
        return _account(database, as_user)
    if not _demo(database):
        raise PermissionError("name the reader: --as USER (the export holds only what that user may see)")
    return User(_cli(actor), "the command line (demo data)", "analyst", None)


def _cli(actor: str) -> str:
    if not isinstance(actor, str) or not actor.startswith("cli:"):
        raise PermissionError("command-line jobs act as 'cli:<os user>'")
    return actor[:100]


@jobs.handler("story.export")
def job_export(database, actor, slug, audience, params, fmt, as_user=None) -> dict:
    reader = _reader(database, as_user, actor)
    page, version = story_export.document(slug, audience, params, reader, fmt, database=database)
    return {"html": page, "version": version, "reader": reader.username}


@jobs.handler("story.publish")
def job_publish(database, actor, slug, body, base_version, as_user=None) -> dict:
    user = _account(database, as_user) if as_user else User(_cli(actor), "Command line", "admin", None)
    version = story_store.publish(database, slug, body, int(base_version), user)
    return {"slug": slug, "version": version.version, "author": version.author}


@jobs.handler("story.history")
def job_history(database, slug) -> dict:
    rows = [[v.version, v.status, v.author, v.saved_at, v.published_at, v.base_version, len(v.body)]
            for v in story_store.history(slug, database)]
    return {"columns": ["version", "status", "author", "saved_at", "published_at", "base_version", "characters"],
            "rows": [[x.isoformat(sep=" ", timespec="seconds") if hasattr(x, "isoformat") else x for x in r]
                     for r in rows]}


def _params(items) -> dict:
    found = {}
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--param takes name=value, got {item!r}")
        key, value = item.split("=", 1)
        found[key.strip()] = value.strip()
    return found


def cmd_export(args) -> int:
    slug = Path(args.story).stem
    result = jobs.run("story.export", {"actor": auth.system_actor().username, "slug": slug,
                                       "audience": args.audience, "params": _params(args.param),
                                       "fmt": args.format, "as_user": args.as_user}, args.db)
    data = result["html"].encode("utf-8") if args.format == "html" else story_export.html_to_pdf(result["html"])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"{slug} version {result['version']} for {args.audience}s, as {result['reader']} sees it: "
          f"{out} ({len(data):,} bytes)", file=sys.stderr)
    return 0


def cmd_publish(args) -> int:
    path = Path(args.file)
    result = jobs.run("story.publish", {"actor": auth.system_actor().username, "slug": args.slug or path.stem,
                                        "body": path.read_text(encoding="utf-8"), "base_version": args.base,
                                        "as_user": args.as_user}, args.db)
    print(f"published {result['slug']} version {result['version']} (by {result['author']})")
    return 0


def cmd_history(args) -> int:
    result = jobs.run("story.history", {"slug": Path(args.slug).stem}, args.db)
    frame = pd.DataFrame(result["rows"], columns=result["columns"], dtype=object).fillna("")
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        sys.stdout.write(frame.to_json(orient="records", force_ascii=False) + "\n")
    else:
        print(frame.to_string(index=False) if len(frame) else "(no versions)")
    return 0


def add_arguments(parser) -> None:
    """The ``story`` command's sub-commands, on the parser ``voc/cli.py`` made for it."""
    sub = parser.add_subparsers(dest="story_command", required=True)
    export = sub.add_parser("export", help="a published story as a standalone HTML or PDF file")
    export.add_argument("story", help="stories/<slug>.md, or the slug (the current published version is used)")
    export.add_argument("--audience", required=True, choices=AUDIENCES)
    export.add_argument("--param", action="append", metavar="NAME=VALUE", help="a story parameter (repeat)")
    export.add_argument("--format", choices=tuple(story_export.FORMATS), default="html")
    export.add_argument("--out", required=True, help="the file to write")
    export.add_argument("--as", dest="as_user", metavar="USER", help="render as this user may see it "
                        "(required except on demo data)")
    export.set_defaults(story_func=cmd_export)
    publish = sub.add_parser("publish", help="publish a story file as the next version (audited)")
    publish.add_argument("file")
    publish.add_argument("--slug", help="default: the file name without .md")
    publish.add_argument("--base", type=int, default=0, help="the version you edited (default 0: the repository file)")
    publish.add_argument("--as", dest="as_user", metavar="USER", help="publish as this analyst or admin")
    publish.set_defaults(story_func=cmd_publish)
    history = sub.add_parser("history", help="every version of a story: who saved or published it, when")
    history.add_argument("slug")
    history.add_argument("--format", choices=("table", "csv", "json"), default="table")
    history.set_defaults(story_func=cmd_history)
    for command in (export, publish, history):
        command.add_argument("--db", help="database file (default: $VOC_DB or data/voc.duckdb)")


def run(args) -> int:
    """Run the chosen sub-command; errors are printed, with exit code 2."""
    try:
        return args.story_func(args)
    except story_store.StoryConflict as exc:
        print(f"conflict: {exc}", file=sys.stderr)
    except StoryError as exc:
        print("the story has problems:\n" + "\n".join(f"  {p}" for p in exc.problems), file=sys.stderr)
    except (PermissionError, ValueError, RuntimeError, OSError, queries.QueryError, jobs.JobFailed,
            dbmod.DatabaseMissing, dbmod.DatabaseBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
    return 2
