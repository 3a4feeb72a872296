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
from typing import Callable

from analytics import contracts
from analytics.contracts import ENGAGEMENTS, INTERACTIONS, KINDS, PERFORMANCE
from analytics.ingest import parse
from analytics.ingest.errors import IngestError

DATE_ORDERS = ("dmy", "mdy")


@dataclass(frozen=True)
class Mapping:
    """How a file's columns become canonical fields.

    kind; canonical field -> source header (``columns``); canonical field -> constant text (``constants``);
    the date order; and for tickets, complaints and event logs:

    * ``csat_scale`` — 5, 10 or 100 (a 0–100 score), declared instead of detected;
    * ``recode`` — field -> {source value: canonical value}, applied (case-insensitively) before parsing,
      e.g. ``{"resolved_first_contact": {"Closed with explanation": "yes"}}`` or channel/reason spellings;
    * ``derived`` — duration field -> {"from": header, "to": header}: seconds between two timestamp columns;
    * ``auto_derive`` — false: no duration is derived unless ``derived`` says so (by default a file without a
      resolution-time column derives one from its closing-time column, see auto_derived); the Data page sets it,
      since its editor shows every derived duration, the automatic one included, for the user to keep or clear;
    * ``units`` — duration field -> the unit its column is in (``ms``, ``seconds``, ``minutes``, ``hours``,
      ``days``), when the header does not end with it (``Talk Time (min)`` says so itself);
    * ``event_log`` — {"key": header, "order_by": header}: one row per key is kept (its latest state by
      ``order_by``), with the earliest occurred_at of the key;
    * ``volume_only`` — load an interactions file that has no measure, for contact volume, channel and
      reason analysis only (otherwise such a file is refused, so a mis-mapped file is caught).
    """

    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    date_order: str | None = None
    csat_scale: int | None = None
    recode: dict[str, dict[str, str]] = field(default_factory=dict)
    derived: dict[str, dict[str, str]] = field(default_factory=dict)
    event_log: dict[str, str] | None = None
    volume_only: bool = False
    units: dict[str, str] = field(default_factory=dict)
    auto_derive: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise IngestError(f"the mapping's kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        known = set(contracts.field_names(self.kind))
        unknown = sorted((set(self.columns) | set(self.constants) | set(self.recode) | set(self.derived)) - known)
        if unknown:
            raise IngestError(f"the mapping names fields that {self.kind} files do not have: "
                              f"{', '.join(unknown)} (known fields: {', '.join(sorted(known))})")
        if self.date_order is not None and self.date_order not in DATE_ORDERS:
            raise IngestError(f"date_order must be 'dmy' (day-first) or 'mdy' (month-first), "
                              f"not {self.date_order!r}")
        if self.csat_scale is not None and self.csat_scale not in contracts.CSAT_SCALES:
            raise IngestError(f"csat_scale must be 5 (a 1–5 scale), 10 (a 1–10 scale) or 100 (a 0–100 score), "
                              f"not {self.csat_scale!r}")
        for name, spec in self.derived.items():
            if contracts.field(self.kind, name).parser != "duration":
                raise IngestError(f"derived fields are durations between two timestamp columns; {name} is not a "
                                  "duration (derive handle_seconds, wait_seconds or resolution_seconds)")
            if not isinstance(spec, dict) or not spec.get("from") or not spec.get("to"):
                raise IngestError(f"derived {name} needs the two timestamp columns as "
                                  f'{{"from": "opened column", "to": "closed column"}}, not {spec!r}')
            if name in self.columns:
                raise IngestError(f"{name} is both mapped to column {self.columns[name]!r} and derived; "
                                  "keep one of the two")
        for name, unit in self.units.items():
            if name not in known or contracts.field(self.kind, name).parser != "duration":
                raise IngestError(f"units apply to duration fields (handle_seconds, wait_seconds, "
                                  f"resolution_seconds); {name!r} is not one")
            if unit not in contracts.DURATION_UNITS:
                raise IngestError(f"the unit of {name} must be one of ms, seconds, minutes, hours or days, "
                                  f"not {unit!r}")
        for name, values in self.recode.items():
            if not isinstance(values, dict):
                raise IngestError(f"recode for {name} must map source values to canonical values, "
                                  f'e.g. {{"Closed with explanation": "yes"}}, not {values!r}')
        if self.event_log is not None:
            if self.kind != INTERACTIONS:
                raise IngestError("event_log applies to interactions files only")
            if not isinstance(self.event_log, dict) or not self.event_log.get("key") \
                    or not self.event_log.get("order_by"):
                raise IngestError('event_log needs the ticket column and the event time column, e.g. '
                                  f'{{"key": "number", "order_by": "sys_updated_at"}}, not {self.event_log!r}')

    def source_columns(self) -> dict[str, str]:
        """Every source header the mapping names, with what it is used for (for checking a file has them)."""
        used = {source: name for name, source in self.columns.items()}
        for name, spec in self.derived.items():
            used.setdefault(spec["from"], f"{name} (derived from)")
            used.setdefault(spec["to"], f"{name} (derived to)")
        if self.event_log:
            used.setdefault(self.event_log["key"], "event_log key")
            used.setdefault(self.event_log["order_by"], "event_log order_by")
        return used

    def to_dict(self) -> dict:
        data = {"kind": self.kind, "columns": dict(self.columns), "constants": dict(self.constants),
                "date_order": self.date_order}
        if self.csat_scale is not None:
            data["csat_scale"] = self.csat_scale
        if self.recode:
            data["recode"] = {k: dict(v) for k, v in self.recode.items()}
        if self.derived:
            data["derived"] = {k: dict(v) for k, v in self.derived.items()}
        if self.event_log:
            data["event_log"] = dict(self.event_log)
        if self.volume_only:
            data["volume_only"] = True
        if self.units:
            data["units"] = dict(self.units)
        if not self.auto_derive:
            data["auto_derive"] = False
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict) -> "Mapping":
        if not isinstance(data, dict) or "kind" not in data:
            raise IngestError("a mapping is a JSON object with at least a \"kind\" key (plus optional "
                              "\"columns\", \"constants\", \"date_order\", \"csat_scale\", \"recode\", "
                              "\"derived\", \"event_log\", \"volume_only\", \"units\", \"auto_derive\")")
        scale = data.get("csat_scale")
        if scale is not None:
            try:
                scale = int(scale)
            except (TypeError, ValueError):
                raise IngestError(f"csat_scale must be 5, 10 or 100, not {scale!r}") from None
        recode = data.get("recode") or {}
        derived = data.get("derived") or {}
        units = data.get("units") or {}
        if not isinstance(recode, dict) or not isinstance(derived, dict) or not isinstance(units, dict):
            raise IngestError("recode, derived and units are JSON objects keyed by field name")
        return cls(kind=str(data["kind"]),
                   columns={str(k): str(v) for k, v in (data.get("columns") or {}).items() if v},
                   constants={str(k): str(v) for k, v in (data.get("constants") or {}).items()
                              if v is not None and str(v).strip()},
                   date_order=data.get("date_order") or None,
                   csat_scale=scale,
                   recode={str(k): ({str(a): ("" if b is None else str(b)) for a, b in v.items()}
                                    if isinstance(v, dict) else v) for k, v in recode.items()},
                   derived={str(k): ({str(a): str(b) for a, b in v.items()} if isinstance(v, dict) else v)
                            for k, v in derived.items()},
                   event_log=({str(a): str(b) for a, b in data["event_log"].items()}
                              if isinstance(data.get("event_log"), dict) else data.get("event_log") or None),
                   volume_only=bool(data.get("volume_only", False)),
                   units={str(k): str(v).strip().lower() for k, v in units.items()},
                   auto_derive=data.get("auto_derive", True) is not False)

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


