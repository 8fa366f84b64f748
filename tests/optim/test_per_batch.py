"""PerBatch and the closed forms it reads (lr_steps): the same rates as lr(epoch), and as torch stepped per batch."""

import numpy as np
import pytest

import fastnet as fn

S = fn.schedules


class _History:
    loss: list = []


CLOSED_FORMS = [
    S.StepLR(3, 0.5), S.ExponentialLR(0.9), S.CosineAnnealingLR(7, 0.001), S.LinearLR(0.2, 0.9, 5),
    S.OneCycleLR(0.1, 40), S.OneCycleLR(0.1, 40, pct_start=0.25, anneal_strategy="linear", three_phase=True),
    S.SequentialLR([S.LinearLR(0.5, 1.0, 4), S.StepLR(5, 0.3)], [4]),
    S.LinearWarmup(6, then=S.CosineAnnealingLR(30, eta_min=1e-4)),
]


@pytest.mark.parametrize("schedule", CLOSED_FORMS, ids=repr)
def test_lr_steps_gives_the_rates_of_lr(schedule):
    steps = np.arange(40)
    expected = np.array([schedule.lr(int(k), 0.05, _History()) for k in steps])
    np.testing.assert_allclose(schedule.lr_steps(steps, 0.05), expected, rtol=1e-14, atol=0)


def test_per_batch_rates_are_the_schedule_at_the_batch_count():
    schedule = S.PerBatch(S.CosineAnnealingLR(12, 0.001))
    rates = schedule.rates(2, 5, 0.1)   # epoch 2 of 5 batches: steps 10 to 14
    expected = [S.CosineAnnealingLR(12, 0.001).lr(k, 0.1, _History()) for k in range(10, 15)]
    np.testing.assert_allclose(rates, expected, rtol=1e-14)
    assert rates.dtype == np.float64 and rates.flags.c_contiguous


@pytest.mark.parametrize("three_phase, strategy", [(False, "cos"), (True, "linear")])
def test_one_cycle_per_batch_matches_torch_stepped_per_batch(three_phase, strategy):
    torch = pytest.importorskip("torch")
    epochs, batches = 4, 7
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=0.1)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.3, epochs=epochs, steps_per_epoch=batches,
                                                    three_phase=three_phase, anneal_strategy=strategy,
                                                    cycle_momentum=False)
    seen = []
    for _ in range(epochs * batches):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    ours = S.PerBatch(S.OneCycleLR(0.3, total_steps=epochs * batches, three_phase=three_phase,
                                   anneal_strategy=strategy))
    rates = np.concatenate([ours.rates(e, batches, 0.1) for e in range(epochs)])
    np.testing.assert_allclose(rates, seen, rtol=1e-12)


@pytest.mark.parametrize("schedule", [S.LambdaLR(lambda e: 0.5), S.ReduceLROnPlateau(),
                                      S.SequentialLR([S.StepLR(2), S.ReduceLROnPlateau()], [3])], ids=repr)
def test_schedules_without_a_closed_form_are_refused(schedule):
    with pytest.raises(TypeError, match="no closed form"):
        S.PerBatch(schedule)


def test_per_batch_takes_a_schedule_only():
    with pytest.raises(TypeError, match="LRSchedule"):
        S.PerBatch(lambda e: 1.0)
    with pytest.raises(TypeError, match="not a PerBatch"):
        S.PerBatch(S.PerBatch(S.StepLR(2)))
    with pytest.raises(TypeError, match="rates"):
        S.PerBatch(S.StepLR(2)).lr(0, 0.1, _History())


def test_a_schedule_too_short_for_the_batches_is_refused():
    schedule = S.PerBatch(S.OneCycleLR(0.1, total_steps=20))
    schedule.check_batches(4, 5)
    with pytest.raises(ValueError, match="4 epochs of 6 batches, 24 steps"):
        schedule.check_batches(4, 6)
