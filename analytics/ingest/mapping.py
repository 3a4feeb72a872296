"""Which source column feeds which canonical field, and which kind a file is.

Headers are compared with ``contracts.normalise_header``; a field matches a column
when the normalised header equals one of the field's synonyms (or its own name).
Earlier synonyms win, each source column feeds at most one field, and an explicit
``Mapping`` overrides the automatic one field by field.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from analytics import contracts
from analytics.contracts import ENGAGEMENTS, INTERACTIONS, KINDS, PERFORMANCE
from analytics.ingest.errors import IngestError

DATE_ORDERS = ("dmy", "mdy")


@dataclass(frozen=True)
class Mapping:
    """kind, canonical field -> source header, canonical field -> constant text, date order."""

    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    date_order: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise IngestError(f"the mapping's kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        known = set(contracts.field_names(self.kind))
        unknown = sorted((set(self.columns) | set(self.constants)) - known)
        if unknown:
            raise IngestError(f"the mapping names fields that {self.kind} files do not have: "
                              f"{', '.join(unknown)} (known fields: {', '.join(sorted(known))})")
        if self.date_order is not None and self.date_order not in DATE_ORDERS:
            raise IngestError(f"date_order must be 'dmy' (day-first) or 'mdy' (month-first), "
                              f"not {self.date_order!r}")

    def to_dict(self) -> dict:
        return {"kind": self.kind, "columns": dict(self.columns), "constants": dict(self.constants),
                "date_order": self.date_order}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict) -> "Mapping":
        if not isinstance(data, dict) or "kind" not in data:
            raise IngestError("a mapping is a JSON object with at least a \"kind\" key "
                              "(plus optional \"columns\", \"constants\", \"date_order\")")
        return cls(kind=str(data["kind"]),
                   columns={str(k): str(v) for k, v in (data.get("columns") or {}).items() if v},
                   constants={str(k): str(v) for k, v in (data.get("constants") or {}).items()
                              if v is not None and str(v).strip()},
                   date_order=data.get("date_order") or None)

    @classmethod
    def from_json(cls, text: str) -> "Mapping":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IngestError(f"the mapping is not valid JSON ({exc})") from exc
        return cls.from_dict(data)

    @classmethod
    def from_file(cls, path: str | Path) -> "Mapping":
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise IngestError(f"could not read the mapping file {str(path)!r} ({exc})") from exc
        return cls.from_json(text)


def _keys(f: contracts.Field) -> tuple[str, ...]:
    return (contracts.normalise_header(f.name), *f.synonyms)


def usable_columns(columns: tuple[str, ...]) -> dict[str, str]:
    """Normalised header -> first source header with it; blank names are skipped."""
    seen: dict[str, str] = {}
    for column in columns:
        key = contracts.normalise_header(column)
        if key and key not in seen:
            seen[key] = column
    return seen


def auto_columns(kind: str, columns: tuple[str, ...]) -> dict[str, str]:
    """canonical field -> source header, from the synonyms in contracts.py."""
    available = usable_columns(columns)
    used: set[str] = set()
    result: dict[str, str] = {}
    for f in contracts.FIELDS[kind]:
        for key in _keys(f):
            source = available.get(key)
            if source is not None and source not in used:
                result[f.name] = source
                used.add(source)
                break
    return result


def kind_scores(columns: tuple[str, ...]) -> dict[str, int]:
    """How many of each kind's distinctive fields the headers match (provider/account excluded)."""
    scores = {}
    for kind in KINDS:
        matched = auto_columns(kind, columns)
        score = sum(2 if contracts.field(kind, name).required else 1
                    for name in matched if name not in ("provider", "account"))
        scores[kind] = score
    return scores


def detect_kind(columns: tuple[str, ...]) -> str | None:
    scores = kind_scores(columns)
    best = max(KINDS, key=lambda k: (scores[k], -KINDS.index(k)))
    return best if scores[best] > 0 else None


def resolve(kind: str, columns: tuple[str, ...], explicit: Mapping | None) -> Mapping:
    """The automatic mapping, overridden field by field by `explicit` (same kind)."""
    auto = auto_columns(kind, columns)
    if explicit is None or explicit.kind != kind:
        return Mapping(kind=kind, columns=auto)
    taken = set(explicit.columns.values())
    merged = {name: source for name, source in auto.items()
              if name not in explicit.columns and source not in taken}
    merged.update(explicit.columns)
    ordered = {name: merged[name] for name in contracts.field_names(kind) if name in merged}
    return Mapping(kind=kind, columns=ordered, constants=dict(explicit.constants), date_order=explicit.date_order)


def missing_required(mapping: Mapping) -> tuple[str, ...]:
    """What the mapping lacks to load its kind; empty when it is complete."""
    have = set(mapping.columns) | set(mapping.constants)
    missing: list[str] = []
    if mapping.kind == INTERACTIONS:
        if "occurred_at" not in mapping.columns:
            missing.append("occurred_at (when the contact happened)")
        if not have & {"provider", "account"}:
            missing.append("provider or account (a column, or a constant for the whole file)")
        if not have & set(contracts.INTERACTION_MEASURES):
            missing.append("a measure (one of: " + ", ".join(contracts.INTERACTION_MEASURES) + ")")
    elif mapping.kind == PERFORMANCE:
        if "period" not in mapping.columns:
            missing.append("period (the reporting month)")
        if not have & {"provider", "account"}:
            missing.append("provider or account (a column, or a constant for the whole file)")
        if not have & set(contracts.PERFORMANCE_MEASURES):
            missing.append("a measure (one of: " + ", ".join(contracts.PERFORMANCE_MEASURES) + ")")
    elif mapping.kind == ENGAGEMENTS:
        for name in ("provider", "account", "relationship_model"):
            if name not in have:
                missing.append(name)
        if "contract_start" not in mapping.columns:
            missing.append("contract_start")
    return tuple(missing)