def auto_columns(kind: str, columns: tuple[str, ...], values_of: Callable[[str], list[str]] | None = None
                 ) -> dict[str, str]:
    """canonical field -> source header, from the synonyms in contracts.py.

    With `values_of(source) -> sampled raw values`, an identity field (provider, account, ids) never
    takes a column whose sampled values are all empty or null spellings (`?` in every row).
    """
    available = usable_columns(columns)
    # parser -> a header without the suffix that field's header may carry -> the header
    suffixed: dict[str, dict[str, str]] = {}
    for column in columns:
        for parser, base in _without_suffix(column).items():
            suffixed.setdefault(parser, {}).setdefault(base, column)
    used: set[str] = set()
    result: dict[str, str] = {}
    for f in contracts.FIELDS[kind]:
        for key in _keys(f):
            source = available.get(key) or suffixed.get(f.parser, {}).get(key)
            if source is None or source in used:
                continue
            if values_of is not None and f.name in contracts.IDENTITY_FIELDS and is_junk(values_of(source)):
                continue
            result[f.name] = source
            used.add(source)
            break
    return result


_PERCENT_SIGNS = (" %", " pct", " percent", " percentage", " in %")


def _without_suffix(header: str) -> dict[str, str]:
    """parser -> the normalised header without a suffix a field of that parser may carry, which it then matches
    without: a duration's unit (`Talk Time (min)`, read in it), a timestamp's zone (`Start Time (UTC)`, read as
    UTC), a percentage's sign (`Service Level %`)."""
    found = {}
    if unit := contracts.header_unit(header):
        found["duration"] = unit[0]
    if zone := contracts.header_zone(header):
        found["timestamp"] = found["date"] = zone
    key = contracts.normalise_header(header)
    sign = next((s for s in _PERCENT_SIGNS if key.endswith(s) and len(key) > len(s)), None)
    if sign:
        found["percent"] = key[:-len(sign)]
    return found


