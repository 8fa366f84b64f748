"""The schedule objects: each rate against torch.optim.lr_scheduler stepped once per epoch, and the checks."""

import math
import warnings

import numpy as np
import pytest

import fastnet
from fastnet.schedules import (CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, LinearWarmup, LRSchedule,
                               OneCycleLR, ReduceLROnPlateau, SequentialLR, StepLR)

BASE_LR = 0.1


def torch_rates(make, epochs, metrics=None):
    """The lr torch's scheduler gives each epoch, stepping it once per epoch (with the metric for a plateau)."""
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=BASE_LR, momentum=0.9)
    scheduler = make(torch.optim.lr_scheduler, opt)
    rates = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # torch's notes on the order of step calls
        for epoch in range(epochs):
            rates.append(opt.param_groups[0]["lr"])
            opt.step()
            if epoch == epochs - 1:
                break   # no rate after the last (torch's OneCycleLR may not have one)
            if metrics is None:
                scheduler.step()
            else:
                scheduler.step(metrics[epoch])
    return rates


def our_rates(schedule, epochs, metrics=None, series="loss", **others):
    """The lr our schedule gives each epoch, with ``metrics`` recorded as ``series`` after each."""
    history = fastnet.History()
    rates = []
    for epoch in range(epochs):
        rates.append(schedule.lr(epoch, BASE_LR, history))
        figures = {series: metrics[epoch]} if metrics is not None else {"loss": 1.0}
        figures.update({name: values[epoch] for name, values in others.items()})
        history.append(epoch + 1, **figures)
    return rates


# ---------------------------------------------------------------------------
# A function of the epoch: LambdaLR
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("f", [lambda e: 0.95 ** e, lambda e: 1.0 / (1 + e), lambda e: 1 + e % 3],
                         ids=["exponential", "inverse", "sawtooth"])
def test_lambda_lr_matches_torch(f):
    assert our_rates(LambdaLR(f), 12) == torch_rates(lambda s, opt: s.LambdaLR(opt, f), 12)


def test_lambda_lr_names_the_function_and_the_epoch():
    schedule = LambdaLR(lambda e: 1.0 if e < 3 else -0.5)
    assert schedule.lr(2, BASE_LR, fastnet.History()) == BASE_LR
    with pytest.raises(ValueError, match=r"lr_lambda\(epoch=3\), the factor of the optimizer's lr, must be > 0.0, "
                                         r"got -0.5"):
        schedule.lr(3, BASE_LR, fastnet.History())
    with pytest.raises(ValueError, match=r"lr_lambda\(epoch=0\).* must be finite, got inf"):
        LambdaLR(lambda e: math.inf).lr(0, BASE_LR, fastnet.History())
    with pytest.raises(TypeError, match=r"lr_lambda\(epoch=0\).* must be a real number, got str '0.1'"):
        LambdaLR(lambda e: "0.1").lr(0, BASE_LR, fastnet.History())


def test_lambda_lr_wants_a_function_of_one_argument():
    with pytest.raises(TypeError, match="lr_lambda must be a callable f\\(epoch\\) -> factor, got float 0.5"):
        LambdaLR(0.5)
    with pytest.raises(TypeError, match=r"lr_lambda must be callable with one argument.*signature \(epoch, lr\)"):
        LambdaLR(lambda epoch, lr: lr)   # Keras's LearningRateScheduler form
    assert LambdaLR(lambda epoch, scale=2.0: scale).lr(0, BASE_LR, fastnet.History()) == 2 * BASE_LR


# ---------------------------------------------------------------------------
# The closed-form decays, LinearLR, SequentialLR and LinearWarmup
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("ours, theirs, epochs", [
    (StepLR(3, gamma=0.5), lambda s, opt: s.StepLR(opt, 3, gamma=0.5), 10),
    (ExponentialLR(0.8), lambda s, opt: s.ExponentialLR(opt, 0.8), 10),
    (CosineAnnealingLR(8, eta_min=0.01), lambda s, opt: s.CosineAnnealingLR(opt, 8, eta_min=0.01), 9),
    (LinearLR(), lambda s, opt: s.LinearLR(opt), 9),
    (LinearLR(0.05, 1.0, 40), lambda s, opt: s.LinearLR(opt, start_factor=0.05, total_iters=40), 45),
    (LinearLR(1.0, 0.1, 6), lambda s, opt: s.LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=6), 9),
], ids=["step", "exponential", "cosine", "linear-default", "linear-warmup", "linear-decay"])
def test_decays_match_torch(ours, theirs, epochs):
    # torch steps these recursively (lr_t from lr_{t-1}); ours are its closed forms: a few ulps apart
    np.testing.assert_allclose(our_rates(ours, epochs), torch_rates(theirs, epochs), rtol=1e-13)


