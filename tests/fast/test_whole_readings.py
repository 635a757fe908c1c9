"""The pretrained reader chooses among whole readings, never token by token, and is blind to the room.

These use the real SmolLM2 reader (with the shipped adapter where there is one): they test how it
chooses, not what it has learnt, so they hold for any adapter.
"""

import numpy as np
import pytest
import torch

from groundplan.language.meaning import option_pieces, reader_prompt
from groundplan.language.prompt import Refusal, parse_goal_line
from groundplan.learning.reader_probe import top1
from groundplan.planning.reader import load_reader


@pytest.fixture(scope="module")
def reader():
    return load_reader(dtype="float32")  # exact comparisons; the bfloat16 reader is compared with it below


def _whole(reader, request, line):
    answer = parse_goal_line(line)
    prefix = list(reader.encode(reader_prompt(request)))
    total = 0.0
    for piece in option_pieces(answer):
        ids = reader.encode(piece)
        total += reader.score(prefix, [ids])[0]
        prefix += ids
    return total


def test_the_best_whole_option_wins_even_where_a_first_token_is_shared(reader):
    """Refusals share their first tokens: token by token, their mass would add up; whole, it does not."""
    lines = ["slice bread", "refuse absent knife", "refuse impossible bread", "refuse unknown", "refuse vague",
             "deliver bread"]
    first = [(parse_goal_line(line) if line.startswith("refuse") else parse_goal_line(line)[0], True, False)
             for line in lines]
    request = "could you cut me a slice of bread?"
    reading = reader.read(request, first, lambda line: [])
    scores = {line: _whole(reader, request, line) for line in lines}
    best = max(scores, key=scores.get)
    chosen = reading.answer.text if isinstance(reading.answer, Refusal) else reading.answer[0].text
    assert chosen == best
    assert reading.score == pytest.approx(scores[best], abs=0.05)  # batched and alone differ in rounding
    assert [s for _, s in reading.runners_up] == pytest.approx(
        sorted((s for line, s in scores.items() if line != best), reverse=True)[:4], abs=0.05)


def test_batched_scores_equal_one_at_a_time(reader):
    prefix = list(reader.encode(reader_prompt("turn the telly off")))
    pieces = [reader.encode(t) for t in (" switch off the television\n", " switch on the television\n",
                                         " refuse: that is not a household task I know\n")]
    together = reader.score(prefix, pieces)
    alone = [reader.score(prefix, [p])[0] for p in pieces]
    assert together == pytest.approx(alone, abs=0.05)


def test_the_token_tree_scores_as_the_padded_batch(reader):
    """Options run as one tree of their tokens (shared prefixes once): each option's score is what the padded
    batch, every option on its own row, gives it; no branch sees a sibling's tokens."""
    prefix = list(reader.encode(reader_prompt("could you pop the apple in the fridge")))
    places = ("in the fridge", "in the microwave", "on the table")
    texts = [f" {verb} the {thing} {where}\n" for verb in ("put", "put away")
             for thing in ("apple", "apple slices", "mug") for where in places]
    pieces = [reader.encode(t) for t in texts]
    tree = reader.score(prefix, pieces)
    padded, _ = reader.states(prefix, pieces)
    assert tree == pytest.approx(padded, abs=1e-3)
    assert len(set(np.round(tree, 3))) == len(texts)


def test_hidden_states_are_read_at_each_options_last_token(reader):
    """The reader probes' features: one state per layer at the option's own last token, not at a pad."""
    prefix = list(reader.encode(reader_prompt("turn the telly off")))
    short, long = reader.encode(" switch off the television\n"), reader.encode(" put the mug in the sink\n")
    scores, states = reader.states(prefix, [short, long])
    assert scores == pytest.approx(reader.score(prefix, [short, long]), abs=1e-4)
    config = reader.model.config
    assert states.shape == (2, config.num_hidden_layers + 1, config.hidden_size)
    _, alone = reader.states(prefix, [short])
    assert torch.allclose(states[0], alone[0], atol=1e-3)  # the longer option's pads do not leak into it


