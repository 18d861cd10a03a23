"""``python -m bench [SCENARIO…] [--quick]`` — same as ``policytrail bench``."""

from __future__ import annotations

import argparse

from bench.catalog import SCENARIOS
from bench.harness import run, summary_table, update_results_md, write_results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "scenarios",
        nargs="*",
        choices=[*SCENARIOS, []],
        metavar="SCENARIO",
        help=f"default: all ({', '.join(SCENARIOS)})",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, < 60 s in total")
    args = parser.parse_args(argv)
    names = args.scenarios or list(SCENARIOS)
    env, figures = run(SCENARIOS, names, args.quick)
    path = write_results(env, figures)
    update_results_md(env, figures)
    print(summary_table(env, figures))
    print(f"\nraw results: {path}")


if __name__ == "__main__":
    main()
