"""A plausible, reproducible monitoring history for demonstrations and training.

Two years of monthly (and quarterly) reports from every territory the active forms expect,
with seasonality (water disputes in summer, pasture disputes in spring and autumn, migrants
coming home for the winter), a realistic share of late, draft and missing reports, and a few
tension episodes strong enough that the real alert rules fire. The alerts then go through
the real workflow (acknowledged by the rayon's coordinator, answered with plans, resolved),
so every page has something true-to-life to show.

Incident counts are not typed into the monthly form (ADR 0008): the counts drawn for a place and
month become incident reports (type, day, village, actors, casualties, sources, verification),
and the incident register is written from them by ``incidents.services.register.rebuild``, a
quiet month with a counted monthly report as zeros, before the periods are recomputed.

Everything written is marked ``is_synthetic`` (reports, incidents, alerts, plans) so pages can
say so and ``--reload`` can remove it without touching real data. Values come from ``random.Random``
seeded per territory and walked in a sorted order: the same seed gives the same history.

Reports and values are written in bulk (tens of thousands of rows; per-row audit records
would multiply the run time several-fold), and the run leaves one audit record naming what
it wrote; the alerts and plans go through the ordinary services and are audited one by one."""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aimak.core.context import acting_as

from .. import disaggregation, periods
from ..models import (
    Alert,
    AlertEvent,
    AggregateValue,
    DataValue,
    Indicator,
    IndexSettings,
    IndexValue,
    PlanMeasure,
    PlanUpdate,
    Report,
    ReportEvent,
    ReportingForm,
    ResponsePlan,
)
from ..selectors import forms as form_selectors

INTEGRATION = "demo generator"
BARSKOON = "41702210815000"
SUZAK_AA = "41703220856000"
JETI_OGUZ = "41702210000000"
AKSY = "41703211000000"
SUZAK = "41703220000000"
KADAMJAI = "41705258000000"
BATKEN = "41705214000000"

# How rare incidents are outside the episodes, relative to the profiles below: one incident
# lifts a municipality to "yellow" and its index far above its own calm baseline.
CALM = 0.06
TWO = Decimal("0.01")
ONE = Decimal("0.1")


class MissingPiece(RuntimeError):
    """A service the generator relies on is not there (yet)."""


# --------------------------------------------------------------------------------------------
# What an indicator usually looks like


@dataclass
class Profile:
    """How one indicator behaves in an ordinary month of an average municipality."""

    kind: str  # count | percentage | scale | yes_no
    mean: float
    spread: float = 0.0
    season: tuple = ()  # months (1-12) where it rises
    season_factor: float = 1.0
    women_share: float = 0.4
    ages: tuple = (0.12, 0.36, 0.42, 0.10)  # under 18, 18-29, 30-59, 60+
    per_population: bool = False  # mean is per 1,000 people
    themes: frozenset = frozenset()  # episode themes that drive it up
    zero_outside_episodes: bool = False
    stock: bool = False  # a state that persists (villages without a school), not a monthly flow


# (keywords in the code or English name, profile). First match wins, so specific words first.
_COUNT_RULES = [
    (("fatal", "death", "killed"), dict(mean=0.0, women_share=0.1, zero_outside_episodes=True, themes={"violence"})),
    (("injur", "wound"), dict(mean=0.02, women_share=0.2, themes={"violence", "border", "water"})),
    (("displac",), dict(mean=0.0, women_share=0.5, zero_outside_episodes=True, themes={"violence"})),
    (("alerts_received",), dict(mean=0.03)),
    (("acknowledged",), dict(mean=0.03)),
    (("plans_opened", "plans_completed"), dict(mean=0.03)),
    (("prevention", "activit"), dict(mean=1.2)),
    (("council_women",), dict(mean=4.0, stock=True)),
    (("council", "deputies"), dict(mean=19.0, stock=True, women_share=0.22)),
    (("without_school", "without_clinic"), dict(mean=0.4, stock=True)),
    (("households_without", "without_water"), dict(mean=12.0, per_population=True, stock=True)),
    (("pending", "allocation"), dict(mean=0.6, stock=True, themes={"speech", "violence"})),
    (("youth_unemploy", "unemployed"), dict(mean=25.0, per_population=True, stock=True, women_share=0.45, ages=(0.15, 0.85, 0, 0))),
    (("migrant",), dict(mean=2.5, per_population=True, season=(11, 12, 1), season_factor=2.2, women_share=0.3, ages=(0.04, 0.46, 0.48, 0.02))),
    (("repeat",), dict(mean=0.1, per_population=True, themes={"speech", "water"})),
    (("resolved",), dict(mean=0.8, per_population=True)),
    (("appeals_water",), dict(mean=0.25, per_population=True, season=(5, 6, 7, 8), season_factor=2.2, women_share=0.35, themes={"water", "border"})),
    (("appeals_land",), dict(mean=0.35, per_population=True, season=(3, 4, 5, 9, 10), season_factor=1.5, women_share=0.4, themes={"violence", "speech"})),
    (("interethnic", "inter_ethnic"), dict(mean=0.06, women_share=0.45, themes={"speech", "violence", "border"})),
    (("appeal", "complain", "grievance", "petition"), dict(mean=0.4, per_population=True, women_share=0.55, themes={"speech", "water", "violence", "border"})),
    (("water", "irrigat"), dict(mean=0.05, season=(6, 7, 8), season_factor=3.0, themes={"water", "border"})),
    (("land", "pasture"), dict(mean=0.05, season=(4, 5, 9, 10), season_factor=1.8, themes={"violence", "speech"})),
    (("border",), dict(mean=0.01, themes={"border"})),
    (("hate_speech_online", "online"), dict(mean=0.3, themes={"speech", "border"})),
    (("hate", "speech"), dict(mean=0.06, themes={"speech", "border"})),
    (("relig",), dict(mean=0.01, themes={"speech"})),
    (("fight", "brawl", "mob", "clash", "violen", "intergroup", "inter_group"), dict(mean=0.03, themes={"violence", "water", "border"})),
    (("protests_intervention",), dict(mean=0.01, themes={"speech", "water"})),
    (("protest", "rally", "demonstr"), dict(mean=0.04, themes={"speech", "water", "violence"})),
    (("blockad", "road"), dict(mean=0.01, themes={"water", "border"})),
    (("arson", "loot", "property", "attack", "vandal"), dict(mean=0.01, themes={"violence"})),
    (("participant",), dict(mean=40.0, women_share=0.55)),
    (("mediation",), dict(mean=1.5, stock=True)),
    (("plan",), dict(mean=0.1)),
    (("media", "coverage", "publicat", "article"), dict(mean=1.0)),
    (("mixed", "initiative"), dict(mean=0.3)),
    (("event", "joint", "mediat", "meeting", "dialog", "training", "session"), dict(mean=1.0, women_share=0.5)),
]
# (keywords, mean, spread, stock)
_PERCENT_RULES = [
    (("unemploy",), 18, 4, False),
    (("resolved", "within"), 72, 9, False),
    (("acknowledg",), 85, 8, False),
    (("women", "female"), 22, 5, True),
    (("minorit", "ethnic"), 12, 4, True),
    (("remittance",), 10, 4, False),
    (("price", "inflation", "fuel", "food"), 4, 3, False),
    (("trust",), 55, 7, False),
    (("security", "safe"), 66, 6, False),
    (("engagement", "participat"), 35, 7, False),
    (("anxiety", "fear"), 17, 4, False),
    (("stereotyp", "prejudic"), 19, 4, False),
    (("distance",), 21, 5, False),
    (("gap", "access", "without", "lack"), 12, 5, True),
]
_TENSION_SCALE = ("anxiety", "stereotyp", "distance", "fear", "tension", "prejudic")
_YES_RULES = [
    (("drought", "shortage"), 0.03, (7, 8), 0.15),
    (("shock", "price", "fuel", "food"), 0.05, (1, 2, 12), 0.12),
]


def _words(indicator: Indicator) -> str:
    return f"{indicator.code} {getattr(indicator, 'name_en', '') or indicator.name}".lower().replace("-", "_")


def profile_of(indicator: Indicator) -> Profile:
    words = _words(indicator)
    tension = indicator.polarity == Indicator.Polarity.TENSION
    vt = indicator.value_type
    if vt in (Indicator.ValueType.COUNT, Indicator.ValueType.NUMBER):
        for keys, params in _COUNT_RULES:
            if any(k in words for k in keys):
                params = dict(params)
                params["themes"] = frozenset(params.get("themes", ()))
                return Profile("count", **params)
        if indicator.max_value is not None and indicator.max_value > 0:
            return Profile("count", mean=float(indicator.max_value) * 0.2)
        return Profile("count", mean=0.4 if tension else 1.0, themes=frozenset({"violence", "speech"}) if tension else frozenset())
    if vt == Indicator.ValueType.PERCENTAGE:
        for keys, mean, spread, stock in _PERCENT_RULES:
            if any(k in words for k in keys):
                return Profile("percentage", mean=mean, spread=spread, stock=stock, themes=frozenset() if stock else frozenset({"speech", "violence", "border"}))
        return Profile("percentage", mean=20 if tension else 65, spread=6, themes=frozenset({"speech"}))
    if vt == Indicator.ValueType.SCALE:
        high = any(k in words for k in _TENSION_SCALE) or tension
        return Profile("scale", mean=2.3 if high else 3.4, spread=0.35, themes=frozenset({"speech", "violence", "border", "water"}))
    if vt == Indicator.ValueType.YES_NO:
        for keys, p, season, p_season in _YES_RULES:
            if any(k in words for k in keys):
                return Profile("yes_no", mean=p, season=season, season_factor=p_season, themes=frozenset({"water", "border"}))
        return Profile("yes_no", mean=0.1 if tension else 0.9, themes=frozenset({"speech", "violence"}))
    return Profile("count", mean=1.0)


# --------------------------------------------------------------------------------------------
# Random draws that are reproducible and need nothing beyond ``random``


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def split(rng: random.Random, total: int, weights: list[float]) -> list[int]:
    """Share ``total`` people or events among categories; the parts add up to the total."""
    parts = [0] * len(weights)
    if total <= 0:
        return parts
    s = sum(weights)
    if total <= 400:
        for _i in range(total):
            x, acc = rng.random() * s, 0.0
            for j, w in enumerate(weights):
                acc += w
                if x < acc:
                    parts[j] += 1
                    break
            else:
                parts[-1] += 1
        return parts
    raw = [total * w / s * rng.uniform(0.9, 1.1) for w in weights]
    parts = [int(r) for r in raw]
    parts[max(range(len(parts)), key=lambda j: raw[j])] += total - sum(parts)
    if min(parts) < 0:  # the jitter overshot; fall back to exact shares
        parts = [int(total * w / s) for w in weights]
        parts[0] += total - sum(parts)
    return parts


