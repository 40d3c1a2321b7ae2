"""Hall files for benchmarks: a big hall with many counters, displays and button boxes."""

from __future__ import annotations

import tomllib
from pathlib import Path

from hall_server.config import DEMO_HALL


def big_hall(path: Path, counters: int = 100, displays: int = 20, boxes: int = 10) -> Path:
    """Write a hall file with ``counters`` counters over the demo fields, and return its path."""
    demo = tomllib.loads(DEMO_HALL.read_text(encoding="utf-8"))
    fields = [f["code"] for f in demo["fields"]]
    lines = [
        '[centre]\nid = "bench"\nname = "Trung tâm Phục vụ hành chính công tỉnh (benchmark)"\n',
    ]
    for f in demo["fields"]:
        lines.append(f'[[fields]]\ncode = "{f["code"]}"\nname = "{f["name"]}"\nprefix = "{f["prefix"]}"\n')
    for n in range(1, counters + 1):
        served = [fields[(n - 1) % len(fields)], fields[n % len(fields)]]
        lines.append(f'[[counters]]\nnumber = {n}\nfields = ["{served[0]}", "{served[1]}"]\nofficer = "o{n}"\n')
        lines.append(f'[[officers]]\nid = "o{n}"\nname = "Cán bộ {n}"\n')
    per_box = counters // boxes
    for b in range(boxes):
        nums = ", ".join(str(n) for n in range(b * per_box + 1, (b + 1) * per_box + 1))
        lines.append(f'[[devices]]\nid = "box{b}"\nkind = "button_box"\ntoken = "bench-box-token-{b:04d}"\n'
                     f'counters = [{nums}]\n')
    for d in range(displays):
        lines.append(f'[[devices]]\nid = "display{d}"\nkind = "display"\ntoken = "bench-display-token-{d:04d}"\n')
    lines.append('[[devices]]\nid = "kiosk"\nkind = "dispenser"\ntoken = "bench-kiosk-token-0000"\n')
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def box_token(counter: int, counters: int = 100, boxes: int = 10) -> str:
    return f"bench-box-token-{(counter - 1) // (counters // boxes):04d}"
