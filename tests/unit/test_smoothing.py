"""One-Euro smoothing of ml5-shaped results, on synthetic pose sequences (deterministic seeds)."""

import copy
import json
import math
import random
import statistics
from itertools import pairwise

import pytest

from pyposenet.parts import PART_NAMES
from pyposenet.results import FrameGeometry, Record, to_ml5_result
from pyposenet.smoothing import (
    DEFAULT_BETA,
    DEFAULT_DERIVATE_CUTOFF,
    DEFAULT_MIN_CUTOFF,
    LowPassFilter,
    OneEuroFilter,
    PoseSmoother,
)

FPS = 30.0
DT = 1.0 / FPS
WIDTH, HEIGHT = 640, 480
GEOMETRY = FrameGeometry(input_height=HEIGHT, input_width=WIDTH, source_height=HEIGHT, source_width=WIDTH)

# A standing person about 200 px tall, offsets from their centre, in PART_NAMES order.
TEMPLATE = [
    (0, -80),
    (5, -85),
    (-5, -85),
    (10, -82),
    (-10, -82),
    (25, -55),
    (-25, -55),
    (35, -25),
    (-35, -25),
    (40, 5),
    (-40, 5),
    (15, 10),
    (-15, 10),
    (18, 55),
    (-18, 55),
    (20, 100),
    (-20, 100),
]
# Two low scores so that the skeleton leaves some pairs out, as ml5's does.
SCORES = [0.9 - 0.01 * i for i in range(17)]
SCORES[PART_NAMES.index("leftWrist")] = 0.3
SCORES[PART_NAMES.index("rightAnkle")] = 0.2


def make_result(cx, cy, noise=None, rng=None, pose_score=0.8):
    """An ml5 result (built by results.to_ml5_result) for the template centred at (cx, cy)."""
    keypoints = []
    for part, (dx, dy), score in zip(PART_NAMES, TEMPLATE, SCORES, strict=True):
        x, y = cx + dx, cy + dy
        if noise:
            x += rng.gauss(0.0, noise)
            y += rng.gauss(0.0, noise)
        keypoints.append({"score": score, "part": part, "position": {"x": x, "y": y}})
    return to_ml5_result({"score": pose_score, "keypoints": keypoints}, GEOMETRY, min_confidence=0.5)


def theoretical_lag(speed, min_cutoff=DEFAULT_MIN_CUTOFF, beta=DEFAULT_BETA):
    """Steady-state lag (px) of the One-Euro filter behind a ramp of `speed` px/s.

    With a constant speed v the raw derivative is exactly v, so the speed estimate settles at v and
    the cutoff at fc = min_cutoff + beta*v. The low-pass step y += a*(x - y) with
    a = 1/(1 + fs/(2*pi*fc)) then trails a ramp of v/fs per frame by e = (v/fs)*(1/a - 1) = v/(2*pi*fc),
    whatever the frame rate; as v grows, it tends to 1/(2*pi*beta).
    """
    return speed / (2 * math.pi * (min_cutoff + beta * speed))


# --- the filters themselves -------------------------------------------------------------------


def test_low_pass_filter_passes_the_first_value_then_blends():
    lpf = LowPassFilter(0.25)
    assert not lpf.has_last_raw_value()
    assert lpf.apply(10.0) == 10.0
    assert lpf.apply(20.0) == pytest.approx(12.5)
    assert lpf.last_raw_value() == 20.0 and lpf.last_value() == pytest.approx(12.5)
    assert lpf.apply_with_alpha(12.5 + 8.0, 0.5) == pytest.approx(16.5)
    lpf.reset()
    assert lpf.apply(-3.0) == -3.0


def test_one_euro_with_beta_zero_is_the_low_pass_filter_of_min_cutoff():
    f = OneEuroFilter(min_cutoff=2.0, beta=0.0)
    assert f.apply(100.0, 0.0) == 100.0
    alpha = 1.0 / (1.0 + FPS / (2 * math.pi * 2.0))
    assert f.apply(130.0, DT) == pytest.approx(100.0 + alpha * 30.0)
    assert f.frequency == pytest.approx(FPS)