def ethnic_weights(territory) -> list[float]:
    """Rough shares of kyrgyz, uzbek, russian, dungan, tajik, other by region."""
    code = territory.code
    if code.startswith(("41703", "41706")):  # Jalal-Abad, Osh
        return [0.62, 0.31, 0.01, 0.0, 0.02, 0.04]
    if code.startswith("41705"):  # Batken
        return [0.80, 0.07, 0.01, 0.0, 0.10, 0.02]
    if code.startswith("41708"):  # Chui
        return [0.62, 0.02, 0.18, 0.09, 0.01, 0.08]
    if code.startswith("41702"):  # Issyk-Kul
        return [0.88, 0.01, 0.06, 0.01, 0.0, 0.04]
    return [0.90, 0.02, 0.03, 0.0, 0.0, 0.05]


# --------------------------------------------------------------------------------------------
# Episodes


@dataclass
class Episode:
    theme: str
    territory: object
    start: int  # index of the first monthly period
    length: int
    fatal: bool = False
    outcome: str = "resolved"  # resolved | responding | open
    plan: bool = True

    def month(self, index: int) -> int | None:
        """Which month of the episode ``index`` is (0, 1, …), or None outside it."""
        k = index - self.start
        return k if 0 <= k < self.length else None


EPISODE_TEXT = {
    "violence": (
        _("Dispute over pasture land between two villages turned into fights"),
        _("Restore dialogue between the villages over pasture use and prevent further clashes."),
        _("Repeated fights and one death over pasture boundaries; rumours spreading online."),
    ),
    "water": (
        _("Irrigation water dispute with the neighbouring aiyl aimak"),
        _("Agree an irrigation schedule with the neighbours and calm the tension before harvest."),
        _("Shortage of irrigation water in summer; quarrels at the canal gates and a road blockade."),
    ),
    "border": (
        _("Tension at the border over water and roads"),
        _("Keep contacts with the neighbouring communities open and prevent incidents at the border."),
        _("Incidents at the border, blocked roads, insults online."),
    ),
    "speech": (
        _("Hate speech and protests over land allocation"),
        _("Stop the spread of hate speech and hear the grievances about land allocation."),
        _("Insulting posts in local groups, a protest at the aiyl okmotu, more appeals."),
    ),
}

NARRATIVE_CALM = [
    _("The situation is calm. Routine appeals were received and answered."),
    _("No incidents. The aksakal court settled two family disputes."),
    _("Calm month. A joint community event was held for the holiday."),
    _("Minor quarrels over irrigation were settled by the water users' association."),
    _("No incidents. The consultative council met as planned."),
]
NARRATIVE_TENSE = [
    _("Tension has risen: disputes and insults were reported, police and elders intervened."),
    _("Serious incidents this month; the situation needs attention from the rayon."),
    _("The tension is easing after meetings with the elders, but grievances remain."),
]
SOURCES = _("Aiyl okmotu reception office log; district police inspector; aksakal court; local media.")


def _pick(territories: list, prefixes: tuple, prefer: str = "", taken=()) -> object | None:
    candidates = [t for t in territories if t.code.startswith(prefixes) and t.pk not in taken]
    for t in candidates:
        if t.code == prefer:
            return t
    return candidates[0] if candidates else None


def plan_episodes(rng: random.Random, territories: list, months: int) -> list[Episode]:
    """Three or four episodes spread over the span, in the seed's places where they report."""
    territories = sorted(territories, key=lambda t: t.code)
    taken: set = set()
    result: list[Episode] = []

    def add(theme, prefixes, prefer, start, length, **kw):
        if start < 0 or start + length > months:
            return
        choice = _pick(territories, prefixes, prefer, taken)
        if choice is None:
            pool = [t for t in territories if t.pk not in taken]
            if not pool:
                return
            choice = pool[rng.randrange(len(pool))]
        taken.add(choice.pk)
        result.append(Episode(theme, choice, start, length, **kw))

    last = months - 1
    if months >= 8:
        # A clash over pasture in Aksy with a death; long settled.
        aksy = sorted(t.code for t in territories if t.code.startswith(AKSY[:8]))
        prefer = aksy[rng.randrange(len(aksy))] if aksy else ""
        add("violence", (AKSY[:8], SUZAK[:8]), prefer, max(3, round(months * 0.3)), 3, fatal=True, outcome="resolved")
        # Barskoon's summer water dispute: the summer nearest the middle of the span.
        mid = max(4, round(months * 0.55))
        add("water", (BARSKOON, JETI_OGUZ[:8]), BARSKOON, mid, 3, outcome="resolved")
    if months >= 5:
        add("border", (KADAMJAI[:8], BATKEN[:8]), "", max(2, round(months * 0.78)), 2, outcome="responding")
    # The newest: hate speech in Suzak rayon, still open for the demonstration.
    suzak = sorted(t.code for t in territories if t.code.startswith(SUZAK[:8]) and t.code != SUZAK_AA)
    prefer = suzak[rng.randrange(len(suzak))] if suzak else ""
    add("speech", (SUZAK[:8], AKSY[:8]), prefer, last - 1, 2, outcome="open", plan=False)
    return result


def align_summer(episode: Episode, first: periods.PeriodSpan, months: int) -> None:
    """Move the water episode to start in June (within the span)."""
    best = None
    for i in range(months - episode.length + 1):
        if first.shift(i).start.month == 6 and (best is None or abs(i - episode.start) < abs(best - episode.start)):
            best = i
    if best is not None:
        episode.start = best


# --------------------------------------------------------------------------------------------
# Values


def _threshold(indicator: Indicator, level: str) -> float | None:
    value = (indicator.thresholds or {}).get(level)
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _clamp(indicator: Indicator, value: float) -> float:
    if indicator.min_value is not None:
        value = max(value, float(indicator.min_value))
    if indicator.max_value is not None:
        value = min(value, float(indicator.max_value))
    return value


@dataclass
class Place:
    territory: object
    rng: random.Random
    temper: float
    reliability: float
    population: int
    extra: dict = field(default_factory=dict)


def _press(episode_month: int | None, episode: Episode | None) -> float:
    """How hard an episode presses this month: rising, peak, easing."""
    if episode_month is None or episode is None:
        return 0.0
    if episode.length >= 3:
        return (0.7, 1.0, 0.55)[min(episode_month, 2)]
    return (0.8, 1.0)[min(episode_month, 1)]


def draw_total(place: Place, indicator: Indicator, prof: Profile, month: int, episode_month: int | None, episode: Episode | None) -> Decimal:
    rng = place.rng
    tension = indicator.polarity == Indicator.Polarity.TENSION
    in_theme = episode is not None and episode.theme in prof.themes
    seasonal = prof.season_factor if month in prof.season else 1.0
    press = _press(episode_month, episode)
    words = _words(indicator)
    yellow, orange, red = (_threshold(indicator, lv) for lv in ("yellow", "orange", "red"))
    critical = float(indicator.critical_value) if indicator.critical_value is not None else None
    if prof.kind == "count":
        mean = prof.mean * place.temper * seasonal
        if prof.per_population:
            mean = prof.mean * place.population / 1000 * seasonal * (0.8 + 0.2 * place.temper)
        if "border" in words and place.territory.code.startswith("41705"):
            mean *= 5  # Batken's enclaves and unmarked border
        if yellow and tension:
            # A single incident already signals "yellow"; most places see none in most months.
            mean = min(mean * CALM, 0.05 * yellow)
        if prof.stock:
            # A state that persists: drawn once, then now and then one more or one fewer.
            held = place.extra.get(indicator.pk)
            if held is None:
                held = poisson(rng, mean)
            elif rng.random() < 0.06:
                held = max(0, held + rng.choice((-1, 1)))
            place.extra[indicator.pk] = held
            value = held
        else:
            value = 0 if prof.zero_outside_episodes else poisson(rng, mean)
        if critical is not None and value >= critical:
            value = max(0, math.ceil(critical) - 1)
        if press and tension and in_theme:
            peak = red or (orange * 1.5 if orange else None) or max(4.0, mean * 4 + 3)
            value = max(value, round(peak * press * rng.uniform(0.9, 1.25)))
            if prof.zero_outside_episodes:
                value = 0
                if "displac" in words:
                    if episode.fatal and episode_month in (1, 2):
                        value = rng.randint(2, 6)
                elif episode.fatal and episode_month == 1:
                    value = math.ceil(critical) if critical else 1
            elif critical is not None and not episode.fatal:
                value = min(value, max(0, math.ceil(critical) - 1))
        elif press and tension and not prof.stock:
            value = round(value * (1 + press))
        elif press and not tension and not prof.stock:
            value = round(value * (1 - 0.5 * press))
        return Decimal(int(_clamp(indicator, value)))
    if prof.kind == "percentage":
        base = prof.mean
        if "minorit" in words and place.territory.code.startswith(("41703", "41706", "41708")):
            base = prof.mean * 2  # the south and Chui have large minorities
        if prof.stock:
            held = place.extra.get(indicator.pk)
            if held is None:
                held = rng.gauss(base, prof.spread)
            elif rng.random() < 0.05:
                held += rng.gauss(0, prof.spread / 3)
            place.extra[indicator.pk] = held
            value = held
        else:
            shift = 0.0
            if press:
                if tension and orange and in_theme:
                    shift = (orange - base + prof.spread) * press
                else:
                    shift = prof.spread * 2.5 * press * (1 if tension else -1)
            value = rng.gauss(base + shift, prof.spread) * (1 + (place.temper - 1) * 0.3)
        value = min(100.0, max(0.0, value))
        return Decimal(str(round(_clamp(indicator, value), 1))).quantize(ONE)
    if prof.kind == "scale":
        shift = 1.1 * press * (1 if prof.mean < 3 else -1)
        value = rng.gauss(prof.mean + shift + (place.temper - 1) * (0.4 if prof.mean < 3 else -0.4), prof.spread)
        value = min(5.0, max(1.0, value))
        return Decimal(str(round(_clamp(indicator, value), 1))).quantize(ONE)
    if prof.kind == "yes_no":
        p = prof.season_factor if month in prof.season else prof.mean
        if press and in_theme:
            p = 0.85 if tension else 0.3
        elif press:
            p = min(1.0, max(0.0, p + (0.2 if tension else -0.2) * press))
        return Decimal(1 if rng.random() < p else 0)
    return Decimal(0)


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return split(rng, n, [p, 1 - p])[0] if n > 0 else 0


