"""
Perception commands: `perceive` (look around a simulated scene) and `perception dataset|train|bench`.

The detector's data sizes and training settings come from the recipe `config/recipes/detector.yaml`
(see cli.recipes).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from groundplan.cli.common import DEMO_SCENE, print_scene
from groundplan.cli.recipes import Recipe, add_recipe_option, load_recipe
from groundplan.errors import GroundplanError

PIPELINE = "detector"
SCHEMA = {
    "dataset": {"train_scenes": int, "val_scenes": int, "views": int, "scenery": float, "seed": int},
    "train": {"epochs": int, "hours": float, "width": float, "batch": int, "workers": int, "device": str,
              "init": str},
}
# Each command's options that the recipe fills in when not given: option dest -> recipe key.
DATASET_OPTIONS = {k: f"dataset.{k}" for k in ("train_scenes", "val_scenes", "views", "scenery")}
TRAIN_OPTIONS = {**DATASET_OPTIONS,
                 **{k: f"train.{k}" for k in ("epochs", "hours", "width", "batch", "workers", "device", "init")}}


def _recipe(args: argparse.Namespace, options: dict[str, str]) -> Recipe:
    return load_recipe(args, PIPELINE, SCHEMA, options)


def cmd_perceive(args: argparse.Namespace) -> int:
    """Look around a simulated scene with a view strategy and print the perceived object list."""
    from groundplan.perception.views import STRATEGIES, ViewConfig

    if args.strategy not in STRATEGIES:
        raise GroundplanError(f"unknown view strategy {args.strategy!r}; choose one of {', '.join(STRATEGIES)}")
    from groundplan.perception.detect import make_detector
    from groundplan.perception.pipeline import PerceptionConfig, perceive
    from groundplan.sim.camera import simulated_frames
    from groundplan.sim.world import SimWorld
    from groundplan.types.scene import load_scene

    scene = load_scene(args.scene)
    config = PerceptionConfig(views=ViewConfig(strategy=args.strategy, views=args.views or ViewConfig.views))
    detector = make_detector(args.backend, args.weights, {o.id: o.category for o in scene.objects})
    with SimWorld(scene) as world:
        frames = simulated_frames(world, config)
        result = perceive(frames, detector, scene, known=scene, config=config)
    print(f"{len(frames)} views ({args.strategy}); detection {result.seconds['detect']:.2f} s, "
          f"fusion {1000 * result.seconds['fuse']:.0f} ms")
    print_scene(result.scene)
    missed = sorted(o.id for o in scene.objects if o.id not in result.scene)
    print(f"not perceived: {', '.join(missed) or 'none'}")
    if args.output:
        result.scene.save(Path(args.output))
    return 0


def cmd_perception_dataset(args: argparse.Namespace) -> int:
    _recipe(args, {**DATASET_OPTIONS, "seed": "dataset.seed"})
    from groundplan.learning.detector_data import DatasetConfig, build_dataset

    config = DatasetConfig(scenes_per_room={"train": args.train_scenes, "val": args.val_scenes},
                           views_per_scene=args.views, scenery=args.scenery, seed=args.seed)
    print(build_dataset(Path(args.out), config))
    return 0


def cmd_perception_train(args: argparse.Namespace) -> int:
    """Build the dataset (resumes), train the detector (resumes), write weights and metrics."""
    recipe = _recipe(args, TRAIN_OPTIONS)
    from groundplan.learning.detector_data import DatasetConfig, build_dataset
    from groundplan.learning.detector_train import TrainConfig, train_detector

    data = build_dataset(Path(args.data), DatasetConfig(
        scenes_per_room={"train": args.train_scenes, "val": args.val_scenes}, views_per_scene=args.views,
        scenery=args.scenery, seed=recipe["dataset.seed"]))
    config = TrainConfig(epochs=args.epochs, hours=args.hours, width=args.width, batch=args.batch,
                         workers=args.workers, device=args.device, init=args.init)
    weights = train_detector(data, Path(args.out), config)
    print(f"weights: {weights}\n{weights.with_suffix('.metrics.json').read_text()}")
    return 0


def cmd_perception_bench(args: argparse.Namespace) -> int:
    from groundplan.eval.perception_bench import report
    from groundplan.learning.detector_data import DatasetConfig
    from groundplan.perception.views import STRATEGIES, ViewConfig

    strategies = tuple(args.strategies.split(",")) if args.strategies is not None else STRATEGIES
    scenery = DatasetConfig.scenery if args.scenery is None else args.scenery
    print(report(args.backend, args.weights, args.scenes_per_room, strategies, args.views or ViewConfig.views,
                 scenery))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `perceive` and `perception dataset|train|bench` to the top-level parser's subcommands."""
    look = sub.add_parser("perceive", help="perceive a simulated scene from multiple views; print the object list")
    look.add_argument("--scene", default=DEMO_SCENE)
    look.add_argument("--strategy", default="blockwise_center",
                      help="view strategy: an unknown name is answered with the list of strategies")
    look.add_argument("--views", type=int, help="views per 360-degree sweep (default: the graphs')")
    look.add_argument("--backend", default="ultralytics", help="ultralytics or ground_truth")
    look.add_argument("--weights", help="an ultralytics .pt (default: the shipped detector)")
    look.add_argument("-o", "--output", help="write the perceived scene YAML here")
    look.set_defaults(func=cmd_perceive)
    perception = sub.add_parser("perception", help="detector data, training and benchmark").add_subparsers(
        dest="perception_command", required=True)
    for name, func, text in (("dataset", cmd_perception_dataset, "render and label the detector dataset"),
                             ("train", cmd_perception_train, "build the dataset and train the detector")):
        cmd = perception.add_parser(name, help=text)
        cmd.add_argument("--train-scenes", type=int, help="generated training scenes per room type")
        cmd.add_argument("--val-scenes", type=int, help="validation scenes per room type")
        cmd.add_argument("--views", type=int, help="images per scene")
        cmd.add_argument("--scenery", type=float,
                         help="chance of each type rooms are not laid out with (a chair, a painting) per scene")
        add_recipe_option(cmd, PIPELINE)
        cmd.set_defaults(func=func)
    perception.choices["dataset"].add_argument("--out", default="data/detector")
    perception.choices["dataset"].add_argument("--seed", type=int)
    train = perception.choices["train"]
    train.add_argument("--data", default="data/detector", help="dataset folder (built or resumed there)")
    train.add_argument("--out", default="models/detector", help="where the weights and metrics go")
    train.add_argument("--epochs", type=int)
    train.add_argument("--hours", type=float, help="wall-time budget; 0: run all epochs")
    train.add_argument("--width", type=float, help="channel width multiplier")
    train.add_argument("--batch", type=int)
    train.add_argument("--workers", type=int, help="data-loading processes")
    train.add_argument("--device", help="cpu, or a CUDA device index such as 0")
    train.add_argument("--init", help="weights to continue from (default: scratch)")
    pbench = perception.add_parser("bench", help="precision, recall and position error per room and strategy")
    pbench.add_argument("--backend", default="ultralytics", help="ultralytics or ground_truth")
    pbench.add_argument("--weights")
    pbench.add_argument("--scenes-per-room", type=int, default=2)
    pbench.add_argument("--strategies", help="comma-separated view strategies (default: all)")
    pbench.add_argument("--views", type=int, help="views per 360-degree sweep (default: the graphs')")
    pbench.add_argument("--scenery", type=float,
                        help="chance of each scenery type per room (default: the detector data's; 0: the rooms the "
                             "planner knows)")
    pbench.set_defaults(func=cmd_perception_bench)
