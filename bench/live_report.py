"""A live-newsroom run's figures (bench/live.py): its goals, its section of docs/performance.md
under "Live newsroom", and its plot."""

import re
from pathlib import Path

from report import factor, goals_table, share

# The issue's goals, with an editor saving every few seconds: readers' throughput at least
# this share of the ceiling, and at least this share of the same mix with nobody editing.
EDITS_TO_CEILING = 0.50
EDITS_TO_NO_EDITS = 0.80
HEADING = "## Live newsroom"
INTRODUCTION = """\
Readers on a realistic mix of pages while an editor saves an article every few seconds,
measured by `bench/live.py` (see [bench/README.md](../bench/README.md#the-live-newsroom)):
15 % home pages, 45 % the ten newest articles, 40 % a long tail of article, section and tag
pages, every one of them asked for once before measuring (the page cache holds them, as it
would after readers had been round); the editor edits one of the newest and one of the tail
in turn, through the editorial actions. Goals, as ratios to the one-view ceiling measured in
the same run: with edits, readers get at least 0.50 × the ceiling and at least 0.80 × the
same mix without edits.
"""


SHARED = (
    "The machine was busy (a load average of 1 or more on a side of the run): other work "
    "took CPU from the servers and from wrk, so compare the ratios within this run, not its "
    "requests/s with another run's."
)


def busy(machine: dict) -> bool:
    loads = [machine.get("load_before", ""), machine.get("load_after", "")]
    firsts = [float(load.split()[0]) for load in loads if load and load != "unknown"]
    return any(first >= 1.0 for first in firsts)


def result(run: dict, articles: int, phase: str) -> dict | None:
    for found in run["results"]:
        if (found["dataset"], found["phase"]) == (articles, phase):
            return found
    return None


def add_ratios(run: dict) -> None:
    ceiling = run["ceiling"]["requests_per_second"]
    for found in run["results"]:
        found["ratio_to_ceiling"] = round(found["requests_per_second"] / ceiling, 5)
    for info in run["datasets"].values():
        quiet = result(run, info["articles"], "no edits")
        busy = result(run, info["articles"], "edits")
        if quiet and busy and quiet["requests_per_second"]:
            busy["ratio_to_no_edits"] = round(
                busy["requests_per_second"] / quiet["requests_per_second"], 5
            )


def goal(name: str, articles: int, value: float | None, at_least: float, of: str) -> dict:
    if value is None:
        return {"goal": name, "dataset": articles, "measured": "no figures",
                "wanted": f"≥ {at_least:.2f}", "met": False, "by": "not measured"}  # fmt: skip
    met = value >= at_least
    return {
        "goal": name,
        "dataset": articles,
        "measured": f"{share(value)} × {of}",
        "wanted": f"≥ {at_least:.2f}",
        "met": met,
        "by": f"{value / at_least:.2f}× the goal"
        if met
        else f"needs {factor(at_least / value)} the throughput"
        if value
        else "no throughput",
    }


def check_goals(run: dict) -> list[dict]:
    goals = []
    for info in run["datasets"].values():
        busy = result(run, info["articles"], "edits") or {}
        goals.append(
            goal("readers with edits vs ceiling", info["articles"],
                 busy.get("ratio_to_ceiling"), EDITS_TO_CEILING, "ceiling")
        )  # fmt: skip
        goals.append(
            goal("readers with edits vs without", info["articles"],
                 busy.get("ratio_to_no_edits"), EDITS_TO_NO_EDITS, "without edits")
        )  # fmt: skip
    return goals


def warmed(options: dict) -> str:
    if options.get("cold_tail"):
        return (
            "the home and hot pages and a sample of the long tail were asked for once (--cold-tail)"
        )
    return "every page of the mix was asked for once (so the page cache held it)"


def sampled_hits(page_cache: dict) -> str:
    """ "41 of 80: home 9/10, hot 30/36, tail 2/34" """
    groups = ", ".join(
        f"{group} {count['hit']}/{count['hit'] + count['miss']}"
        for group, count in page_cache.get("groups", {}).items()
    )
    total = f"{page_cache['hit']} of {page_cache['hit'] + page_cache['miss']}"
    return f"{total}: {groups}" if groups else total