def relate(place: Place, totals: dict[str, Decimal], press: float) -> None:
    """Keep figures of the starting catalogue that depend on each other consistent: appeals
    received include the appeals by subject, resolved and repeat ones are among them, women
    deputies are among the deputies, participants come from the events held."""
    rng = place.rng
    subjects = [c for c in totals if c.startswith("appeals-") and c not in ("appeals-received", "appeals-resolved-30d", "appeals-repeat")]
    if "appeals-received" in totals:
        other = poisson(rng, 0.15 * place.population / 1000)
        received = int(sum(totals[c] for c in subjects)) + other
        totals["appeals-received"] = Decimal(received)
        if "appeals-resolved-30d" in totals:
            totals["appeals-resolved-30d"] = Decimal(_binomial(rng, received, 0.75 - 0.25 * press))
        if "appeals-repeat" in totals:
            totals["appeals-repeat"] = min(totals["appeals-repeat"], Decimal(received))
    if "council-women" in totals and "council-deputies" in totals:
        totals["council-women"] = min(totals["council-women"], totals["council-deputies"])
    if "joint-event-participants" in totals and "joint-events" in totals:
        totals["joint-event-participants"] = Decimal(sum(rng.randint(15, 80) for _i in range(int(totals["joint-events"]))))
    if "alerts-acknowledged-in-time" in totals and "alerts-received" in totals:
        totals["alerts-acknowledged-in-time"] = min(totals["alerts-acknowledged-in-time"], totals["alerts-received"])
    if "plans-completed" in totals and "plans-opened" in totals and press:
        totals["plans-opened"] = max(totals["plans-opened"], Decimal(1 if press >= 1 else 0))


def draw_parts(place: Place, indicator: Indicator, prof: Profile, total: Decimal) -> dict[str, Decimal]:
    """The "of which" figures of a count: women and men both given, adding up to the total; age
    bands and ethnic groups given where non-zero (ethnic groups sometimes leave someone
    unattributed, so their sum may fall short of the total). Other types are not split."""
    preset = indicator.disaggregation or disaggregation.NONE
    if preset == disaggregation.NONE or prof.kind != "count":
        return {}
    n = int(total)
    if n <= 0:
        return {}  # nothing to split: no parts are written (they would all be zero)
    rng = place.rng
    codes = disaggregation.category_codes(preset)
    if preset == disaggregation.SEX:
        women = _binomial(rng, n, prof.women_share)
        return {"f": Decimal(women), "m": Decimal(n - women)}
    if preset == disaggregation.SEX_AGE:
        weights = [prof.women_share * a for a in prof.ages] + [(1 - prof.women_share) * a for a in prof.ages]
        return {c: Decimal(v) for c, v in zip(codes, split(rng, n, weights)) if v}
    if preset == disaggregation.ETHNICITY:
        known = n - (1 if n >= 3 and rng.random() < 0.15 else 0)
        return {c: Decimal(v) for c, v in zip(codes, split(rng, known, ethnic_weights(place.territory))) if v}
    return {}


# --------------------------------------------------------------------------------------------
# Incidents: the drawn incident counts as incident reports (ADR 0008)
#
# The incident app is reached through lazy imports: monitoring does not depend on it, and
# without the incident register the generator simply draws no incidents.


@dataclass
class IncidentMonth:
    """One place and month of the drawn history: the incident figures it drew."""

    territory: object
    period: periods.PeriodSpan
    age: int  # months before the newest
    figures: dict  # indicator code -> (total, {category: part})
    monitor: object
    reviewer: object
    episode: Episode | None
    episode_month: int | None


@dataclass
class Story:
    """How one kind of incident is told: actors (Russian, Kyrgyz, ACLED kind), groups, how many
    take part and a few descriptions (Russian, Kyrgyz). Placeholders: {in_v} where it happened,
    {at_v} the same as an attribute, {of_v} / {of_v2} whose (this village, the other side),
    {country} the neighbouring country (genitive)."""

    actor1: tuple | None
    actor2: tuple | None
    groups: tuple
    people: tuple | None
    texts: list
    sources: tuple = ()


_LOCAL = (("Айыл окмоту; участковый инспектор милиции", "Айыл өкмөтү; милиция"),
          ("РОВД; местные СМИ", "Райондук ИИБ; жергиликтүү ЖМК"),
          ("Аксакальский суд; айыл окмоту", "Аксакалдар соту; айыл өкмөтү"),
          ("Монитор айыл окмоту; очевидцы", "Айыл өкмөтүнүн монитору; күбөлөр"))
_WATER = (("Ассоциация водопользователей; айыл окмоту", "Суу пайдалануучулар ассоциациясы; айыл өкмөтү"),)
_BORDER = (("Пограничная служба; айыл окмоту", "Чек ара кызматы; айыл өкмөтү"), ("Полномочный представитель в области; местные СМИ", "Облустагы ыйгарым укуктуу өкүл; жергиликтүү ЖМК"))
_ONLINE = (("Мониторинг соцсетей (WhatsApp, Facebook); айыл окмоту", "Социалдык тармактардын мониторинги (WhatsApp, Facebook); айыл өкмөтү"),
           ("Обращение жителей; скриншоты публикаций", "Тургундардын кайрылуусу; жарыялардын скриншоттору"))
_POLICE = ("Милиция (РОВД)", "Милиция (райондук ИИБ)", 1)
_RESIDENTS = ("Жители {of_v}", "{of_v} тургундары")
_RESIDENTS2 = ("Жители {of_v2}", "{of_v2} тургундары")

