"""
The reader's training pairs: a request and the goal line it means, from the planner data.

People do not talk like the generator's phrasings, so a share of the requests is retold the way
people speak to a robot: as questions ("could you ...?"), wrapped in politeness or context ("so I
just got home and ..."), terse or lower-case, and with a typo. The retelling never changes what
is asked: it wraps the request, and a typo never touches a word that names an object. People
also say where a thing is ("pass me the book off the desk", "the pepper's in the cupboard, put
it on the table"), so a share of the requests says where its first object lies in the example's
state, and the reader learns that a place it lies is not where it goes. The hand-written
benchmark sets (bench/requests_by_hand*.yaml) are never read here, only left out.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

from groundplan.language.instructions import render_idiom
from groundplan.language.library import load_requests
from groundplan.language.prompt import Clause, Refusal, category_name, parse_goal_line
from groundplan.language.reading import ACTION_VERBS, contradicts
from groundplan.language.text import normalise
from groundplan.learning.planner_data import held_out, impossible_requests
from groundplan.types.catalog import Catalog, default_catalog
from groundplan.types.examples import Example

_QUESTION = ("can you {}?", "could you {}?", "would you {}?", "will you {}?", "any chance you could {}?",
             "can you please {}?", "could you possibly {}?", "do you think you could {}?", "hey, can you {}",
             "would you be able to {}?")
_BEFORE = ("please ", "hey robot, ", "ok so ", "right, ", "um, ", "quick one: ", "when you get a sec, ",
           "so I just got home and ", "if it's not too much trouble, ", "sorry to bother you, ",
           "alright, ", "one more thing: ", "before I forget, ", "listen, ", "")
_AFTER = (", thanks", " please", ", cheers", " thank you!", " if you don't mind", " when you have a moment",
          ", ta", " for me", " asap", "!", "...", " pls", ", would be great", "")


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # two letters swapped
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:  # one dropped
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]  # one doubled


def retell(text: str, rng: random.Random, protected: Iterable[str] = ()) -> str:
    """`text` as a person might say it, with what it asks unchanged."""
    words = text.strip().rstrip(".!").split()
    if not words:
        return text
    lowered = words[0].lower()
    body = " ".join([lowered, *words[1:]]) if not words[0].isupper() else " ".join(words)
    if lowered in ACTION_VERBS and rng.random() < 0.5:
        out = rng.choice(_QUESTION).format(body)
    else:
        out = rng.choice(_BEFORE) + body + rng.choice(_AFTER)
    if rng.random() < 0.3:  # one typo, in a word that names nothing
        keep = {w.lower() for p in protected for w in p.split()}
        tokens = out.split()
        free = [i for i, t in enumerate(tokens) if re.fullmatch(r"[a-z]+", t) and t not in keep]
        if free:
            i = rng.choice(free)
            tokens[i] = _typo(tokens[i], rng)
            out = " ".join(tokens)
    if rng.random() < 0.3:
        out = out.lower()
    return out[0].upper() + out[1:] if rng.random() < 0.5 else out


# Where a thing lies, said inside the request (after its name: never "in", which could be where it
# goes) or beside it ({rel}: on or in).
_FROM = {"on": ("off", "from"), "in": ("out of", "from")}
_BESIDE = ("{text}, it's {rel} the {place}", "{text} - it's {rel} the {place} somewhere",
           "{text}; the {noun} is {rel} the {place}", "the {noun}'s {rel} the {place}, {text}",
           "{text} (the {noun} is {rel} the {place} at the moment)", "there's {a} {noun} {rel} the {place}. {text}")


def where_it_lies(answer: list[Clause] | Refusal, state: dict, catalog: Catalog) -> tuple[str, str] | None:
    """Where the answer's first object lies: (relation, place category), or None.

    None unless every one of its kind lies in one place, and that is not where it is to go.
    """
    if isinstance(answer, Refusal) or not answer:
        return None
    clause = answer[0]
    places = {place.rsplit("_", 1)[0] for item, place in (state.get("located") or {}).items()
              if item.rsplit("_", 1)[0] == clause.obj}
    if len(places) != 1 or clause.target in places:
        return None
    place = catalog.get(category_name(places.pop(), catalog))
    return (place.relation, place.name) if place.relation in _FROM else None


def say_where(text: str, obj: str, lies: tuple[str, str], catalog: Catalog, rng: random.Random) -> str:
    """`text` with where its object lies said as people say it, in any of the place's names."""
    relation, place = lies
    place_word = rng.choice(catalog.get(place).words)
    names = sorted(catalog.get(category_name(obj, catalog)).words, key=len, reverse=True)
    named = next((m for w in names if (m := re.search(rf"\b{re.escape(w)}(?:e?s)?\b", text, re.IGNORECASE))), None)
    if named and rng.random() < 0.5:
        return f"{text[:named.end()]} {rng.choice(_FROM[relation])} the {place_word}{text[named.end():]}"
    noun = named.group(0).lower() if named else names[-1]
    return rng.choice(_BESIDE).format(text=text.rstrip(".!?"), rel=relation, place=place_word, noun=noun,
                                      a="an" if noun[0] in "aeiou" else "a")


