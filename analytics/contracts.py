"""Canonical fields of the three datasets Rapport stores.

This is the one place a field is defined: its storage type, how raw values are
parsed, whether it is required, and the header spellings that map onto it. The
ingest engine, the schema in ``db.py`` and ``docs/DATA.md`` all follow it.
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass

INTERACTIONS = "interactions"
PERFORMANCE = "performance"
ENGAGEMENTS = "engagements"
KINDS = (INTERACTIONS, PERFORMANCE, ENGAGEMENTS)

# How a raw text value becomes a stored value (see analytics/ingest/parse.py).
PARSERS = (
    "text",       # trimmed string
    "timestamp",  # ISO, US (month-first, AM/PM) or day-first; decided per column
    "date",       # a day or a month ("Apr-15", "2024-03"); stored as the first day
    "time",       # time of day joined onto a date column ("3.53.50 PM", "09:12:58")
    "duration",   # seconds, mm:ss, hh:mm:ss, Excel day fractions → seconds
    "bool",       # Yes/No/Y/N/1/0/True/False
    "number",     # currency symbols, thousands separators, decimal commas
    "count",      # a non-negative number (scorecards may report a monthly average, e.g. 0.1667)
    "percent",    # 85%, 0.85 or 85 (one scale per column) → fraction 0–1
    "score",      # a bounded rating (CSAT, NPS, CES) — range checked
    "model",      # relationship model: partnership | transactional
    "channel",    # contact channel folded onto CHANNELS (phone, chat, email, social, web); others lower-cased
)


@dataclass(frozen=True)
class Field:
    name: str
    parser: str
    description: str
    unit: str = ""
    required: bool = False
    synonyms: tuple[str, ...] = ()
    sql_type: str = "VARCHAR"
    noun: str = ""       # what its values are called in a sentence ("no CSAT ratings in the loaded data")


def normalise_header(header: str) -> str:
    """Header comparison key: lower case, accents dropped (`Durée` is `duree`, `Gelöst` is `gelost`), punctuation
    folded to single spaces."""
    text = unicodedata.normalize("NFKD", str(header).lower().replace("ß", "ss"))
    text = re.sub(r"[^0-9a-z%#]+", " ", "".join(c for c in text if not unicodedata.combining(c)))
    return re.sub(r"\s+", " ", text).strip()


# Units a duration column may be in, by the words a header or a mapping names them with: seconds per unit.
DURATION_UNITS = {"ms": 0.001, "msec": 0.001, "millis": 0.001, "milliseconds": 0.001, "s": 1.0, "sec": 1.0,
                  "secs": 1.0, "seconds": 1.0, "m": 60.0, "min": 60.0, "mins": 60.0, "minutes": 60.0, "h": 3600.0,
                  "hr": 3600.0, "hrs": 3600.0, "hours": 3600.0, "d": 86400.0, "days": 86400.0,
                  # German, French, Spanish, Portuguese
                  "sek": 1.0, "sekunden": 1.0, "secondes": 1.0, "segundos": 1.0, "minuten": 60.0, "minutos": 60.0,
                  "std": 3600.0, "stunden": 3600.0, "heures": 3600.0, "horas": 3600.0}
_UNIT_SUFFIX = re.compile(r"^(.+?) (?:in )?(" + "|".join(sorted(DURATION_UNITS, key=len, reverse=True)) + r")$")
_ZONE_SUFFIX = re.compile(r"^(.+?) (?:in )?(utc|gmt)$")


def header_zone(header: str) -> str | None:
    """The normalised header without its zone when a timestamp's header says its values are UTC — `Start Time
    (UTC)`, `Created at UTC`, `Date (GMT)` — else None."""
    match = _ZONE_SUFFIX.match(normalise_header(header))
    return match.group(1) if match else None


def header_unit(header: str) -> tuple[str, str] | None:
    """(the normalised header without its unit, the unit) when a header ends with a duration unit — `Talk Time
    (min)`, `Full resolution time in minutes`, `Handle Time ms` — else None."""
    match = _UNIT_SUFFIX.match(normalise_header(header))
    return (match.group(1), match.group(2)) if match else None


_PROVIDER = Field(
    "provider", "text", "The outsourcing provider (BPO, vendor) serving the program.",
    synonyms=("provider", "vendor", "bpo", "partner", "outsourcer", "provider name",
              "vendor name", "bpo name", "partner name", "site", "call center", "contact center",
              "company", "supplier", "dienstleister", "anbieter", "prestataire", "fournisseur", "proveedor",
              "fornecedor"),
)
_ACCOUNT = Field(
    "account", "text", "The client program (account, line of business) the provider serves.",
    synonyms=("account", "client", "program", "programme", "client program", "account name",
              "client name", "lob", "line of business", "campaign", "commissioner org name"),
)

INTERACTION_FIELDS: tuple[Field, ...] = (
    Field("interaction_id", "text", "The source system's id of the contact; when absent a stable "
          "hash of the row's canonical values is used, so overlapping exports never double count.",
          synonyms=("interaction id", "call id", "ticket id", "ticket #", "ticket", "ticket number",
                    "case id", "case number", "contact id", "complaint id", "incident id", "number",
                    "conversation id", "session id", "id", "record id")),
    Field("occurred_at", "timestamp", "When the contact started (or the ticket was opened).",
          unit="timestamp", required=True, sql_type="TIMESTAMP",
          synonyms=("occurred at", "start time", "call start", "call start time", "created at",
                    "date time opened", "opened at", "opened", "date opened", "created", "created date",
                    "date received", "received at", "timestamp", "contact date", "call date",
                    "interaction date", "date time", "datetime", "start date time", "date", "created time",
                    "conversation start", "conversation start time", "call start date", "start", "datum",
                    "erstellt am", "zeitpunkt", "date de creation", "date d ouverture", "fecha", "fecha de creacion",
                    "fecha y hora", "data de criacao")),
    Field("occurred_time", "time", "Time of day when the date is in a separate column; joined onto occurred_at.",
          synonyms=("time", "call time", "start time of day", "time of day", "contact time", "uhrzeit", "heure",
                    "hora")),
    _PROVIDER,
    _ACCOUNT,
    Field("channel", "channel", "Contact channel: `phone`, `chat`, `email`, `social`, `web` (spellings such as "
          "`Voice`, `Live Chat`, `E-mail`, `WhatsApp`, `Internet` are folded onto these; any other value is kept "
          "in lower case).",
          synonyms=("channel", "media type", "media", "contact type", "contact channel", "received via",
                    "submitted via", "medium", "interaction type", "channel type", "source channel", "via",
                    "case origin", "origin", "source", "ticket source", "kanal", "canal")),
    Field("contact_reason", "text", "Why the customer got in touch (wrap-up code, topic, category).",
          synonyms=("contact reason", "reason", "wrap up code", "wrapup code", "wrap code", "disposition",
                    "topic", "category", "issue", "call reason", "intent", "reason code", "call type", "grund",
                    "anliegen", "kategorie", "motif", "motivo", "categoria")),
    Field("customer_id", "text", "The customer's id; enables repeat-contact analysis.",
          noun="customer ids (needed to find repeat contacts)",
          synonyms=("customer id", "caller id", "customer", "customer number", "client id",
                    "user id", "account number", "member id", "caller", "requester id", "requester",
                    "ani", "caller number", "customer email", "contact name", "kunde", "kundennummer", "kunden id",
                    "numero client", "cliente", "id cliente", "id do cliente")),
    Field("customer_segment", "text", "Customer segment or tier.",
          synonyms=("segment", "customer segment", "tier", "customer tier", "customer type", "plan")),
    Field("agent_id", "text", "The agent who handled the contact.",
          synonyms=("agent", "agent id", "agent name", "assigned to", "rep", "representative",
                    "handled by", "resolver", "owner", "employee id", "advisor", "assignee", "case owner",
                    "users interacted", "mitarbeiter", "bearbeiter", "agente", "conseiller")),
    Field("handle_seconds", "duration", "Handle time (talk + hold + wrap) in seconds.", unit="seconds",
          sql_type="DOUBLE",
          noun="handle times",
          synonyms=("handle time", "aht", "avg handle time", "average handle time", "total handle time",
                    "handling time", "talk time", "avgtalkduration", "avg talk duration", "talk duration",
                    "duration", "call duration", "handle seconds", "handle time seconds", "total handle", "handle",
                    "bearbeitungszeit", "gesprachsdauer", "duree", "duree de traitement", "duracion",
                    "tiempo de gestion", "duracao")),
    Field("wait_seconds", "duration", "Time the customer waited before being answered, in seconds.",
          unit="seconds", sql_type="DOUBLE",
          noun="wait times",
          synonyms=("wait time", "speed of answer", "speed of answer in seconds", "asa", "queue time",
                    "time to answer", "wait seconds", "answer delay", "wartezeit", "temps d attente",
                    "tiempo de espera", "time to first response", "first response time", "first reply time")),
    Field("resolved_first_contact", "bool", "Resolved on first contact (FCR).", sql_type="BOOLEAN",
          noun="first-contact-resolution flags",
          synonyms=("fcr", "first contact resolution", "resolved", "resolved on first contact",
                    "first call resolution", "resolved first contact", "ftr", "first time resolution", "gelost",
                    "resolu", "resuelto", "resolvido")),
    Field("escalated", "bool", "The contact was escalated or transferred up a tier.", sql_type="BOOLEAN",
          noun="escalation flags",
          synonyms=("escalated", "escalation", "escalated y n", "is escalated")),
    Field("csat", "score", "Customer satisfaction rating on a 1–5, 1–10 or 0–100 scale, stored with its scale in "
          "csat_scale: declared in the mapping (`\"csat_scale\": 5`) or detected per file (1–5 when at least 95 % "
          "of the values are ≤ 5, else 1–10 when at least half are ≤ 10, else 0–100); a value outside the scale is "
          "rejected as a value.", unit="points",
          sql_type="DOUBLE",
          noun="CSAT ratings",
          synonyms=("csat", "satisfaction", "satisfaction rating", "customer satisfaction", "csat score",
                    "rating", "satisfaction score", "survey score", "conversation rating", "zufriedenheit",
                    "kundenzufriedenheit", "satisfaction client", "satisfaccion", "satisfacao")),
    Field("nps", "score", "Likelihood to recommend, 0–10.", unit="points (0–10)", sql_type="DOUBLE",
          noun="NPS responses",
          synonyms=("nps", "likelihood to recommend", "ltr", "recommend score", "nps score",
                    "nps rating", "net promoter score")),
    Field("ces", "score", "Customer effort score, 1–7 (7 = very easy).", unit="points (1–7)", sql_type="DOUBLE",
          noun="customer effort ratings",
          synonyms=("ces", "customer effort", "effort score", "customer effort score", "effort")),
    Field("cost", "number", "Cost of handling the contact.", unit="currency", sql_type="DOUBLE",
          noun="costs",
          synonyms=("cost", "cost per contact", "contact cost", "handling cost", "charge", "billed amount",
                    "price")),
    Field("answered", "bool", "The contact was answered (handled by a person) — false for an abandoned call. "
          "When a file says which contacts were answered, AHT, FCR and CSAT count answered contacts only.",
          sql_type="BOOLEAN",
          noun="answered/abandoned flags",
          synonyms=("answered", "answered y n", "is answered", "call answered", "answered flag", "handled")),
    Field("resolution_seconds", "duration", "Time from opening to resolution (tickets, complaints), in seconds; "
          "derived from the opening time to a closing-time column (`Solved at`, `Date/Time Closed`, `resolved_at`…) "
          "when the file has none, or from two timestamp columns named in the mapping.", unit="seconds",
          sql_type="DOUBLE",
          noun="resolution times",
          synonyms=("resolution time", "resolution seconds", "time to resolve", "time to resolution",
                    "resolution time seconds", "ttr", "full resolution time")),
    Field("sla_met", "bool", "The contact met its service-level target (answered or resolved in time).",
          sql_type="BOOLEAN",
          noun="SLA-met flags",
          synonyms=("sla met", "made sla", "met sla", "within sla", "sla flag", "timely response", "timely")),
    Field("reopened", "bool", "The ticket was reopened after being resolved (a reopen count > 0 counts as yes).",
          sql_type="BOOLEAN",
          noun="reopened flags",
          synonyms=("reopened", "re opened", "is reopened", "reopen count", "reopen")),
)