def test_bfloat16_reads_as_float32(reader):
    """The reader scores in bfloat16 where the CPU has it: the same best reading, scores within half a nat or 3%.

    bfloat16 keeps 8 bits of mantissa, so an unlikely option's error grows with its score (stage 4: 0.55 nats on
    -26.5)."""
    half = load_reader(dtype="bfloat16")
    assert half.model.dtype == torch.bfloat16
    for request in ("could you pop the apple in the fridge", "it's freezing in here", "turn the telly off"):
        prefix = list(reader.encode(reader_prompt(request)))
        pieces = [reader.encode(t) for t in (" put the apple in the fridge\n", " put the apple in the microwave\n",
                                             " switch on the space heater\n", " switch off the television\n",
                                             " switch on the television\n", " ask back: what exactly should I do?\n")]
        full, low = reader.score(prefix, pieces), half.score(prefix, pieces)
        assert int(np.argmax(full)) == int(np.argmax(low))
        assert low == pytest.approx(full, abs=0.5, rel=0.03)
    _, states = half.states(prefix, pieces[:2])  # the probes' features, as numpy takes them
    assert states.dtype == torch.float32 and states.numpy().shape[0] == 2


def test_top1_counts_requests_whose_best_option_is_the_meant_one():
    score = np.array([0.9, 0.1, 0.2, 0.8, 0.5, 0.4])
    meant = np.array([1, 0, 1, 0, 0, 1])
    request = np.array([0, 0, 1, 1, 2, 2])
    assert top1(score, meant, request) == pytest.approx(1 / 3)


@pytest.fixture(scope="module")
def grounded():
    from groundplan.planning.registry import DEFAULT_STRATEGY, make_strategy

    return make_strategy(DEFAULT_STRATEGY)


def _variants(scene):
    """The room, without two things nobody asks about, and with a book and a candle added."""
    from dataclasses import replace

    from groundplan.types.scene import SceneObject

    fewer = replace(scene, objects=[o for o in scene.objects if o.id not in ("houseplant_1", "winebottle_1")])
    extra = [SceneObject("book_9", "Book", (0.0, 0.0, 0.95), (0.2, 0.15, 0.05), parent="countertop_2"),
             SceneObject("candle_9", "Candle", (0.0, 0.0, 0.8), (0.08, 0.08, 0.1), parent="diningtable_1")]
    more = replace(scene, objects=[*scene.objects, *extra])
    return [fewer.check(), more.check()]


@pytest.mark.parametrize("text", [
    "pop the apple in the fridge would you",
    "could you wash the bowl and put it on the dining table?",
    "turn the tap off",
    "I'd love a hot drink",
])
def test_a_reading_stays_when_unrelated_things_come_or_go(grounded, kitchen, text):
    first = grounded.read(kitchen, text)
    for variant in _variants(kitchen):
        assert grounded.read(variant, text) == first, (text, variant.id)


def test_close_readings_that_go_opposite_ways_are_asked_back(grounded):
    from groundplan.errors import ClarificationNeeded
    from groundplan.language.prompt import Clause
    from groundplan.planning.reader import Reading

    close_it, open_it = (Clause("close", "drawer"),), (Clause("open", "drawer"),)
    torn = Reading(close_it, -3.0, [(open_it, -3.4), (Refusal("vague"), -9.0)])
    with pytest.raises(ClarificationNeeded, match="close the drawer, or open the drawer"):
        grounded._ask_if_torn(torn)
    grounded._ask_if_torn(Reading(close_it, -3.0, [(open_it, -3.0 - 2 * grounded.config.ask_margin)]))
    other = (Clause("pick_and_place", "mug", "cabinet"),)  # close, but no opposite: the best is taken
    grounded._ask_if_torn(Reading(close_it, -3.0, [(other, -3.1)]))
    # the other way is so already (the drawer is open): the best, which does something, is taken
    grounded._ask_if_torn(torn, held={open_it[0]})
    with pytest.raises(ClarificationNeeded):  # but not where the best is what is so
        grounded._ask_if_torn(torn, held={close_it[0], open_it[0]})


def test_the_encoder_puts_a_request_nearer_its_own_reading():
    from groundplan.planning.reader import answer_text, load_reading_encoder

    options = [parse_goal_line(line) for line in ("turn_off television", "pick_and_place apple fridge",
                                                  "open fridge ; turn_on microwave")]
    texts = [answer_text(o if isinstance(o, Refusal) else tuple(o)) for o in options]
    assert texts[2] == "open the fridge and switch on the microwave"
    near = load_reading_encoder().similarity("could you kill the telly", texts)
    assert near[0] == max(near)