def test_defaults_are_the_documented_ones():
    f = OneEuroFilter()
    assert (f.min_cutoff, f.beta, f.derivate_cutoff) == (1.0, 0.02, 1.0)
    assert (DEFAULT_MIN_CUTOFF, DEFAULT_BETA, DEFAULT_DERIVATE_CUTOFF) == (1.0, 0.02, 1.0)
    assert PoseSmoother().beta == 0.02


@pytest.mark.parametrize(
    "kwargs", [{"min_cutoff": 0}, {"min_cutoff": -1}, {"beta": -0.1}, {"derivate_cutoff": 0}, {"min_cutoff": "1"}]
)
def test_bad_parameters_raise(kwargs):
    with pytest.raises(ValueError):
        OneEuroFilter(**kwargs)
    with pytest.raises(ValueError):
        PoseSmoother(**kwargs)


# --- jitter, lag, step -----------------------------------------------------------------------


def test_static_pose_jitter_is_more_than_halved():
    rng = random.Random(1234)
    smoother = PoseSmoother()
    raw = {part: ([], []) for part in PART_NAMES}
    smooth = {part: ([], []) for part in PART_NAMES}
    for frame in range(100):
        result = make_result(320, 240, noise=3.0, rng=rng)
        (out,) = smoother.smooth([result], frame * DT)
        for kp_in, kp_out in zip(result.pose.keypoints, out.pose.keypoints, strict=True):
            raw[kp_in.part][0].append(kp_in.position.x)
            raw[kp_in.part][1].append(kp_in.position.y)
            smooth[kp_in.part][0].append(kp_out.position.x)
            smooth[kp_in.part][1].append(kp_out.position.y)
    raw_vars, smooth_vars = [], []
    for part in PART_NAMES:
        for axis in (0, 1):
            raw_std = statistics.pstdev(raw[part][axis][10:])  # after a third of a second
            smooth_std = statistics.pstdev(smooth[part][axis][10:])
            assert 2.2 < raw_std < 3.8  # the noise is what it says
            assert smooth_std < 0.75 * raw_std, (part, axis, raw_std, smooth_std)  # every coordinate
            raw_vars.append(raw_std**2)
            smooth_vars.append(smooth_std**2)
    # Pooled over the 34 coordinates: one 100-frame series alone varies a lot (docs/benchmarks.md).
    ratio = math.sqrt(statistics.fmean(smooth_vars) / statistics.fmean(raw_vars))
    assert ratio < 0.5, ratio


def test_an_unsmoothed_stream_would_fail_the_jitter_bound():
    """The jitter test can fail: with a huge beta the filter passes the noise through."""
    rng = random.Random(1234)
    filters = [OneEuroFilter(beta=1.0) for _ in range(34)]
    raw_vars, out_vars = [], []
    for f in filters:
        raw, out = [], []
        for frame in range(100):
            x = 320 + rng.gauss(0.0, 3.0)
            raw.append(x)
            out.append(f.apply(x, frame * DT))
        raw_vars.append(statistics.pvariance(raw[10:]))
        out_vars.append(statistics.pvariance(out[10:]))
    assert math.sqrt(statistics.fmean(out_vars) / statistics.fmean(raw_vars)) > 0.5


@pytest.mark.parametrize("beta", [DEFAULT_BETA, 0.01, 0.0])
def test_constant_speed_lag_matches_the_filter_theory(beta):
    speed = 300.0  # px/s, a walk across a 640 px frame in about 2 s
    smoother = PoseSmoother(beta=beta)
    lags = []
    for frame in range(90):
        t = frame * DT
        cx = 20 + speed * t
        (out,) = smoother.smooth([make_result(cx, 240)], t)
        if frame >= 60:  # converged: the cutoff's time constant is at most 1/(2*pi*1 Hz) = 5 frames
            lags.append(cx + TEMPLATE[0][0] - out.pose.nose.x)
            assert out.pose.nose.y == pytest.approx(240 + TEMPLATE[0][1])
    expected = theoretical_lag(speed, beta=beta)
    for lag in lags:
        assert lag == pytest.approx(expected, rel=0.02)
    if beta:
        assert max(lags) < 1 / (2 * math.pi * beta)  # the bound for any speed