PERFORMANCE_FIELDS: tuple[Field, ...] = (
    Field("period", "date", "The reporting month (any day in it, or `Apr-15`, `2024-03`); stored as its first day.",
          unit="month", required=True, sql_type="DATE",
          synonyms=("period", "month", "periodname", "period name", "reporting period", "report month",
                    "reporting month", "month start", "period start", "date")),
    _PROVIDER,
    _ACCOUNT,
    Field("quality_score", "number", "Quality-assurance score, 0–100.", unit="points (0–100)", sql_type="DOUBLE",
          noun="quality scores",
          synonyms=("quality score", "quality", "qa score", "qa", "quality assurance score", "qa %")),
    Field("sla_attainment", "percent", "Share of the service-level target met (e.g. answered within 60 s).",
          unit="fraction", sql_type="DOUBLE",
          noun="SLA attainment figures",
          synonyms=("sla attainment", "sla", "sla %", "service level", "service level attainment",
                    "sl", "sl %", "answered 60sec rate", "sla met")),
    Field("agent_attrition", "percent", "Annualised agent attrition rate.", unit="fraction per year",
          sql_type="DOUBLE",
          noun="agent attrition figures",
          synonyms=("agent attrition", "attrition", "attrition rate", "agent turnover", "turnover",
                    "attrition %")),
    Field("cost_per_resolution", "number", "Cost per resolved contact.", unit="currency", sql_type="DOUBLE",
          noun="scorecard cost-per-resolution figures",
          synonyms=("cost per resolution", "cpr", "cost resolution", "cost per resolved contact",
                    "cost per resolved")),
    Field("innovations", "count", "Innovations (process or technology improvements) implemented in the period.",
          unit="count", sql_type="DOUBLE",
          noun="innovation counts",
          synonyms=("innovations", "innovations implemented", "improvement initiatives", "ideas implemented",
                    "innovation count")),
    Field("escalations", "count", "Escalations raised in the period.", unit="count", sql_type="DOUBLE",
          synonyms=("escalations", "escalation count", "complaints escalated")),
    Field("governance_meetings", "count", "Governance meetings held (QBRs, steering committees).",
          unit="count", sql_type="DOUBLE",
          noun="governance meeting counts",
          synonyms=("governance meetings", "governance meetings held", "qbrs", "qbrs held", "qbr count",
                    "steering committees", "meetings held", "governance")),
    Field("gain_share_savings", "number", "Gain-share / shared savings realised in the period.", unit="currency",
          sql_type="DOUBLE",
          noun="gain-share savings figures",
          synonyms=("gain share savings", "gain share", "gainshare", "shared savings", "savings")),
    Field("contacts_handled", "count", "Contacts handled in the period as reported by the provider.",
          unit="count", sql_type="DOUBLE",
          synonyms=("contacts handled", "calls handled", "volume", "contacts", "answered calls",
                    "nhs1 answered calls sum", "calls answered")),
    Field("reported_fcr", "percent", "Provider-reported first-contact resolution.", unit="fraction",
          sql_type="DOUBLE", synonyms=("fcr", "fcr %", "first contact resolution", "reported fcr")),
    Field("reported_aht_seconds", "duration", "Provider-reported average handle time.", unit="seconds",
          sql_type="DOUBLE", synonyms=("aht", "average handle time", "avg handle time", "reported aht")),
    Field("reported_csat_pct", "percent", "Provider-reported CSAT (share satisfied).", unit="fraction",
          sql_type="DOUBLE", synonyms=("csat", "csat %", "customer satisfaction", "reported csat")),
)

