"""A benchmark run's figures: the goals checked, the JSON record, the Markdown section, the plot."""

import json
import re
from pathlib import Path

PAGES = ("article", "home", "tag", "search", "rare search")
TARGETS = ("static", *PAGES)
# rendered: the page cache and the fragment cache off, every page made whole on every request;
# cold: the page cache off (DJANGO_PAGE_CACHE=false), pages rendered around their kept stories;
# warm: pages from the page cache.
MODES = ("rendered", "cold", "warm")
LABELS = {
    "static": "static file",
    "article": "article",
    "home": "home",
    "tag": "tag page",
    "search": "search\n(common word)",
    "rare search": "search\n(rare word)",
}
SEARCH_P99_MS = 100
# Searches are also measured with as many connections as workers (run.measure_unqueued): the
# p99 of a search itself, which the search goal is checked against.
LATENCY_TARGETS = ("search", "rare search")
SEARCH_AT_ARTICLES = 100_000
SCALING_LIMIT = 1.5


def figure(results: list[dict], dataset: str, mode: str, target: str) -> dict | None:
    for result in results:
        if (result["dataset"], result["mode"], result["target"]) == (dataset, mode, target):
            return result
    return None


def share(value: float) -> str:
    """A ratio to the ceiling: two decimals, or enough to show it is not zero."""
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}" if value >= 0.001 else f"{value:.1e}"


def factor(value: float) -> str:
    """How many times better a figure must get: "1.04×", "3.6×", "156×"."""
    return f"{value:.2f}×" if value < 2 else f"{value:.1f}×" if value < 100 else f"{value:,.0f}×"


def failed(name: str, dataset: str, wanted: str, result: dict) -> dict:
    return {
        "goal": name,
        "dataset": dataset,
        "measured": "no figures",
        "wanted": wanted,
        "met": False,
        "by": result["error"],
    }


def check_goals(run: dict) -> list[dict]:
    """Each goal from the issue, for each dataset it applies to: measured, wanted, met."""
    results, datasets = run["results"], run["datasets"]
    goals = []

    def ratio_goal(name, dataset, mode, target, at_least):
        result = figure(results, dataset, mode, target)
        if result is None:
            return
        if result["error"]:
            goals.append(failed(name, dataset, f"≥ {at_least:.2f}", result))
            return
        value = result["ratio_to_ceiling"]
        met = value >= at_least
        goals.append(
            {
                "goal": name,
                "dataset": dataset,
                "measured": f"{share(value)} × ceiling",
                "wanted": f"≥ {at_least:.2f}",
                "met": met,
                "by": f"{value / at_least:.2f}× the goal"
                if met
                else f"needs {factor(at_least / value)} the throughput"
                if value
                else "no throughput",
            }
        )

    for dataset in datasets:
        for page in PAGES:
            ratio_goal(f"warm {page}", dataset, "warm", page, 0.80)
        ratio_goal("cold article", dataset, "cold", "article", 0.20)
        ratio_goal("cold home", dataset, "cold", "home", 0.15)
        ratio_goal("cold tag", dataset, "cold", "tag", 0.15)

    if "large" in datasets:
        articles = datasets["large"]["articles"]
        scale = "" if articles >= SEARCH_AT_ARTICLES else f" (at {articles:,}, not 100,000)"
        for search in LATENCY_TARGETS:
            result = figure(results, "large", "cold", search)
            name = f"cold {search} p99{scale}"
            if result is not None and result["error"]:
                goals.append(failed(name, "large", f"< {SEARCH_P99_MS} ms", result))
            elif result is not None:
                value = (result.get("unqueued") or result)["p99_ms"]
                queued = result["p99_ms"]
                goals.append(
                    {
                        "goal": name,
                        "dataset": "large",
                        "measured": f"{value:.1f} ms unqueued ({queued:.0f} ms under the load)",
                        "wanted": f"< {SEARCH_P99_MS} ms",
                        "met": value < SEARCH_P99_MS,
                        "by": f"{SEARCH_P99_MS - value:.0f} ms to spare"
                        if value < SEARCH_P99_MS
                        else f"needs {factor(value / SEARCH_P99_MS)} lower",
                    }
                )
        if "seed" in datasets:
            for page in ("home", "tag"):
                # Rendered whole: how the pages' making scales with the archive.
                large = figure(results, "large", "rendered", page)
                seed = figure(results, "seed", "rendered", page)
                if large is None or seed is None:
                    continue
                name = f"rendered {page} p99, large ÷ seed"
                if large["error"] or seed["error"]:
                    broken = large if large["error"] else seed
                    goals.append(failed(name, "large vs seed", f"≤ {SCALING_LIMIT}×", broken))
                    continue
                growth = large["p99_ms"] / seed["p99_ms"]
                goals.append(
                    {
                        "goal": name,
                        "dataset": "large vs seed",
                        "measured": f"{growth:.2f}× ({large['p99_ms']:.1f} vs "
                        f"{seed['p99_ms']:.1f} ms)",
                        "wanted": f"≤ {SCALING_LIMIT}×",
                        "met": growth <= SCALING_LIMIT,
                        "by": f"{SCALING_LIMIT / growth:.2f}× the goal"
                        if growth <= SCALING_LIMIT
                        else f"needs p99 {factor(growth / SCALING_LIMIT)} lower",
                    }
                )
    return goals


