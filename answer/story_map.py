"""The story map: a picture of who did what to whom, drawn from a story's parties (answer.parties' Party).

Parties are nodes in two columns: those who accuse, charge or demand on the left, those they act on
and those who deny or respond on the right, so every arrow crosses the picture and is long enough to
see (networkx holds the graph; a column is ordered by where its parties' partners sit, so arrows cross
little). Arrows go from a party to the one it acts on, labelled with the act; a party whose act has
no named target carries its act under its name. matplotlib draws it in DejaVu Sans (shipped with
matplotlib), which renders Vietnamese. Up to MAX_NODES parties are drawn, the most active first; the
rest are counted ("+N more"). An arrow's label is moved along its arrow until it overlaps no other
label or node, so a phone shows every word.
"""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass

import networkx as nx
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from texts import ACT_WORDS, story_text

from .parties import same_party
from .types import Party

MAX_NODES = 12
SIZE_INCHES = 7.2
DPI = 150  # 1080 x 1080 pixels: sharp on a phone
LABEL_WIDTH = 22  # characters per line of a party's name
COLUMN_X = 0.8  # the columns' distance from the middle (the axes span -1.3 .. 1.3)
COLUMN_SPAN = 1.12  # the topmost and bottommost row's distance from the middle
LABEL_STEPS = (0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8)  # where along its arrow an act's label may sit


@dataclass(frozen=True)
class StoryMap:
    """The map's PNG, the names drawn on it, and how many parties were left out."""

    png: bytes
    names: tuple[str, ...]
    left_out: int
    texts: tuple[str, ...]  # every text drawn (the drawing's text layer)
    positions: dict[str, tuple[float, float]]  # each name's box center; x < 0 the left column


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


def _columns(parties: tuple[Party, ...], shown: list[str], graph: nx.DiGraph) -> dict[str, int]:
    """Each shown party's column: 0 (left) for accusers, 1 (right) for the accused and the responders.

    A party's own act votes for its side (Party.side 0 left, 1 right) and being acted on votes for the
    side opposite its actor; parties without a clear vote go where most of their partners sit across,
    and no column takes more than half the parties plus one, so both stay readable.
    """
    votes = dict.fromkeys(shown, 0)  # < 0 left, > 0 right
    for party in parties:
        source = next((n for n in shown if same_party(n, party.speaker)), None)
        if source is not None and party.side in (0, 1):
            votes[source] += 1 if party.side == 1 else -1
    for source, target in graph.edges:
        votes[target] += 1 if votes[source] <= 0 else -1
    capacity = math.ceil(len(shown) / 2) + 1
    column: dict[str, int] = {}
    for name in sorted(shown, key=lambda n: -abs(votes[n])):  # the clearest first; sorted() keeps activity order
        sizes = [sum(1 for c in column.values() if c == k) for k in (0, 1)]
        if votes[name]:
            wanted = 0 if votes[name] < 0 else 1
        else:  # across from the partners already placed, else in the shorter column
            partners = [column[n] for n in (*graph.predecessors(name), *graph.successors(name)) if n in column]
            wanted = (1 - round(sum(partners) / len(partners))) if partners else int(sizes[1] < sizes[0])
        column[name] = wanted if sizes[wanted] < capacity else 1 - wanted
    return column


def _positions(shown: list[str], graph: nx.DiGraph, column: dict[str, int]) -> dict[str, tuple[float, float]]:
    """Rows in each column, top to bottom; the right column follows the rows of its partners on the left."""
    left = [n for n in shown if column[n] == 0]
    row = {name: k for k, name in enumerate(left)}

    def partner_row(name: str) -> float:
        partners = [row[n] for n in (*graph.predecessors(name), *graph.successors(name)) if n in row]
        return sum(partners) / len(partners) if partners else len(left)

    right = sorted((n for n in shown if column[n] == 1), key=partner_row)  # stable: activity breaks ties
    positions = {}
    for side, names in ((-1, left), (1, right)):
        for k, name in enumerate(names):
            y = 0.0 if len(names) == 1 else COLUMN_SPAN - 2 * COLUMN_SPAN * k / (len(names) - 1)
            positions[name] = (side * COLUMN_X, y)
    return positions