ENGAGEMENT_FIELDS: tuple[Field, ...] = (
    Field("provider", "text", _PROVIDER.description, required=True, synonyms=_PROVIDER.synonyms),
    Field("account", "text", _ACCOUNT.description, required=True, synonyms=_ACCOUNT.synonyms),
    Field("relationship_model", "model", "`partnership` or `transactional` (also accepts strategic/"
          "vendor/transactional deal spellings).", required=True,
          synonyms=("relationship model", "model", "relationship", "engagement model", "relationship type",
                    "contract type", "governance model", "partnership model")),
    Field("contract_start", "date", "The day the contract started; relationship year 1 is its first 12 months.",
          unit="date", required=True, sql_type="DATE",
          synonyms=("contract start", "start date", "effective date", "contract start date", "start",
                    "go live", "go live date")),
    Field("contract_end", "date", "The day the contract ends (blank when open-ended).", unit="date",
          sql_type="DATE", synonyms=("contract end", "end date", "contract end date", "expiry", "expiry date",
                                     "end")),
    Field("pricing_model", "text", "How the provider is paid (per FTE, per contact, outcome-based…).",
          synonyms=("pricing model", "pricing", "commercial model", "rate model", "billing model")),
    Field("notes", "text", "Free-text notes.", synonyms=("notes", "comments", "note", "remarks")),
)