def markdown(run: dict, plot_name: str | None) -> str:
    """The run's subsection, between markers that identify it."""
    stamp, machine, options = run["timestamp"], run["machine"], run["options"]
    ceiling = run["ceiling"]
    lines = [
        f"<!-- live-run {stamp} -->",
        f"### Live run {run['date']}",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory']}; "
        f"load average before / after: {machine['load_before']} / {machine['load_after']}",
        f"- Software: Python {machine['python']}, Django {machine['django']}, "
        f"{machine['database']}, gunicorn {machine['gunicorn']}, {machine['load_generator']}",
        f"- Settings: gunicorn {options['workers']} sync workers, debug off, page cache in "
        f"{options['cache']}; wrk {options['connections']} connections × {options['duration']} s "
        f"per phase; before them, {warmed(options)} and the mix ran {options['warm_up']} s "
        f"unmeasured; an edit every {options['edit_interval']:g} s in the edits phase; "
        f"seed {options['seed']}",
        "- Pages: "
        + "; ".join(
            f"{info['articles']:,} articles ({info['published']:,} published): "
            f"{info['pages']['home']} home, {info['pages']['hot']} hot, "
            f"{info['pages']['tail']:,} long-tail pages, {info.get('checked', 0):,} checked 200"
            for info in run["datasets"].values()
        ),
        f"- Code: {run['revision']}; record: `bench/results/live-{stamp}.json`",
        "- Sampled page-cache hits: requests of the sampler's own, every 0.25 s beside wrk's, "
        "drawn from the mix as wrk's are; `X-Page-Cache` counted per group",
        *([f"- Note: {run['note']}"] if run.get("note") else []),
        *([f"- {SHARED}"] if busy(machine) else []),
        "",
        f"Ceiling (one-view Django app): **{ceiling['requests_per_second']:,.0f} requests/s** "
        f"(start {ceiling['start']['requests_per_second']:,.0f}, end "
        f"{ceiling['end']['requests_per_second']:,.0f}).",
        "",
        "| Articles | Phase | req/s | p50 ms | p99 ms | × ceiling | × no edits "
        "| Sampled page-cache hits | Saves |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for found in run["results"]:
        lines.append(
            f"| {found['dataset']:,} | {found['phase']} | {found['requests_per_second']:,.0f} "
            f"| {found['p50_ms']:.1f} | {found['p99_ms']:.1f} | {share(found['ratio_to_ceiling'])} "
            f"| {share(found['ratio_to_no_edits']) if 'ratio_to_no_edits' in found else '–'} "
            f"| {sampled_hits(found['page_cache'])} | {found.get('saves', '–')} |"
        )
    lines += goals_table(run["goals"], "Articles")
    if run["problems"]:
        lines += ["", "Problems:", "", *(f"- {problem}" for problem in run["problems"])]
    if plot_name:
        lines += ["", f"![Readers' requests/s with and without edits, run {stamp}]({plot_name})"]
    lines += ["", f"<!-- /live-run {stamp} -->"]
    return "\n".join(lines) + "\n"


def update_doc(doc: Path, section: str, stamp: str) -> None:
    """Replace the run's subsection, or add it at the end of "Live newsroom", which goes
    before "Runs" (bench/run.py appends its runs at the end of the file)."""
    text = doc.read_text() if doc.exists() else "# Performance\n"
    marked = re.compile(
        rf"<!-- live-run {re.escape(stamp)} -->.*?<!-- /live-run {re.escape(stamp)} -->\n",
        re.DOTALL,
    )
    if marked.search(text):
        doc.write_text(marked.sub(lambda _match: section, text))
        return
    if f"\n{HEADING}\n" not in f"\n{text}":
        part = f"{HEADING}\n\n{INTRODUCTION}"
        runs = text.find("\n## Runs\n")
        if runs >= 0:
            text = f"{text[: runs + 1]}{part}\n{text[runs + 1 :]}"
        else:
            text = f"{text.rstrip()}\n\n{part}"
    start = f"\n{text}".index(f"\n{HEADING}\n")
    following = text.find("\n## ", start + len(HEADING))
    end = len(text) if following < 0 else following + 1
    live = text[start:end].rstrip("\n") + "\n\n" + section
    doc.write_text(text[:start] + live + (f"\n{text[end:]}" if following >= 0 else ""))


def plot(run: dict, path: Path) -> bool:
    """Bars of requests/s per dataset: the ceiling, the mix without edits, with edits; p99
    written on each. False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False

    ceiling = run["ceiling"]
    datasets = [info["articles"] for info in run["datasets"].values()]
    series = [
        ("ceiling", "#bdbdbd", lambda _n: ceiling["start"] | {
            "requests_per_second": ceiling["requests_per_second"]}),
        ("mix, no edits", "#3182bd", lambda n: result(run, n, "no edits")),
        (f"mix, an edit every {run['options']['edit_interval']:g} s", "#e6550d",
         lambda n: result(run, n, "edits")),
    ]  # fmt: skip
    width = 0.8 / len(series)
    tallest = ceiling["requests_per_second"]
    fig, axes = plt.subplots(figsize=(8, 5), dpi=110)
    for index, (label, colour, find) in enumerate(series):
        found = [find(n) or {} for n in datasets]
        values = [f.get("requests_per_second", 0) for f in found]
        tallest = max(tallest, *values)
        positions = [d + (index - (len(series) - 1) / 2) * width for d in range(len(datasets))]
        bars = axes.bar(positions, [max(v, 1) for v in values], width, label=label, color=colour)
        labels = [
            f"{v:,.0f}/s\np99 {f['p99_ms']:,.0f} ms" if f else "no figures"
            for f, v in zip(found, values, strict=True)
        ]
        axes.bar_label(bars, labels, fontsize=7, padding=2)
    level = ceiling["requests_per_second"] * EDITS_TO_CEILING
    axes.axhline(level, color="black", linestyle="--", linewidth=0.8)
    axes.annotate(
        f"goal with edits: {EDITS_TO_CEILING:.0%} of ceiling",
        (0.99, level),
        xycoords=("axes fraction", "data"),
        xytext=(0, 3),
        textcoords="offset points",
        ha="right",
        fontsize=7,
    )
    axes.set_xticks(range(len(datasets)), [f"{n:,} articles" for n in datasets])
    # Logarithmic: the mix can be a hundredth of the ceiling, and with edits less again.
    axes.set_yscale("log")
    axes.set_ylabel("readers' requests/s, logarithmic (higher is better)")
    axes.set_ylim(1, tallest * 4)
    axes.set_title(f"Live newsroom, {run['options']['workers']} sync workers — {run['date']}")
    axes.legend(fontsize=8, loc="upper right")
    axes.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return True
