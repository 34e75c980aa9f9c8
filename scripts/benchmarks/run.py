"""One bench run: the figures in the order they build on each other, production profile first, then dev."""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

from scripts import bench_dashboard
from scripts.benchmarks.engine import measure_engine
from scripts.benchmarks.faults import frozen_flask_503_ms, stack_stop_s
from scripts.benchmarks.figures import Figure, Scale, figures_new, rounded, say
from scripts.benchmarks.footprint import hello_rss, idle_rss, smoke
from scripts.benchmarks.market import measure_market
from scripts.benchmarks.markov import measure_markov_filter, measure_markov_fit
from scripts.benchmarks.polling import measure_polling
from scripts.benchmarks.relay import measure_relay, measure_relay_dev
from scripts.benchmarks.stack import DEV_PROCFILE, PROD_PROCFILE, BenchStack, dev_token

REGIME_SYMBOL = "BENCH0"  # the made-up series GET /regime reads


def run(scale: Scale, with_dev: bool, workdir: Path, exit_stack: ExitStack) -> tuple[dict[str, Figure], BenchStack]:
    """Every figure, measured on a stack of the bench's own (stopped by ``exit_stack``); and that stack."""
    stack = BenchStack(scale, workdir, exit_stack)
    f = figures_new()
    stack.databases_start()

    say("stack_ready: each service alone, then deploy/Procfile.prod")
    prod, took, alone = stack.stack_ready(PROD_PROCFILE, stack.prod_env, alone=True)
    f["stack_ready"].value = took
    f["stack_ready"].baseline = max(max(alone), sum(alone) / (os.cpu_count() or 1))
    f["stack_ready"].notes["alone_s"] = [rounded(a) for a in alone]

    measure_relay(stack, f)

    say("regime engine: in this process")
    measure_engine(f["regime_engine_bars_per_s"], scale)

    say("Markov-switching fit and filter: in this process, beside statsmodels")
    measure_markov_fit(f["markov_fit_s"], scale)
    measure_markov_filter(f["markov_filter_1m_ms"], scale, 2)
    measure_markov_filter(f["markov_filter_1m_k3_ms"], scale, 3)

    measure_market(stack, f, REGIME_SYMBOL)

    measure_polling(stack, prod, f["services_poll_calls"], scale.poll_periods)

    say("smoke: scripts/smoke.py against the production stack")
    f["smoke_s"].value, f["smoke_s"].baseline = smoke(stack, stack.prod_env)

    say("faults: /check-regime while Flask is frozen")
    f["frozen_flask_503_ms"].value, f["frozen_flask_503_ms"].baseline = frozen_flask_503_ms(stack, prod)

    say("idle_rss: the production stack, then bare hello apps")
    f["idle_rss_mb"].value = idle_rss(prod)
    say("stack_stop: SIGTERM to the production stack")
    f["stack_stop_s"].value, f["stack_stop_s"].baseline = stack_stop_s(stack, prod)
    f["idle_rss_mb"].baseline = hello_rss(stack)

    if with_dev:
        say("dev profile: Procfile (runserver-like serve, uvicorn --reload, werkzeug)")
        dev, took, _ = stack.stack_ready(DEV_PROCFILE, stack.dev_env, alone=False)
        f["stack_ready"].dev = took
        measure_relay_dev(stack, f)
        f["smoke_s"].dev = smoke(stack, stack.dev_env)[0]
        say("chart draw: the detail page of 3,000 daily bars in chromium (dev profile: no login)")
        fig = f["chart_draw_ms"]
        fig.value, fig.baseline, notes = bench_dashboard.chart_draw_ms(
            stack.ports.url("django_core"), stack.ports.url("fastapi_market"), dev_token(stack.dev_env)
        )
        fig.notes.update(notes)
        f["idle_rss_mb"].dev = idle_rss(dev)
        dev.stop()
    return f, stack