def write_json(run: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n")


def markdown(run: dict, plot_name: str | None) -> str:
    """The run's section of docs/performance.md, between markers that identify the run."""
    stamp, machine, options = run["timestamp"], run["machine"], run["options"]
    ceiling = run["ceiling"]
    lines = [
        f"<!-- bench-run {stamp} -->",
        f"### Run {run['date']}",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory']}; "
        f"`{machine['uname']}`",
        f"- Load average before / after: {machine['load_before']} / {machine['load_after']}",
        f"- Software: Python {machine['python']}, Django {machine['django']}, "
        f"{machine['database']}, gunicorn {machine['gunicorn']}, "
        f"{machine['load_generator']}",
        f"- Settings: gunicorn {options['workers']} sync workers, debug off, page cache in "
        f"{options['cache']}; load {options['connections']} connections × "
        f"{options['duration']} s per target on 127.0.0.1",
        "- Datasets: "
        + "; ".join(
            f"{name}: {info['articles']:,} articles ({info['published']:,} published)"
            for name, info in run["datasets"].items()
        ),
        f"- Code: {run['revision']}; record: `bench/results/{stamp}.json`",
        "",
        f"Ceiling (one-view Django app): **{ceiling['requests_per_second']:,.0f} requests/s** "
        f"(start {ceiling['start']['requests_per_second']:,.0f}, end "
        f"{ceiling['end']['requests_per_second']:,.0f}), p50 "
        f"{ceiling['start']['p50_ms']:.1f} ms, p99 {ceiling['start']['p99_ms']:.1f} ms.",
        "",
        "| Dataset | Target | "
        + " | ".join(f"{mode.capitalize()} req/s | p50 ms | p99 ms | × ceiling" for mode in MODES)
        + " |",
        "| --- | --- | " + " | ".join("---: | ---: | ---: | ---:" for _mode in MODES) + " |",
    ]
    for dataset in run["datasets"]:
        for target in TARGETS:
            cells = [dataset, LABELS.get(target, target)]
            for mode in MODES:
                result = figure(run["results"], dataset, mode, target)
                if result is None:
                    cells += ["–"] * 4
                    continue
                if result["error"]:
                    cells += ["failed", "–", "–", "–"]
                    continue
                cells += [
                    f"{result['requests_per_second']:,.0f}",
                    f"{result['p50_ms']:.1f}",
                    f"{result['p99_ms']:.1f}",
                    share(result["ratio_to_ceiling"]),
                ]
            lines.append("| " + " | ".join(cells) + " |")
    lines += goals_table(run["goals"], "Dataset")
    failures = [r for r in run["results"] if r["error"]]
    if failures:
        lines += ["", "Failed targets:", ""]
        lines += [
            f"- {r['dataset']} {r['mode']} {r['target']} (`{r['url']}`): {r['error']}"
            for r in failures
        ]
    if plot_name:
        lines += ["", f"![Requests/s per page, cold and warm, run {stamp}]({plot_name})"]
    lines += ["", f"<!-- /bench-run {stamp} -->"]
    return "\n".join(lines) + "\n"


DOC_HEADER = """# Performance

How fast the readers' site answers, measured by `bench/run.py` (see bench/README.md).

## Runs

"""


def update_doc(doc: Path, section: str, stamp: str) -> None:
    """Put the run's section into the doc: replace the same run's, else append under Runs."""
    text = doc.read_text() if doc.exists() else DOC_HEADER
    pattern = re.compile(
        rf"<!-- bench-run {re.escape(stamp)} -->.*?<!-- /bench-run {re.escape(stamp)} -->\n",
        re.DOTALL,
    )
    if pattern.search(text):
        text = pattern.sub(lambda _match: section, text)
    else:
        if "\n## Runs\n" not in f"\n{text}":
            text = text.rstrip("\n") + "\n\n## Runs\n"
        text = text.rstrip("\n") + "\n\n" + section
    doc.write_text(text)


def plot(run: dict, path: Path) -> bool:
    """A bar chart of requests/s per target, cold and warm, per dataset. False without
    matplotlib (`pip install -e '.[bench]'`)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False

    datasets = list(run["datasets"])
    series = [(dataset, mode) for dataset in datasets for mode in MODES]
    colours = {
        ("seed", "rendered"): "#deebf7",
        ("seed", "cold"): "#9ecae1",
        ("large", "rendered"): "#fee6ce",
        ("seed", "warm"): "#3182bd",
        ("large", "cold"): "#fdae6b",
        ("large", "warm"): "#e6550d",
    }
    width = 0.8 / len(series)
    fig, axes = plt.subplots(figsize=(10, 6), dpi=110)
    ceiling = run["ceiling"]["requests_per_second"]
    # Logarithmic: cold pages can be a thousandth of warm ones and must still show.
    axes.set_yscale("log")
    floor = 1
    tallest = ceiling
    for index, (dataset, mode) in enumerate(series):
        found = [figure(run["results"], dataset, mode, target) or {} for target in TARGETS]
        values = [result.get("requests_per_second") or 0 for result in found]
        tallest = max(tallest, *values)
        positions = [t + (index - (len(series) - 1) / 2) * width for t in range(len(TARGETS))]
        articles = run["datasets"][dataset]["articles"]
        bars = axes.bar(
            positions,
            [max(value, floor) for value in values],
            width,
            label=f"{dataset} ({articles:,} articles), {mode}",
            color=colours.get((dataset, mode)),
        )
        labels = [
            "failed" if result.get("error") else "" if not result else f"{value:,.0f}"
            for result, value in zip(found, values, strict=True)
        ]
        axes.bar_label(bars, labels, fontsize=7, rotation=90, padding=2)
    for share, style in ((1.0, "-"), (0.8, "--"), (0.2, ":"), (0.15, "-.")):
        axes.axhline(ceiling * share, color="black", linestyle=style, linewidth=0.8)
        axes.annotate(
            f"{share:.0%} of ceiling" if share < 1 else f"ceiling {ceiling:,.0f}/s",
            (len(TARGETS) - 0.5, ceiling * share),
            xytext=(0, 2 if share != 0.15 else -9),
            textcoords="offset points",
            ha="right",
            fontsize=7,
        )
    axes.set_xticks(range(len(TARGETS)), [LABELS.get(t, t) for t in TARGETS])
    axes.set_ylabel("requests/s, logarithmic (higher is better)")
    axes.set_title(
        f"Newsroom under gunicorn, {run['options']['workers']} sync workers — {run['date']}"
    )
    axes.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncols=len(series))
    axes.set_ylim(floor, tallest * 4)
    axes.grid(axis="y", alpha=0.3, which="major")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return True


def goals_table(goals: list[dict], dataset_heading: str) -> list[str]:
    """The lines saying how many goals were met, and by how much each was met or missed."""
    lines = [
        "",
        f"Goals: **{sum(goal['met'] for goal in goals)} of {len(goals)} met.**",
        "",
        f"| Goal | {dataset_heading} | Measured | Wanted | Verdict |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for goal in goals:
        dataset = goal["dataset"]
        dataset = f"{dataset:,}" if isinstance(dataset, int) else dataset
        verdict = "met" if goal["met"] else "**missed**"
        lines.append(
            f"| {goal['goal']} | {dataset} | {goal['measured']} | {goal['wanted']} "
            f"| {verdict} ({goal['by']}) |"
        )
    return lines