def test_constant_speed_lag_is_bounded_with_noise():
    rng = random.Random(7)
    speed = 300.0
    smoother = PoseSmoother()
    lags = []
    for frame in range(120):
        t = frame * DT
        cx = 20 + speed * t
        (out,) = smoother.smooth([make_result(cx, 240, noise=3.0, rng=rng)], t)
        if frame >= 30:
            lags.extend(cx + dx - kp.position.x for kp, (dx, _) in zip(out.pose.keypoints, TEMPLATE, strict=True))
    bound = theoretical_lag(speed)  # 6.8 px; beta=0 would lag 47.7 px
    assert abs(statistics.fmean(lags)) < 1.5 * bound
    assert abs(statistics.fmean(lags) - bound) < 1.0


def test_step_response_converges_without_overshoot():
    f = OneEuroFilter()
    slow = OneEuroFilter(beta=0.0)
    out, out_slow = [], []
    for frame in range(60):
        value = 100.0 if frame < 20 else 200.0
        out.append(f.apply(value, frame * DT))
        out_slow.append(slow.apply(value, frame * DT))
    after = out[20:]
    assert all(100.0 <= v <= 200.0 for v in out)  # a first-order filter never overshoots
    assert all(b >= a for a, b in pairwise(after))  # and approaches monotonically
    # The jump's speed (3000 px/s, filtered to ~520) raises the cutoff to ~11 Hz: 70% of the step is
    # covered in the first frame (alpha = 1/(1 + 30/(2*pi*11.4)) = 0.70), and the rest within 1 px
    # after 5 frames (1/6 s) as the speed estimate decays.
    assert after[0] > 165.0
    assert abs(after[5] - 200.0) < 1.0
    assert abs(after[-1] - 200.0) < 1e-3
    # With beta = 0 the time constant is 1/(2*pi) s: after 10 frames 100*(1-0.173)^10 = 15 px remain.
    assert abs(out_slow[30] - 200.0) > 10.0


# --- people, ids, timestamps -----------------------------------------------------------------


def test_filters_are_per_id_and_do_not_mix_two_people():
    rng = random.Random(99)
    smoother = PoseSmoother()
    by_index = PoseSmoother()
    worst = 0.0
    worst_by_index = 0.0
    for frame in range(60):
        people = {11: make_result(150, 240, 3.0, rng), 42: make_result(490, 240, 3.0, rng)}
        order = [11, 42]
        rng.shuffle(order)  # ml5 orders by score, which changes between frames
        results = [people[i] for i in order]
        out = smoother.smooth(results, frame * DT, ids=order)
        out_by_index = by_index.smooth(results, frame * DT)
        for person_id, o, o2 in zip(order, out, out_by_index, strict=True):
            true_x = (150 if person_id == 11 else 490) + TEMPLATE[0][0]
            worst = max(worst, abs(o.pose.nose.x - true_x))
            worst_by_index = max(worst_by_index, abs(o2.pose.nose.x - true_x))
    assert worst < 12.0
    assert worst_by_index > 30.0  # without ids the two people's filters mix
    assert sorted(smoother.person_keys) == [11, 42]


def test_ids_must_match_results():
    smoother = PoseSmoother()
    with pytest.raises(ValueError):
        smoother.smooth([make_result(100, 200)], 0.0, ids=[1, 2])
    with pytest.raises(ValueError):
        smoother.smooth([make_result(100, 200), make_result(300, 200)], 0.0, ids=[1, 1])


def test_a_person_gone_longer_than_the_timeout_is_forgotten():
    smoother = PoseSmoother(timeout_s=0.5)
    for frame in range(10):
        smoother.smooth([make_result(100, 240)], frame * DT, ids=[5])
    t = 9 * DT
    smoother.smooth([], t + 0.4)
    assert smoother.person_keys == [5]  # within the timeout: kept
    smoother.smooth([], t + 0.6)
    assert smoother.person_keys == []  # past it: dropped
    (out,) = smoother.smooth([make_result(400, 240)], t + 0.7, ids=[5])
    assert out.pose.nose.x == 400 + TEMPLATE[0][0]  # a fresh filter: the raw value, not a blend with 100


def test_a_person_back_after_the_timeout_without_calls_in_between_starts_afresh():
    smoother = PoseSmoother(timeout_s=0.5)
    smoother.smooth([make_result(100, 240)], 0.0, ids=[5])
    (out,) = smoother.smooth([make_result(400, 240)], 2.0, ids=[5])
    assert out.pose.nose.x == 400 + TEMPLATE[0][0]


