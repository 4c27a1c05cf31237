"""The `iopbill` command: dev, worker, web, migrate, seed-demo, audit, create-user, rules, x12."""

from __future__ import annotations

import asyncio
import getpass
import logging
from typing import Annotated

import typer

from iopbill.settings import get_settings

app = typer.Typer(help="iopbill: IOP revenue-cycle orchestrator on Temporal.", no_args_is_help=True)


def _register_subcommands() -> None:
    from iopbill.cli_rules import app as rules_app
    from iopbill.cli_x12 import app as x12_app

    app.add_typer(rules_app, name="rules", help="Try the payer rules on a documented day.")
    app.add_typer(x12_app, name="x12", help="Read and generate X12 5010 files.")


@app.command()
def dev(
    no_demo: Annotated[bool, typer.Option("--no-demo", help="Do not load demo data.")] = False,
) -> None:
    """Run everything on this machine: Temporal dev server, a worker and the web app."""
    from iopbill.dev import run_dev

    raise typer.Exit(run_dev(get_settings(), load_demo=not no_demo))


@app.command()
def worker() -> None:
    """Run one worker (start more processes to scale)."""
    from iopbill.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(run_worker(get_settings()))


@app.command()
def web() -> None:
    """Serve the web app on IOPBILL_WEB_HOST:IOPBILL_WEB_PORT."""
    from web.app import serve

    serve(get_settings())


@app.command()
def migrate() -> None:
    """Apply the database migrations (Alembic) to IOPBILL_DATABASE_URL."""
    from models.db.migrate import upgrade

    upgrade(get_settings().database_url)
    typer.echo("database is at the latest migration")


@app.command("seed-demo")
def seed_demo(
    force: Annotated[bool, typer.Option(help="Load even when the database has users.")] = False,
) -> None:
    """Load a believable demo program (users, patients, episodes) and start its workflows."""
    from iopbill.demo import seed

    summary = asyncio.run(seed(get_settings(), force=force))
    typer.echo(summary)


@app.command()
def audit() -> None:
    """Check that the money adds up: every claim's figures, ledger and postings. Writes
    nothing; exits 1 when it finds a problem."""
    from iopbill.audit import audit as run_audit
    from models.db.engine import make_engine, make_sessionmaker

    sessions = make_sessionmaker(make_engine(get_settings().database_url))
    with sessions() as session:
        report = run_audit(session)
    for problem in report.problems:
        typer.echo(str(problem))
    typer.echo(
        f"{report.claims} claim(s), {report.postings} posting(s): "
        + (f"{len(report.problems)} problem(s)" if report.problems else "the money adds up")
    )
    if report.problems:
        raise typer.Exit(1)


@app.command("create-user")
def create_user(
    username: str,
    role: Annotated[list[str], typer.Option("--role", "-r", help="Repeat for several roles.")],
    display_name: Annotated[str, typer.Option(help="Name shown in the app.")] = "",
    password: Annotated[
        str | None, typer.Option(help="Omit to be asked without echo.", show_default=False)
    ] = None,
) -> None:
    """Create a local account (argon2 password hash)."""
    from models.db.engine import make_engine, make_sessionmaker
    from models.db.users import UserError
    from models.db.users import create_user as create

    secret = password or getpass.getpass("password: ")
    sessions = make_sessionmaker(make_engine(get_settings().database_url))
    try:
        with sessions() as session, session.begin():
            user = create(
                session, username=username, password=secret, roles=role, display_name=display_name
            )
            typer.echo(f"created {user.username} with roles {user.roles}")
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def main() -> None:
    _register_subcommands()
    app()


if __name__ == "__main__":
    main()