def test_sequential_lr_matches_torch():
    ours = SequentialLR([LinearLR(0.1, 1.0, 3), ExponentialLR(0.9), StepLR(2, 0.5)], milestones=[3, 7])
    theirs = lambda s, opt: s.SequentialLR(opt, [s.LinearLR(opt, 0.1, 1.0, 3), s.ExponentialLR(opt, 0.9),
                                                s.StepLR(opt, 2, 0.5)], milestones=[3, 7])
    np.testing.assert_allclose(our_rates(ours, 12), torch_rates(theirs, 12), rtol=1e-13)


@pytest.mark.parametrize("start_factor", [0.1, 1.0 / 3, 1.0])
def test_linear_warmup_is_torchs_linear_lr_then_the_schedule(start_factor):
    ours = LinearWarmup(epochs=5, start_factor=start_factor, then=CosineAnnealingLR(10, eta_min=0.001))
    theirs = lambda s, opt: s.SequentialLR(opt, [s.LinearLR(opt, start_factor, 1.0, total_iters=5),
                                                s.CosineAnnealingLR(opt, 10, eta_min=0.001)], milestones=[5])
    rates = our_rates(ours, 15)
    np.testing.assert_allclose(rates, torch_rates(theirs, 15), rtol=1e-13)
    np.testing.assert_allclose(rates[:5], [BASE_LR * (start_factor + (1 - start_factor) * e / 5) for e in range(5)],
                               rtol=1e-15)
    assert rates[5] == BASE_LR   # the cosine's own epoch 0


def test_linear_warmup_without_a_schedule_then_keeps_the_rate():
    assert our_rates(LinearWarmup(4, start_factor=0.2), 7) == pytest.approx(
        [0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.1], rel=1e-15)


def test_a_warmup_before_a_plateau_starts_the_plateau_at_its_milestone():
    losses = [5.0, 4.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]
    ours = our_rates(LinearWarmup(2, 0.5, then=ReduceLROnPlateau(factor=0.5, patience=1)), 9, losses)
    # after the warm-up, torch's plateau fed the losses of the epochs from the milestone on
    tail = torch_rates(lambda s, opt: s.ReduceLROnPlateau(opt, factor=0.5, patience=1), 7, losses[2:])
    assert ours[:2] == pytest.approx([0.05, 0.075], rel=1e-15) and ours[2:] == tail


# ---------------------------------------------------------------------------
# OneCycleLR, stepped once per epoch
# ---------------------------------------------------------------------------

ONE_CYCLE_CASES = [
    dict(max_lr=1.0, total_steps=10),
    dict(max_lr=0.5, total_steps=100, pct_start=0.25, anneal_strategy="linear"),
    dict(max_lr=0.3, total_steps=37, three_phase=True),
    dict(max_lr=0.3, total_steps=20, three_phase=True, anneal_strategy="linear", div_factor=10.0,
         final_div_factor=100.0),
    dict(max_lr=2.0, total_steps=7, pct_start=0.5, div_factor=4.0, final_div_factor=2.0),
    dict(max_lr=1.0, total_steps=1),
    dict(max_lr=1.0, total_steps=2, pct_start=0.3),
    dict(max_lr=1.0, total_steps=3, pct_start=0.0),
    dict(max_lr=1.0, total_steps=12, pct_start=1.0),
    dict(max_lr=1.0, total_steps=12, pct_start=0.05, three_phase=True),
]


