"""Hall files derived from others, for comparisons and theory checks.

* :func:`pooled` — the same hall where every counter serves every field (full
  pooling, the yardstick of the dispatch targets).
* :func:`single_field_hall` — ``c`` identical counters and one field, the
  M/M/c queue of the Erlang C check.

>>> from hall_server.config import load_hall, DEMO_HALL
>>> demo = load_hall(DEMO_HALL)
>>> all(len(c.fields) == len(demo.fields) for c in pooled(demo).counters.values())
True
>>> pooled(demo).counters[1].fields[:2]    # its own fields first
['DD', 'XD']
>>> sorted(single_field_hall(3).counters)
[1, 2, 3]
"""

from __future__ import annotations

from hall_server.config import HallConfig, parse_hall

__all__ = ["pooled", "single_field_hall", "with_counters"]


def _data(config: HallConfig) -> dict:
    return config.raw.model_dump(mode="json", exclude_defaults=False)


def pooled(config: HallConfig) -> HallConfig:
    """``config`` with every counter serving every field (its own fields first)."""
    data = _data(config)
    codes = list(config.fields)
    for counter in data["counters"]:
        counter["fields"] = counter["fields"] + [c for c in codes if c not in counter["fields"]]
    return parse_hall(data, f"{config.source} (pooled)")


def with_counters(config: HallConfig, fields: dict[int, list[str]]) -> HallConfig:
    """``config`` with the fields of some counters replaced (``{number: fields}``)."""
    data = _data(config)
    for counter in data["counters"]:
        if counter["number"] in fields:
            counter["fields"] = list(fields[counter["number"]])
    return parse_hall(data, f"{config.source} (modified)")


def single_field_hall(counters: int, field: str = "X") -> HallConfig:
    """A hall of ``counters`` staffed counters that all serve one field ``field``."""
    if counters < 1:
        raise ValueError("a hall needs at least one counter")
    return parse_hall({
        "centre": {"id": f"mmc{counters}", "name": f"M/M/{counters}"},
        "fields": [{"code": field, "name": "Một lĩnh vực", "prefix": "A"}],
        "counters": [{"number": n, "fields": [field], "officer": f"o{n}"} for n in range(1, counters + 1)],
        "officers": [{"id": f"o{n}", "name": f"Cán bộ {n}"} for n in range(1, counters + 1)],
    }, f"<M/M/{counters}>")