STORIES = {
    "intergroup-fight": Story(
        ("Молодёжь {of_v}", "{of_v} жаштары", 5), ("Молодёжь {of_v2}", "{of_v2} жаштары", 5),
        ("молодёжь двух сёл", "эки айылдын жаштары"), (8, 40),
        [("Драка между молодёжью {of_v} и {of_v2} после игры в кок-бору. Участковый инспектор и аксакалы развели стороны.",
          "Көк бөрү оюнунан кийин {of_v} жана {of_v2} жаштарынын ортосунда мушташ чыкты. Участкалык инспектор менен аксакалдар тараптарды ажыратышты."),
         ("Ссора из-за очереди на полив переросла в драку между группами молодых людей {of_v} и {of_v2}; вмешалась милиция.",
          "Сугат кезеги үчүн чыккан уруш {of_v} жана {of_v2} жигиттеринин ортосунда мушташка айланды; милиция кийлигишти."),
         ("Групповая драка на свадьбе {in_v}: поводом стал старый спор между семьями из двух сёл.",
          "{in_v} өткөн тойдо топтук мушташ болду: эки айылдын үй-бүлөлөрүнүн ортосундагы эски талаш себеп болду.")],
        _LOCAL),
    "mob-violence": Story(
        ("Группа жителей {of_v}", "{of_v} тургундарынын тобу", 5), (*_RESIDENTS2, 7),
        ("жители двух сёл, родственники пострадавших", "эки айылдын тургундары, жабырлануучулардын туугандары"), (40, 200),
        [("Толпа жителей {of_v} собралась у дома семьи, которую обвиняют в захвате пастбища; разбиты окна и ворота, милиция оттеснила собравшихся.",
          "{of_v} тургундарынын тобу жайытты басып алды деп айыпталган үй-бүлөнүн үйүнүн алдына чогулду; терезелер менен дарбаза талкаланды, милиция элди таратты."),
         ("Массовая потасовка у здания айыл окмоту {in_v}: в ход пошли камни и палки; из района прибыл наряд милиции.",
          "{at_v} айыл өкмөтүнүн имаратынын алдында массалык мушташ болду: таш жана таяк колдонулду; райондон милиция келди."),
         ("После слухов о нападении на односельчанина толпа из {of_v} пыталась устроить самосуд; аксакалы и милиция остановили её.",
          "Айылдашына кол салышкан деген ушактан кийин {of_v} тургундарынын тобу өз алдынча жазалоого аракет кылды; аксакалдар менен милиция токтотту.")],
        _LOCAL),
    "violent-demonstration": Story(
        ("Участники митинга, жители {of_v}", "Митингдин катышуучулары, {of_v} тургундары", 5), _POLICE,
        ("жители села, фермеры", "айылдын тургундары, дыйкандар"), (50, 300),
        [("Митинг против решения о выделении земли {in_v} перерос в столкновения с милицией; несколько человек задержаны.",
          "{in_v} жер бөлүп берүү чечимине каршы митинг милиция менен кагылышууга айланды; бир нече адам кармалды."),
         ("Протестующие жители {of_v} забросали камнями автомобиль районного акима; милиция применила спецсредства.",
          "{of_v} нааразы тургундары райондук акимдин унаасына таш ыргытышты; милиция атайын каражаттарды колдонду.")],
        _LOCAL),
    "property-attack": Story(
        ("Неустановленные лица", "Белгисиз адамдар", 5), (*_RESIDENTS, 7),
        ("фермеры, арендаторы пастбищ", "дыйкандар, жайыт ижарачылары"), (2, 10),
        [("Ночью подожжён стог сена фермера, арендующего спорное пастбище {in_v}; пострадавший связывает поджог с земельным конфликтом.",
          "{in_v} талаштуу жайытты ижарага алган фермердин чөп үймөгү түнкүсүн өрттөлдү; жабырлануучу өрттү жер талашы менен байланыштырат."),
         ("Повреждён водораспределительный шлюз на канале {in_v}; жители соседних сёл обвиняют друг друга.",
          "{at_v} каналдын суу бөлүштүрүүчү шлюзу бузулду; коңшу айылдардын тургундары бири-бирин айыптап жатышат."),
         ("После ссоры на рынке разбиты окна магазина, принадлежащего семье из {of_v2}.",
          "Базардагы уруштан кийин {of_v2} үй-бүлөсүнө таандык дүкөндүн терезелери чагылды.")],
        _LOCAL),
    "attack-civilians": Story(
        ("Группа молодых людей", "Бир топ жигиттер", 5), ("Жители {of_v}", "{of_v} тургундары", 7),
        ("скотоводы, соседи", "малчылар, коңшулар"), (3, 12),
        [("Житель {of_v} избит группой молодых людей после спора о выпасе скота; пострадавший доставлен в больницу.",
          "Мал жаюу боюнча талаштан кийин {of_v} тургунун бир топ жигиттер сабап салышты; жабырлануучу ооруканага жеткирилди."),
         ("Во время спора из-за полива пострадали жители {of_v}; материалы переданы участковому инспектору.",
          "Сугат боюнча талашта {of_v} тургундары жабыркады; материалдар участкалык инспекторго берилди.")],
        _LOCAL),
    "protest-peaceful": Story(
        (*_RESIDENTS, 6), None, ("жители села, женщины, аксакалы", "айылдын тургундары, аялдар, аксакалдар"), (20, 250),
        [("Жители {of_v} собрались у здания айыл окмоту с требованием пересмотреть распределение земельных участков; глава АО встретился с ними.",
          "{of_v} тургундары жер участокторун бөлүштүрүүнү кайра карап чыгууну талап кылып, айыл өкмөтүнүн алдына чогулушту; айыл өкмөтүнүн башчысы алар менен жолукту."),
         ("Мирный сход жителей {of_v} с требованием отремонтировать водопровод; обращение передано в районную администрацию.",
          "{of_v} тургундары суу түтүгүн оңдоону талап кылып, тынч чогулуш өткөрүштү; кайрылуу райондук администрацияга жөнөтүлдү."),
         ("Пикет у районной администрации против добычи полезных ископаемых вблизи {of_v}.",
          "{of_v} жанындагы кен казууга каршы райондук администрациянын алдында пикет өттү.")],
        _LOCAL),
    "protest-intervention": Story(
        (*_RESIDENTS, 6), _POLICE, ("жители села, чабаны", "айылдын тургундары, малчылар"), (30, 200),
        [("Протест жителей {of_v} против передачи пастбища в аренду; милиция не допустила перекрытия трассы, несколько человек доставлены в РОВД.",
          "{of_v} тургундары жайытты ижарага берүүгө каршы нааразылык акциясын өткөрүштү; милиция трассаны тосууга жол берген жок, бир нече адам райондук ИИБге алынып барылды."),
         ("Сход жителей {of_v} у здания айыл окмоту разошёлся после вмешательства милиции; задержанных отпустили вечером.",
          "{of_v} тургундарынын айыл өкмөтүнүн алдындагы чогулушу милиция кийлигишкенден кийин тарады; кармалгандар кечинде бошотулду.")],
        _LOCAL),
    "protest-excessive-force": Story(
        _POLICE, (*_RESIDENTS, 6), ("жители села", "айылдын тургундары"), (30, 150),
        [("При разгоне схода жителей {of_v} сотрудники милиции применили силу; жители направили жалобу в прокуратуру.",
          "{of_v} тургундарынын чогулушун таратууда милиция кызматкерлери күч колдонушту; тургундар прокуратурага арыз жазышты.")],
        _LOCAL),
    "road-blockade": Story(
        (*_RESIDENTS, 6), None, ("водопользователи, жители села", "суу пайдалануучулар, айылдын тургундары"), (30, 150),
        [("Жители {of_v} на несколько часов перекрыли автодорогу, требуя восстановить подачу поливной воды.",
          "{of_v} тургундары сугат суусун кайра берүүнү талап кылып, автожолду бир нече саатка тосушту."),
         ("Дорога {in_v} перекрыта в знак протеста против решения о границах пастбищ; движение восстановлено после встречи с акимом.",
          "Жайыттын чек аралары боюнча чечимге нааразылык катары {in_v} жол тосулду; аким менен жолугушуудан кийин кыймыл калыбына келди."),
         ("Жители {of_v} перекрыли дорогу к руднику, требуя рабочих мест для местных.",
          "{of_v} тургундары жергиликтүү элге жумуш орундарын талап кылып, кенге баруучу жолду тосушту.")],
        _LOCAL + _WATER),
    "land-dispute": Story(
        (*_RESIDENTS, 5), (*_RESIDENTS2, 5), ("скотоводы двух сёл", "эки айылдын малчылары"), (10, 80),
        [("Спор о границе пастбища между жителями {of_v} и {of_v2} перешёл в столкновение; угнан скот, звучат угрозы.",
          "{of_v} жана {of_v2} тургундарынын ортосундагы жайыттын чеги боюнча талаш кагылышууга айланды; мал айдалып кетти, коркутуулар айтылууда."),
         ("Самовольный захват земельного участка {in_v} привёл к драке между двумя семьями; земельная комиссия АО выехала на место.",
          "{in_v} жер участогун өз алдынча ээлеп алуу эки үй-бүлөнүн ортосунда мушташка алып келди; айыл өкмөтүнүн жер комиссиясы жерине барды."),
         ("Жители {of_v} снесли ограждение на участке, выделенном жителю {of_v2}; дело рассматривает аксакальский суд.",
          "{of_v} тургундары {of_v2} тургунуна бөлүнгөн участоктун тосмосун бузуп салышты; ишти аксакалдар соту карап жатат.")],
        _LOCAL),
    "water-dispute": Story(
        ("Водопользователи {of_v}", "{of_v} суу пайдалануучулары", 5), ("Водопользователи {of_v2}", "{of_v2} суу пайдалануучулары", 5),
        ("фермеры, водопользователи", "дыйкандар, суу пайдалануучулар"), (10, 60),
        [("Ссора у распределительного шлюза на канале {in_v}: водопользователи {of_v2} обвинили соседей в самовольном заборе воды, дошло до драки.",
          "{at_v} каналдын суу бөлүштүрүүчү шлюзунун жанында уруш чыкты: {of_v2} суу пайдалануучулары коңшуларын сууну өз алдынча алды деп айыптап, иш мушташка чейин жетти."),
         ("Из-за нехватки поливной воды жители {of_v} и {of_v2} столкнулись у головного арыка; АВП пересмотрела график полива.",
          "Сугат суусу жетишпегендиктен {of_v} жана {of_v2} тургундары баш арыктын жанында кагылышты; СПА сугат графигин кайра карады.")],
        _WATER + _LOCAL[:1]),
    "border-clash": Story(
        ("Пограничная служба Кыргызстана", "Кыргызстандын чек ара кызматы", 1), ("Пограничники {country}", "{country} чек арачылары", 8),
        ("пограничники, жители приграничных сёл", "чек арачылар, чек арага жакын айылдардын тургундары"), (20, 100),
        [("Перестрелка между пограничниками Кыргызстана и {country} на неописанном участке границы у {of_v}; жителей приграничных улиц временно вывезли.",
          "{of_v} жанындагы тактала элек чек ара участогунда Кыргызстан менен {country} чек арачыларынын ортосунда атышуу болду; чек арага жакын көчөлөрдүн тургундары убактылуу көчүрүлдү.")],
        _BORDER),
    "border-incident": Story(
        (*_RESIDENTS, 5), ("Жители приграничного села {country}", "{country} чек арага жакын айылынын тургундары", 7),
        ("жители приграничных сёл", "чек арага жакын айылдардын тургундары"), (10, 60),
        [("Жители {of_v} и соседнего села {country} забросали друг друга камнями из-за проезда по спорному участку дороги.",
          "Талаштуу жол участогу аркылуу өтүү үчүн {of_v} жана {country} коңшу айылынын тургундары бири-бирине таш ыргытышты."),
         ("Пограничники задержали жителей {of_v} за выпас скота на сопредельной территории; в селе собрались родственники задержанных.",
          "Чек арачылар {of_v} тургундарын чектеш аймакта мал жайганы үчүн кармашты; айылга кармалгандардын туугандары чогулду."),
         ("Спор из-за воды в канале, пересекающем границу у {of_v}, закончился потасовкой с жителями сопредельного села.",
          "{of_v} жанында чек араны кесип өткөн каналдагы суу боюнча талаш чектеш айылдын тургундары менен урушка айланды.")],
        _BORDER),
    "hate-speech-online": Story(
        ("Анонимные пользователи соцсетей", "Социалдык тармактардын аноним колдонуучулары", None), (*_RESIDENTS2, 7),
        ("пользователи местных групп", "жергиликтүү топтордун колдонуучулары"), None,
        [("В местной группе WhatsApp распространяются оскорбительные сообщения о жителях {of_v2} с призывами «не пускать их на пастбища».",
          "Жергиликтүү WhatsApp тобунда {of_v2} тургундары жөнүндө «аларды жайытка киргизбейли» деген чакырыктар менен кордогон билдирүүлөр таралууда."),
         ("Видео с оскорблениями в адрес вернувшихся трудовых мигрантов набрало тысячи просмотров в TikTok; в ролике упоминаются жители {of_v}.",
          "Кайтып келген эмгек мигранттарын кордогон видео TikTokто миңдеген жолу көрүлдү; видеодо {of_v} тургундары аталат."),
         ("После бытового конфликта {in_v} в Facebook-группе района опубликованы посты, разжигающие межэтническую рознь; администратор группы удалил часть сообщений.",
          "{in_v} болгон тиричилик чатагынан кийин райондун Facebook тобунда улуттар аралык араздашууну козгогон посттор жарыяланды; топтун администратору алардын бир бөлүгүн өчүрдү.")],
        _ONLINE),
    "hate-speech-offline": Story(
        ("Житель {of_v}", "{of_v} тургуну", None), (*_RESIDENTS2, 7), ("участники схода", "чогулуштун катышуучулары"), (2, 30),
        [("На сходе {in_v} один из выступавших оскорбительно высказался о жителях {of_v2}; аксакалы осудили выступление.",
          "{in_v} өткөн чогулушта сүйлөгөндөрдүн бири {of_v2} тургундары жөнүндө кордоп сүйлөдү; аксакалдар муну айыпташты."),
         ("На стенах школы {in_v} появились оскорбительные надписи в адрес односельчан другой национальности; надписи закрашены.",
          "{at_v} мектептин дубалдарына башка улуттагы айылдаштарды кордогон жазуулар пайда болду; жазуулар боёлуп салынды.")],
        _LOCAL),
    "religious-incident": Story(
        (*_RESIDENTS, 5), ("Члены религиозной общины", "Диний жамааттын мүчөлөрү", 7), ("жители села, верующие", "айылдын тургундары, ыймандуулар"), (10, 60),
        [("Спор о месте захоронения на сельском кладбище {in_v} между семьями разных религиозных общин; вмешались аксакалы и имам.",
          "{at_v} көрүстөндө көмүү орду боюнча ар башка диний жамааттардагы үй-бүлөлөрдүн ортосунда талаш чыкты; аксакалдар менен имам кийлигишти."),
         ("Жители {of_v} выступили против открытия молельного дома незарегистрированной религиозной группы; собрание прошло напряжённо.",
          "{of_v} тургундары катталбаган диний топтун сыйынуу үйүн ачууга каршы чыгышты; чогулуш ызы-чуу менен өттү.")],
        _LOCAL),
}
GENERIC_STORY = Story((*_RESIDENTS, None), None, ("жители села", "айылдын тургундары"), (5, 40),
                      [("{kind} {in_v}.", "{in_v}: {kind}.")], _LOCAL)
# Within an indicator counted from several types, how often each is drawn (others: 1).
TYPE_WEIGHTS = {"mob-violence": 3, "violent-demonstration": 1, "protest-intervention": 4, "protest-excessive-force": 1,
                "border-incident": 4, "border-clash": 1}
# The neighbour across the border where villages meet it (genitive); elsewhere stories name no country.
NEIGHBOURS = {"41705": ("Таджикистана", "Тажикстандын"), "41703": ("Узбекистана", "Өзбекстандын"),
              "41706": ("Узбекистана", "Өзбекстандын"), "41707": ("Казахстана", "Казакстандын"),
              "41708": ("Казахстана", "Казакстандын")}