def test_a_person_back_within_the_timeout_keeps_their_filters():
    smoother = PoseSmoother(timeout_s=0.5)
    for frame in range(10):
        smoother.smooth([make_result(100, 240)], frame * DT, ids=[5])
    (out,) = smoother.smooth([make_result(110, 240)], 9 * DT + 0.2, ids=[5])
    assert 100 + TEMPLATE[0][0] < out.pose.nose.x < 110 + TEMPLATE[0][0]


def test_non_increasing_timestamps_are_handled():
    f = OneEuroFilter()
    assert f.apply(10.0, 1.0) == 10.0
    first = f.apply(12.0, 1.0 + DT)
    assert f.apply(50.0, 1.0 + DT) == first  # repeated timestamp: no division by zero, no jump
    assert f.apply(50.0, 0.5) == first  # a clock gone back
    after = f.apply(12.0, 0.5 + DT)  # ... is followed from then on
    assert math.isfinite(after) and 10.0 < after <= 12.0

    rng = random.Random(3)
    smoother = PoseSmoother()
    stamps = [0.0, DT, DT, 2 * DT, 1.5 * DT, 3 * DT, 3 * DT, 4 * DT, 0.0, DT]
    for t in stamps:
        out = smoother.smooth([make_result(200, 240, 2.0, rng)], t)
        for kp in out[0].pose.keypoints:
            assert math.isfinite(kp.position.x) and math.isfinite(kp.position.y)
            assert abs(kp.position.x - 200) < 60 and abs(kp.position.y - 240) < 120


# --- ml5's shape ------------------------------------------------------------------------------


def test_output_has_ml5_shape_and_every_view_is_smoothed():
    rng = random.Random(5)
    smoother = PoseSmoother()
    reference = {part: (OneEuroFilter(), OneEuroFilter()) for part in PART_NAMES}
    for frame in range(20):
        result = make_result(300 + 5 * frame, 240, 3.0, rng)
        result.id = 3  # a tracker's field is carried along
        before = copy.deepcopy(result)
        (out,) = smoother.smooth([result], frame * DT, ids=[3])
        assert result == before  # the input is not modified

        assert isinstance(out, Record) and isinstance(out.pose, Record)
        assert set(out) == set(result) and set(out.pose) == set(result.pose)
        assert out.id == 3 and out.pose.score == result.pose.score
        assert [kp.part for kp in out.pose.keypoints] == list(PART_NAMES)
        for kp_in, kp in zip(result.pose.keypoints, out.pose.keypoints, strict=True):
            fx, fy = reference[kp.part]
            assert kp.position.x == pytest.approx(fx.apply(kp_in.position.x, frame * DT))
            assert kp.position.y == pytest.approx(fy.apply(kp_in.position.y, frame * DT))
            assert kp.score == kp_in.score and set(kp) == {"score", "part", "position"}
            assert set(kp.position) == {"x", "y"}
            entry = out.pose[kp.part]
            assert dict(entry) == {"x": kp.position.x, "y": kp.position.y, "confidence": kp.score}
            if frame > 0:
                assert kp.position.x != kp_in.position.x  # really smoothed, not copied
        assert len(out.skeleton) == len(result.skeleton) > 0
        for (a_in, b_in), (a, b) in zip(result.skeleton, out.skeleton, strict=True):
            assert (a.part, b.part) == (a_in.part, b_in.part)
            assert a is out.pose.keypoints[PART_NAMES.index(a.part)]  # the same objects, as in ml5
            assert b is out.pose.keypoints[PART_NAMES.index(b.part)]
        json.dumps(out)


def test_skeleton_of_plain_dict_results_is_matched_by_part_name():
    result = json.loads(json.dumps(make_result(300, 240)))  # keypoint objects no longer shared
    smoother = PoseSmoother()
    smoother.smooth([result], 0.0)
    moved = json.loads(json.dumps(make_result(310, 240)))
    (out,) = smoother.smooth([moved], DT)
    for a, b in out.skeleton:
        assert a is out.pose.keypoints[PART_NAMES.index(a.part)]
        assert b is out.pose.keypoints[PART_NAMES.index(b.part)]
        assert a.position.x != moved["pose"][a.part]["x"]