FIELDS: dict[str, tuple[Field, ...]] = {
    INTERACTIONS: INTERACTION_FIELDS,
    PERFORMANCE: PERFORMANCE_FIELDS,
    ENGAGEMENTS: ENGAGEMENT_FIELDS,
}

# Measures: an interactions file needs at least one; a performance file too.
INTERACTION_MEASURES = ("handle_seconds", "wait_seconds", "resolved_first_contact", "escalated",
                        "csat", "nps", "ces", "cost", "answered", "resolution_seconds", "sla_met", "reopened")
PERFORMANCE_MEASURES = ("quality_score", "sla_attainment", "agent_attrition", "cost_per_resolution",
                        "innovations", "escalations", "governance_meetings", "gain_share_savings",
                        "contacts_handled", "reported_fcr", "reported_aht_seconds", "reported_csat_pct")

# Identity fields: the auto-mapping never picks a column whose sampled values are all empty or junk for them.
IDENTITY_FIELDS = ("interaction_id", "provider", "account", "customer_id", "agent_id")

# Score ranges accepted per field: (low, high). CSAT has a scale per file: declared in the mapping
# ("csat_scale": 5, 10 or 100) or detected — 1–5 when at least CSAT_FIVE_SHARE of the values are ≤ 5, else 1–10
# when at least CSAT_TEN_SHARE are ≤ 10 (the others are off-scale values, rejected one by one), else 0–100: on a
# real 0–100 column most values exceed 10. An NPS column with at least NPS_OFF_SCALE_SHARE of its values outside
# 0–10 is not 0–10 answers at all (a −100…100 score has most of its values there); fewer are stray values.
SCORE_RANGES = {"nps": (0, 10), "ces": (1, 7)}
CSAT_SCALES = (5, 10, 100)
CSAT_FIVE_SHARE = 0.95
CSAT_TEN_SHARE = 0.5
NPS_OFF_SCALE_SHARE = 0.5
# Top-two box, the "satisfied" ratings: 4–5 on a 1–5 scale, 9–10 on a 1–10 scale, and on a 0–100 score the
# same top fifth of the range as 9–10 is of 1–10: 80–100.
CSAT_TOP_TWO = {5: 4, 10: 9, 100: 80}

