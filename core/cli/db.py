"""``kopiena db upgrade`` and ``kopiena seed``: a node's database and reference data."""

from __future__ import annotations

import typer

from core.registry import Registry
from core.settings import get_settings
from core.store import migrate
from core.store.engine import create_engine, session_factory
from core.store.seed import SeedReport, seed

from .app import app, console, run

db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")

DB_OPTION = typer.Option(None, "--db", help="Database URL (default: KOPIENA_DB).")
REGION_OPTION = typer.Option(None, "--region", help="Planning region (default: KOPIENA_REGION).")


@db_app.command("upgrade")
def db_upgrade(db: str = DB_OPTION, revision: str = typer.Option("head", help="Target revision.")) -> None:
    """Create or migrate the node's database to the newest schema."""
    settings = get_settings(db=db)
    migrate.upgrade(settings.db, revision)
    console.print(f"database at revision {migrate.head_revision() if revision == 'head' else revision}")


async def seed_region(db_url: str, region: str) -> SeedReport:
    registry = Registry.load(region)
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await seed(session, registry)
    finally:
        await engine.dispose()


@app.command("seed")
def seed_command(db: str = DB_OPTION, region: str = REGION_OPTION) -> None:
    """Load a node's reference data: municipalities, service catalogue, rates, DI plan targets."""
    settings = get_settings(db=db, region=region)
    if not settings.region:
        raise typer.BadParameter("say which region: --region or KOPIENA_REGION", param_hint="--region")
    report = run(seed_region(settings.db, settings.region))
    console.print(
        f"seeded {report.region}: {report.municipalities} municipalities "
        f"(+{report.historic_municipalities} historic), {report.services} services, "
        f"{report.rates} rates, {report.targets} targets"
    )