@pytest.mark.parametrize("kw", ONE_CYCLE_CASES, ids=[str(i) for i in range(len(ONE_CYCLE_CASES))])
def test_one_cycle_matches_torch_stepped_per_epoch(kw):
    theirs = torch_rates(lambda s, opt: s.OneCycleLR(opt, cycle_momentum=False, **kw), kw["total_steps"])
    ours = our_rates(OneCycleLR(**kw), kw["total_steps"])
    assert ours == theirs   # the same arithmetic, in the same order: equal to the last bit


def test_one_cycle_ignores_the_optimizers_lr_and_peaks_at_max_lr():
    schedule = OneCycleLR(max_lr=0.8, total_steps=10, pct_start=0.5, anneal_strategy="linear", div_factor=8.0,
                          final_div_factor=10.0)
    rates = [schedule.lr(e, base, fastnet.History()) for base in (1e-3, 5.0) for e in range(10)]
    assert rates[:10] == rates[10:]
    # up from max_lr / div_factor over epochs 0..4, the peak at epoch 4 (pct_start * 10 - 1), then down
    np.testing.assert_allclose(rates[:10], [0.1, 0.275, 0.45, 0.625, 0.8, 0.8 - 0.79 / 5, 0.8 - 2 * 0.79 / 5,
                                            0.8 - 3 * 0.79 / 5, 0.8 - 4 * 0.79 / 5, 0.01], rtol=1e-14)
    with pytest.raises(ValueError, match=r"total_steps=10 epochs; epoch 10 \(0-based\) is past its end"):
        schedule.lr(10, 0.1, fastnet.History())


def test_one_cycle_refuses_a_phase_torch_divides_by_zero_in():
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ZeroDivisionError):
        torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=4, pct_start=0.25, cycle_momentum=False)
    with pytest.raises(ValueError, match=r"pct_start \* total_steps = 1"):
        OneCycleLR(max_lr=1.0, total_steps=4, pct_start=0.25)


def test_one_cycle_says_when_fit_runs_longer_than_its_steps():
    OneCycleLR(1.0, 5).check_epochs(5)
    with pytest.raises(ValueError, match=r"OneCycleLR\(total_steps=5\) gives the rates of 5 epochs \(a step is an "
                                         r"epoch here\), but fit runs epochs=6: make total_steps >= epochs"):
        OneCycleLR(1.0, 5).check_epochs(6)
    # behind a warm-up, the cycle has the epochs after the milestone
    LinearWarmup(3, then=OneCycleLR(1.0, 5)).check_epochs(8)
    with pytest.raises(ValueError, match="fit runs epochs=6"):
        LinearWarmup(3, then=OneCycleLR(1.0, 5)).check_epochs(9)
    SequentialLR([OneCycleLR(1.0, 4), StepLR(1)], [4]).check_epochs(100)
    with pytest.raises(ValueError, match="fit runs epochs=5"):
        SequentialLR([OneCycleLR(1.0, 4), StepLR(1)], [5]).check_epochs(100)


# ---------------------------------------------------------------------------
# ReduceLROnPlateau, fed the same figures as torch's
# ---------------------------------------------------------------------------

