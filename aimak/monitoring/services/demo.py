"""A plausible, reproducible monitoring history for demonstrations and training.

Two years of monthly (and quarterly) reports from every territory the active forms expect,
with seasonality (water disputes in summer, pasture disputes in spring and autumn, migrants
coming home for the winter), a realistic share of late, draft and missing reports, and a few
tension episodes strong enough that the real alert rules fire. The alerts then go through
the real workflow (acknowledged by the rayon's coordinator, answered with plans, resolved),
so every page has something true-to-life to show.

Everything written is marked ``is_synthetic`` (reports, alerts, plans) so pages can say so and
``--reload`` can remove it without touching real data. Values come from ``random.Random``
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
# Removing what the generator wrote


def has_synthetic() -> bool:
    return Report.objects.filter(is_synthetic=True).exists() or Alert.objects.filter(is_synthetic=True).exists()


def _raw_delete(qs) -> int:
    """Delete without loading rows (tens of thousands of values); the run's audit record names it."""
    return qs._raw_delete(qs.db)


def delete_synthetic() -> dict:
    """Remove every synthetic report, value, alert and plan, and the summaries built on them;
    returns the counts and the periods that need recomputing."""
    reports = Report.objects.filter(is_synthetic=True)
    touched = set(reports.values_list("period_type", "period_start").distinct())
    touched |= set(Alert.objects.filter(is_synthetic=True).values_list("period_type", "period_start").distinct())
    counts = {}
    with transaction.atomic():
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
    counts["periods"] = sorted(touched)
    return counts


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
            f"{deleted['alerts']} alerts, {deleted['plans']} plans.")
    elif has_synthetic():
        say("Synthetic monitoring data exists already; nothing done (use --reload to regenerate).")
        return {"skipped": 1, "reports": 0, "values": 0, "alerts": 0, "plans": 0, "seconds": round(time.monotonic() - started, 1)}

    last = periods.containing(periods.MONTHLY, end) if end else periods.last_complete(periods.MONTHLY, timezone.localdate())
    months = max(1, int(months))
    first = last.shift(-(months - 1))
    monthly = [first.shift(i) for i in range(months)]
    language = settings.LANGUAGE_CODE

    with translation.override(language), acting_as(integration=INTEGRATION), transaction.atomic():
        admin, assignments = _users()
        forms = list(ReportingForm.objects.filter(is_active=True).order_by("code"))
        counts = {"reports": 0, "values": 0, "alerts": 0, "plans": 0, "forms": len(forms)}
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
        for form, spans, expected, items in per_form:
            for ind in items:
                profiles.setdefault(ind.pk, profile_of(ind))
            for t in sorted({t.pk: t for ts in expected.values() for t in ts}.values(), key=lambda t: t.code):
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
                    totals = {ind.code: draw_total(place, ind, profiles[ind.pk], p.end.month, ep_month, episode) for ind in items}
                    relate(place, totals, _press(ep_month, episode))
                    values = []
                    for ind in items:
                        values.append((ind, disaggregation.TOTAL, totals[ind.code]))
                        for code, part in draw_parts(place, ind, profiles[ind.pk], totals[ind.code]).items():
                            values.append((ind, code, part))
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
    say(f"Demo monitoring history: {counts['reports']} reports, {counts['values']} values, {counts['alerts']} alerts, "
        f"{counts['plans']} plans in {counts['seconds']} s.")
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
