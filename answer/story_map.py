"""The story map: a picture of who did what to whom, drawn from a story's parties (answer.parties' Party).

Parties are nodes on a circle (networkx's circular layout), arrows go from a party to the one it acts
on, labelled with the act; matplotlib draws it in DejaVu Sans (shipped with matplotlib), which renders
Vietnamese. Up to MAX_NODES parties are drawn, the most active first; the rest are counted ("+N more").
An arrow's label is moved along its arrow until it overlaps no other label or node, so a phone shows
every word.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display: draw into memory

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.patches import FancyArrowPatch

from texts import ACT_WORDS, story_text

from .parties import same_party
from .types import Party

MAX_NODES = 12
SIZE_INCHES = 7.2
DPI = 150  # 1080 x 1080 pixels: sharp on a phone
LABEL_WIDTH = 16  # characters per line of a party's name
LABEL_STEPS = (0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8)  # where along its arrow an act's label may sit


@dataclass(frozen=True)
class StoryMap:
    """The map's PNG, the names drawn on it, and how many parties were left out."""

    png: bytes
    names: tuple[str, ...]
    left_out: int
    texts: tuple[str, ...]  # every text drawn (the drawing's text layer)


def _nodes(parties: tuple[Party, ...]) -> list[str]:
    """The parties and the targets that are no party of their own, the most active first."""
    counts: dict[str, int] = {}
    for party in parties:
        for name in (party.speaker, party.target):
            if not name:
                continue
            key = next((k for k in counts if same_party(k, name)), name)
            counts[key] = counts.get(key, 0) + (len(party.quotes) if name == party.speaker else 1)
    return sorted(counts, key=lambda n: -counts[n])


def draw_map(parties: tuple[Party, ...], language: str, title: str = "") -> StoryMap:
    """Draw the parties' map; a PNG of 1080 x 1080 pixels."""
    names = _nodes(parties)
    shown, left_out = names[:MAX_NODES], max(0, len(names) - MAX_NODES)
    graph = nx.DiGraph()
    graph.add_nodes_from(shown)
    for party in parties:
        source = next((n for n in shown if same_party(n, party.speaker)), None)
        target = next((n for n in shown if party.target and same_party(n, party.target)), None)
        if source and target and source != target:
            graph.add_edge(source, target, act=ACT_WORDS[language].get(party.act, "") or party.act)
    positions = nx.circular_layout(graph) if len(shown) > 1 else {n: (0.0, 0.0) for n in shown}
    fig, ax = plt.subplots(figsize=(SIZE_INCHES, SIZE_INCHES), dpi=DPI)
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.axis("off")
    font = 11 if len(shown) <= 6 else 8
    drawn = []
    for name in shown:
        x, y = positions[name]
        drawn.append(ax.text(x, y, textwrap.fill(name, LABEL_WIDTH), ha="center", va="center", fontsize=font,
                             zorder=3, bbox={"boxstyle": "round,pad=0.4", "fc": "#e8f0fe", "ec": "#3c6fd8"}))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    taken = [t.get_window_extent(renderer).expanded(1.02, 1.1) for t in drawn]
    for source, target, data in graph.edges(data=True):
        (x0, y0), (x1, y1) = positions[source], positions[target]
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=16, color="#c0392b",
                                     shrinkA=28, shrinkB=28, connectionstyle="arc3,rad=0.08", zorder=1))
        label = None
        for t in LABEL_STEPS:
            label = ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), data["act"], fontsize=font - 1, ha="center",
                            va="center", color="#c0392b", zorder=2,
                            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none"})
            box = label.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in taken):
                break
            label.remove()
            label = None
        if label is not None:
            taken.append(label.get_window_extent(renderer))
    heading = title
    if left_out:
        heading = f"{heading}  ({story_text(language, 'map_more', count=left_out)})".strip()
    if heading:
        ax.set_title(textwrap.fill(heading, 60), fontsize=12)
    texts = tuple(t.get_text() for t in ax.texts) + ((ax.get_title(),) if heading else ())
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return StoryMap(buffer.getvalue(), tuple(shown), left_out, texts)