# Two or three things asked in one breath, as people run them together ("hob off, and the kettle can go in
# the sink"; "fridge closed, hob off, lights off").
_JOIN_TWO = (" and ", ", and ", " and then ", ", then ", ". Also, ", "; oh and ", " - and ", ", plus ", ". Then ")
_JOIN_LAST = (" and ", ", and ", ", then ")


def join_requests(texts: list[str], rng: random.Random) -> str:
    """Requests said one after the other, as one request."""
    said = [t.strip().rstrip(".!") for t in texts]
    said = [said[0]] + [t[0].lower() + t[1:] if t[:1].isupper() and not t[:2].isupper() else t for t in said[1:]]
    if len(said) == 2:
        return said[0] + rng.choice(_JOIN_TWO) + said[1]
    return ", ".join(said[:-1]) + rng.choice(_JOIN_LAST) + said[-1]


def joined_pairs(examples: Iterable[Example], rng: random.Random, share: float) -> list[Pair]:
    """For a `share` of one-clause requests, the request joined with one or two others of its room.

    The answer is their clauses in the order said; no two act on one object or set one thing two ways.
    Composite requests are rare in the generated data, and the reader learnt to read only their first part.
    """
    by_scene: dict[str, list[tuple[str, list[Clause]]]] = {}
    for example in examples:
        if example.kind not in ("task", "midplan") or not example.instruction:
            continue
        answer = parse_goal_line(example.goal)
        if isinstance(answer, Refusal) or len(answer) != 1:
            continue
        by_scene.setdefault(example.scene, []).append((example.instruction, answer))
    out: list[Pair] = []
    for scene in sorted(by_scene):
        requests = by_scene[scene]
        for text, answer in requests:
            if rng.random() >= share:
                continue
            parts = [(text, answer)]
            for _ in range(1 if rng.random() < 0.75 else 2):
                objects = {c.obj for _, a in parts for c in a}
                fits = [(t, a) for t, a in requests if a[0].obj not in objects
                        and not contradicts(a[0], [c for _, b in parts for c in b])]
                if fits:
                    parts.append(rng.choice(fits))
            if len(parts) > 1:
                out.append((join_requests([t for t, _ in parts], rng), [c for _, a in parts for c in a]))
    return out


def library_pairs(split: str, rng: random.Random, copies: int, retold: float = 0.5,
                  protected: Iterable[str] = ()) -> list[Pair]:
    """The library's and needs table's phrasings with their goal lines (other splits: those training never sees).

    Training uses all but each entry's last phrasing, and no held-out entry; another split gets the rest.

    The reader reads a request without the room, so these need no scene that has every thing the
    goal acts on: the generated data had no sandwich at all, its rooms seldom holding bread, tomato,
    lettuce, a plate and a knife together. A library phrasing comes `copies` times; a need's phrasing
    once per goal, and `copies` times with its first (the one preferred where a room has several).
    The table's vague requests (but those whose answer depends on the room) and impossible ones come
    `copies` times with their refusal, as the generator refuses them: taught needs alone, the reader
    came to read "tell me a joke" as a need ("bring me the book"). So do its `beyond` requests, once per
    thing they are said of, refused as impossible for it: without them "read me the paper" was read as
    "bring the newspaper". Copies after the first are retold
    at `retold`. Texts containing a hand-written benchmark request are left out, as in `reader_pairs`.
    """
    requests = load_requests()
    held = held_out_requests()

    def said(texts, chosen):  # another split than training says only what training never does
        return [t for t in chosen(texts, split) if split == "train" or t not in chosen(texts, "train")]

    taught: list[tuple[str, str, int]] = []
    for task in requests.tasks.values():
        if task.held_out:
            taught += [(text, task.goal, copies) for text in task.phrasings if split != "train"]
        else:
            taught += [(text, task.goal, copies) for text in said(task.phrasings, held_out)]
    for need in requests.needs.values():
        taught += [(text, goal, copies if i == 0 else 1) for text in said(need.phrasings, held_out)
                   for i, goal in enumerate(need.goals)]
    taught += [(v.text, "refuse vague", copies) for v in said(requests.vague, held_out) if not v.unless_absent]
    taught += [(text, "refuse unknown", copies)
               for text in said(requests, impossible_requests)]
    catalog = default_catalog()
    for beyond in said(requests.beyond, lambda entries, s: held_out(entries, s, 3)):
        for thing in beyond.things:
            name = f"{rng.choice(('the', 'the', 'my'))} {rng.choice(catalog.get(thing).words)}"
            taught.append((beyond.text.format(obj=name), f"refuse impossible {thing.lower()}", copies))
    out: list[Pair] = []
    for text, goal, times in taught:
        if any(h in normalise(text) for h in held):
            continue
        answer = parse_goal_line(goal)
        out += [(text, answer)] + [(retell(text, rng, protected) if rng.random() < retold else text, answer)
                                   for _ in range(times - 1)]
    return out


