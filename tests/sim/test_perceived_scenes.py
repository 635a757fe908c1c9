"""What the robot saw is a scene a user can plan on: `perceive -o`, then `plan --scene` on the file."""

import pytest

from groundplan.cli import main
from groundplan.types.catalog import default_catalog
from groundplan.types.scene import load_scene, scene_names


@pytest.mark.parametrize("name", scene_names())
def test_a_perceived_scene_loads_and_plans(tmp_path, capsys, name):
    out = tmp_path / f"{name}.yaml"
    assert main(["perceive", "--scene", name, "-o", str(out)]) == 0
    seen = load_scene(out)  # every item rests on or in something, assumed where its support went unseen
    catalog = default_catalog()
    items = [o for o in seen.objects if catalog.get(o.category).is_item]
    assert items and all(o.parent in seen for o in items)
    # move an item (one whose support was assumed, where there is one) to another place that holds it
    item, place = next((o, p) for o in sorted(items, key=lambda o: not o.support_assumed) for p in seen.objects
                       if p.id != o.parent and not catalog.get(p.category).is_item
                       and catalog.get(p.category).can_hold(catalog.get(o.category)))
    capsys.readouterr()
    code = main(["plan", "--scene", str(out), "--strategy", "classical",
                 "--goal", f"pick_and_place {item.id} {place.id}"])
    assert code == 0, capsys.readouterr().out


def test_an_item_nothing_seen_can_hold_rests_on_the_floor(tmp_path, capsys):
    from groundplan.perception.fusion import FusedObject
    from groundplan.perception.pipeline import build_scene
    from groundplan.types.scene import Scene

    seen = [FusedObject("Television", (1.0, 2.9, 1.0), (1.0, 0.1, 0.6), 0.9),
            FusedObject("Apple", (2.0, 1.0, 0.04), (0.08, 0.08, 0.08), 0.8)]
    room = Scene("seen", "living_room", (4.0, 3.0), [])
    out = build_scene(seen, room).save(tmp_path / "seen.yaml")
    apple = load_scene(out).get("apple_1")
    assert apple.parent is None and apple.support_assumed
    capsys.readouterr()
    assert main(["scene", "show", str(out)]) == 0
    assert "on the floor (assumed)" in capsys.readouterr().out
    code = main(["plan", "--scene", str(out), "--strategy", "classical", "--goal", "turn_on television_1"])
    assert code == 0, capsys.readouterr().out