NEIGHBOUR_UNNAMED = ("сопредельного государства", "коңшу мамлекеттин")
VERIFIED_NOTES = (("Подтверждено участковым инспектором и айыл окмоту.", "Участкалык инспектор жана айыл өкмөтү тастыктады."),
                  ("Подтверждено двумя независимыми источниками.", "Эки көз карандысыз булак тастыктады."))
FALSE_NOTES = (("Не подтвердилось: по данным РОВД и айыл окмоту, ничего не произошло — распространился слух.",
                "Тастыкталган жок: райондук ИИБ жана айыл өкмөтүнүн маалыматы боюнча эч нерсе болгон эмес, ушак тараган."),
               ("Не подтвердилось: видео и фото сняты в другом районе несколько лет назад.",
                "Тастыкталган жок: видео жана сүрөттөр башка райондо бир нече жыл мурун тартылган."))
# Share of incidents verified by how many months ago they happened (older: 0.92)
VERIFIED_SHARE = {0: 0.25, 1: 0.5, 2: 0.75}
# Indicators that sum incident fields (``incidents.services.register.CASUALTIES``) -> field names
CASUALTY_FIELDS = {"injuries": ("injured", "injured_women"), "fatalities": ("killed", "killed_women"),
                   "displaced-households": ("displaced_households", None)}


def _incidents_installed() -> bool:
    from django.apps import apps

    return apps.is_installed("aimak.incidents")


def _incident_count_items() -> list[Indicator]:
    """The indicators of the incident register the generator draws as incidents."""
    if not _incidents_installed():
        return []
    form = ReportingForm.objects.filter(is_register=True, is_active=True).first()
    if form is None:
        return []
    return [fi.indicator for fi in form.items.select_related("indicator").order_by("indicator__code")
            if fi.indicator.is_active and not fi.indicator.is_formula and fi.indicator.value_origin == Indicator.ValueOrigin.INCIDENTS]


def _type_weight(kind, territory) -> float:
    """Exchanges of fire between border guards belong to Batken's enclaves, not to every border."""
    if kind.code == "border-clash" and not territory.code.startswith("41705"):
        return 0
    return TYPE_WEIGHTS.get(kind.code, 1)


def _is_violent(kind) -> bool:
    """Types whose incidents can leave people injured or dead (ACLED's violent event types)."""
    return kind.event_type in ("Riots", "Battles", "Violence against civilians", "Explosions/Remote violence") or \
        kind.sub_event_type == "Excessive force against protesters"


def _place_words(territory, village, other) -> dict:
    """The place phrases of a story in Russian and Kyrgyz: {"ru": {...}, "ky": {...}}."""
    if village is not None:
        name = village.name_ru or village.name
        ru = {"in_v": f"в селе {name}", "of_v": f"села {name}"}
        ky = {"in_v": f"{name} айылында", "of_v": f"{name} айылынын"}
    elif territory.kind == "aiyl_aimak":
        name = territory.short_name_ky or territory.short_name or territory.name
        ru = {"in_v": f"на территории айыл аймака {name}", "of_v": f"айыл аймака {name}"}
        ky = {"in_v": f"{name} айыл аймагында", "of_v": f"{name} айыл аймагынын"}
    else:
        name = territory.name_ru or territory.name
        ru = {"in_v": f"в н. п. {name}", "of_v": f"н. п. {name}"}
        ky = {"in_v": f"{name} калктуу конушунда", "of_v": f"{name} калктуу конушунун"}
    ru["at_v"], ky["at_v"] = ru["in_v"], ky["in_v"] + "гы"
    if other is not None:
        other_name = other.name_ru or other.name
        ru["of_v2"], ky["of_v2"] = f"села {other_name}", f"{other_name} айылынын"
    else:
        ru["of_v2"], ky["of_v2"] = "соседнего села", "коңшу айылдын"
    ru["country"], ky["country"] = NEIGHBOURS.get(territory.code[:5], NEIGHBOUR_UNNAMED)
    return {"ru": ru, "ky": ky}


def _coordinates(rng, territory, village):
    """(latitude, longitude, geo precision): the village's point, else near the territory's."""
    from aimak.incidents.models import Precision

    if village is not None and village.latitude is not None and village.longitude is not None:
        lat, lon, spread, precision = village.latitude, village.longitude, 0.004, Precision.EXACT
    elif territory.latitude is not None and territory.longitude is not None:
        lat, lon, spread, precision = territory.latitude, territory.longitude, 0.02, Precision.NEAR
    else:
        return None, None, Precision.AREA
    return (Decimal(f"{lat + rng.gauss(0, spread):.6f}"), Decimal(f"{lon + rng.gauss(0, spread):.6f}"), precision)


def _spread_people(rng, total: int, women: int | None, incidents: list, field: str, women_field: str | None, weights) -> None:
    """Share ``total`` people (``women`` of them women, when known) among the incidents."""
    if total <= 0 or not incidents:
        return
    shares = split(rng, total, weights)
    sexes = ["f"] * (women or 0) + ["m"] * (total - (women or 0))
    rng.shuffle(sexes)
    at = 0
    for incident, n in zip(incidents, shares):
        setattr(incident, field, getattr(incident, field) + n)
        if women_field and women is not None:
            setattr(incident, women_field, (getattr(incident, women_field) or 0) + sexes[at:at + n].count("f"))
        at += n


def _write_incidents(months: list[IncidentMonth], zero_cells: dict, *, seed, now, admin, say) -> dict:
    """The drawn incident figures as incident reports with their history, in bulk; then the
    incident register written from them, quiet months as zeros (before the periods are
    recomputed, so the index and the alerts see the counts)."""
    from aimak.incidents.models import Incident, IncidentEvent, IncidentType
    from aimak.incidents.services import register
    from aimak.territories.models import Territory

    today = timezone.localdate()
    types = list(IncidentType.objects.filter(is_active=True, subtypes__isnull=True).select_related("indicator").order_by("order", "code"))
    by_indicator: dict = {}
    for kind in types:
        if kind.indicator_id:
            by_indicator.setdefault(kind.indicator.code, []).append(kind)
    spare = sorted((k for k in types if k.indicator_id is None and _is_violent(k)),
                   key=lambda k: (k.event_type != "Violence against civilians", k.order, k.code))
    spare = spare[0] if spare else None  # an incident for casualties that no counted incident explains
    villages: dict = {}
    for v in (Territory.objects.current().filter(kind="village", parent_id__in={m.territory.pk for m in months}).order_by("code")):
        villages.setdefault(v.parent_id, []).append(v)
    missing: set = set()
    rows: list = []  # (incident, [(action, user, comment, when)])

    for cell in months:
        t, p = cell.territory, cell.period
        if p.start > today:
            continue
        rng = random.Random(f"{seed}:incidents:{t.code}:{p.start.isoformat()}")
        last_day = min(p.end, today)
        planned = []
        for code in sorted(cell.figures):
            n, _parts = cell.figures[code]
            if code in CASUALTY_FIELDS or n <= 0:
                continue
            kinds = by_indicator.get(code)
            if not kinds:
                missing.add(code)
                continue
            weights = [_type_weight(k, t) for k in kinds]
            if not any(weights):
                weights = [1] * len(kinds)
            for _i in range(n):
                planned.append(_new_incident(rng, rng.choices(kinds, weights)[0], cell, villages.get(t.pk, []), last_day))
        casualties = {code: cell.figures.get(code, (0, {})) for code in CASUALTY_FIELDS}
        if any(n > 0 for n, _parts in casualties.values()):
            violent = [i for i in planned if _is_violent(i.incident_type)]
            if not violent and spare is not None:
                planned.append(_new_incident(rng, spare, cell, villages.get(t.pk, []), last_day))
                violent = planned[-1:]
            if not violent:
                missing.update(code for code, (n, _p) in casualties.items() if n > 0)
            else:
                clashes = [i for i in violent if i.incident_type.event_type in ("Riots", "Battles")] or violent
                deadly = [clashes[rng.randrange(len(clashes))]]
                for code, (total, parts) in casualties.items():
                    field, women_field = CASUALTY_FIELDS[code]
                    women = sum(v for c, v in parts.items() if c == "f" or c.startswith("f_")) if parts and women_field else None
                    if code == "fatalities":
                        _spread_people(rng, total, women, deadly, field, women_field, [1.0])
                    elif code == "displaced-households":
                        targets = deadly if cell.figures.get("fatalities", (0,))[0] else violent
                        _spread_people(rng, total, None, targets, field, None, [1.0] * len(targets))
                    else:
                        _spread_people(rng, total, women, violent, field, women_field,
                                       [3.0 if i in deadly and cell.figures.get("fatalities", (0,))[0] else 1.0 for i in violent])
        # A few reports turn out false: rumours spread most where tension is highest.
        if planned and (rng.random() < 0.06 or cell.episode_month == 1):
            kind = planned[rng.randrange(len(planned))].incident_type
            fake = _new_incident(rng, kind, cell, villages.get(t.pk, []), last_day)
            if _is_violent(kind) and rng.random() < 0.5:
                fake.injured = rng.randint(1, 3)
            fake.verification = Incident.Verification.FALSE
            planned.append(fake)
        for incident in planned:
            rows.append((incident, _story_of(rng, incident, cell, villages.get(t.pk, []), now, admin)))
            del incident.demo_village, incident.demo_day

    if missing:
        say("No incident type counts in " + ", ".join(sorted(missing)) + ": those figures were not recorded as incidents.")
    incidents = [i for i, _h in rows]
    stamps = {id(i): (h[0][3], h[-1][3]) for i, h in rows}
    Incident.objects.bulk_create(incidents, batch_size=500)
    _set_dates(Incident, [(i.pk, *stamps[id(i)]) for i in incidents], ("created_at", "updated_at"))
    events = [IncidentEvent(incident=i, action=action, user=user, integration=INTEGRATION, comment=comment, created_at=when)
              for i, history in rows for action, user, comment, when in history]
    when_of = {id(e): e.created_at for e in events}
    IncidentEvent.objects.bulk_create(events, batch_size=1000)
    _set_dates(IncidentEvent, [(e.pk, when_of[id(e)]) for e in events], ("created_at",))
    _audit_incidents(len(incidents), len(events))

    written = register.rebuild(synthetic_only=True, zeros=list(zero_cells))
    _date_register(zero_cells, rows, now)
    return {"incidents": len(incidents), "incident_events": len(events), "register_reports": written}


