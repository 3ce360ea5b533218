"""The `peilian` command (DESIGN 4.3): serve, grade, classify, simulate, personas check, users, i18n.

Commands that open the database use the server's settings and default file, and say which database
they use, wherever they are run from."""

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer

from app.core.config import Settings, get_settings
from app.engine.personas import PersonaError, load_cards

if TYPE_CHECKING:
    from sqlmodel import Session

app = typer.Typer(help="Peilian (陪练): sales-training sparring partner.", no_args_is_help=True, add_completion=False)
personas_app = typer.Typer(help="Persona cards.", no_args_is_help=True)
app.add_typer(personas_app, name="personas")
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")
i18n_app = typer.Typer(help="The UI's message catalogues (app/locale/<lang>/LC_MESSAGES/messages.po).",
                       no_args_is_help=True)
app.add_typer(i18n_app, name="i18n")


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (PostgreSQL only); default PEILIAN_WORKERS or 1.")
    ] = None,
) -> None:
    """Start the web app (SQLite and the offline template renderer unless configured)."""
    import uvicorn

    from app.core.logs import log_config
    from app.main import create_app
    from app.storage.db import describe, migrate

    settings = get_settings()
    workers = workers or settings.workers
    if workers > 1 and settings.is_sqlite:
        typer.echo("cannot start: several workers need PostgreSQL (set DATABASE_URL); SQLite has one writer", err=True)
        raise typer.Exit(1)
    try:
        web = create_app(settings)
    except (PersonaError, ValueError) as exc:
        typer.echo(f"cannot start: {exc}", err=True)
        raise typer.Exit(1) from exc
    if workers > 1:
        # Migrate once here, so the workers do not race each other to create the schema;
        # each worker then builds its own app (and connection pool) from the same settings.
        migrate(web.state.context.engine)
        web.state.context.engine.dispose()
    database = describe(settings.database_url)
    typer.echo(f"Peilian on http://{host}:{port}  (database: {database}, workers: {workers})")
    # Frames are small JSON: compressing each one costs more CPU than it saves on the wire.
    uvicorn.run(web if workers == 1 else "app.main:create_app", factory=workers > 1, workers=workers, host=host,
                port=port, ws_max_size=settings.max_frame_bytes, ws_per_message_deflate=False,
                log_config=log_config(settings.log_format, settings.log_level.upper()), timeout_graceful_shutdown=20)


def _read_sources(files: list[str]) -> list[tuple[str, str]]:
    """(name, text) of every input; `-` is standard input."""
    sources = []
    for name in files:
        if name == "-":
            sources.append(("<stdin>", sys.stdin.read()))
        else:
            sources.append((name, Path(name).read_text(encoding="utf-8")))
    return sources


