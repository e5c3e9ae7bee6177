"""The story map of the seed story: a picture with every party's name, readable and drawn fast."""

from __future__ import annotations

import io

from matplotlib import image

from answer.story_map import MAX_NODES, draw_map
from answer.types import Party
from cli.main import main


def test_the_seed_story_map_names_every_party(seed_engine, tmp_path, capsys):
    parties = seed_engine.who("")
    assert len(parties) >= 3
    drawn = draw_map(parties, "vi", "Trung Quốc bác cáo buộc tin tặc")
    pixels = image.imread(io.BytesIO(drawn.png))
    assert pixels.shape[:2] == (1080, 1080)
    layer = "\n".join(drawn.texts).replace("\n", " ")
    for party in parties:
        assert party.speaker in drawn.names or any(party.speaker.startswith(n) or n in party.speaker
                                                   for n in drawn.names)
    for name in drawn.names:
        assert " ".join(name.split()) in layer
    assert "cáo buộc" in layer or "bác bỏ" in layer or "phản đối" in layer  # an act on an arrow
    (tmp_path / "seed_map.png").write_bytes(drawn.png)
    settings = seed_engine.settings
    out = tmp_path / "who.png"
    assert main(["who", "--articles", str(settings.articles_dir), "--index-dir", str(settings.index_dir),
                 "--png", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    capsys.readouterr()


def test_twelve_parties_are_drawn_and_more_are_counted():
    def party(k: int, of: int) -> Party:
        return Party(speaker=f"Bên số {k} ở Hà Nội", act="accuse", target=f"Bên số {(k + 5) % of} ở Hà Nội",
                     quotes=(), side=0)

    parties = tuple(party(k, 15) for k in range(15))
    # Its speed (<= 1 s for 12 parties) is a benchmark (bench/stories_eval.py, BENCHMARKS.md), not a timed test.
    drawn = draw_map(tuple(party(k, MAX_NODES) for k in range(MAX_NODES)), "vi")
    assert len(drawn.names) == MAX_NODES and drawn.left_out == 0
    more = draw_map(parties, "en", "Fifteen")
    assert more.left_out == 3 and any("+3 more" in t for t in more.texts)


def test_accusers_and_the_accused_sit_in_opposite_columns():
    parties = (
        Party(speaker="Mỹ", act="accuse", target="Trung Quốc", quotes=(), side=0),
        Party(speaker="Na Uy", act="demand", target="Trung Quốc", quotes=(), side=0),
        Party(speaker="Trung Quốc", act="deny", target="cáo buộc của Mỹ", quotes=(), side=1),
        Party(speaker="Anh", act="accuse", target=None, quotes=(), side=0),
    )
    drawn = draw_map(parties, "vi")
    x = {name: position[0] for name, position in drawn.positions.items()}
    assert x["Mỹ"] < 0 and x["Na Uy"] < 0 and x["Anh"] < 0  # accusers on the left
    assert x["Trung Quốc"] > 0  # the accused and responder on the right
    assert x["cáo buộc của Mỹ"] < 0  # what it answers sits across from it
    assert min(abs(x0 - x1) for x0 in x.values() for x1 in x.values() if x0 * x1 < 0) > 1.2  # long arrows
    assert "cáo buộc" in drawn.texts  # Anh's act, with no one to point at, under its name