RELATIONSHIP_MODELS = ("partnership", "transactional")

# CSAT given in words, as survey tools export it: read as the 1–5 rating the words name, so that the top-two box
# (4–5) is the satisfied answers. A column whose sampled words include one of CSAT_QUALITY_ONLY is the
# poor-to-excellent scale, one with one of CSAT_EMOJI_ONLY Intercom's five ratings; otherwise the satisfaction
# wording, where a two-way rating (Zendesk's Good/Bad, Positive/Negative) counts as 5 or 1. A survey that was only
# offered, or not answered, is no rating (NULL, not a rejected value).
CSAT_NO_RATING = ("offered", "unoffered", "not offered", "not rated", "no rating", "unrated", "no response")
CSAT_SATISFACTION_WORDS = {
    "very satisfied": 5, "extremely satisfied": 5, "completely satisfied": 5, "satisfied": 4, "somewhat satisfied": 4,
    "neutral": 3, "neither satisfied nor dissatisfied": 3, "somewhat dissatisfied": 2, "dissatisfied": 2,
    "unsatisfied": 2, "very dissatisfied": 1, "extremely dissatisfied": 1, "completely dissatisfied": 1,
    "good": 5, "bad": 1, "positive": 5, "negative": 1,
}
CSAT_QUALITY_WORDS = {"excellent": 5, "very good": 4, "good": 3, "fair": 2, "poor": 1, "very poor": 1}
CSAT_QUALITY_ONLY = ("excellent", "very good", "fair", "poor", "very poor")
# Intercom's five conversation ratings (its emoji scale), told by the words only it uses
CSAT_EMOJI_WORDS = {"amazing": 5, "great": 4, "ok": 3, "okay": 3, "bad": 2, "terrible": 1}
CSAT_EMOJI_ONLY = ("amazing", "great", "ok", "okay", "terrible")


