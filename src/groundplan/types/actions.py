"""The household domain's actions as plain data: each action's signature and text form, and a plan step.

The PDDL semantics of each action live in `groundplan.world.domain`; everything that only reads or
writes steps (plan text, executors, skill servers) needs no more than this.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionSpec:
    """Signature and text form of a domain action; the text is `name arg [word arg ...]`."""

    name: str
    # (parameter name, "item" | "fixture" | "thing"); a "thing" is either: a fixture, or an item that holds things
    # (a plate, a bowl, a pan)
    params: tuple[tuple[str, str], ...]
    words: tuple[str, ...]  # connective word before each parameter after the first ("" for none)
    alt_words: tuple[str, ...] = ()  # other connectives a reader accepts ("on" for "in")
    summary: str = ""

    @property
    def arity(self) -> int:
        return len(self.params)

    def render(self, args: tuple[str, ...]) -> str:
        parts = [self.name, args[0]] if args else [self.name]
        for word, arg in zip(self.words, args[1:]):
            parts += [word, arg] if word else [arg]
        return " ".join(parts)


ACTIONS: dict[str, ActionSpec] = {a.name: a for a in (
    ActionSpec("goto", (("target", "fixture"),), (), summary="drive to a fixture"),
    ActionSpec("pickup", (("obj", "item"), ("source", "thing")), ("from",),
               summary="pick an item up from the receptacle it is on or in (what it holds comes with it)"),
    ActionSpec("put", (("obj", "item"), ("target", "thing")), ("in",), ("on", "into", "onto"),
               summary="put the held item on or in a receptacle (a fixture, or a plate, bowl, pan... lying there)"),
    ActionSpec("open", (("target", "fixture"),), (), summary="open a door or drawer"),
    ActionSpec("close", (("target", "fixture"),), (), summary="close a door or drawer"),
    ActionSpec("turn_on", (("target", "fixture"),), (), summary="switch a device on"),
    ActionSpec("turn_off", (("target", "fixture"),), (), summary="switch a device off"),
    ActionSpec("slice", (("obj", "item"), ("tool", "item")), ("with",), ("using",),
               summary="slice an item lying where the robot is, holding a knife"),
    ActionSpec("clean", (("obj", "item"), ("place", "fixture")), ("in",), ("at", "with"),
               summary="wash the held item at a sink or bathtub"),
    ActionSpec("heat", (("obj", "item"), ("appliance", "fixture")), ("in",), ("with", "using"),
               summary="heat the held item with a microwave"),
    ActionSpec("cool", (("obj", "item"), ("appliance", "fixture")), ("in",), ("with", "using"),
               summary="cool the held item in a fridge"),
    ActionSpec("fill", (("obj", "item"), ("source", "fixture")), ("at",), ("from", "under"),
               summary="fill the held container with water at a tap"),
    ActionSpec("pour", (("obj", "item"), ("target", "item")), ("into",), ("in",),
               summary="pour the held container out into an empty cup where the robot is"),
    ActionSpec("water", (("target", "item"), ("obj", "item")), ("with",), ("using", "from"),
               summary="water a plant where the robot is from the held container"),
    ActionSpec("brew", (("obj", "item"), ("machine", "fixture")), ("in",), ("on", "with", "using"),
               summary="run a coffee machine's brew cycle into the cup standing on it"),
    ActionSpec("cook", (("obj", "item"), ("vessel", "thing")), ("in",), ("on", "with", "using"),
               summary="cook the food lying in a pan or pot on a burner that is on, or in a toaster that is on"),
    ActionSpec("wipe", (("target", "fixture"), ("tool", "item")), ("with",), ("using",),
               summary="wipe a surface or fixture clean with the held sponge or cloth"),
    ActionSpec("take_out", (("obj", "item"),), (),
               summary="carry the held rubbish out of the room, by the way the robot came in, and leave it there"),
)}


def step_problem(action: str, args: tuple[str, ...] | list[str]) -> str:
    """Why `action` with `args` is not a step of the domain, in words; "" when it is one.

    Skill servers answer with it (INVALID_REQUEST) before they move anything.
    """
    spec = ACTIONS.get(action)
    if spec is None:
        return f"unknown skill {action!r}; the skills are {', '.join(ACTIONS)}"
    if len(args) != spec.arity:
        names = ", ".join(name for name, _ in spec.params)
        return f"{action} takes {spec.arity} argument{'s' * (spec.arity > 1)} ({names}), got {len(args)}: {list(args)}"
    return ""


@dataclass(frozen=True)
class Step:
    """One ground action of a plan, e.g. Step("pickup", ("apple_1", "countertop_1"))."""

    action: str
    args: tuple[str, ...]

    @property
    def text(self) -> str:
        return ACTIONS[self.action].render(self.args)

    def __str__(self) -> str:
        return self.text