@app.command()
def grade(
    files: Annotated[list[str], typer.Argument(help="Transcript JSON files (DESIGN 4.1); - reads stdin.")],
    rubric: Annotated[str, typer.Option(help="Rubric name in scoring/rubrics/ or a YAML path.")] = "default",
) -> None:
    """Print one scorecard JSON object per transcript, one per line."""
    from pydantic import ValidationError

    from scoring import RubricError, Transcript, grade as grade_transcript, load_rubric

    try:
        chosen = load_rubric(rubric)
    except RubricError as exc:
        typer.echo(f"rubric: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        hints = {card.id: card.grading_hints() for card in load_cards(get_settings().personas_dir).values()}
    except PersonaError:
        hints = {}
    failed = False
    for name in files:
        try:
            ((_, text),) = _read_sources([name])
            transcript = Transcript.model_validate_json(text)
        except OSError as exc:
            typer.echo(f"{name}: cannot read: {exc.strerror or exc}", err=True)
            failed = True
            continue
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(document)"
            typer.echo(f"{name}: {where}: {first['msg']}", err=True)
            failed = True
            continue
        card = grade_transcript(transcript, chosen, **hints.get(transcript.persona_id or "", {}))
        _print_json(card.model_dump(mode="json"))
    if failed:
        raise typer.Exit(1)


@app.command()
def classify(
    lang: Annotated[Optional[str], typer.Option("--lang", help="Language of the lines: zh or en.")] = None,
    explain: Annotated[bool, typer.Option(help="Also print the rule that fired and its reason.")] = False,
    eval_file: Annotated[
        Optional[Path], typer.Option("--eval", help="A labelled TSV: ours (text, label, topic, note), or an "
                                     "AnnoMI or CPED question set (../shared/data): print agreement.")
    ] = None,
    misses: Annotated[
        Optional[str], typer.Option("--misses", help="With a question set: also list the labeller's "
                                    "disagreements on one half: tune, measure or all.")
    ] = None,
) -> None:
    """Label trainee lines read from stdin, one per line; print one JSON object per line.

    With --eval FILE, label the file's lines and print precision and recall per label and
    the confusion matrix against its human labels. A question set (AnnoMI: transcript,
    question, question_subtype, reflection, main_behaviour, text; CPED: question, text) prints
    question detection instead (a line asks when its label is not statement) on its tuning
    half, its measuring half and the whole, beside the trivial baseline.
    """
    from scoring import label
    from scoring.evaluate import evaluate, evaluate_questions, read_questions, read_tsv, table_format

    if lang not in (None, "zh", "en"):
        typer.echo("--lang must be zh or en", err=True)
        raise typer.Exit(2)
    if misses not in (None, "tune", "measure", "all"):
        typer.echo("--misses must be tune, measure or all", err=True)
        raise typer.Exit(2)
    if eval_file is not None:
        try:
            fmt = table_format(eval_file)
            if fmt != "labels":
                qset = read_questions(eval_file, fmt)
            else:
                rows = read_tsv(eval_file)
        except (OSError, ValueError, KeyError, IndexError) as exc:
            typer.echo(f"{eval_file}: {exc}", err=True)
            raise typer.Exit(1) from exc
        if fmt != "labels":
            typer.echo(evaluate_questions(qset, lang).format_table(misses))
            return
        language = lang or _language_of(row.text for row in rows)
        typer.echo(evaluate(rows, language).format())
        return
    for raw in sys.stdin:
        text = raw.rstrip("\n")
        if not text.strip():
            continue
        verdict = label(text, lang or "zh")
        out: dict[str, Any] = {"text": text, "label": verdict.label, "topic": verdict.topic}
        if explain:
            out.update(pitch=verdict.pitch, rule=verdict.rule, reason=verdict.reason)
        _print_json(out)


@app.command("train-labeller")
def train_labeller(
    data: Annotated[Path, typer.Option(help="The folder holding the labelled corpus "
                                       "(labels_{zh,en}.tsv, labels_calls_{zh,en}.tsv).")] = Path("tests/data"),
    public: Annotated[Path, typer.Option(help="The folder holding the public question sets "
                                         "(cped_dev.tsv: its tuning half teaches the Chinese asks model).")]
    = Path("../shared/data"),
    out: Annotated[Optional[Path], typer.Option(help="Where to write the weights files; default: the "
                                                "labeller's own weights folder.")] = None,
) -> None:
    """Retrain the labeller's second opinion (linear models) on the labelled corpus.

    Needs the `train` extra (scikit-learn). The never-tuned sets (labels_heldout*) and the public
    sets' measuring halves are not read.
    """
    from scoring.labeller.model import WEIGHTS_DIR, write_model

    try:
        from scoring.labeller.train import PUBLIC_TUNING, TRAINING_FILES, train
    except ImportError as exc:  # pragma: no cover - the test environment has the extra
        _fail(f"training needs scikit-learn: pip install -e '.[train]' ({exc})")
    missing = [str(data / name.format(lang=lang)) for lang in ("zh", "en") for name in TRAINING_FILES
               if not (data / name.format(lang=lang)).is_file()]
    missing += [str(public / name) for name in PUBLIC_TUNING.values() if not (public / name).is_file()]
    if missing:
        _fail(f"missing {', '.join(missing)}: pass --data (the corpus) and --public (../shared/data)")
    target = out or WEIGHTS_DIR
    for name, model in train(data, public, progress=lambda step: typer.echo(step, err=True)).items():
        write_model(model, target / f"{name}.tsv")
        typer.echo(f"{target / f'{name}.tsv'}: {len(model.weights)} n-grams from {model.meta['lines']} lines")


def _language_of(texts: Any) -> str:
    """zh when most lines contain Chinese characters, else en."""
    lines = list(texts)
    chinese = sum(any("\u4e00" <= ch <= "\u9fff" for ch in text) for text in lines)
    return "zh" if chinese * 2 >= len(lines) else "en"


@app.command()
def simulate(
    persona: Annotated[str, typer.Option("--persona", help="Persona card id.")],
    strategy: Annotated[
        Optional[str], typer.Option("--strategy", help="A built-in trainee: good, method, pushy or silent.")
    ] = None,
    script: Annotated[
        Optional[Path], typer.Option("--script", help='A JSON file {"lines": [{"text", "pause_s", "typing_s"}]}.')
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for the customer's wording.")] = 0,
) -> None:
    """A scripted trainee plays a whole session on a simulated clock; print {"transcript", "scorecard"} as JSON."""
    from pydantic import ValidationError

    from app.renderers.template import PhraseBankError, TemplateRenderer, load_banks
    from app.simulation import STRATEGIES, Script, simulate as play_strategy, simulate_script
    from scoring import RubricError, load_rubric

    if (strategy is None) == (script is None):
        typer.echo("give exactly one of --strategy or --script", err=True)
        raise typer.Exit(2)
    if strategy is not None and strategy not in STRATEGIES:
        typer.echo(f"--strategy must be one of {', '.join(STRATEGIES)}", err=True)
        raise typer.Exit(2)
    lines = None
    if script is not None:
        try:
            lines = Script.model_validate_json(script.read_bytes())
        except OSError as exc:
            typer.echo(f"{script}: cannot read: {exc.strerror or exc}", err=True)
            raise typer.Exit(1) from exc
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(document)"
            typer.echo(f"{script}: {where}: {first['msg']}", err=True)
            raise typer.Exit(1) from exc
    settings = get_settings()
    try:
        card = load_card_by_id(settings.personas_dir, persona)
        renderer = TemplateRenderer(load_banks(settings.prompts_dir / "phrases"))
        rubric = load_rubric(settings.rubric)
    except (PersonaError, PhraseBankError, RubricError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    if lines is not None:
        result = simulate_script(card, lines, renderer=renderer, rubric=rubric, seed=seed)
    else:
        result = play_strategy(card, strategy, renderer=renderer, rubric=rubric,  # type: ignore[arg-type]
                               trainee_dir=settings.prompts_dir, seed=seed)
    typer.echo(json.dumps({"transcript": result["transcript"], "scorecard": result["scorecard"]},
                          ensure_ascii=False, indent=2))


def load_card_by_id(folder: Path, persona: str):  # noqa: ANN201 - PersonaCard, imported lazily
    """The card `persona` from `folder`; an unknown id names the known ones."""
    from app.engine.personas import card_files, load_card

    files = {path.stem: path for path in card_files(folder)}
    if persona not in files:
        raise PersonaError(folder, "--persona", f"no persona {persona!r}; known: {', '.join(sorted(files))}")
    return load_card(files[persona])


@personas_app.command("check")
def personas_check(
    folder: Annotated[Optional[Path], typer.Option("--dir", help="Folder of cards (default: the shipped personas/).")] = None,
) -> None:
    """Validate every persona card; print every error with its file and field, exit 1 if any."""
    from app.engine.personas import card_files, read_card

    where = folder or Settings().personas_dir
    try:
        files = card_files(where)
    except PersonaError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    broken = 0
    for path in files:
        card, errors = read_card(path)
        for error in errors:
            typer.echo(f"error: {error}", err=True)
        if card is None:
            broken += 1
            continue
        typer.echo(f"ok  {card.id}  ({card.language}, {card.motive}, {card.concern.level}, {card.difficulty})")
    if broken:
        typer.echo(f"{broken} of {len(files)} persona cards have errors", err=True)
        raise typer.Exit(1)
    typer.echo(f"{len(files)} persona cards are valid")


@contextmanager
def _database(*, create: bool = False) -> Iterator["Session"]:
    """The database the server uses (same settings, same default file, whatever the working folder),
    named on stderr. A SQLite file that does not exist is created only when `create`; otherwise the
    command stops rather than work on a new, empty database."""
    from sqlmodel import Session

    from app.accounts.passwords import use_cost
    from app.storage.db import describe, make_engine, migrate, sqlite_file

    settings = get_settings()
    use_cost(settings.argon2_time_cost, settings.argon2_memory_kib)
    url = settings.database_url
    path = sqlite_file(url)
    if path is not None and not path.exists():
        if not create:
            typer.echo(f"error: no database at {path}: start `peilian serve` once, or set DATABASE_URL to the "
                       "server's database", err=True)
            raise typer.Exit(1)
        typer.echo(f"database: {describe(url)} (new)", err=True)
    else:
        typer.echo(f"database: {describe(url)}", err=True)
    engine = make_engine(url)
    try:
        migrate(engine)
        with Session(engine) as db:
            yield db
    finally:
        engine.dispose()


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _user_named(db: "Session", name: str):  # noqa: ANN202 - User, imported lazily
    from app.accounts.service import get_user

    user = get_user(db, username=name)
    if user is None:
        _fail(f"no user named {name!r}")
    return user


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option("--role", help="trainee, coach, hr or admin.")] = "trainee",
    password: Annotated[Optional[str], typer.Option("--password", help="Asked for when not given.")] = None,
    coach: Annotated[Optional[str], typer.Option("--coach", help="The trainee's coach (a coach's user name).")] = None,
) -> None:
    """Add an account; the password is asked for (twice, hidden) when --password is not given."""
    from app.accounts.service import AccountError, create_user

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _database(create=True) as db:
        try:
            user = create_user(db, username=name, password=password, role=role, coach=coach)
        except AccountError as exc:
            _fail(str(exc))
        typer.echo(f"added {user.username} ({user.role}{', coach ' + coach if coach else ''})")


@users_app.command("list")
def users_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per account instead of a table.")] = False,
) -> None:
    """Every account: role, coach, whether it is active and whether its password must be changed."""
    from app.accounts.manage import list_users

    with _database() as db:
        rows = list_users(db)
    if as_json:
        for row in rows:
            _print_json(row | {"created_at": row["created_at"].isoformat(timespec="seconds")})
        return
    header = ("username", "role", "coach", "status", "password")
    table = [(r["username"], r["role"], r["coach"] or "-", "active" if r["active"] else "deactivated",
              "must change" if r["must_change_password"] else "ok") for r in rows]
    widths = [max(len(str(line[i])) for line in [header, *table]) for i in range(len(header))]
    for line in [header, *table]:
        typer.echo("  ".join(str(value).ljust(width) for value, width in zip(line, widths)).rstrip())