# Channel spellings seen in contact-center exports, folded so monthly files from different
# platforms land in the same series ("Phone", "Voice" and "Customer Care Call" are all phone).
CHANNELS: dict[str, tuple[str, ...]] = {
    "phone": ("phone", "voice", "call", "calls", "telephone", "phone call", "inbound call", "outbound call",
              "inbound", "customer care call", "telephony", "telefon", "téléphone", "teléfono", "telefone",
              "anruf"),
    "chat": ("chat", "live chat", "livechat", "web chat", "webchat", "online chat", "chatbot", "bot"),
    "email": ("email", "e-mail", "e mail", "mail (email)", "electronic mail", "courriel", "correo",
              "correo electrónico"),
    "social": ("social", "social media", "messaging", "whatsapp", "facebook", "twitter", "x", "instagram",
               "sms", "text", "text message"),
    "web": ("web", "internet", "online", "web form", "webform", "portal", "self-service", "self service", "app",
            "web widget", "help center", "contact form"),
}

# A ticket export's closing time (Salesforce's Date/Time Closed, Zendesk's Solved at, ServiceNow's resolved_at): when a
# file has no resolution-time column, resolution_seconds is derived from occurred_at to the first of these headers
# (normalised) that the mapping leaves free.
RESOLUTION_END_HEADERS = ("resolved at", "solved at", "closed at", "date time resolved", "date time closed",
                          "resolved date", "solved date", "closed date", "date resolved", "date solved", "date closed",
                          "resolution date", "close date", "resolved on", "solved on", "closed on", "resolved time",
                          "solved time", "closed time", "time resolved", "time closed")
# the same without a word saying it is a time: taken only when the column's sampled values are dates
RESOLUTION_END_BARE = ("closed", "solved", "resolution")

UNASSIGNED = "Unassigned"  # stored when a file has neither a provider nor an account column


REPORTING_TZ_ENV = "RAPPORT_TZ"
DEFAULT_REPORTING_TZ = "UTC"


def reporting_time_zone() -> str:
    """The reporting time zone (IANA name) every timestamp is stored in: the RAPPORT_TZ setting, default UTC.

    Timestamps with an offset (`-04:00`, `Z`, `+0530`) are converted to this zone at ingest; timestamps
    without one are taken as already being in it. Raises ValueError naming the fix for an unknown zone.
    """
    import zoneinfo

    name = (os.environ.get(REPORTING_TZ_ENV) or DEFAULT_REPORTING_TZ).strip()
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"the reporting time zone {name!r} (setting {REPORTING_TZ_ENV}) is not a known IANA "
                         "time zone; set it to a name such as 'UTC', 'Europe/Zurich' or 'America/New_York'"
                         ) from exc
    return name


def field(kind: str, name: str) -> Field:
    for f in FIELDS[kind]:
        if f.name == name:
            return f
    raise KeyError(f"{kind} has no field {name!r}")


def field_names(kind: str) -> tuple[str, ...]:
    return tuple(f.name for f in FIELDS[kind])