_rng = np.random.default_rng(7)
SEQUENCES = {
    "plateaus": [1.0, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.6] + [0.6] * 12,
    "noise": list(1.0 / np.arange(1, 41) + 0.05 * _rng.normal(size=40)),
    # best 1.0: 0.95 improves by 5% (abs 0.05), 0.905 by 9.5%, 0.8 by 20%; then smaller steps again
    "steps": [1.0, 0.95, 0.95, 0.905, 0.9, 0.899, 0.8, 0.79, 0.789, 0.7889, 0.78889, 0.7, 0.7, 0.7, 0.7, 0.7],
    "rising": [0.1, 0.2, 0.21, 0.22, 0.3, 0.31, 0.5, 0.5, 0.5, 0.5, 0.5, 0.9, 0.905, 0.91, 0.95, 0.95, 0.95],
    # improvements of 0.5% (above the default 1e-4, below 1%) and of 10.5% (above 10%, below 11%)
    "rising_slowly": [0.5, 0.5025, 0.505, 0.5075, 0.51, 0.51, 0.51, 0.5636, 0.5636, 0.5636, 0.6228, 0.6228, 0.6228],
    # absolute changes of 0.0105 and 0.052 (just above the settings' thresholds 0.01 and 0.05, below 1.1 times them)
    "abs_falling": [1.0, 0.9895, 0.979, 0.927, 0.927, 0.875, 0.8645, 0.8645, 0.8645, 0.8645, 0.8125, 0.8125],
    "abs_rising": [0.0, 0.052, 0.052, 0.104, 0.1145, 0.1145, 0.1665, 0.1665, 0.1665, 0.177, 0.177, 0.177],
    "negative": [-1.0, -1.05, -1.06, -1.2, -1.2, -1.3, -1.3, -1.3, -1.3, -1.31, -1.5, -1.5, -1.5],
    "nan": [1.0, float("nan"), 0.9, float("nan"), float("nan"), 0.5, 0.5, 0.5, 0.4],
}
SETTINGS = [
    dict(),
    dict(factor=0.5, patience=1),
    dict(factor=0.5, patience=0, threshold=0.1),
    dict(factor=0.5, patience=1, threshold=0.05, threshold_mode="abs"),
    dict(factor=0.3, patience=1, cooldown=2),
    dict(factor=0.5, patience=0, cooldown=3, threshold=0.01, threshold_mode="abs"),
    dict(factor=0.5, patience=0, min_lr=0.02),
    dict(factor=0.9, patience=0, eps=0.005),          # cuts of 0.01, 0.009, 0.0081, then < eps: ignored
    dict(mode="max", factor=0.5, patience=1),
    dict(mode="max", factor=0.5, patience=0, threshold=0.1),
    dict(mode="max", factor=0.5, patience=1, threshold=0.05, threshold_mode="abs", cooldown=1),
]


@pytest.mark.parametrize("sequence", sorted(SEQUENCES))
@pytest.mark.parametrize("kw", SETTINGS, ids=[",".join(f"{k}={v}" for k, v in kw.items()) or "defaults"
                                               for kw in SETTINGS])
def test_reduce_on_plateau_matches_torch(kw, sequence):
    figures = SEQUENCES[sequence]
    theirs = torch_rates(lambda s, opt: s.ReduceLROnPlateau(opt, **kw), len(figures), figures)
    assert our_rates(ReduceLROnPlateau(**kw), len(figures), figures) == theirs


def test_the_settings_cut_the_rate_differently():
    # so that the parity above says something: every setting gives its own rates on "steps" or "rising"
    seen = {tuple(our_rates(ReduceLROnPlateau(**kw), 16, SEQUENCES["steps"] if kw.get("mode") != "max"
                            else SEQUENCES["rising"])) for kw in SETTINGS}
    assert len(seen) == len(SETTINGS)


