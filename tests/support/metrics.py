"""Read Prometheus text as a test does: sums of samples by name and labels."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

Key = tuple[str, tuple[tuple[str, str], ...]]


def samples(text: str) -> dict[Key, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def total(text: str, name: str, **labels: str) -> float:
    """The sum of every sample called `name` whose labels include `labels`."""
    return sum(
        value
        for (sample, sample_labels), value in samples(text).items()
        if sample == name and set(labels.items()) <= set(sample_labels)
    )