def object_phrases(catalog: Catalog) -> list[str]:
    """Every phrase that names a category: a retelling's typo spares them."""
    return [phrase for category in catalog for phrase in category.words]


Pair = tuple[str, list[Clause] | Refusal]
# The kinds the generator makes few of are retold more often (needs and composite tasks: about 3% each).
RETELLINGS = {"need": 4, "library": 4, "two_step": 2}


def held_out_requests() -> frozenset[str]:
    """The hand-written benchmark requests (bench/requests_by_hand*.yaml), normalised: never trained on."""
    import yaml

    from groundplan.resources import share_dir

    paths = sorted((share_dir() / "bench").glob("requests_by_hand*.yaml"))
    return frozenset(normalise(str(case["say"])) for path in paths
                     for case in yaml.safe_load(path.read_text()).get("cases") or [] if case.get("say"))


def ambiguous_refusal(example: Example, answer: list[Clause] | Refusal, catalog: Catalog) -> bool:
    """A refusal people would not give: "take the drawer out" asks it open, not carried out of the room."""
    return (isinstance(answer, Refusal) and answer.kind == "impossible" and example.family == "take_out"
            and answer.category is not None and catalog.get(category_name(answer.category, catalog)).has("openable"))


def reader_pairs(examples: Iterable[Example], seed: int = 0, retold: float = 0.5, sourced: float = 0.0,
                 idioms: float = 0.0, joined: float = 0.0) -> list[Pair]:
    """Distinct (request, answer) pairs of the requests in `examples`.

    `retold`: share also retold; `sourced`: share also said with where the object lies
    (`say_where`), that itself retold at `retold`; `idioms`: share of one-clause requests to a
    thing that has its own idioms (config/instructions.yaml) also said in one of them; `joined`: share of
    one-clause requests also said together with one or two others of their room (`joined_pairs`), that
    itself retold at `retold`.

    A request that says a hand-written benchmark request (`held_out_requests`), or contains one, is
    left out, so a phrasing that happens to coincide with one cannot leak it into training.
    """
    from groundplan.types.catalog import default_catalog

    rng = random.Random(seed)
    catalog = default_catalog()
    names = object_phrases(catalog)
    held = held_out_requests()
    examples = [e for e in examples if e.kind != "walk" and e.instruction
                and not any(h in normalise(e.instruction) for h in held)]
    seen: dict[tuple[str, str], Pair] = {}
    for example in examples:
        answer = parse_goal_line(example.goal)
        if ambiguous_refusal(example, answer, catalog):
            continue
        texts = [example.instruction]
        for _ in range(RETELLINGS.get(example.kind, 1)):
            if rng.random() < retold:
                texts.append(retell(example.instruction, rng, names))
        lies = where_it_lies(answer, example.state, catalog) if sourced else None
        if lies and rng.random() < sourced:
            told = say_where(example.instruction, answer[0].obj, lies, catalog, rng)  # type: ignore[index]
            texts.append(retell(told, rng, names) if rng.random() < retold else told)
        if idioms and example.kind in ("task", "midplan") and not isinstance(answer, Refusal) and len(answer) == 1 \
                and rng.random() < idioms:
            said = render_idiom(answer[0].family, category_name(answer[0].obj, catalog), rng, catalog)
            if said:
                texts.append(retell(said, rng, names) if rng.random() < retold else said)
        for text in texts:
            seen.setdefault((text.lower(), example.goal), (text, answer))
    if joined:
        for text, answer in joined_pairs(examples, random.Random(f"{seed}:joined"), joined):
            text = retell(text, rng, names) if rng.random() < retold else text
            seen.setdefault((text.lower(), " ; ".join(c.text for c in answer)), (text, answer))
    pairs = list(seen.values())
    rng.shuffle(pairs)
    return pairs
