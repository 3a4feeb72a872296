"""Value parsing: a per-column spec detected in Python, applied as SQL in DuckDB.

The spec is decided once per column from a sample of its values (day-first or
month-first dates, the percent scale, decimal commas, Excel day fractions) so every
row of the column is read the same way; the SQL macros below then parse the whole
staging table inside DuckDB. A value that is present but unreadable becomes NULL
in the parsed column, and ``checks`` turns that into a rejected row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from analytics import contracts

NULL_SPELLINGS = ("", "NA", "N/A", "#N/A", "?", "-", "NULL", "NONE", "NAN")
# English, and the German, French, Spanish and Portuguese words localised exports write
TRUE_SPELLINGS = ("YES", "Y", "TRUE", "T", "1", "JA", "J", "OUI", "SI", "SÍ", "SIM", "WAHR", "VRAI", "VERDADERO")
FALSE_SPELLINGS = ("NO", "N", "FALSE", "F", "0", "NEIN", "NON", "NÃO", "NAO", "FALSCH", "FAUX", "FALSO")
PARTNERSHIP_SPELLINGS = ("partnership", "strategic", "partner", "strategic partnership")
TRANSACTIONAL_SPELLINGS = ("transactional", "vendor", "transaction", "transactional vendor")

ISO_RE = r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(:?\d{2})?)?$"
# An ISO timestamp that carries a UTC offset (`Z`, `-04:00`, `+0530`, `-04`, ` UTC`), written against the time or
# after a space (Zendesk's `2024-03-01 09:12:44 +0000`): converted to the reporting zone.
OFFSET_RE = r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|UTC|GMT|[+-]\d{2}(:?\d{2})?)$"
YEAR_MONTH_RE = r"^\d{4}-\d{1,2}$"
NUMERIC_DATE_RE = (r"^(\d{1,2})([-/.])(\d{1,2})[-/.](\d{2}|\d{4})"
                   r"([ T]+(\d{1,2})[:.](\d{2})([:.](\d{2}))?\s*([AaPp][Mm])?)?$")
MONTH_YEAR_RE = r"^[A-Za-z]{3,9}[- ](\d{2}|\d{4})$"
DAY_MONTH_YEAR_RE = r"^\d{1,2}[- ][A-Za-z]{3,9}[- ](\d{2}|\d{4})$"
TIME_RE = r"^(\d{1,2})[:.](\d{2})([:.](\d{2}))?\s*([AaPp][Mm])?$"
# A date with its month's name and a four-digit year, as US and report exports write it, with an optional weekday and
# time: `January 15, 2024 2:03 PM`, `Jan. 15, 2024 14:03`, `15 Jan 2024 14:03`, `15-Jan-2024`, `Monday, January
# 15, 2024`. Read by NAMED_FORMATS once the weekday, commas, dots and dashes are taken out.
NAMED_DATE_RE = (r"^(?i:[a-z]+,\s*)?(?:\d{1,2}[ -])?(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[A-Za-z]*\.?"
                 r"[ -](?:\d{1,2},?[ -])?\d{4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?)?$")
NAMED_FORMATS = [f"{date} {clock}".strip() for date in ("%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y")
                 for clock in ("", "%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p")]
# An ISO date with a 12-hour clock: `2024/01/15 2:03:22 PM`
ISO_12H_RE = r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2})?\s*[AaPp][Mm]$"

_NULLS = ", ".join(f"'{s}'" for s in NULL_SPELLINGS)
# the null spellings, any case, as one regular expression (the empty one is nullif's)
_NULL_RE = "^(?i:" + "|".join(re.escape(s) for s in NULL_SPELLINGS if s) + ")$"


def _cases(spellings: tuple[str, ...], result: str) -> str:
    """`when '<spelling>' then <result>` for each spelling (code constants, quotes doubled)."""
    return " ".join("when '" + s.replace("'", "''") + f"' then {result}" for s in spellings)


# one lookup in a constant map (a CASE with an IN list per channel lower-cased the value once per channel)
_CHANNEL_MAP = "map {" + ", ".join(f"{spelling!r}: '{name}'" for name, spellings in contracts.CHANNELS.items()
                                   for spelling in spellings) + "}"

# A numeric date with a four-digit year, optionally a space and a 24-hour hh:mm or hh:mm:ss: a shape NUMERIC_DATE_RE
# reads too, and rp_ts_numeric's strptime formats read it exactly as rp_numts does (no two-digit year: %y's century
# differs from rp_year's)
_NUMERIC_DATE_FAST_RE = r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}( \d{2}:\d{2}(:\d{2})?)?"

# a number's clean-up: a currency code at either end, then spaces, currency signs and apostrophes (thousands marks);
# then with a decimal point the commas dropped, with a decimal comma the dots dropped and the comma made a point
_NUMBER_CLEANUP = (r"regexp_replace(regexp_replace(x, '^[A-Z]{3}\s*|\s*[A-Z]{3}$', ''), "
                   r"'[\s\x{00A0}\x{202F}$€£¥''’]', '', 'g')")
_NUMBER_POINT = f"replace({_NUMBER_CLEANUP}, ',', '')"
_NUMBER_COMMA = f"replace(replace({_NUMBER_CLEANUP}, '.', ''), ',', '.')"
# rp_dur's branches for a value with a colon (x): the fast paths (rp_dur(x) only), then the general shapes
_CLOCK_FAST = (
    r"when x glob '[0-9]:[0-9][0-9]' or x glob '[0-9][0-9]:[0-9][0-9]' then "
    r"coalesce(epoch(try_cast(x as time)) / 60, cast(left(x, strlen(x) - 3) as double) * 60 "
    r"+ cast(right(x, 2) as double)) "
    r"when x glob '[0-9]:[0-9][0-9]:[0-9][0-9]' or x glob '[0-9][0-9]:[0-9][0-9]:[0-9][0-9]' then "
    r"coalesce(epoch(try_cast(x as time)), cast(split_part(x, ':', 1) as double) * 3600 "
    r"+ cast(split_part(x, ':', 2) as double) * 60 + cast(split_part(x, ':', 3) as double))")
_CLOCK_DURATIONS = (
    r"when regexp_matches(x, '^\d+:\d{1,2}(\.\d+)?$') then cast(left(x, position(':' in x) - 1) as double) * 60 "
    r"+ cast(substr(x, position(':' in x) + 1) as double) "
    r"when regexp_matches(x, '^\d+:\d{1,2}:\d{1,2}(\.\d+)?$') then cast(split_part(x, ':', 1) as double) * 3600 "
    r"+ cast(split_part(x, ':', 2) as double) * 60 + cast(split_part(x, ':', 3) as double)")


# A duration in words, as some exports write it: `5m 23s`, `1h 2m`, `45 sec`, `2 hours 3 minutes`, `1d 4h` (lower
# case; each part optional, in that order, at least one present)
_NUM = r"(\d+(?:\.\d+)?)"
DURATION_WORDS_RE = (rf"^(?:{_NUM}\s*d(?:ays?)?\s*)?(?:{_NUM}\s*h(?:ours?|rs?)?\s*)?"
                     rf"(?:{_NUM}\s*m(?:in(?:ute)?s?)?\s*)?(?:{_NUM}\s*s(?:ec(?:ond)?s?)?)?$")

# Created as TEMP macros on the ingest cursor; the patterns are code constants, not user input.
MACROS = [
    # fast path: a value with nothing for trim() to remove that cannot be a null spelling is the value itself. trim()
    # removes Unicode space separators only (not tabs or control characters), so for a pure-ASCII value (as many
    # bytes as characters) only a leading or trailing ' ' — byte tests, where the last *character* (x[-1]) took
    # most of the macro's time. `x >= '!'` is the leading one: false for a value that starts with a space, and for
    # one that starts with a control character, which the slow path returns unchanged too — a third of the time
    # starts_with(x, ' ') took (0.015 against 0.047 CPU s per 3 M values). Not a null spelling: longer than any
    # (all ASCII, ≤ 4 bytes), starting with a digit (none does), or one character other than ? and -.
    # The slow path names trim(x) once: DuckDB computes an expression a CASE repeats for every row, taken or not.
    f"create or replace temp macro rp_null(x) as case "
    f"when x >= '!' and strlen(x) = length(x) and not ends_with(x, ' ') "
    f"and (strlen(x) > 4 or x >= '0' and x < ':' or strlen(x) = 1 and x <> '?' and x <> '-') then x "
    f"else nullif(regexp_replace(trim(x), '{_NULL_RE}', ''), '') end",
    # rp_num and rp_dur have a one-argument overload, the usual column (decimal point; seconds), which value_sql
    # names: a CASE on a constant flag still binds every branch, and binding (the regular expressions most of all) is
    # much of a small file's parse. The flagged forms read every column (and are what the rest use). Overloads, not
    # more macros: each CREATE is a statement of its own (≈ 1 ms), and an overload cannot call its siblings.
    f"create or replace temp macro rp_num_any(x, dec_comma) as try_cast((case when dec_comma then {_NUMBER_COMMA} "
    f"else {_NUMBER_POINT} end) as double)",
    # inf, Infinity and 1e309 are not readings of anything: unreadable, like any other non-number.
    # Fast path: a plain number DuckDB casts as it is (the clean-up above would leave it unchanged — with decimal
    # commas only when it has no dot, a thousands separator there); everything else takes the clean-up
    "create or replace temp macro rp_num(x) as "
    "case when isfinite(try_cast(x as double)) then try_cast(x as double) "
    f"when isfinite(try_cast({_NUMBER_POINT} as double)) then try_cast({_NUMBER_POINT} as double) end, "
    "(x, dec_comma) as "
    "case when isfinite(try_cast(x as double)) and (not dec_comma or not contains(x, '.')) then try_cast(x as double) "
    "when isfinite(rp_num_any(x, dec_comma)) then rp_num_any(x, dec_comma) end",
    "create or replace temp macro rp_year(y) as case when length(y) = 2 then "
    "(case when cast(y as integer) < 70 then 2000 else 1900 end) + cast(y as integer) else cast(y as integer) end",
    "create or replace temp macro rp_hour(h, p) as case "
    "when upper(p) = 'PM' and cast(h as integer) < 12 then cast(h as integer) + 12 "
    "when upper(p) = 'AM' and cast(h as integer) = 12 then 0 "
    "when p <> '' and cast(h as integer) > 12 then 99 else cast(h as integer) end",
    "create or replace temp macro rp_numts(st, dayfirst) as try_cast(printf('%04d-%02d-%02d %02d:%02d:%02d', "
    "rp_year(st.y), cast(case when dayfirst then st.b else st.a end as integer), "
    "cast(case when dayfirst then st.a else st.b end as integer), "
    "rp_hour(coalesce(nullif(st.h, ''), '0'), st.p), cast(coalesce(nullif(st.mi, ''), '0') as integer), "
    "cast(coalesce(nullif(st.s, ''), '0') as integer)) as timestamp)",
    # tz: the reporting time zone; a value with an offset is converted to it, a naive value is taken as in it.
    # Each expression is named once (DuckDB's common-subexpression pass would otherwise compute a repeated one for
    # every row, and planning grows with every copy): the ISO test once, and the numeric date's parts extracted
    # once and handed to rp_numts through a lambda — a macro argument is copied wherever the macro names it, and
    # rp_numts names its struct a dozen times.
    f"create or replace temp macro rp_ts_any(x, dayfirst, tz) as case "
    f"when regexp_matches(x, '{ISO_RE}') then (case when regexp_matches(x, '{OFFSET_RE}') then "
    # DuckDB reads an offset only against the time (`09:12:44+0000`, `09:12:44Z`): the space before it is dropped
    # and a UTC or GMT suffix made `Z`
    "timezone(tz, try_cast(regexp_replace(regexp_replace(replace(x, '/', '-'), '\\s*(UTC|GMT)$', 'Z'), "
    "'\\s+(Z|[+-]\\d)', '\\1') as timestamptz)) else try_cast(replace(x, '/', '-') as timestamp) end) "
    f"when regexp_matches(x, '{YEAR_MONTH_RE}') then try_cast(x || '-01' as timestamp) "
    f"when regexp_matches(x, '{NUMERIC_DATE_RE}') then list_transform([regexp_extract(x, '{NUMERIC_DATE_RE}', "
    "['a', 'sep', 'b', 'y', 't', 'h', 'mi', 'ss', 's', 'p'])], lambda st: rp_numts(st, dayfirst))[1] "
    f"when regexp_matches(x, '{MONTH_YEAR_RE}') then try_strptime(x, "
    "['%b-%y', '%b %y', '%b-%Y', '%b %Y', '%B-%y', '%B %y', '%B-%Y', '%B %Y']) "
    f"when regexp_matches(x, '{DAY_MONTH_YEAR_RE}') then try_strptime(x, "
    "['%d-%b-%y', '%d %b %y', '%d-%b-%Y', '%d %b %Y', '%d-%B-%y', '%d %B %y', '%d-%B-%Y', '%d %B %Y']) "
    f"when regexp_matches(x, '{NAMED_DATE_RE}') then try_strptime(regexp_replace(regexp_replace(regexp_replace(x, "
    "'^[A-Za-z]+,\\s*', ''), '[.,]', '', 'g'), '[\\s-]+', ' ', 'g'), "
    f"[{', '.join(repr(f) for f in NAMED_FORMATS)}]) "
    f"when regexp_matches(x, '{ISO_12H_RE}') then try_strptime(regexp_replace(replace(x, '/', '-'), "
    "'\\s*([AaPp][Mm])$', ' \\1'), ['%Y-%m-%d %I:%M:%S %p', '%Y-%m-%d %I:%M %p']) end",
    # v: a numeric date NUMERIC_DATE_RE reads, its separators made dashes (NUMERIC_DATE_RE takes any of the three,
    # mixed too) and its clock completed to hh:mm:ss, read by the one format: a format that fails costs a µs (its
    # error message), and every strptime call binds its format
    "create or replace temp macro rp_ts_numeric(v, dayfirst) as case when dayfirst "
    "then try_strptime(v, '%d-%m-%Y %H:%M:%S') else try_strptime(v, '%m-%d-%Y %H:%M:%S') end",
    # fast path first: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` or with `T`, read by an exact format (no offset fits
    # those lengths); every other spelling, and any value the fast path cannot read, takes the regular expressions.
    # `like '____-%'` (LIKE's _ is one character, as x[5] is) tests the fifth character without cutting a substring.
    # A numeric date with a four-digit year (and a 24-hour time), the usual spreadsheet export, is read by an exact
    # format too (rp_ts_numeric): one pattern test instead of rp_ts_any's four and its parts extracted (≈ 3 µs a
    # value). A value the format cannot read (an hour 24, 31 February…) still takes rp_ts_any, which decides as
    # before.
    "create or replace temp macro rp_ts(x, dayfirst, tz) as coalesce(case "
    "when strlen(x) = 19 and x like '____-%' then try_strptime(x, ['%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S']) "
    "when strlen(x) = 10 and x like '____-%' then try_strptime(x, '%Y-%m-%d') "
    f"when regexp_full_match(x, '{_NUMERIC_DATE_FAST_RE}') then "
    "rp_ts_numeric(replace(replace(x, '/', '-'), '.', '-') || case when x like '% __:__:__' then '' "
    "when x like '% __:__' then ':00' else ' 00:00:00' end, dayfirst) end, rp_ts_any(x, dayfirst, tz))",
    f"create or replace temp macro rp_tod_parts(st) as case when cast(st.mi as integer) < 60 "
    "and cast(coalesce(nullif(st.s, ''), '0') as integer) < 60 and rp_hour(st.h, st.p) < 24 "
    "then rp_hour(st.h, st.p) * 3600 + cast(st.mi as integer) * 60 + cast(coalesce(nullif(st.s, ''), '0') as integer) end",
    # the parts extracted once, through a lambda (as in rp_ts_any). Fast path: h:mm, hh:mm, h:mm:ss and hh:mm:ss
    # (24-hour) read as a TIME, whose range is rp_tod_parts' (under 24 h, 60 min, 60 s) but for 24:00:00, left out
    "create or replace temp macro rp_tod(x) as case when x glob '[0-9][0-9]:[0-9][0-9]:[0-9][0-9]' "
    "or x glob '[0-9]:[0-9][0-9]:[0-9][0-9]' or x glob '[0-9][0-9]:[0-9][0-9]' or x glob '[0-9]:[0-9][0-9]' then "
    "(case when try_cast(x as time) < time '24:00:00' then cast(epoch(try_cast(x as time)) as integer) end) "
    f"when regexp_matches(x, '{TIME_RE}') then "
    f"list_transform([regexp_extract(x, '{TIME_RE}', ['h', 'mi', 'ss', 's', 'p'])], "
    "lambda st: rp_tod_parts(st))[1] end",
    # a value without a colon is a number (no regular expression); mm:ss is split at its one colon. rp_dur(x), seconds
    # with a decimal point (the usual column), has fast paths for m:ss, mm:ss, h:mm:ss and hh:mm:ss with whole seconds
    # (a glob, no regular expression): read as a TIME (mm:ss as hh:mm, so its seconds are the TIME's minutes); the
    # values a TIME cannot hold (60 minutes or more in an mm:ss value, 25 hours…) take the arithmetic the regular
    # expressions apply to the same text. The flagged form (day fractions, decimal commas) takes the regular
    # expressions only: a shorter macro to create and bind, for the rarer columns.
    # the parts of a duration in words, extracted once through a lambda (as in rp_ts_any); NULL unless the whole value
    # is such a duration with a digit in it
    f"create or replace temp macro rp_dur_words(x) as case when regexp_full_match(x, '{DURATION_WORDS_RE}') "
    f"and regexp_matches(x, '\\d') then list_transform([regexp_extract(x, '{DURATION_WORDS_RE}', "
    "['d', 'h', 'm', 's'])], lambda st: coalesce(try_cast(nullif(st.d, '') as double) * 86400, 0) "
    "+ coalesce(try_cast(nullif(st.h, '') as double) * 3600, 0) "
    "+ coalesce(try_cast(nullif(st.m, '') as double) * 60, 0) + coalesce(try_cast(nullif(st.s, '') as double), 0))[1] "
    "end",
    # a value that is not a number (COALESCE reads its second argument for those rows only) may be in words
    f"create or replace temp macro rp_dur(x) as case when not contains(x, ':') then coalesce(rp_num(x), "
    f"rp_dur_words(lower(x))) {_CLOCK_FAST} "
    f"{_CLOCK_DURATIONS} end, (x, fraction, dec_comma) as case when not contains(x, ':') then (case when fraction "
    f"then round(rp_num(x, dec_comma) * 86400) else coalesce(rp_num(x, dec_comma), rp_dur_words(lower(x))) end) "
    f"{_CLOCK_DURATIONS} end",
    # identity text: Unicode NFC, zero-width and control characters removed, whitespace runs collapsed, so
    # "Acme\u200b BPO" and "Acme  BPO" are the same provider as "Acme BPO"
    r"create or replace temp macro rp_name_any(x) as nullif(trim(regexp_replace(regexp_replace(nfc_normalize(x), "
    r"'[\x{200B}-\x{200D}\x{2060}\x{FEFF}\x00-\x08\x0B\x0C\x0E-\x1F\x7F]', '', 'g'), '[\s\x{00A0}\x{202F}]+', ' ', 'g')), '')",
    # fast path: printable ASCII words separated by single spaces are already normal (NFC, nothing to remove).
    # Decided without a regular expression (RE2's per-value cost was most of the macro's): a BLOB cast to text
    # spells every byte outside printable ASCII — and \ ' " — as an escape \xNN, so an unchanged length means
    # printable ASCII only; the values with one of those three characters take the slow path, which keeps them.
    # Among such values, x >= '!' says: not empty and not starting with a space. x is null-normalised, as every
    # value_sql input (rp_null: nothing at either end for trim() to remove), so it does not end with a space either.
    r"create or replace temp macro rp_name(x) as case when strlen(cast(encode(x) as varchar)) = strlen(x) "
    r"and x >= '!' and not contains(x, '  ') then x "
    r"else rp_name_any(x) end",
    # spellings as a simple CASE, never an IN list: DuckDB plans an IN list of five or more constants as a join, which
    # costs more and does not keep the rows in file order (load.py pairs rows with their flags by position when the
    # parse kept that order)
    f"create or replace temp macro rp_bool(x) as case upper(x) {_cases(TRUE_SPELLINGS, 'true')} "
    f"{_cases(FALSE_SPELLINGS, 'false')} end",
    f"create or replace temp macro rp_model(x) as case lower(x) {_cases(PARTNERSHIP_SPELLINGS, repr('partnership'))} "
    f"{_cases(TRANSACTIONAL_SPELLINGS, repr('transactional'))} end",
    # x is null-normalised, as every value_sql input (rp_null: trimmed), so its spelling is looked up as it is
    f"create or replace temp macro rp_channel(x) as coalesce({_CHANNEL_MAP}[lower(x)], lower(x))",
]


@dataclass(frozen=True)
class ColumnSpec:
    """How one source column is read into one canonical field."""

    field: str
    parser: str
    source: str
    day_first: bool = False
    date_label: str | None = None
    ambiguous: bool = False
    percent_divisor: float = 1.0
    decimal_comma: bool = False
    day_fraction: bool = False
    # a CSAT column rated in words: (spelling, rating) pairs, the rating "" for no rating (csat_words)
    words: tuple[tuple[str, str], ...] = ()
    # a duration column's unit (contracts.DURATION_UNITS: the header's suffix or the mapping's units), "" for
    # seconds; and, with no unit named, the median of its plain numbers when it is implausible as seconds
    unit: str = ""
    implausible_median: float | None = None
    # a timestamp column whose header says its values are UTC (contracts.header_zone): "UTC", else ""
    zone: str = ""


def csat_words(values: list[str]) -> tuple[tuple[str, str], ...]:
    """How a CSAT column rated in words reads (contracts.CSAT_*): (spelling, 1–5 rating or "" for none) for every
    spelling of its scale; empty when no sampled value is a rating word (a numeric column)."""
    lowered = {v.lower() for v in values}
    scales = (contracts.CSAT_SATISFACTION_WORDS, contracts.CSAT_QUALITY_WORDS)
    if not lowered & set(contracts.CSAT_NO_RATING).union(*scales, contracts.CSAT_EMOJI_WORDS):
        return ()
    scale = contracts.CSAT_QUALITY_WORDS if lowered & set(contracts.CSAT_QUALITY_ONLY) \
        else contracts.CSAT_EMOJI_WORDS if lowered & set(contracts.CSAT_EMOJI_ONLY) \
        else contracts.CSAT_SATISFACTION_WORDS
    return tuple((w, str(r)) for w, r in scale.items()) + tuple((w, "") for w in contracts.CSAT_NO_RATING)


# The spec detection runs every sample value through these (5,000 per column, twice per CLI load): compiled once,
# not looked up in `re`'s cache per call.
_NULL_SET = frozenset(NULL_SPELLINGS)
_NULL_LONGEST = max(map(len, NULL_SPELLINGS))
_NUMERIC_DATE = re.compile(NUMERIC_DATE_RE)
_ISO_OR_YEAR_MONTH = re.compile(f"(?:{ISO_RE})|(?:{YEAR_MONTH_RE})")
_MONTH_YEAR = re.compile(MONTH_YEAR_RE)
_DAY_MONTH_YEAR = re.compile(DAY_MONTH_YEAR_RE)
_NAMED_DATE = re.compile(NAMED_DATE_RE)
_ISO_12H = re.compile(ISO_12H_RE)
_COMMA_DECIMALS = re.compile(r"\d,(\d{1,2}|\d{4,})$")
_DOT_THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3}){2,}")
_CURRENCY_CODE = re.compile(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$")
_NUMBER_NOISE = re.compile(r"[\s$€£¥'’]")


def _clean(values: list[str]) -> list[str]:
    """The present values, stripped: None and the null spellings (any case) left out."""
    try:
        texts = list(map(str.strip, values))  # the usual sample: all text
    except TypeError:  # a None (str(None) would be "", a null spelling) or a non-text value
        texts = ["" if value is None else str(value).strip() for value in values]
    # upper() never shortens a string, so a value longer than every null spelling is not one
    return [text for text in texts if len(text) > _NULL_LONGEST or text.upper() not in _NULL_SET]


def looks_like_dates(values: list[str]) -> bool:
    """Whether any of the values is written as a date the timestamp parser reads (ISO, numeric, month names)."""
    patterns = (_ISO_OR_YEAR_MONTH, _NUMERIC_DATE, _NAMED_DATE, _DAY_MONTH_YEAR, _ISO_12H)
    return any(pattern.match(value.strip()) for value in values for pattern in patterns)


def is_period(text: str) -> bool:
    """Whether `text` names a month or a date the period parser reads (`Jan-24`, `2024-01`, `January 2024` …)."""
    return bool(_MONTH_YEAR.match(text.strip())) or looks_like_dates([text])


def _decimal_comma(values: list[str]) -> bool:
    """Whether commas are the decimal mark: the first value holding both marks decides (the later one is the
    decimal); else a comma followed by other than three digits at the end, or dots as thousands separators
    (`1.234.567`: two or more groups of three)."""
    found = False
    for value in values:
        if "," in value:
            if "." in value:
                return value.rfind(",") > value.rfind(".")
            found = found or _COMMA_DECIMALS.search(value) is not None
        elif not found and "." in value:  # the dotted pattern needs a dot, the comma one a comma
            found = _DOT_THOUSANDS.fullmatch(value) is not None
    return found


def _date_spec(values: list[str], date_order: str | None) -> tuple[bool, str | None, bool]:
    """(day_first, label, ambiguous) for a date or timestamp column."""
    first_big = second_big = 0
    shapes: list[str] = []
    numeric = [m for m in map(_NUMERIC_DATE.match, values) if m]
    for m in numeric:
        first_big += int(m.group(1)) > 12
        second_big += int(m.group(3)) > 12
    iso = any(map(_ISO_OR_YEAR_MONTH.match, values))
    month_year = any(map(_MONTH_YEAR.match, values))
    day_month_year = any(map(_DAY_MONTH_YEAR.match, values))
    ambiguous = bool(numeric) and first_big == 0 and second_big == 0
    if date_order is not None:
        day_first = date_order == "dmy"
    elif first_big or second_big:
        day_first = first_big >= second_big
    else:
        day_first = False
    a, b = ("DD", "MM") if day_first else ("MM", "DD")
    for m in numeric:
        separator, year, clock, seconds, half = m.group(2, 4, 5, 8, 10)
        label = f"{a}{separator}{b}{separator}{'YYYY' if len(year) == 4 else 'YY'}"
        if clock:
            label += " HH:MM" + (":SS" if seconds else "") + (" AM/PM" if half else "")
        if label not in shapes:
            shapes.append(label)
    if iso:
        shapes.insert(0, "ISO")
    if month_year:
        shapes.append("Mon-YY")
    if day_month_year:
        shapes.append("DD-Mon-YY")
    if any(map(_NAMED_DATE.match, values)):
        shapes.append("Month DD, YYYY")
    if any(map(_ISO_12H.match, values)):
        shapes.append("YYYY-MM-DD hh:mm AM/PM")
    return day_first, (" | ".join(shapes[:4]) or None), ambiguous and date_order is None


def _day_fraction(values: list[str], decimal_comma: bool) -> bool:
    """Whether a duration column's plain numbers (no colon) are all in [0, 1) and not all zero: Excel day
    fractions. Stops at the first number outside [0, 1)."""
    positive = seen = False
    for value in values:
        if ":" in value:
            continue
        n = _to_float(value, decimal_comma)
        if n is None:
            continue
        if not 0 <= n < 1:
            return False
        seen, positive = True, positive or n > 0
    return seen and positive


# The median of a duration column's plain numbers above which seconds are implausible (a unit should be named)
IMPLAUSIBLE_SECONDS = {"handle_seconds": 4 * 3600, "wait_seconds": 4 * 3600, "resolution_seconds": 180 * 86400}


def _implausible_median(f: contracts.Field, values: list[str], decimal_comma: bool) -> float | None:
    numbers = sorted(n for n in (_to_float(v, decimal_comma) for v in values if ":" not in v) if n is not None)
    limit = IMPLAUSIBLE_SECONDS.get(f.name)
    if not numbers or limit is None:
        return None
    median = numbers[len(numbers) // 2]
    return median if median > limit else None


def detect_spec(f: contracts.Field, source: str, values: list[str], date_order: str | None = None,
                unit: str = "") -> ColumnSpec:
    """Decide how to read column `source` into field `f` from a sample of its raw values; `unit`, a duration's
    declared unit (the mapping's), else the header's suffix."""
    sample = _clean(values)
    if f.parser in ("timestamp", "date"):
        day_first, label, ambiguous = _date_spec(sample, date_order)
        return ColumnSpec(f.name, f.parser, source, day_first=day_first, date_label=label, ambiguous=ambiguous,
                          zone="UTC" if contracts.header_zone(source) else "")
    decimal_comma = _decimal_comma(sample)
    if f.name == "csat":
        return ColumnSpec(f.name, f.parser, source, decimal_comma=decimal_comma, words=csat_words(sample))
    if f.parser == "percent":
        # on a 0–100 scale when a value has a % sign or a number above 1 (read only until one is found)
        hundred = any("%" in v for v in sample) or any(
            n is not None and n > 1 for n in (_to_float(v.replace("%", ""), decimal_comma) for v in sample))
        return ColumnSpec(f.name, f.parser, source, decimal_comma=decimal_comma,
                          percent_divisor=100.0 if hundred else 1.0)
    if f.parser == "duration":
        unit = unit or (contracts.header_unit(source) or ("", ""))[1]
        unit = "" if contracts.DURATION_UNITS.get(unit) == 1.0 else unit
        fraction = _day_fraction(sample, decimal_comma)
        return ColumnSpec(f.name, f.parser, source, decimal_comma=decimal_comma, day_fraction=fraction, unit=unit,
                          implausible_median=None if unit or fraction else
                          _implausible_median(f, sample, decimal_comma))
    return ColumnSpec(f.name, f.parser, source, decimal_comma=decimal_comma)


def _to_float(text: str, decimal_comma: bool) -> float | None:
    if text.isdigit():  # digits only: nothing for the clean-up below to remove or replace
        try:
            return float(text)
        except ValueError:  # a digit float() does not read, such as ²
            return None
    cleaned = _CURRENCY_CODE.sub("", text)
    cleaned = _NUMBER_NOISE.sub("", cleaned)
    cleaned = cleaned.replace(".", "").replace(",", ".") if decimal_comma else cleaned.replace(",", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def _bool(flag: bool) -> str:
    return "true" if flag else "false"


def value_sql(spec: ColumnSpec, ref: str) -> str:
    """SQL expression reading the null-normalised raw column `ref` (rp_null's output: trimmed) per `spec`; the
    macros it names rely on that (rp_name and rp_channel do not trim again)."""
    # with a decimal comma, the flagged forms of rp_num and rp_dur (see MACROS)
    flags = ", true" if spec.decimal_comma else ""
    if spec.parser in ("timestamp", "date"):
        expr = f"rp_ts({ref}, {_bool(spec.day_first)}, $tz)"
        if spec.zone:
            # read as UTC (an offset converted to UTC, a naive value taken as it is), then moved to the reporting zone
            expr = f"timezone($tz, timezone('UTC', rp_ts({ref}, {_bool(spec.day_first)}, 'UTC')))"
        if spec.field == "period":
            return f"cast(date_trunc('month', {expr}) as date)"
        return f"cast({expr} as date)" if spec.parser == "date" else expr
    if spec.parser == "time":
        return f"rp_tod({ref})"
    if spec.parser == "duration":
        if spec.day_fraction or spec.decimal_comma:
            expr = f"rp_dur({ref}, {_bool(spec.day_fraction)}, {_bool(spec.decimal_comma)})"
        else:
            expr = f"rp_dur({ref})"
        if spec.unit and not spec.day_fraction:
            # a number in the column's unit; a clock value (h:mm:ss) is a duration already
            expr = f"({expr} * case when contains({ref}, ':') then 1 else {contracts.DURATION_UNITS[spec.unit]!r} end)"
        return expr
    if spec.parser == "bool" and spec.field == "reopened":
        # a reopen count (0, 1, 2 …) says whether the ticket was reopened
        return f"coalesce(rp_bool({ref}), case when try_cast({ref} as bigint) >= 0 then try_cast({ref} as bigint) > 0 end)"
    if spec.parser == "bool":
        return f"rp_bool({ref})"
    if spec.parser == "percent":
        return f"rp_num(replace({ref}, '%', ''){flags}) / {spec.percent_divisor!r}"
    if spec.parser in ("number", "count", "score"):
        return f"rp_num({ref}{flags})"
    if spec.parser == "model":
        return f"rp_model({ref})"
    if spec.parser == "channel":
        return f"rp_channel({ref})"
    if spec.field in contracts.IDENTITY_FIELDS:
        return f"rp_name({ref})"
    return ref


PARSER_NAMES = {
    "timestamp": "a date/time", "date": "a date", "time": "a time of day", "duration": "a duration",
    "bool": "yes/no", "number": "a number", "count": "a count", "percent": "a percentage",
    "score": "a score", "model": "a relationship model (partnership or transactional)", "channel": "a channel",
}


# An unreadable or out-of-range value of these fields is rejected as a value (the cell becomes NULL and the
# row's other values load); any other field's failure rejects the row (time, period, identity).
VALUE_LEVEL_FIELDS = frozenset(contracts.INTERACTION_MEASURES + contracts.PERFORMANCE_MEASURES)


@dataclass(frozen=True)
class Check:
    """A row (scope 'row') or one value (scope 'value') fails when `condition` is true."""

    field: str
    source: str
    raw_ref: str
    condition: str
    reason: str
    scope: str = "row"


def checks(spec: ColumnSpec, raw_ref: str, parsed_ref: str, csat_scale: int | None = None,
           nul: bool = True) -> list[Check]:
    """The rules for one mapped column; `csat_scale` is the file's declared or detected CSAT scale. `nul`: whether
    the file may hold a NUL character at all (without one, the NUL-byte rule is left out: it cannot fail)."""
    scope = "value" if spec.field in VALUE_LEVEL_FIELDS else "row"
    unreadable = Check(spec.field, spec.source, raw_ref, f"{raw_ref} is not null and {parsed_ref} is null",
                       f"could not read the value as {PARSER_NAMES.get(spec.parser, spec.parser)} "
                       f"for {spec.field}", scope)
    # A NUL byte is binary data, not text: a file is refused when one is in its first 64 KB (read.py), and a row
    # holding one further on is rejected whole, whatever the field (the rest of the row cannot be trusted either).
    binary = Check(spec.field, spec.source, raw_ref, f"contains({raw_ref}, chr(0))",
                   f"the value holds a NUL byte (binary data, not text) for {spec.field}, so the row is not loaded; "
                   "export the file again as plain CSV text", "row")
    rules = [unreadable]

    def rule(condition: str, reason: str) -> None:
        rules.append(Check(spec.field, spec.source, raw_ref, f"{parsed_ref} is not null and ({condition})", reason,
                           scope))

    if spec.parser in ("timestamp", "date") and spec.field != "contract_end":
        rule(f"{parsed_ref} > $now + interval 1 day",
             f"{spec.field} is in the future (more than one day ahead)")
    if spec.parser in ("timestamp", "date"):
        rule(f"{parsed_ref} < timestamp '1990-01-01'", f"{spec.field} is before 1990")
    if spec.parser == "duration":
        rule(f"{parsed_ref} < 0", f"{spec.field} is negative")
    if spec.parser == "count":
        rule(f"{parsed_ref} < 0", f"{spec.field} must not be negative")
    if spec.parser == "percent":
        rule(f"{parsed_ref} < 0 or {parsed_ref} > 1", f"{spec.field} must be between 0% and 100%")
    if spec.field == "csat":
        top = csat_scale or 10
        low = 0 if top == 100 else 1  # a 0–100 score starts at 0; ratings start at 1
        rule(f"{parsed_ref} < {low} or {parsed_ref} > {int(top)}",
             f"csat is outside the file's {low}–{top} scale (declare \"csat_scale\" in the mapping if the file "
             "uses another one)")
    if spec.field in contracts.SCORE_RANGES:
        low, high = contracts.SCORE_RANGES[spec.field]
        rule(f"{parsed_ref} < {low} or {parsed_ref} > {high}", f"{spec.field} must be between {low} and {high}")
    if spec.field == "quality_score":
        rule(f"{parsed_ref} < 0 or {parsed_ref} > 100", "quality_score must be between 0 and 100")
    if spec.field in ("cost", "cost_per_resolution"):
        rule(f"{parsed_ref} < 0", f"{spec.field} is negative")
    return rules + ([binary] if nul else [])  # last: callers take the rules above by position
