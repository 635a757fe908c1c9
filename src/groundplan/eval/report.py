"""The benchmark report: Markdown tables, matplotlib figures, failure records and raw results in one folder."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

from groundplan.eval.bench import Results, median_p95
from groundplan.eval.suite import VERSION

SYMBOLIC = (("strategy", "strategy", "{}"), ("cases", "cases", "{}"), ("SR", "SR", "{:.3f}"),
            ("SR_held_out_phrasing", "SR held-out phrasing", "{:.3f}"), ("held_out_cases", "(cases)", "{}"),
            ("executable", "executable", "{:.3f}"),
            ("GC_recall", "GC recall", "{:.3f}"), ("regret", "regret (steps)", "{:.2f}"),
            ("refusal_acc", "refusal acc.", "{:.3f}"), ("false_refusals", "false refusals", "{:.3f}"),
            ("hallucinated", "objects not in scene", "{}"), ("checks", "PDDL checks", "{:.1f}"),
            ("median_ms", "median ms", "{:.0f}"), ("p95_ms", "p95 ms", "{:.0f}"))
PERCEPTION = (("backend", "backend", "{}"), ("scenes", "scenes", "{}"), ("views", "views", "{}"),
              ("precision", "precision", "{:.3f}"), ("recall", "recall", "{:.3f}"),
              ("recall_visible", "recall (visible)", "{:.3f}"), ("median_error_cm", "median error cm", "{:.1f}"),
              ("plans", "plans", "{}"), ("plan_SR", "plan SR on the true room", "{:.3f}"))
EXECUTION = (("condition", "condition", "{}"), ("tasks", "tasks", "{}"), ("fired", "fault fired", "{}"),
             ("SR", "SR", "{:.3f}"), ("handled", "handled", "{:.3f}"),
             ("replans_per_task", "replans per task", "{:.2f}"), ("median_sim_s", "median sim s", "{:.1f}"),
             ("median_wall_s", "median wall s", "{:.1f}"))
EXECUTION_FAILURES = (("case", "case", "{}"), ("condition", "condition", "{}"), ("room", "room", "{}"),
                      ("instruction", "request", "{}"), ("failed_skill", "skill", "{}"), ("code", "result", "{}"),
                      ("message", "why", "{}"), ("gif", "GIF", "{}"))


def _fmt(fmt: str, value) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    return fmt.format(value)


def markdown_table(rows: list[dict], columns) -> str:
    lines = ["| " + " | ".join(h for _, h, _ in columns) + " |",
             "|" + "|".join(" --- " for _ in columns) + "|"]
    lines += ["| " + " | ".join(_fmt(f, row.get(k, float("nan"))) for k, _, f in columns) + " |" for row in rows]
    return "\n".join(lines)


def text_table(rows: list[dict], columns) -> str:
    cells = [[h for _, h, _ in columns]] + [[_fmt(f, row.get(k, float("nan"))) for k, _, f in columns] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in cells)


def family_rows(results: Results) -> tuple[list[dict], tuple]:
    families = sorted({f for fams in results.by_family.values() for f in fams})
    rows = [{"strategy": s, **fams} for s, fams in results.by_family.items()]
    return rows, (("strategy", "strategy", "{}"), *((f, f.replace("_", " "), "{:.2f}") for f in families))


def stage_rows(results: Results) -> list[dict]:
    rows = []
    for name, seconds in results.latencies.items():
        median, p95 = median_p95(seconds)
        rows.append({"stage": f"plan, {name} (s)", "n": len(seconds), "median": median, "p95": p95})
    for name, seconds in results.stages.items():
        median, p95 = median_p95(seconds)
        rows.append({"stage": name, "n": len(seconds), "median": median, "p95": p95})
    return rows


STAGES = (("stage", "stage", "{}"), ("n", "n", "{}"), ("median", "median", "{:.3f}"), ("p95", "p95", "{:.3f}"))


def print_tables(results: Results) -> str:
    load = " -> ".join(f"{x:.1f}" for x in results.load)
    parts = [f"groundplan bench: suite {results.suite}; {results.machine}; load {load}; {results.seconds:.0f} s"]
    if results.symbolic:
        parts += ["", "symbolic (plan only)", text_table(results.symbolic, SYMBOLIC)]
        rows, columns = family_rows(results)
        parts += ["", "success rate by task family", text_table(rows, columns)]
    if results.perception:
        parts += ["", "perception + plan", text_table(results.perception, PERCEPTION)]
        for backend, curve in results.recall_by_views.items():
            parts.append(f"recall of visible objects by views ({backend}): "
                         + ", ".join(f"{n}: {r:.3f}" for n, r in curve.items()))
    if results.execution:
        parts += ["", "execution in PyBullet (llm-grounded)", text_table(results.execution, EXECUTION)]
        parts += [f"SR by {key}: " + ", ".join(f"{k} {v:.2f}" for k, v in by.items())
                  for key, by in results.execution_by.items()]
    parts += ["", "latency per stage", text_table(stage_rows(results), STAGES)]
    parts += [f"note: {n}" for n in results.notes]
    return "\n".join(parts)


def _save(fig, ax, title: str, path: Path) -> str:
    import matplotlib.pyplot as plt

    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path.name


def _figures(results: Results, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    made = []
    if results.by_family:
        rows, columns = family_rows(results)
        families = [k for k, _, _ in columns[1:]]
        fig, ax = plt.subplots(figsize=(10, 4))
        width = 0.8 / max(1, len(rows))
        for i, row in enumerate(rows):
            ax.bar([x + i * width for x in range(len(families))], [row.get(f, 0) for f in families], width,
                   label=row["strategy"])
        ax.set_xticks([x + 0.4 - width / 2 for x in range(len(families))],
                      [f.replace("_", " ").replace("then ", "") for f in families], rotation=30, ha="right")
        ax.set_ylabel("success rate")
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=7, ncol=2)
        made.append(_save(fig, ax, "Success by task family (symbolic)", out / "success_by_family.png"))
    if results.latencies:
        fig, ax = plt.subplots(figsize=(8, 3.5))
        names = list(results.latencies)
        ax.boxplot([[1000 * s for s in results.latencies[n]] for n in names], showfliers=False)
        ax.set_xticks(range(1, len(names) + 1), names, rotation=30, ha="right")
        ax.set_yscale("log")
        ax.set_ylabel("planning time per request (ms)")
        made.append(_save(fig, ax, "Planning latency", out / "latency.png"))
    if results.recall_by_views:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for backend, curve in results.recall_by_views.items():
            ax.plot(list(curve), list(curve.values()), marker="o", label=backend)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("views")
        ax.set_ylabel("recall of visible objects")
        ax.set_ylim(0, 1.05)
        ax.legend()
        made.append(_save(fig, ax, "Recall against number of views", out / "recall_vs_views.png"))
    return made


def write_report(results: Results, out: Path, command: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    figures = _figures(results, out / "figures")
    (out / "results.json").write_text(json.dumps(asdict(results), indent=1, default=str))
    with (out / "failures.jsonl").open("w") as f:
        for failure in results.failures:
            f.write(json.dumps(failure, default=str) + "\n")
    lines = [
        "# groundplan benchmark", "",
        f"- command: `{command}`",
        f"- suite: {results.suite} (`bench/suite_v{VERSION}.json.gz`: held-out rooms of all four types, all task "
        "families, held-out phrasings, refusals, mid-plan and two-step requests)",
        f"- machine: {results.machine}; load average {' -> '.join(f'{x:.1f}' for x in results.load)} "
        "(start -> end; above the core count, latencies include waiting for a core)",
        f"- started {results.started}, took {results.seconds / 60:.1f} min",
        "- per-case records of every failure: [failures.jsonl](failures.jsonl); raw numbers: "
        "[results.json](results.json)", "",
    ]
    if results.symbolic:
        rows, columns = family_rows(results)
        lines += ["## Symbolic: plan only", "",
                  "Each plan is run step by step in the PDDL simulator from the case's state. SR: the reference "
                  "goal holds (a refusal case succeeds when refused). `classical` is handed the reference goal "
                  "(an oracle). Regret: steps beyond fast-downward's optimum, on successes.", "",
                  markdown_table(results.symbolic, SYMBOLIC), "", "### Success rate by task family", "",
                  markdown_table(rows, columns), ""]
    if results.perception:
        lines += ["## Perception + plan", "",
                  "Suite rooms built in PyBullet and seen from the views of one strategy; the grounded planner "
                  "plans on the perceived objects, and the plan is checked on the true room.", "",
                  markdown_table(results.perception, PERCEPTION), ""]
        for backend, curve in results.recall_by_views.items():
            lines.append(f"Recall of visible objects by number of views ({backend}): "
                         + ", ".join(f"{n}: {r:.3f}" for n, r in curve.items()))
        lines.append("")
    if results.execution:
        failures = [{**f, "message": f["message"][:160].replace("|", "/"),
                     "gif": f"[gif]({Path(f['run_dir']).relative_to(out)}/execution.gif)" if f.get("run_dir") else "-"}
                    for f in results.failures if f["level"] == "execution"]
        lines += ["## Execution in PyBullet", "",
                  "Suite requests (held-out rooms of all four types) executed by the simulated robot, each in a "
                  "fresh world; success is read back from the simulated world. `request`: the words read by "
                  "`llm-grounded`, end to end (refusal cases succeed when refused). The other rows hand the "
                  "executor the case's reference goal, so they measure execution apart from reading: without "
                  "faults, and with each fault type (the first grasp slips; the first door opened sticks; the "
                  "first item picked up is moved elsewhere, or removed, after the first step), with up to 3 "
                  "replans and with none. A fault row holds the tasks where the fault can act. `handled`: the "
                  "goal was reached, or the fault made it unreachable (the only item of its kind removed) and "
                  "the task ended with a typed failure rather than success.", "",
                  markdown_table(results.execution, EXECUTION), ""]
        for key, by in results.execution_by.items():
            lines.append(f"SR by {key}{'' if ',' in key else ' (no faults)'}: "
                         + ", ".join(f"{k} {v:.2f}" for k, v in by.items()))
        lines += ["", "### Execution failures", "",
                  markdown_table(failures, EXECUTION_FAILURES) if failures else "None.", ""]
    lines += ["## Latency per stage (seconds)", "", markdown_table(stage_rows(results), STAGES), ""]
    if figures:
        lines += ["## Figures", ""] + [f"![{f}](figures/{f})" for f in figures] + [""]
    if results.notes:
        lines += ["## Not run", ""] + [f"- {n}" for n in results.notes] + [""]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path
