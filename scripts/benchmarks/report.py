"""The bench's output: the table on stdout, the JSON report, and the machine it ran on."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from scripts.benchmarks.figures import Figure


def shown(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if abs(value) >= 1e6:
        text = f"{value / 1e6:,.1f}M"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.2f}"
    return f"{text} {unit}".strip()


def table_print(figures: dict[str, Figure], with_dev: bool, servers: dict[str, str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"Aetherion benchmark (production profile on {servers['mysql']} and {servers['mongodb']}; "
        "ratio = value ÷ baseline)"
    )
    for name in ("figure", "value", "baseline", "ratio", "goal", "met?"):
        table.add_column(name, justify="left" if name in ("figure", "goal") else "right", no_wrap=True)
    if with_dev:
        table.add_column("dev profile", justify="right", no_wrap=True)
    for fig in figures.values():
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: "—"}[fig.met]
        row = [
            fig.key,
            shown(fig.value, fig.unit),
            shown(fig.baseline, fig.unit),
            "—" if fig.ratio is None else f"{fig.ratio:,.2f}",
            fig.goal,
            met,
        ]
        if with_dev:
            row.append(shown(fig.dev, fig.unit))
        table.add_row(*row)
    console = Console()
    if not console.is_terminal:
        console = Console(width=140)  # a log or README paste: one line per figure
    console.print(table)


def machine() -> str:
    import psutil

    model = "unknown CPU"
    with contextlib.suppress(OSError, StopIteration):
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )

    return f"{os.cpu_count()} cores, {model}, {psutil.virtual_memory().total / 2**30:.1f} GiB RAM"


def report_json(figures: dict[str, Figure], servers: dict[str, str]) -> dict[str, Any]:
    """The figures as --json writes them: one entry per figure key, and the database servers named."""
    report: dict[str, Any] = {key: fig.as_json() for key, fig in figures.items()}
    report["servers"] = servers
    return report