def _new_incident(rng, kind, cell: IncidentMonth, villages: list, last_day: date):
    """An incident of ``kind`` on a day of the month at a village of the place (details later)."""
    from aimak.incidents.models import Incident, Precision

    t, p = cell.territory, cell.period
    day = happened = p.start + timedelta(days=rng.randrange((last_day - p.start).days + 1))
    roll = rng.random()
    precision = Precision.EXACT if roll < 0.85 else (Precision.NEAR if roll < 0.97 else Precision.AREA)
    if precision == Precision.NEAR:
        day = max(p.start, day - timedelta(days=day.weekday()))  # the week's Monday
    elif precision == Precision.AREA:
        day = p.start
    village = villages[rng.randrange(len(villages))] if villages else None
    lat, lon, geo = _coordinates(rng, t, village)
    if kind.code == "hate-speech-online" and t.latitude is not None and t.longitude is not None:
        lat, lon, geo = Decimal(f"{t.latitude:.6f}"), Decimal(f"{t.longitude:.6f}"), Precision.AREA  # online: the community, not a spot
    incident = Incident(
        origin=Incident.Origin.AIMAK, date=day, date_precision=precision, territory=t,
        village=(village.name_ru or village.name) if village else (t.name_ru or t.name),
        latitude=lat, longitude=lon, geo_precision=geo, incident_type=kind, reported_by=cell.monitor,
        integration="" if cell.monitor else INTEGRATION, is_synthetic=True,
    )
    incident.demo_village, incident.demo_day = village, happened  # for the story; dropped before saving
    return incident


def _story_of(rng, incident, cell: IncidentMonth, villages: list, now, admin) -> list:
    """Fill in actors, numbers, description, sources, sensitivity and verification; returns the
    incident's history [(action, user, comment, when)]."""
    from aimak.incidents.models import Incident, IncidentEvent

    kind = incident.incident_type
    story = STORIES.get(kind.code, GENERIC_STORY)
    village = incident.demo_village
    others = [v for v in villages if v is not village]
    other = others[rng.randrange(len(others))] if others and rng.random() < 0.7 else None
    words = _place_words(cell.territory, village, other)
    lang = "ky" if rng.random() < 0.45 else "ru"
    at = 1 if lang == "ky" else 0
    names = {"kind": getattr(kind, f"name_{lang}", "") or kind.name}

    def fill(text):
        return text.format(**words[lang], **names)

    if story.actor1:
        incident.actor1, incident.actor1_kind = fill(story.actor1[at]), story.actor1[2]
    actor2 = story.actor2
    if actor2 and "{country}" in actor2[0] and cell.territory.code[:5] not in NEIGHBOURS:
        actor2 = ("Пограничники {country}", "{country} чек арачылары", 8)
    if actor2:
        incident.actor2, incident.actor2_kind = fill(actor2[at]), actor2[2]
    incident.groups = story.groups[at]
    if story.people:
        low, high = story.people
        incident.participants = max(rng.randint(low, high), incident.injured + incident.killed)
    texts = story.texts
    if cell.territory.code[:5] not in NEIGHBOURS:  # no village of the neighbour next door
        texts = [pair for pair in texts if "{country}" not in pair[0]] or texts
    text = fill(texts[rng.randrange(len(texts))][at])
    extra = []
    if incident.injured:
        women = f" ({'из них женщин' if lang == 'ru' else 'анын ичинде аялдар'}: {incident.injured_women})" if incident.injured_women else ""
        extra.append(f"Ранены: {incident.injured}{women}." if lang == "ru" else f"{incident.injured} адам жаракат алды{women}.")
    if incident.killed:
        extra.append(f"Погибли: {incident.killed}." if lang == "ru" else f"{incident.killed} адам каза болду.")
    if incident.displaced_households:
        n = incident.displaced_households
        families = "семья временно покинула дом" if n % 10 == 1 and n % 100 != 11 else (
            "семьи временно покинули дома" if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else "семей временно покинули дома")
        extra.append(f"{n} {families}." if lang == "ru" else f"{n} үй-бүлө үйлөрүн убактылуу таштап кетти.")
    incident.description = " ".join([text, *extra])
    sources = story.sources or _LOCAL
    incident.sources = sources[rng.randrange(len(sources))][at]
    sensitive = kind.code.startswith(("hate-speech", "religious"))
    if incident.killed or (sensitive and rng.random() < 0.6) or rng.random() < 0.04:
        incident.sensitivity = Incident.Sensitivity.RESTRICTED  # victims' families, an investigation, inflammatory content

    recorded = min(_at(incident.demo_day + timedelta(days=rng.choice((0, 0, 0, 1, 1, 2, 3))), rng.randint(8, 21), rng.randint(0, 59)),
                   now - timedelta(hours=2, minutes=rng.randint(0, 600)))
    history = [(IncidentEvent.Action.RECORDED, cell.monitor, "", recorded)]
    reviewer = cell.reviewer or admin
    checked = recorded + timedelta(hours=rng.randint(6, 240))
    if checked >= now:
        checked = None
    if incident.verification == Incident.Verification.FALSE:
        if checked is None:
            checked = recorded + (now - recorded) / 2
        incident.verification_note = FALSE_NOTES[1 if kind.code == "hate-speech-online" else 0][at]  # a rumour; an old video
        history.append((IncidentEvent.Action.MARKED_FALSE, reviewer, incident.verification_note, checked))
    elif checked is not None and rng.random() < VERIFIED_SHARE.get(cell.age, 0.92):
        incident.verification = Incident.Verification.VERIFIED
        incident.verification_note = VERIFIED_NOTES[rng.randrange(len(VERIFIED_NOTES))][at]
        history.append((IncidentEvent.Action.VERIFIED, reviewer, incident.verification_note, checked))
    return history


def _date_register(zero_cells: dict, rows: list, now) -> None:
    """Date the demo's register reports as the live register would be: written when the month's
    first incident was recorded (or its monthly report submitted), changed with the last one."""
    from aimak.incidents.services import register

    form = register.register_form()
    times: dict = {}
    for key, submitted in zero_cells.items():
        if submitted is not None:
            times.setdefault(key, []).append(submitted)
    for incident, history in rows:
        if incident.is_counted:
            times.setdefault((incident.territory_id, register.month_of(incident.date)), []).extend(h[3] for h in history)
    dated = []
    for pk, territory_id, month in Report.objects.filter(form=form, is_synthetic=True).values_list("pk", "territory_id", "period_start"):
        stamps = times.get((territory_id, month))
        if stamps:
            dated.append((pk, min(stamps), min(max(stamps), now), min(stamps)))
    _set_dates(Report, dated, ("created_at", "updated_at", "submitted_at"))


def _audit_incidents(n_incidents: int, n_events: int) -> None:
    from aimak.audit.models import ChangeRecord
    from aimak.core import context

    ChangeRecord.objects.create(
        user=context.actor(), integration=context.integration(), request_id=context.request_id(),
        action=ChangeRecord.Action.CREATE, object_type="incidents.incident", object_id="demo",
        object_repr=f"{n_incidents} synthetic demo incidents with {n_events} history entries", territory_path="",
        before=None, after={"incidents": n_incidents, "events": n_events, "is_synthetic": True},
    )


# --------------------------------------------------------------------------------------------
# Removing what the generator wrote


def has_synthetic() -> bool:
    if Report.objects.filter(is_synthetic=True).exists() or Alert.objects.filter(is_synthetic=True).exists():
        return True
    if _incidents_installed():
        from aimak.incidents.models import Incident

        return Incident.objects.filter(is_synthetic=True).exists()
    return False


def _raw_delete(qs) -> int:
    """Delete without loading rows (tens of thousands of values); the run's audit record names it."""
    return qs._raw_delete(qs.db)


def delete_synthetic() -> dict:
    """Remove every synthetic report, value, alert, plan and incident (with its history and the
    register reports the generator wrote), and the summaries built on them; returns the counts
    and the periods that need recomputing."""
    reports = Report.objects.filter(is_synthetic=True)
    touched = set(reports.values_list("period_type", "period_start").distinct())
    touched |= set(Alert.objects.filter(is_synthetic=True).values_list("period_type", "period_start").distinct())
    counts = {"incidents": 0}
    with transaction.atomic():
        recount = []
        if _incidents_installed():
            counts["incidents"], recount = _delete_synthetic_incidents()
            touched |= {(periods.MONTHLY, month) for _t, month in recount}
        plans = ResponsePlan.objects.filter(is_synthetic=True)
        counts["plans"] = plans.count()
        PlanMeasure.objects.filter(plan__in=plans).delete()
        PlanUpdate.objects.filter(plan__in=plans).delete()
        plans.delete()
        alerts = Alert.objects.filter(is_synthetic=True)
        counts["alerts"] = alerts.count()
        alerts.delete()
        counts["values"] = _raw_delete(DataValue.objects.filter(report__is_synthetic=True))
        _raw_delete(ReportEvent.objects.filter(report__is_synthetic=True))
        counts["reports"] = _raw_delete(Report.objects.filter(is_synthetic=True))
        starts = sorted({start for _type, start in touched})
        _raw_delete(AggregateValue.objects.filter(period_start__in=starts))
        _raw_delete(IndexValue.objects.filter(period_start__in=starts))
        if recount:
            from aimak.incidents.services import register

            # Real register reports that also counted demo incidents count again without them.
            for report in Report.objects.filter(form__is_register=True, is_synthetic=False).select_related("territory"):
                if (report.territory_id, report.period_start) in recount:
                    register.recount(report.territory, report.period_start)
    counts["periods"] = sorted(touched)
    return counts


def _delete_synthetic_incidents() -> tuple[int, set]:
    """Remove the synthetic incidents and their history; returns how many and the (territory id,
    month) cells they were counted in."""
    from aimak.incidents.models import Incident, IncidentEvent
    from aimak.incidents.services import register

    incidents = Incident.objects.filter(is_synthetic=True)
    cells = {(t, register.month_of(day)) for t, day in incidents.values_list("territory_id", "date").distinct()}
    _raw_delete(IncidentEvent.objects.filter(incident__is_synthetic=True))
    return _raw_delete(incidents), cells


# --------------------------------------------------------------------------------------------
# The generator


def _require_services():
    """The pieces of other modules the generator needs; a clear error names what is missing."""
    from . import analytics

    missing = []
    try:
        from . import alert_workflow, plans  # noqa: F401
    except ImportError as exc:
        missing.append(f"aimak.monitoring.services: {exc}")
        alert_workflow = plans = None
    for module, names in ((analytics, ["recompute_period"]), (alert_workflow, ["acknowledge", "start_response", "resolve"]),
                          (plans, ["create_plan", "add_update", "set_status"])):
        for name in names:
            if module is None or not callable(getattr(module, name, None)):
                missing.append(f"{getattr(module, '__name__', 'services')}.{name}")
    if missing:
        raise MissingPiece("The demo generator needs: " + ", ".join(missing))
    return analytics, alert_workflow, plans


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, dtime(hour, minute)))


def _users():
    from django.contrib.auth import get_user_model

    from aimak.accounts.models import RoleAssignment

    User = get_user_model()
    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    assignments = list(
        RoleAssignment.objects.filter(user__is_active=True, valid_to__isnull=True)
        .select_related("user", "role", "territory")
        .order_by("territory__path", "pk")
    )
    return admin, assignments


