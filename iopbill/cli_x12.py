"""``iopbill x12 ...``: read X12 files as JSON, write sample claims.

Wired into the main CLI as ``app.add_typer(x12_app, name="x12")``.
"""

from __future__ import annotations

import json
import random
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from models.x12 import ClaimForm, X12Error, read_x12, to_jsonable, write_837
from models.x12.generate import random_batch837, random_envelope

app = typer.Typer(help="Read and write X12 5010 files.", no_args_is_help=True)


class SampleForm(StrEnum):
    P = "837p"
    I = "837i"  # noqa: E741 - the form's own name


@app.command("read")
def read(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Print FILE (835, 999, 277CA, 277, 271, 270, 276, 837P/I) as JSON; exit 1 if it is bad."""
    try:
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        typer.echo(f"error: file {file}: not text (byte {exc.start} is not UTF-8)", err=True)
        raise typer.Exit(1) from None
    try:
        document = read_x12(text, file=str(file))
    except X12Error as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(to_jsonable(document), indent=2))


@app.command("sample")
def sample(
    form: Annotated[SampleForm, typer.Argument(help="837p or 837i")],
    out: Annotated[Path, typer.Option("--out", file_okay=False, help="folder to write to")],
    count: Annotated[int, typer.Option("--count", min=1, help="how many claims")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
) -> None:
    """Write COUNT random valid claims, one interchange (one claim) per file."""
    claim_form = ClaimForm.PROFESSIONAL if form is SampleForm.P else ClaimForm.INSTITUTIONAL
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for n in range(1, count + 1):
        batch = random_batch837(rng, claim_form, 1, control_number=n)
        envelope = random_envelope(rng, control_number=n)
        path = out / f"{form.value}-{seed}-{n:05d}.x12"
        path.write_text(write_837(envelope, [batch]), encoding="ascii")
    typer.echo(f"wrote {count} {form.value.upper()} file(s) to {out}")
