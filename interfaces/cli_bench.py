"""``policytrail bench`` — benchmarks against raw PostgreSQL in the same run."""

from __future__ import annotations

import typer

from interfaces.cli import console, err_console, handle_errors


def register(cli: typer.Typer) -> None:
    @cli.command()
    @handle_errors
    def bench(
        scenarios: list[str] = typer.Argument(None, help="scenario names (default: all)"),
        quick: bool = typer.Option(False, "--quick", help="small sizes, < 60 s in total"),
    ) -> None:
        """Run benchmarks (基准测试); results to bench/results/*.json and bench/RESULTS.md."""
        from bench.catalog import SCENARIOS
        from bench.harness import run, summary_table, update_results_md, write_results

        names = scenarios or list(SCENARIOS)
        unknown = [n for n in names if n not in SCENARIOS]
        if unknown:
            err_console.print(f"error: unknown scenario {', '.join(unknown)} (have: {', '.join(SCENARIOS)})")
            raise typer.Exit(2)
        env, figures = run(SCENARIOS, names, quick, progress=lambda m: err_console.print(f"[dim]{m}[/]"))
        path = write_results(env, figures)
        update_results_md(env, figures)
        console.print(summary_table(env, figures), highlight=False, soft_wrap=True)
        console.print(f"\nraw results: {path}")