def _holder(assignments, territory, roles) -> object | None:
    """The person with one of ``roles`` closest above (or at) the territory."""
    best = None
    for a in assignments:
        if a.role.code in roles and territory.path.startswith(a.territory.path):
            if best is None or len(a.territory.path) > len(best.territory.path):
                best = a
    return best.user if best else None


def generate(*, seed: int = 2026, months: int = 24, end: date | None = None, stdout=None, reload: bool = False) -> dict:
    """Write the demo history; nothing when synthetic data already exists (unless ``reload``).

    ``end`` is any day of the last month to generate (default: the last complete month)."""
    started = time.monotonic()

    def say(text):
        if stdout is not None:
            stdout.write(text)

    analytics, alert_workflow, plans_service = _require_services()
    deleted = {}
    if reload:
        deleted = delete_synthetic()
        say(f"Removed synthetic data: {deleted['reports']} reports, {deleted['values']} values, "
            f"{deleted['incidents']} incidents, {deleted['alerts']} alerts, {deleted['plans']} plans.")
    elif has_synthetic():
        say("Synthetic monitoring data exists already; nothing done (use --reload to regenerate).")
        return {"skipped": 1, "reports": 0, "values": 0, "incidents": 0, "alerts": 0, "plans": 0,
                "seconds": round(time.monotonic() - started, 1)}

    last = periods.containing(periods.MONTHLY, end) if end else periods.last_complete(periods.MONTHLY, timezone.localdate())
    months = max(1, int(months))
    first = last.shift(-(months - 1))
    monthly = [first.shift(i) for i in range(months)]
    language = settings.LANGUAGE_CODE

    with translation.override(language), acting_as(integration=INTEGRATION), transaction.atomic():
        admin, assignments = _users()
        # The incident register is nobody's form: its counts come from the incidents drawn below.
        forms = list(ReportingForm.objects.filter(is_active=True, is_register=False).order_by("code"))
        counted_items = _incident_count_items()
        counts = {"reports": 0, "values": 0, "alerts": 0, "plans": 0, "forms": len(forms), "incidents": 0, "register_reports": 0}
        plan_rng = random.Random(f"{seed}:episodes")
        everyone = {}
        per_form = []
        for form in forms:
            if form.period_type == periods.MONTHLY:
                spans = list(monthly)
            elif form.period_type == periods.QUARTERLY:
                spans = []
                q = periods.containing(periods.QUARTERLY, first.start)  # quarters that end within the span
                while q.end <= last.end:
                    spans.append(q)
                    q = q.shift(1)
            else:
                spans = [p for p in (periods.containing(periods.YEARLY, first.start).shift(i) for i in range(11))
                         if first.start <= p.end <= last.end]
            spans = [p for p in spans if p.end >= form.first_period]
            expected = {p: sorted(form_selectors.expected_territories(form, as_of=p.end), key=lambda t: t.code) for p in spans}
            for ts in expected.values():
                for t in ts:
                    everyone.setdefault(t.pk, t)
            items = [
                fi.indicator for fi in form.items.select_related("indicator").order_by("indicator__code")
                if fi.indicator.is_active and not fi.indicator.is_formula
            ]
            per_form.append((form, spans, expected, items))

        episodes = plan_episodes(plan_rng, list(everyone.values()), months)
        for ep in episodes:
            if ep.theme == "water":
                align_summer(ep, first, months)
        by_territory = {ep.territory.pk: ep for ep in episodes}
        say("Episodes: " + "; ".join(f"{ep.theme} in {ep.territory} from {first.shift(ep.start).code}" for ep in episodes))

        now = timezone.now()
        path_cache: dict = {}
        reports: list[Report] = []
        report_values: list[list[DataValue]] = []
        events: list[tuple[int, list[ReportEvent]]] = []
        profiles = {}
        # Incident counts are drawn with the first monthly form a place reports, among that form's
        # figures (in code order, as when they were typed into it, so the same seed draws the same
        # history), and become incidents instead of values.
        incident_places: set = set()
        incident_months: list[IncidentMonth] = []
        zero_cells: dict = {}  # (territory id, month) with a counted monthly report -> when submitted
        for form, spans, expected, items in per_form:
            for ind in items + counted_items:
                profiles.setdefault(ind.pk, profile_of(ind))
            for t in sorted({t.pk: t for ts in expected.values() for t in ts}.values(), key=lambda t: t.code):
                draws = items
                with_incidents = bool(counted_items) and form.period_type == periods.MONTHLY and t.pk not in incident_places
                if with_incidents:
                    incident_places.add(t.pk)
                    draws = sorted(items + counted_items, key=lambda i: i.code)
                rng = random.Random(f"{seed}:{form.code}:{t.code}")
                place = Place(
                    t, rng, temper=math.exp(rng.gauss(0, 0.3)), reliability=rng.uniform(0.86, 0.99),
                    population=t.population or 8000,
                )
                monitor = _holder(assignments, t, ("local_monitor",))
                coordinator = _holder(assignments, t, ("district_coordinator", "oblast_coordinator"))
                episode = by_territory.get(t.pk)
                for p in spans:
                    if t not in expected[p]:
                        continue
                    m_index = (p.start.year - first.start.year) * 12 + p.start.month - first.start.month
                    # An episode month for monthly forms; a quarterly form feels the episode in its quarter.
                    ep_month = None
                    if episode is not None:
                        if p.type == periods.MONTHLY:
                            ep_month = episode.month(m_index)
                        else:
                            hits = [episode.month(m_index + k) for k in range(3) if episode.month(m_index + k) is not None]
                            ep_month = max(hits) if hits else None
                    step = {periods.MONTHLY: 1, periods.QUARTERLY: 3}.get(p.type, 12)
                    age = ((last.end.year - p.end.year) * 12 + last.end.month - p.end.month) // step  # 0 = newest
                    roll = rng.random()
                    # Who reports: older periods were chased up; the newest are still coming in.
                    if ep_month is not None:
                        status = Report.Status.SUBMITTED if age <= 1 else Report.Status.APPROVED_DISTRICT
                    elif t.code == BARSKOON and age == 0 and p.type == periods.MONTHLY:
                        status = None  # left for the live demonstration: Barskoon's monitor reports it
                    elif age == 0:
                        status = None if roll > place.reliability - 0.04 else (Report.Status.DRAFT if roll > place.reliability - 0.10 else Report.Status.SUBMITTED)
                    elif age == 1:
                        status = None if roll > place.reliability + 0.03 else (Report.Status.DRAFT if roll > place.reliability - 0.02 else Report.Status.SUBMITTED)
                    else:
                        if roll > place.reliability + 0.02:
                            status = None
                        elif roll > place.reliability:
                            status = Report.Status.RETURNED
                        else:
                            status = Report.Status.APPROVED_OBLAST if (age > 6 and roll < 0.1) else Report.Status.APPROVED_DISTRICT
                    # Values are drawn even for missing reports so that one gap does not shift the rest.
                    totals = {ind.code: draw_total(place, ind, profiles[ind.pk], p.end.month, ep_month, episode) for ind in draws}
                    relate(place, totals, _press(ep_month, episode))
                    values = []
                    figures = {}
                    for ind in draws:
                        parts = draw_parts(place, ind, profiles[ind.pk], totals[ind.code])
                        if ind.value_origin == Indicator.ValueOrigin.INCIDENTS:
                            figures[ind.code] = (int(totals[ind.code]), {code: int(v) for code, v in parts.items()})
                            continue
                        values.append((ind, disaggregation.TOTAL, totals[ind.code]))
                        for code, part in parts.items():
                            values.append((ind, code, part))
                    if with_incidents:
                        # Incidents happen whether or not the monthly report comes in.
                        incident_months.append(IncidentMonth(t, p, age, figures, monitor, coordinator, episode, ep_month))
                    late = rng.random() < 0.12
                    delay = rng.randint(form.days_allowed + 1, form.days_allowed + 9) if late else rng.randint(1, max(1, form.days_allowed))
                    hour, minute = rng.randint(9, 18), rng.randint(0, 59)
                    review_days = rng.randint(2, 8)
                    if status is None:
                        continue
                    submitted_at = None
                    if status != Report.Status.DRAFT:
                        submitted_at = min(_at(p.end + timedelta(days=delay), hour, minute), now - timedelta(minutes=30 + rng.randint(0, 600)))
                    created = (submitted_at or min(_at(p.end + timedelta(days=1), hour), now)) - timedelta(hours=rng.randint(2, 30))
                    key = (t.pk, p.end)
                    if key not in path_cache:
                        path_cache[key] = form_selectors.path_as_of(t, p.end)
                    path = path_cache[key]
                    tense = ep_month is not None
                    narrative = (NARRATIVE_TENSE[min(ep_month, 2)] if tense else NARRATIVE_CALM[rng.randrange(len(NARRATIVE_CALM))])
                    report = Report(
                        form=form, territory=t, period_type=p.type, period_start=p.start, status=status,
                        narrative=str(narrative), sources=str(SOURCES), territory_path=path, created_by=monitor,
                        submitted_at=submitted_at, submitted_by=monitor if submitted_at else None, is_synthetic=True,
                        created_at=created, updated_at=submitted_at or created,
                    )
                    counted = status in Report.COUNTED
                    if with_incidents and counted:
                        zero_cells[(t.pk, p.start)] = submitted_at
                    reports.append(report)
                    report_values.append([
                        DataValue(indicator=ind, category=cat, value=val, territory=t, period_start=p.start,
                                  territory_path=path, counted=counted)
                        for ind, cat, val in values
                    ])
                    evs = [ReportEvent(action=ReportEvent.Action.SAVED, status_after=Report.Status.DRAFT, user=monitor,
                                       integration=INTEGRATION, created_at=created)]
                    if submitted_at:
                        evs.append(ReportEvent(action=ReportEvent.Action.SUBMITTED, status_after=Report.Status.SUBMITTED,
                                               user=monitor, integration=INTEGRATION, created_at=submitted_at))
                    if status == Report.Status.RETURNED:
                        evs.append(ReportEvent(action=ReportEvent.Action.RETURNED, status_after=status, user=coordinator,
                                               integration=INTEGRATION, created_at=submitted_at + timedelta(days=review_days),
                                               comment=gettext("Some figures do not match the reception office log; please check and resubmit.")))
                    if status in Report.LOCKED:
                        evs.append(ReportEvent(action=ReportEvent.Action.APPROVED, status_after=Report.Status.APPROVED_DISTRICT,
                                               user=coordinator, integration=INTEGRATION, created_at=submitted_at + timedelta(days=review_days)))
                        if status == Report.Status.APPROVED_OBLAST:
                            evs.append(ReportEvent(action=ReportEvent.Action.APPROVED, status_after=status, user=coordinator,
                                                   integration=INTEGRATION, created_at=submitted_at + timedelta(days=review_days + 5)))
                    events.append(evs)
        counts.update(_write(reports, report_values, events))
        say(f"Wrote {counts['reports']} reports and {counts['values']} values ({time.monotonic() - started:.1f} s).")
        if counted_items:
            counts.update(_write_incidents(incident_months, zero_cells, seed=seed, now=now, admin=admin, say=say))
            say(f"Recorded {counts['incidents']} incidents; {counts['register_reports']} incident register reports "
                f"({time.monotonic() - started:.1f} s).")

        # Analysis as the live system does it, oldest period first, so alerts come from the real rules.
        alert_floor = Alert.objects.aggregate(top=Max("pk"))["top"] or 0
        spans = sorted({p for _f, spans_, _e, _i in per_form for p in spans_}, key=lambda p: (p.end, p.type != periods.MONTHLY))
        for old_type, old_start in deleted.get("periods", []):
            if periods.PeriodSpan(old_type, old_start) not in spans:
                analytics.recompute_period(old_type, old_start, evaluate_alerts=False)
        for p in spans:
            analytics.recompute_period(p.type, p.start)
        say(f"Recomputed {len(spans)} periods ({time.monotonic() - started:.1f} s).")
        raised = list(Alert.objects.filter(pk__gt=alert_floor).select_related("territory", "rule").order_by("period_start", "pk"))
        Alert.objects.filter(pk__in=[a.pk for a in raised]).update(is_synthetic=True)
        counts["alerts"] = len(raised)
        counts["plans"] = _respond(raised, episodes, first, last, admin, assignments, seed, alert_workflow, plans_service)

    counts["seconds"] = round(time.monotonic() - started, 1)
    say(f"Demo monitoring history: {counts['reports']} reports, {counts['values']} values, {counts['incidents']} incidents, "
        f"{counts['alerts']} alerts, {counts['plans']} plans in {counts['seconds']} s.")
    return counts