@users_app.command("reset-password")
def users_reset_password(
    name: Annotated[str, typer.Argument(help="User name.")],
    password: Annotated[Optional[str], typer.Option("--password", help="The new one-time password; generated "
                                                    "when not given.")] = None,
) -> None:
    """Give an account a one-time password, printed once; its sign-ins end and the user must change it."""
    from app.accounts.manage import reset_password
    from app.accounts.service import AccountError

    with _database() as db:
        user = _user_named(db, name)
        try:
            new = reset_password(db, user=user, actor_id=None, password=password)
        except AccountError as exc:
            _fail(str(exc))
        typer.echo(f"one-time password of {user.username}: {new}")
    typer.echo("the user must change it at the next sign-in")


@users_app.command("set-coach")
def users_set_coach(
    name: Annotated[str, typer.Argument(help="The trainee's user name.")],
    coach: Annotated[Optional[str], typer.Argument(help="The coach's user name.")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Take the trainee out of any coach's team.")] = False,
) -> None:
    """Put a trainee in a coach's team (or, with --remove, in none)."""
    from app.accounts.manage import set_coach
    from app.accounts.service import AccountError

    if (coach is None) == (not remove):
        typer.echo("give either a COACH or --remove", err=True)
        raise typer.Exit(2)
    with _database() as db:
        user = _user_named(db, name)
        try:
            set_coach(db, user=user, coach=coach, actor_id=None)
        except AccountError as exc:
            _fail(str(exc))
        typer.echo(f"{user.username}: coach {coach}" if coach else f"{user.username}: no coach")


@i18n_app.command("check")
def i18n_check() -> None:
    """List what is wrong with the catalogues: keys or placeholders that differ between the languages,
    empty strings, half-width punctuation in Chinese, Chinese characters in English. Exits 1 if any."""
    from app.core.i18n import LANGUAGES, problems, read_flat

    found = problems({lang: read_flat(lang) for lang in LANGUAGES})
    for problem in found:
        typer.echo(problem)
    typer.echo(f"{len(found)} problem(s)" if found else "the catalogues agree", err=True)
    raise typer.Exit(1 if found else 0)


@i18n_app.command("add")
def i18n_add(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help='JSON {"zh": {...}, "en": {...}}.')],
    base: Annotated[Optional[Path], typer.Option(
        exists=True, dir_okay=False, help="The file FILE was edited from: only what FILE changed is folded in.")] = None,
    update: Annotated[bool, typer.Option("--update", help="Also replace strings whose text differs.")] = False,
) -> None:
    """Fold strings into the catalogues: keys they lack are added (Chinese punctuation made
    full-width); keys whose text differs are listed, and replaced with --update. Takes a branch's
    former app/static/i18n.json as it is, with --base the version it started from."""
    from app.core.i18n import add_strings

    def read(path: Path) -> Any:
        return json.loads(path.read_text(encoding="utf-8"))

    report = add_strings(read(file), base=read(base) if base else None, update=update)
    for lang, keys in report.items():
        for kind in ("added", "changed"):
            listed = keys[kind]
            done = kind if kind == "added" or update else "differ (not changed; --update replaces them)"
            typer.echo(f"{lang}: {len(listed)} {done}" + (f": {', '.join(listed)}" if listed else ""))


def main() -> None:
    app()