def test_a_need_in_new_words_is_near_its_own_phrasings_and_its_lines_gain():
    from groundplan.language.library import load_requests
    from groundplan.language.prompt import Clause
    from groundplan.planning.reader import Exemplars, load_reading_encoder

    exemplars = Exemplars(load_reading_encoder(), weight=40.0, floor=0.5)
    close = exemplars.closeness("I can hardly see a thing, it's so gloomy in here")
    assert max(close, key=close.get) == "dark"
    bonus = exemplars.bonus(close)
    assert bonus((Clause("turn_on", "lightswitch"),)) > 0  # a goal of the need
    assert bonus(Refusal("unmet", "dark")) == bonus((Clause("turn_on", "lightswitch"),))
    assert bonus((Clause("pick_and_place", "apple", "fridge"),)) == 0  # no entry's goal
    assert bonus(Refusal("vague")) == 0
    # where the request names things, only a line acting on them gains
    assert exemplars.bonus(close, frozenset({"apple"}))((Clause("turn_on", "lightswitch"),)) == 0
    # a partial line is not given up while a line it grows into may still gain
    most = exemplars.ceiling(close)
    assert most((Clause("turn_on", "lightswitch"),)) >= bonus((Clause("turn_on", "lightswitch"),))
    # a need's goals keep the table's order of preference: water before wine for "I'm thirsty"
    thirsty = load_requests().needs["thirsty"].goals
    ordered = Exemplars(load_reading_encoder(), weight=40.0, floor=0.5, order=1.0)
    gains = [ordered.bonus(ordered.closeness("I'm thirsty"))(tuple(parse_goal_line(line))) for line in thirsty]
    assert gains == sorted(gains, reverse=True) and gains[0] - gains[-1] == pytest.approx(len(thirsty) - 1)
    assert most((Clause("pick_and_place", "apple", "fridge"),)) == 0
    # what the reader never trains on stays out: an entry's last phrasing, and held-out entries
    requests = load_requests()
    assert requests.needs["dark"].phrasings[-1] not in exemplars.phrasings["dark"]
    held_out = [name for name, task in requests.tasks.items() if task.held_out]
    assert held_out and not {f"task:{name}" for name in held_out} & set(exemplars.phrasings)


def test_a_need_said_in_new_words_is_met(grounded, kitchen):
    goal = grounded.read(kitchen, "I can hardly see a thing, it's so gloomy in here")
    assert [(a.predicate, a.positive) for a in goal.atoms] == [("on", True)]



def test_a_bonus_per_clause_keeps_a_second_thing_asked(reader):
    from groundplan.language.prompt import Clause

    tv, book = Clause("turn_on", "television"), Clause("deliver", "book")
    first = [(tv, True, True), (book, True, True)]

    def following(line):
        return [(c, True, False) for c in (tv, book) if c not in line]
    request = "put the telly on and pass me the book"
    assert len(reader.read(request, first, following, clause_bonus=50.0).answer) == 2
    assert len(reader.read(request, first, following, clause_bonus=-50.0).answer) == 1


@pytest.mark.parametrize("request_text, way", [
    ("I'm overheating in here", {"on": False}),  # too hot: heaters off, never on
    ("my toes are like ice, I'm so cold", {"on": True}),
    ("put the apple in the fridge", {}),  # near no need: no way
])
def test_a_need_said_clearly_gives_its_way(request_text, way):
    from groundplan.planning.reader import Exemplars, load_reading_encoder

    exemplars = Exemplars(load_reading_encoder(), weight=40.0, floor=0.5)
    assert exemplars.directions(exemplars.closeness(request_text)) == way


def test_a_need_torn_with_its_opposite_lifts_nothing():
    from groundplan.language.prompt import Clause
    from groundplan.planning.reader import Exemplars, load_reading_encoder

    exemplars = Exemplars(load_reading_encoder(), weight=40.0, floor=0.5)
    heater_on = (Clause("turn_on", "spaceheater"),)
    close = dict.fromkeys(exemplars.phrasings, 0.0) | {"cold": 0.7, "too_hot": 0.3}
    assert exemplars.bonus(close)(heater_on) > 0
    torn = close | {"too_hot": 0.68}  # "a bit warm, or is it cold?": neither need's goals gain
    assert exemplars.bonus(torn)(heater_on) == 0
    assert exemplars.directions(torn) == {}


def test_a_line_asked_of_every_thing_of_a_kind_gains_as_the_entry_asked_of_one_does():
    from groundplan.language.prompt import Clause
    from groundplan.planning.reader import Exemplars, load_reading_encoder

    exemplars = Exemplars(load_reading_encoder(), weight=40.0, floor=0.5)
    close = exemplars.closeness("the plants are gasping, water them")
    one, each = Clause("water", "houseplant"), Clause("water", "houseplant", every=True)
    bonus, most = exemplars.bonus(close), exemplars.ceiling(close)
    assert bonus((one,)) > 0 and bonus((each,)) == bonus((one,))
    assert most((each,)) == most((one,)) >= bonus((one,))
