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
    parser.add_argument("--profile", metavar="FILE", help="write a pyinstrument profile summary to FILE")
    args = parser.parse_args(argv)
    names = args.scenarios or list(SCENARIOS)
    if args.profile:
        from pathlib import Path

        from pyinstrument import Profiler

        profiler = Profiler()
        with profiler:
            env, figures = run(SCENARIOS, names, args.quick)
        Path(args.profile).write_text(profiler.output_text(unicode=True, color=False), encoding="utf-8")
        print(f"profile: {args.profile}")
    else:
        env, figures = run(SCENARIOS, names, args.quick)
    if args.profile:  # profiler overhead: keep these figures out of the results
        print(summary_table(env, figures))
        return
    path = write_results(env, figures)
    update_results_md(env, figures)
    print(summary_table(env, figures))
    print(f"\nraw results: {path}")


if __name__ == "__main__":
    main()
