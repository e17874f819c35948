"""A grid game and a policy network that learns it by policy gradient (REINFORCE).

The game: an agent starts in the top-left cell of a small grid and must reach the
goal in the bottom-right corner, around holes that end the episode. Reward +1 at
the goal, -1 in a hole or when ``max_steps`` run out (so that bumping into a wall
forever is no safe answer), and a small cost for every other move.
The policy is a Keras network from the one-hot cell to probabilities of the four
moves. REINFORCE (Williams 1992) raises log pi(action | state) in proportion to
the discounted return that followed: exactly a cross-entropy loss on the actions
taken, each weighted by its advantage, so Keras' own ``train_on_batch`` does it.
"""

import dataclasses

from lmwidgets.core.initializers import NumpyGlorotUniform, Zeros
from lmwidgets.core.params import check_array, check_number, refusal

import keras
import numpy as np

ACTIONS = ("up", "right", "down", "left")
MOVES = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)])
# Gymnasium's FrozenLake 4x4 map (SFFF / FHFH / FFFH / HFFG), without the slipping.
DEFAULT_HOLES = ((1, 1), (1, 3), (2, 3), (3, 0))


@dataclasses.dataclass(frozen=True)
class GridGame:
    """A ``size`` x ``size`` grid; cells are (row, column), the start (0, 0), the goal the
    opposite corner. A move into the wall leaves the agent where it is."""

    size: int = 4
    holes: tuple = DEFAULT_HOLES
    max_steps: int = 20
    step_reward: float = -0.01
    timeout_reward: float = -1.0

    def __post_init__(self):
        checked = {
            "size": check_number("size", self.size, low=2, integer=True),
            "max_steps": check_number("max_steps", self.max_steps, low=1, integer=True),
            "step_reward": check_number("step_reward", self.step_reward),
            "timeout_reward": check_number("timeout_reward", self.timeout_reward),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        allowed = (
            f"(row, column) cells of the {self.size}x{self.size} grid, not the start or the goal"
        )
        if isinstance(self.holes, str) or not np.iterable(self.holes):
            raise refusal("holes", allowed, self.holes)
        holes = []
        for hole in self.holes:
            try:
                cell = self._check_cell("holes", hole)
            except ValueError:
                cell = None
            if cell is None or cell in (self.start, self.goal):
                raise refusal("holes", f"{allowed}. Hole {hole!r} is not", self.holes)
            holes.append(cell)
        object.__setattr__(self, "holes", tuple(holes))

    def _check_cell(self, argument, cell):
        """``cell`` as a (row, column) tuple of ints inside the grid, else a refusal."""
        last = self.size - 1
        allowed = f"a (row, column) cell of the {self.size}x{self.size} grid (0 to {last} each)"
        try:
            row, column = cell
            return (
                check_number(argument, row, 0, last, integer=True),
                check_number(argument, column, 0, last, integer=True),
            )
        except (TypeError, ValueError):
            raise refusal(argument, allowed, cell) from None

    @property
    def start(self):
        return (0, 0)

    @property
    def goal(self):
        return (self.size - 1, self.size - 1)

    @property
    def n_states(self):
        return self.size * self.size

    def state_index(self, cell):
        row, column = self._check_cell("cell", cell)
        return row * self.size + column

    def step(self, cell, action):
        """``(next cell, reward, done)`` after ``action`` (0..3, see ACTIONS) from ``cell``."""
        try:
            action = check_number("action", action, 0, len(ACTIONS) - 1, integer=True)
        except ValueError:
            raise refusal("action", f"0..3 ({', '.join(ACTIONS)})", action) from None
        cell = self._check_cell("cell", cell)
        row, col = np.clip(np.add(cell, MOVES[action]), 0, self.size - 1)
        nxt = (int(row), int(col))
        if nxt == self.goal:
            return nxt, 1.0, True
        if nxt in self.holes:
            return nxt, -1.0, True
        return nxt, self.step_reward, False

    def render(self, path=()):
        """The grid as text: S start, G goal, O hole, * a cell on ``path``, . empty."""
        if isinstance(path, str) or not np.iterable(path):
            raise refusal("path", "a sequence of (row, column) cells", path)
        path = {self._check_cell("path", cell) for cell in path}
        rows = []
        for r in range(self.size):
            row = ""
            for c in range(self.size):
                cell = (r, c)
                row += (
                    "S" if cell == self.start
                    else "G" if cell == self.goal
                    else "O" if cell in self.holes
                    else "*" if cell in path
                    else "."
                )  # fmt: skip
            rows.append(row)
        return "\n".join(rows)


def build_policy(game, hidden=32, learning_rate=0.05, seed=0):
    """One-hot cell -> Dense(relu) -> softmax over the four moves, compiled for REINFORCE.

    Initial weights are Keras' defaults drawn with NumPy from ``seed`` (the same policy on
    every backend). With this learning rate, 60 iterations find the shortest path from
    every seed tried (0-7); at 0.02 one start in eight stays stuck bumping into walls.
    """
    _check_game(game)
    hidden = check_number("hidden", hidden, low=1, integer=True)
    learning_rate = check_number("learning_rate", learning_rate, low=0, low_open=True)
    rng = np.random.default_rng(check_number("seed", seed, low=0, integer=True))
    initial = {"kernel_initializer": NumpyGlorotUniform(rng), "bias_initializer": Zeros()}
    model = keras.Sequential(
        [
            keras.Input(shape=(game.n_states,)),
            keras.layers.Dense(hidden, activation="relu", **initial),
            keras.layers.Dense(len(ACTIONS), activation="softmax", **initial),
        ],
        name="policy",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy"
    )
    return model


def _check_game(game):
    if not isinstance(game, GridGame):
        raise refusal("game", "a GridGame", game)


def _check_policy(policy, game):
    _check_game(game)
    if not isinstance(policy, keras.Model):
        raise refusal("policy", "a Keras model (from build_policy)", policy)
    cells = policy.inputs[0].shape[-1]
    if cells != game.n_states:
        raise refusal("game", f"the game the policy was built for ({cells} cells)", game)


def policy_table(policy, game):
    """Move probabilities in every cell at once: shape (n_states, 4)."""
    _check_policy(policy, game)
    states = np.eye(game.n_states, dtype="float32")
    return np.asarray(policy.predict_on_batch(states), dtype="float64")


def play_episode(game, table, rng, greedy=False):
    """One episode under the move probabilities ``table``: dict of cells, actions, rewards."""
    _check_game(game)
    allowed = f"an ({game.n_states}, 4) array of move probabilities >= 0, each row summing to > 0"
    table = check_array("table", table, ndim=2, low=0, allowed=allowed)
    if table.shape != (game.n_states, len(ACTIONS)) or np.any(table.sum(axis=1) <= 0):
        raise refusal("table", allowed, table)
    if not greedy and not isinstance(rng, np.random.Generator):
        allowed = "a numpy Generator (np.random.default_rng(seed)), or None with greedy=True"
        raise refusal("rng", allowed, rng)
    cell, cells, actions, rewards = game.start, [], [], []
    for _ in range(game.max_steps):
        p = table[game.state_index(cell)]
        action = int(np.argmax(p)) if greedy else int(rng.choice(len(ACTIONS), p=p / p.sum()))
        cells.append(cell)
        actions.append(action)
        cell, reward, done = game.step(cell, action)
        rewards.append(reward)
        if done:
            break
    else:
        rewards[-1] += game.timeout_reward
    return {"cells": [*cells, cell], "actions": actions, "rewards": rewards}


def discounted_returns(rewards, gamma):
    """G_t = r_t + gamma * G_{t+1}, computed backwards."""
    rewards = check_array("rewards", rewards, min_size=0)
    gamma = check_number("gamma", gamma, 0, 1)
    returns, running = np.zeros(len(rewards)), 0.0
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running
        returns[t] = running
    return returns


def mean_reward(game, policy, episodes=200, seed=0):
    """Average total reward of ``episodes`` sampled episodes."""
    episodes = check_number("episodes", episodes, low=1, integer=True)
    rng = np.random.default_rng(check_number("seed", seed, low=0, integer=True))
    table = policy_table(policy, game)
    return float(np.mean([sum(play_episode(game, table, rng)["rewards"]) for _ in range(episodes)]))


def train_policy(game, policy, iterations=60, episodes_per_iteration=32, gamma=1.0, seed=0):
    """REINFORCE; returns the mean total reward of each iteration's episodes.

    Advantage = return (reward-to-go, undiscounted by default: with gamma < 1 the
    long episodes that bump into walls look better than an early hole, and the
    policy settles there) minus the batch mean (a baseline that lowers the variance
    without changing the expected gradient), divided by its spread.
    """
    iterations = check_number("iterations", iterations, low=1, integer=True)
    episodes_per_iteration = check_number(
        "episodes_per_iteration", episodes_per_iteration, low=1, integer=True
    )
    gamma = check_number("gamma", gamma, 0, 1, low_open=True)
    rng = np.random.default_rng(check_number("seed", seed, low=0, integer=True))
    _check_policy(policy, game)
    eye = np.eye(game.n_states, dtype="float32")
    # One fixed batch shape (padding rows weigh 0), so the backend compiles the step once.
    rows = episodes_per_iteration * game.max_steps
    curve = []
    for _ in range(iterations):
        table = policy_table(policy, game)
        episodes = [play_episode(game, table, rng) for _ in range(episodes_per_iteration)]
        states = np.concatenate(
            [eye[[game.state_index(c) for c in e["cells"][:-1]]] for e in episodes]
        )
        actions = np.concatenate([e["actions"] for e in episodes])
        returns = np.concatenate([discounted_returns(e["rewards"], gamma) for e in episodes])
        advantages = (returns - returns.mean()) / (returns.std() + 1e-8)
        pad = rows - len(actions)
        policy.train_on_batch(
            np.concatenate([states, np.zeros((pad, game.n_states), "float32")]),
            np.concatenate([actions, np.zeros(pad, "int64")]),
            sample_weight=np.concatenate([advantages, np.zeros(pad)]).astype("float32"),
        )
        curve.append(float(np.mean([sum(e["rewards"]) for e in episodes])))
    return curve