def _edge(center: tuple[float, float], toward: tuple[float, float],
          half: tuple[float, float]) -> tuple[float, float]:
    """Where the line from a box's center toward another point leaves the box."""
    dx, dy = toward[0] - center[0], toward[1] - center[1]
    scale = min(half[0] / abs(dx) if dx else math.inf, half[1] / abs(dy) if dy else math.inf, 1.0)
    return center[0] + scale * dx, center[1] + scale * dy


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
    column = _columns(parties, shown, graph)
    positions = _positions(shown, graph, column) if len(shown) > 1 else {n: (0.0, 0.0) for n in shown}
    alone = {}  # what a party did when its act points at no one drawn
    for party in parties:
        source = next((n for n in shown if same_party(n, party.speaker)), None)
        if source is not None and not graph.out_degree(source) and source not in alone:
            alone[source] = ACT_WORDS[language].get(party.act, "") or party.act
    # A Figure of its own, not pyplot's global state: the bot draws maps from several threads at once.
    fig = Figure(figsize=(SIZE_INCHES, SIZE_INCHES), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.axis("off")
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.93)  # the picture, not white margins
    font = 11 if len(shown) <= 6 else 8
    drawn = {}
    for name in shown:
        x, y = positions[name]
        drawn[name] = ax.text(x, y, textwrap.fill(name, LABEL_WIDTH), ha="center", va="center", fontsize=font,
                              zorder=3, bbox={"boxstyle": "round,pad=0.4", "fc": "#e8f0fe", "ec": "#3c6fd8"})
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    taken = [t.get_window_extent(renderer).expanded(1.02, 1.1) for t in drawn.values()]
    for name, act in alone.items():  # its act in italics just under its box
        box = drawn[name].get_bbox_patch().get_window_extent(renderer)
        note = ax.annotate(act, ((box.x0 + box.x1) / 2, box.y0 - 3), xycoords="figure pixels", ha="center",
                           va="top", fontsize=font - 1, style="italic", color="#c0392b", zorder=3)
        taken.append(note.get_window_extent(renderer))
    to_data = ax.transData.inverted()
    halves = {}  # each box's half width and height in data units
    for name, text in drawn.items():
        (bx0, by0), (bx1, by1) = to_data.transform(text.get_bbox_patch().get_window_extent(renderer).get_points())
        halves[name] = ((bx1 - bx0) / 2, (by1 - by0) / 2)
    for source, target, data in graph.edges(data=True):
        start = _edge(positions[source], positions[target], halves[source])
        end = _edge(positions[target], positions[source], halves[target])
        (x0, y0), (x1, y1) = start, end
        bend = 0.08 if column[source] != column[target] else 0.45  # within a column: bow away from the boxes
        # from box edge to box edge, so the head is never hidden under the accused's box
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=18, color="#c0392b", lw=1.4,
                                     shrinkA=0, shrinkB=0, connectionstyle=f"arc3,rad={bend}", zorder=1))
        label = None
        for t in LABEL_STEPS:
            # on the drawn curve: arc3's quadratic Bézier, its control point `bend` off the middle
            cx, cy = (x0 + x1) / 2 + bend * (y1 - y0), (y0 + y1) / 2 - bend * (x1 - x0)
            lx = (1 - t) ** 2 * x0 + 2 * t * (1 - t) * cx + t * t * x1
            ly = (1 - t) ** 2 * y0 + 2 * t * (1 - t) * cy + t * t * y1
            label = ax.text(lx, ly, data["act"], fontsize=font - 1, ha="center",
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
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": 2})  # zlib 6 took a quarter of the time
    return StoryMap(buffer.getvalue(), tuple(shown), left_out, texts, positions)