def is_junk(values: list[str]) -> bool:
    """True when no sampled value carries information (all empty or null spellings such as `?`)."""
    from analytics.ingest.parse import NULL_SPELLINGS

    return not any(str(v).strip().upper() not in NULL_SPELLINGS for v in values)


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


def resolve(kind: str, columns: tuple[str, ...], explicit: Mapping | None,
            values_of: Callable[[str], list[str]] | None = None) -> Mapping:
    """The automatic mapping, overridden field by field by `explicit` (same kind)."""
    auto = auto_columns(kind, columns, values_of)
    if explicit is None or explicit.kind != kind:
        return Mapping(kind=kind, columns=auto, derived=auto_derived(kind, columns, auto, {}, values_of))
    # the event log's key may also be the interaction id, so only mapped and derived-from columns are taken
    taken = set(explicit.columns.values()) | {end for spec in explicit.derived.values() for end in spec.values()}
    merged = {name: source for name, source in auto.items()
              if name not in explicit.columns and name not in explicit.derived and source not in taken}
    merged.update(explicit.columns)
    ordered = {name: merged[name] for name in contracts.field_names(kind) if name in merged}
    derived = {**(auto_derived(kind, columns, ordered, explicit.derived, values_of) if explicit.auto_derive else {}),
               **explicit.derived}
    return Mapping(kind=kind, columns=ordered, constants=dict(explicit.constants), date_order=explicit.date_order,
                   csat_scale=explicit.csat_scale, recode=dict(explicit.recode), derived=derived,
                   event_log=explicit.event_log, volume_only=explicit.volume_only, units=dict(explicit.units),
                   auto_derive=explicit.auto_derive)


def auto_derived(kind: str, columns: tuple[str, ...], mapped: dict[str, str], derived: dict[str, dict[str, str]],
                 values_of: Callable[[str], list[str]] | None = None) -> dict[str, dict[str, str]]:
    """resolution_seconds derived from occurred_at to a ticket's closing time (contracts.RESOLUTION_END_HEADERS)
    when nothing else gives it: no resolution column mapped or derived, and the closing column free. With
    `values_of`, a column whose sampled values are present but none a date is passed over (a `Closed` yes/no flag),
    and a bare `closed`, `solved` or `resolution` header is taken only when its values are dates."""
    if kind != INTERACTIONS or "occurred_at" not in mapped or "resolution_seconds" in mapped or derived:
        return {}
    available = usable_columns(columns)
    taken = set(mapped.values())
    for key in (*contracts.RESOLUTION_END_HEADERS, *contracts.RESOLUTION_END_BARE):
        end = available.get(key)
        if end is None or end in taken:
            continue
        if values_of is not None:
            present = [v for v in values_of(end) if not is_junk([v])]
            if (present or key in contracts.RESOLUTION_END_BARE) and not parse.looks_like_dates(present):
                continue
        elif key in contracts.RESOLUTION_END_BARE:
            continue
        return {"resolution_seconds": {"from": mapped["occurred_at"], "to": end}}
    return {}


# headers of a scorecard kept by quarter, which the monthly contract cannot take (said so when period is missing)
QUARTER_HEADERS = ("quarter", "qtr", "fiscal quarter", "reporting quarter", "quarter name")


def missing_required(mapping: Mapping, columns: tuple[str, ...] = ()) -> tuple[str, ...]:
    """What the mapping lacks to load its kind (`columns`, the file's headers, word it); empty when it is
    complete."""
    have = set(mapping.columns) | set(mapping.constants)
    missing: list[str] = []
    if mapping.kind == INTERACTIONS:
        if "occurred_at" not in mapping.columns:
            missing.append("occurred_at (when the contact happened)")
        if not have & {"provider", "account"}:
            missing.append("provider or account (a column, or a constant for the whole file)")
        if not (have | set(mapping.derived)) & set(contracts.INTERACTION_MEASURES) and not mapping.volume_only:
            missing.append("a measure (one of: " + ", ".join(contracts.INTERACTION_MEASURES) + "; a duration "
                           "can be derived from two timestamp columns, or set \"volume_only\": true to load "
                           "the file for contact volume, channel and reason analysis only)")
    elif mapping.kind == PERFORMANCE:
        if "period" not in mapping.columns:
            quarterly = next((c for c in columns if contracts.normalise_header(c) in QUARTER_HEADERS), None)
            missing.append("period (the reporting month)" + (
                f"; column {quarterly!r} holds quarters, and scorecards are read one row per month — export the "
                "scorecard by month" if quarterly else ""))
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