def test_reduce_on_plateau_watches_val_loss_when_there_is_one():
    losses, val = [1.0, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    plateau = lambda s, opt: s.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    auto = our_rates(ReduceLROnPlateau(factor=0.5, patience=1), 7, losses, val_loss=val)
    assert auto == torch_rates(plateau, 7, val) != torch_rates(plateau, 7, losses)
    on_loss = our_rates(ReduceLROnPlateau(factor=0.5, patience=1, monitor="loss"), 7, losses, val_loss=val)
    assert on_loss == torch_rates(plateau, 7, losses)
    accuracy = [0.5, 0.6, 0.6, 0.6, 0.6, 0.7, 0.7]
    on_accuracy = our_rates(ReduceLROnPlateau(mode="max", factor=0.5, patience=1, monitor="val_accuracy"), 7,
                            losses, val_loss=val, val_accuracy=accuracy)
    assert on_accuracy == torch_rates(lambda s, opt: s.ReduceLROnPlateau(opt, "max", factor=0.5, patience=1),
                                      7, accuracy)


def test_reduce_on_plateau_says_what_it_cannot_watch():
    with pytest.raises(ValueError, match=r"monitor='val_accuracy'\) watches 'val_accuracy', which this fit "
                                         r"does not record"):
        our_rates(ReduceLROnPlateau(monitor="val_accuracy"), 3, [1.0, 1.0, 1.0])


def test_each_fit_starts_the_plateau_afresh():
    schedule = ReduceLROnPlateau(factor=0.5, patience=0)
    first = our_rates(schedule, 5, [1.0, 1.0, 1.0, 1.0, 1.0])
    assert first == [0.1, 0.1, 0.05, 0.025, 0.0125]
    assert our_rates(schedule, 5, [1.0, 1.0, 1.0, 1.0, 1.0]) == first


def test_min_delta_still_works_with_a_deprecation_warning():
    figures = SEQUENCES["steps"]
    with pytest.warns(DeprecationWarning, match=r"min_delta=\.\.\.\) is deprecated: use threshold=\.\.\., "
                                                r"threshold_mode='abs'"):
        old = ReduceLROnPlateau(factor=0.5, patience=1, min_delta=0.05)
    assert (old.threshold, old.threshold_mode) == (0.05, "abs")
    new = ReduceLROnPlateau(factor=0.5, patience=1, threshold=0.05, threshold_mode="abs")
    assert our_rates(old, 16, figures) == our_rates(new, 16, figures)
    with pytest.raises(ValueError, match="give threshold .* or the deprecated min_delta, not both"):
        ReduceLROnPlateau(min_delta=0.1, threshold_mode="abs")
    with pytest.raises(ValueError, match="min_delta must be >= 0.0, got -1.0"), pytest.warns(DeprecationWarning):
        ReduceLROnPlateau(min_delta=-1.0)


# ---------------------------------------------------------------------------
# Every parameter is checked: the message names it, what was expected and what was given
# ---------------------------------------------------------------------------

BAD_PARAMETERS = [
    (lambda: StepLR(0), ValueError, "step_size must be >= 1, got 0"),
    (lambda: StepLR(2, gamma=0.0), ValueError, r"gamma must be > 0.0, got 0.0"),
    (lambda: ExponentialLR(float("nan")), ValueError, "gamma must be finite, got nan"),
    (lambda: CosineAnnealingLR(2.5), TypeError, "T_max must be an integer, got float 2.5"),
    (lambda: CosineAnnealingLR(3, eta_min=-0.1), ValueError, r"eta_min must be >= 0.0, got -0.1"),
    (lambda: LinearLR(start_factor=0.0), ValueError, r"start_factor must be > 0.0, got 0.0"),
    (lambda: LinearLR(start_factor=1.5), ValueError, r"start_factor must be <= 1.0, got 1.5"),
    (lambda: LinearLR(end_factor=0.0), ValueError, r"end_factor must be > 0.0, got 0.0"),
    (lambda: LinearLR(total_iters=0), ValueError, "total_iters must be >= 1, got 0"),
    (lambda: SequentialLR([], []), TypeError, r"schedules must be a non-empty list of schedules, got \[\]"),
    (lambda: SequentialLR(StepLR(1), []), TypeError, "schedules must be a non-empty list"),
    (lambda: SequentialLR([StepLR(1), "cos"], [2]), TypeError, "schedules\\[1\\] must be a fastnet.schedules."
                                                               "LRSchedule, got str 'cos'"),
    (lambda: SequentialLR([StepLR(1), StepLR(2)], []), ValueError, r"milestones must be a list of 1 epochs"),
    (lambda: SequentialLR([StepLR(1), StepLR(2)], [0]), ValueError, r"milestones\[0\] must be >= 1, got 0"),
    (lambda: SequentialLR([StepLR(1)] * 3, [4, 4]), ValueError, r"milestones must increase strictly, got \[4, 4\]"),
    (lambda: LinearWarmup(0), ValueError, "epochs must be >= 1, got 0"),
    (lambda: LinearWarmup(3, start_factor=2.0), ValueError, r"start_factor must be <= 1.0, got 2.0"),
    (lambda: LinearWarmup(3, then=lambda e: 1.0), TypeError, "then must be a fastnet.schedules.LRSchedule"),
    (lambda: OneCycleLR(0.0, 10), ValueError, r"max_lr must be > 0.0, got 0.0"),
    (lambda: OneCycleLR(1.0, 0), ValueError, "total_steps must be >= 1, got 0"),
    (lambda: OneCycleLR(1.0, 10.0), TypeError, "total_steps must be an integer, got float 10.0"),
    (lambda: OneCycleLR(1.0, 10, pct_start=1.2), ValueError, r"pct_start must be <= 1.0, got 1.2"),
    (lambda: OneCycleLR(1.0, 10, anneal_strategy="cosine"), ValueError,
     "unknown anneal_strategy 'cosine'; expected one of 'cos', 'linear'"),
    (lambda: OneCycleLR(1.0, 10, div_factor=0), ValueError, r"div_factor must be > 0.0, got 0.0"),
    (lambda: OneCycleLR(1.0, 10, final_div_factor=-1), ValueError, r"final_div_factor must be > 0.0, got -1.0"),
    (lambda: OneCycleLR(1.0, 10, three_phase="yes"), TypeError, "three_phase must be True or False, got str 'yes'"),
    (lambda: OneCycleLR(1e-300, 10, div_factor=1e20, final_div_factor=1e20), ValueError,
     r"max_lr / \(div_factor \* final_div_factor\) must be > 0, got 0.0"),
    (lambda: ReduceLROnPlateau(mode="minimum"), ValueError,
     "ReduceLROnPlateau: mode must be 'auto', 'min' or 'max', got 'minimum'"),
    (lambda: ReduceLROnPlateau("min"), TypeError, r"factor must be a real number in \(0, 1\), got 'min' \(mode is "
                                                  r"a keyword argument here: ReduceLROnPlateau\(mode='min'\)\)"),
    (lambda: ReduceLROnPlateau(factor=1.0), ValueError, r"factor must be < 1.0, got 1.0"),
    (lambda: ReduceLROnPlateau(factor=0.0), ValueError, r"factor must be > 0.0, got 0.0"),
    (lambda: ReduceLROnPlateau(patience=-1), ValueError, "patience must be >= 0, got -1"),
    (lambda: ReduceLROnPlateau(threshold=-1e-4), ValueError, r"threshold must be >= 0.0, got -0.0001"),
    (lambda: ReduceLROnPlateau(threshold_mode="relative"), ValueError, "unknown threshold_mode 'relative'"),
    (lambda: ReduceLROnPlateau(cooldown=1.5), TypeError, "cooldown must be an integer, got float 1.5"),
    (lambda: ReduceLROnPlateau(min_lr=-1), ValueError, r"min_lr must be >= 0.0, got -1.0"),
    (lambda: ReduceLROnPlateau(eps=float("inf")), ValueError, "eps must be finite, got inf"),
    (lambda: ReduceLROnPlateau(monitor=3), TypeError,
     r"ReduceLROnPlateau: monitor must be the name of a logged figure \(a str such as 'val_loss'\), got 3"),
    (lambda: ReduceLROnPlateau(monitor=""), TypeError, "monitor must be the name of a logged figure"),
    (lambda: ReduceLROnPlateau(0.5, 2, 1e-3), TypeError, "positional argument"),   # 0.1's min_delta: keyword now
]


@pytest.mark.parametrize("make, error, message", BAD_PARAMETERS, ids=[m for _, _, m in BAD_PARAMETERS])
def test_bad_parameters_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_schedules_are_schedules_and_show_their_parameters():
    made = [LambdaLR(abs), StepLR(2), ExponentialLR(0.9), CosineAnnealingLR(4), LinearLR(), OneCycleLR(1.0, 5),
            ReduceLROnPlateau(), SequentialLR([StepLR(1), StepLR(2)], [3]), LinearWarmup(2, then=StepLR(1))]
    assert all(isinstance(s, LRSchedule) for s in made)
    assert repr(OneCycleLR(1.0, 5)) == ("OneCycleLR(max_lr=1.0, total_steps=5, pct_start=0.3, anneal_strategy='cos', "
                                        "div_factor=25.0, final_div_factor=10000.0, three_phase=False)")
    assert repr(LinearWarmup(2, 0.5, then=StepLR(1))) == \
        "LinearWarmup(epochs=2, start_factor=0.5, then=StepLR(step_size=1, gamma=0.1))"
    for name in ("LambdaLR", "LinearLR", "SequentialLR", "LinearWarmup", "OneCycleLR", "ReduceLROnPlateau"):
        assert getattr(fastnet, name) is getattr(fastnet.schedules, name) and name in fastnet.__all__