def _write(reports, report_values, events) -> dict:
    """Bulk insert; the run itself leaves one audit record saying what it wrote."""
    dates = {id(r): (r.created_at, r.updated_at) for r in reports}
    Report.objects.bulk_create(reports, batch_size=500)
    # auto_now_add/auto_now overwrote the dates on insert; put back when things happened.
    _set_dates(Report, [(r.pk, *dates[id(r)]) for r in reports], ('created_at', 'updated_at'))
    values, evs = [], []
    for report, vals, rev in zip(reports, report_values, events):
        for v in vals:
            v.report = report
        for e in rev:
            e.report = report
        values.extend(vals)
        evs.extend(rev)
    _insert_values(values)
    event_dates = {id(e): e.created_at for e in evs}
    ReportEvent.objects.bulk_create(evs, batch_size=1000)
    _set_dates(ReportEvent, [(e.pk, event_dates[id(e)]) for e in evs], ("created_at",))
    _audit_summary(len(reports), len(values))
    return {"reports": len(reports), "values": len(values)}


def _set_dates(model, rows, fields) -> None:
    """Put back when things happened (``auto_now_add`` stamped the insert time)."""
    from django.db import connection

    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    sql = f"UPDATE {table} SET {', '.join(f'{ops.quote_name(f)} = %s' for f in fields)} WHERE id = %s"
    params = [(*(ops.adapt_datetimefield_value(d) for d in row[1:]), row[0]) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _insert_values(values: list[DataValue]) -> None:
    """One executemany instead of ``bulk_create``: the ORM's per-object work dominated the run
    (over a hundred thousand values)."""
    from django.db import connection

    ops = connection.ops
    table = connection.ops.quote_name(DataValue._meta.db_table)
    columns = ["report_id", "indicator_id", "category", "value", "territory_id", "period_start", "territory_path", "counted", "comment"]
    sql = f"INSERT INTO {table} ({', '.join(ops.quote_name(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    rows = [
        (v.report_id, v.indicator_id, v.category, ops.adapt_decimalfield_value(v.value, 16, 4), v.territory_id,
         ops.adapt_datefield_value(v.period_start), v.territory_path, v.counted, "")
        for v in values
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def _audit_summary(n_reports: int, n_values: int) -> None:
    from aimak.audit.models import ChangeRecord
    from aimak.core import context

    ChangeRecord.objects.create(
        user=context.actor(), integration=context.integration(), request_id=context.request_id(),
        action=ChangeRecord.Action.CREATE, object_type="monitoring.report", object_id="demo",
        object_repr=f"{n_reports} synthetic demo reports with {n_values} values", territory_path="",
        before=None, after={"reports": n_reports, "values": n_values, "is_synthetic": True},
    )


# --------------------------------------------------------------------------------------------
# Answering the alerts as people would


def _respond(raised, episodes, first, last, admin, assignments, seed, alert_workflow, plans_service) -> int:
    """Acknowledge older alerts, answer the episodes with plans, resolve what is settled, and
    leave the newest ones raised; then date everything as if it happened at the time."""
    rng = random.Random(f"{seed}:response")
    hours = (IndexSettings.objects.first().acknowledge_within_hours if IndexSettings.objects.exists() else 24) or 24
    episode_of = {}
    for ep in episodes:
        for a in raised:
            if a.territory_id == ep.territory.pk and first.shift(ep.start).start <= a.period_start <= first.shift(ep.start + ep.length - 1).start:
                episode_of[a.pk] = ep
    recent = last.shift(-1).start  # the newest two months stay open
    made_plans = 0
    planned_for: dict = {}
    for alert in raised:
        user = _holder(assignments, alert.territory, ("district_coordinator",)) or _holder(assignments, alert.territory, ("oblast_coordinator",)) or admin
        if user is None:
            continue
        ep = episode_of.get(alert.pk)
        open_ = alert.period_start >= recent or (ep is not None and ep.outcome == "open")
        raised_at = _at(periods.PeriodSpan(alert.period_type, alert.period_start).end + timedelta(days=rng.randint(3, 10)), rng.randint(9, 17))
        stamps = {"raised": raised_at}
        if open_:
            _backdate(alert, stamps, hours, keep_recent=True)
            continue
        if ep is None and rng.random() < 0.08:
            _backdate(alert, stamps, hours)  # a few older alerts nobody picked up
            continue
        ack_at = raised_at + timedelta(hours=rng.choice([2, 4, 6, 10, 20, 30]))
        stamps["acknowledged"] = ack_at
        if ep is not None and ep.plan:
            plan = planned_for.get(ep.territory.pk)
            if plan is None:
                plan = _open_plan(user, ep, alert, ack_at, plans_service)
                planned_for[ep.territory.pk] = plan
                made_plans += 1
            alert_workflow.start_response(user, alert, plan)
            stamps["plan_opened"] = ack_at + timedelta(hours=rng.randint(2, 48))
            if ep.outcome == "resolved":
                alert_workflow.resolve(user, alert, gettext("Agreement reached at the meeting of the elders and the aiyl okmotu; the situation is calm."))
                stamps["resolved"] = raised_at + timedelta(days=rng.randint(30, 60))
        else:
            alert_workflow.acknowledge(user, alert, gettext("Checked with the aiyl okmotu and the district police."))
            if alert.period_start < last.shift(-3).start:
                alert_workflow.resolve(user, alert, gettext("An isolated case; settled locally, no further tension."))
                stamps["resolved"] = ack_at + timedelta(days=rng.randint(5, 20))
        _backdate(alert, stamps, hours)
    for ep in episodes:
        plan = planned_for.get(ep.territory.pk)
        if plan is not None:
            _progress(plan, ep, rng, plans_service, first)
    return made_plans


def _backdate(alert: Alert, stamps: dict, hours: int, keep_recent: bool = False) -> None:
    """Date the alert and its log as if it happened after the period's reports came in."""
    now = timezone.now()
    raised_at = min(stamps["raised"], now - timedelta(hours=1))
    if keep_recent:
        Alert.objects.filter(pk=alert.pk).update(is_synthetic=True)
        return
    fields = {"raised_at": raised_at, "acknowledge_due": raised_at + timedelta(hours=hours)}
    if "acknowledged" in stamps:
        fields["acknowledged_at"] = min(stamps["acknowledged"], now)
    if "resolved" in stamps:
        fields["resolved_at"] = min(stamps["resolved"], now)
    Alert.objects.filter(pk=alert.pk).update(**fields)
    for event in AlertEvent.objects.filter(alert=alert).order_by("pk"):
        when = stamps.get(event.action) or stamps.get("acknowledged") or raised_at
        AlertEvent.objects.filter(pk=event.pk).update(created_at=min(when, now))


PLAN_UPDATES = [
    _("Meeting of the elders, the aiyl okmotu and both communities held; a working group was formed."),
    _("Police patrols and the women's council visited the families involved; tension is lower."),
    _("Joint event held; the groups agreed on the next steps."),
]


def _open_plan(user, ep: Episode, alert: Alert, when, plans_service) -> ResponsePlan:
    title, goal, risks = EPISODE_TEXT[ep.theme]
    starts = when.date()
    plan = plans_service.create_plan(
        user, ep.territory, ResponsePlan.PlanType.RESPONSE, str(title), str(goal), risks=str(risks),
        starts_on=starts, ends_on=starts + timedelta(days=90), alerts=(), from_template=True,
    )
    ResponsePlan.objects.filter(pk=plan.pk).update(is_synthetic=True, created_at=when)
    plan.is_synthetic = True
    return plan


def _progress(plan: ResponsePlan, ep: Episode, rng, plans_service, first) -> None:
    """Progress notes and measure statuses: finished plans are done, running ones half-way."""
    user = plan.created_by
    start = first.shift(ep.start).end
    notes = PLAN_UPDATES if ep.outcome == "resolved" else PLAN_UPDATES[:2]
    for i, text in enumerate(notes):
        update = plans_service.add_update(user, plan, str(text))
        update_id = getattr(update, "pk", None)
        if update_id:
            PlanUpdate.objects.filter(pk=update_id).update(created_at=min(_at(start + timedelta(days=12 + 14 * i), 15), timezone.now()))
    measures = list(PlanMeasure.objects.filter(plan=plan).order_by("order", "pk"))
    for i, measure in enumerate(measures):
        if ep.outcome == "resolved":
            status = PlanMeasure.Status.DONE if i < len(measures) - 1 or rng.random() < 0.7 else PlanMeasure.Status.DROPPED
        else:
            status = [PlanMeasure.Status.DONE, PlanMeasure.Status.IN_PROGRESS, PlanMeasure.Status.DELAYED, PlanMeasure.Status.PLANNED][min(i, 3)]
        update_measure = getattr(plans_service, "update_measure", None)
        if update_measure is not None:
            try:
                update_measure(user, measure, status=status)
                continue
            except TypeError:
                pass
        measure.status = status
        measure.save(update_fields=["status"])
    if ep.outcome == "resolved":
        plans_service.set_status(user, plan, ResponsePlan.Status.COMPLETED)
