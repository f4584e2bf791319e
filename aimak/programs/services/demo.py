"""Demo development programs, true to the seeds: Barskoon and Suzak wrote 2020-2022 programs with
migration and gender components, held public hearings and had the kenesh approve them (seed
000); in 2025 six target districts drafted inclusive programs for a competition (seed 001).

Figures (population, costs) are synthetic and every program is marked ``is_synthetic``; the
villages are the gazetteer's own. Content rows are written with the ORM in bulk (a generator,
like the monitoring demo); the process steps, versions and hearings are the same rows the
services write. The same seed gives the same programs."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from aimak.territories.models import Territory
from aimak.territories.selectors import by_code

from ..models import (
    AnnualReport,
    Attendance,
    Comment,
    Dream,
    Edition,
    Funding,
    Goal,
    IndicatorActual,
    IndicatorTarget,
    Measure,
    MeasureProgress,
    Meeting,
    Problem,
    ProfileRow,
    Program,
    ProgramIndicator,
    ProgramStep,
    ProgramVersion,
    SectionText,
    Stage,
    SwotItem,
    WorkingGroupMember,
)
from ..selectors.content import program_content

BARSKOON, SUZAK = "41702210815000", "41703220856000"
# seed 001: one pilot aiyl aimak in each of the six target districts of the LSDP project
PILOTS = ["41708223804000", "41703215804000", "41703211804000", "41707220808000", "41702205805000", "41702210810000"]

# (ky, ru) texts; target groups; share of cost by source
MEASURES = [
    (("Ичүүчү суу түтүгүн калыбына келтирүү", "Реконструкция системы питьевого водоснабжения"), ["everyone", "women"],
     {"republican_budget": 0.5, "donor": 0.3, "community": 0.2}, 2400, "infrastructure"),
    (("Мигранттардын үй-бүлөлөрү үчүн консультациялык борбор ачуу", "Открытие консультационного центра для семей мигрантов"),
     ["migrant_families", "returnees"], {"local_budget": 0.3, "diaspora": 0.7}, 350, "migration"),
    (("Кайтып келген мигранттар үчүн кесиптик окутуу жана стартап гранттар", "Профессиональное обучение и стартап-гранты для вернувшихся мигрантов"),
     ["returnees", "youth"], {"donor": 0.6, "diaspora": 0.4}, 600, "migration"),
    (("Айыл өкмөтүнүн имаратына пандус жана жеткиликтүү даараткана куруу", "Строительство пандуса и доступного туалета в здании айыл окмоту"),
     ["disability", "elderly"], {"local_budget": 1.0}, 180, "inclusion"),
    (("Ден соолугунун мүмкүнчүлүгү чектелген балдар үчүн күндүзгү борбор", "Дневной центр для детей с ограниченными возможностями здоровья"),
     ["disability", "children"], {"local_budget": 0.4, "donor": 0.6}, 900, "inclusion"),
    (("Аялдардын ишкердигин колдоо: тигүү цехи жана микрокредиттер", "Поддержка женского предпринимательства: швейный цех и микрокредиты"),
     ["women", "female_headed"], {"donor": 0.5, "private": 0.3, "local_budget": 0.2}, 750, "gender"),
    (("Бала бакчаны кеңейтүү (40 орун)", "Расширение детского сада (40 мест)"), ["children", "women"],
     {"republican_budget": 0.6, "local_budget": 0.2, "community": 0.2}, 3200, "social"),
    (("Жаштар борборун жана спорт аянтчасын куруу", "Строительство молодёжного центра и спортивной площадки"), ["youth"],
     {"local_budget": 0.3, "diaspora": 0.3, "community": 0.4}, 1100, "youth"),
    (("Сугат каналдарын тазалоо жана суу бөлүштүрүү графиги", "Очистка оросительных каналов и график распределения воды"), ["everyone"],
     {"local_budget": 0.5, "community": 0.5}, 500, "infrastructure"),
    (("Аз камсыз болгон үй-бүлөлөрдүн балдарына мектеп формасы жана ысык тамак", "Школьная форма и горячее питание для детей из малообеспеченных семей"),
     ["low_income", "children"], {"local_budget": 0.7, "private": 0.3}, 280, "social"),
    (("Жалгыз кары адамдарга үйгө социалдык тейлөө", "Социальное обслуживание на дому одиноких пожилых людей"), ["elderly"],
     {"local_budget": 1.0}, 220, "social"),
    (("Көчө жарыгы жана коопсуз жолдор (мектепке баруучу жолдор)", "Уличное освещение и безопасные дороги (маршруты к школам)"),
     ["children", "women", "everyone"], {"local_budget": 0.4, "republican_budget": 0.6}, 1300, "infrastructure"),
]

PROBLEMS = [
    (("Ичүүчү суунун сапаты начар жана графикке ылайык берилет", "Плохое качество питьевой воды и подача по графику"),
     ["women", "children"], ("Суу ташуу оорчулугу негизинен аялдарга жана балдарга түшөт.", "Бремя подноса воды ложится в основном на женщин и детей.")),
    (("Жаштардын жумушсуздугу жана эмгек миграциясы", "Безработица молодёжи и трудовая миграция"),
     ["youth", "migrant_families"], ("Мигранттардын балдары чоң ата-энелеринин колунда калууда.", "Дети мигрантов остаются на попечении бабушек и дедушек.")),
    (("Мүмкүнчүлүгү чектелген адамдар үчүн мекемелер жеткиликсиз", "Учреждения недоступны для людей с инвалидностью"),
     ["disability", "elderly"], ("Мектептин жана айыл өкмөтүнүн имаратында пандус жок.", "В школе и здании айыл окмоту нет пандусов.")),
    (("Бала бакчада орун жетишсиз", "Нехватка мест в детском саду"), ["children", "women"],
     ("Аялдар бала караган үчүн жумушка чыга алышпайт.", "Женщины не могут выйти на работу из-за ухода за детьми.")),
    (("Сугат суусун бөлүштүрүүдөгү талаштар", "Споры при распределении поливной воды"), ["everyone"], ("", "")),
]

DREAMS = {
    "women": ("Ар бир үйдө таза суу, бала бакчада орун, аялдар өз ишин ачат.", "В каждом доме чистая вода, место в детском саду, женщины открывают своё дело.",
              "Суу түтүгү, бала бакча, микрокредиттер.", "Водопровод, детский сад, микрокредиты."),
    "youth": ("Жаштар айылда иш таап, спорт менен машыгат.", "Молодёжь находит работу в селе и занимается спортом.",
              "Жаштар борбору, кесиптик окутуу.", "Молодёжный центр, профессиональное обучение."),
    "disability": ("Бардык мекемелер жеткиликтүү, балдар бирге окушат.", "Все учреждения доступны, дети учатся вместе.",
                   "Пандустар, күндүзгү борбор.", "Пандусы, дневной центр."),
    "elderly": ("Кары адамдар жалгыз калбайт.", "Пожилые люди не остаются одни.", "Үйгө социалдык тейлөө.", "Социальное обслуживание на дому."),
    "migrant_families": ("Мигранттар үйүнө кайтып, өз ишин ачышат.", "Мигранты возвращаются домой и открывают своё дело.",
                         "Консультациялык борбор, стартап гранттар.", "Консультационный центр, стартап-гранты."),
    "men": ("Сугат суусу жетиштүү, жолдор жакшы.", "Поливной воды достаточно, дороги хорошие.", "Каналдарды тазалоо.", "Очистка каналов."),
}

VISION = ("{name} — таза суусу, жеткиликтүү кызматтары бар, аялдар, жаштар, мүмкүнчүлүгү чектелген адамдар жана мигранттардын үй-бүлөлөрү "
          "өнүгүүгө тең катышкан коопсуз жана инклюзивдүү аймак.",
          "{name} — безопасный и инклюзивный муниципалитет с чистой водой и доступными услугами, где женщины, молодёжь, люди с "
          "инвалидностью и семьи мигрантов на равных участвуют в развитии.")

PRIORITIES = [
    (("Инфраструктура жана коммуналдык кызматтар", "Инфраструктура и коммунальные услуги"), ["everyone", "women"], ["infrastructure"]),
    (("Социалдык инклюзия жана аярлуу топтор", "Социальная инклюзия и уязвимые группы"), ["disability", "elderly", "low_income", "children"], ["inclusion", "social"]),
    (("Миграция жана өнүгүү, жаштар жана аялдардын экономикалык мүмкүнчүлүктөрү", "Миграция и развитие, молодёжь и экономические возможности женщин"),
     ["migrant_families", "returnees", "youth", "women"], ["migration", "gender", "youth"]),
]

INDICATORS = [
    (("Таза ичүүчү суу менен камсыз болгон үй чарбаларынын үлүшү", "Доля домохозяйств с доступом к чистой питьевой воде"), "%", False, 55, 90),
    (("Кесиптик окутуудан өткөн кайтып келген мигранттар", "Вернувшиеся мигранты, прошедшие профессиональное обучение"), "адам/чел.", True, 0, 60),
    (("Жеткиликтүү кылынган коомдук имараттар", "Общественные здания, ставшие доступными"), "бирдик/ед.", False, 0, 4),
    (("Бала бакчага барган балдар", "Дети, посещающие детский сад"), "адам/чел.", True, 80, 120),
    (("Аялдар ачкан жаңы ишканалар", "Новые предприятия, открытые женщинами"), "бирдик/ед.", False, 2, 12),
    (("Жаштар борборуна катышкан жаштар", "Молодёжь, посещающая молодёжный центр"), "адам/чел.", True, 0, 150),
]

COMMENTS = [
    ("ru", "Прошу предусмотреть освещение дороги к школе в верхней части села.", "Айгуль", "f", "29_59", "accepted",
     "Предложение включено в план мероприятий.", "Добавлено мероприятие «Уличное освещение и безопасные дороги»."),
    ("ky", "Мигранттардын балдары үчүн мектептен кийинки кружоктор керек.", "", "f", "18_28", "partly",
     "Кружоктор жаштар борборунун программасына кошулду, өзүнчө каражат бөлүнгөн жок.", "Жаштар борборунун иш-чарасына кошулду."),
    ("ru", "Нужно построить новую мечеть вместо ремонта дома культуры.", "", "m", "60_plus", "rejected",
     "Строительство культовых зданий не финансируется из местного бюджета по закону.", ""),
    ("ky", "Пандусту поликлиникага да куруу керек.", "Нурбек", "m", "29_59", "accepted", "Иш-чарага ФАП имараты кошулду.",
     "Пандус куруу иш-чарасы кеңейтилди."),
]


def _d(value) -> Decimal:
    return Decimal(str(round(value, 1)))


def _genitive_ky(name: str) -> str:
    """'Барскоон айыл аймагы' -> 'Барскоон айыл аймагынын' (the title's possessive)."""
    return name[: -len("аймагы")] + "аймагынын" if name.endswith("аймагы") else name


def _villages(territory) -> list[Territory]:
    found = list(Territory.objects.filter(path__startswith=territory.path, kind="village", valid_to__isnull=True).order_by("code")[:6])
    return found or [territory]


def _split_people(rng, total: int) -> dict:
    women = int(total * rng.uniform(0.49, 0.52))
    under_18 = int(total * rng.uniform(0.33, 0.38))
    youth = int(total * rng.uniform(0.18, 0.22))
    elder = int(total * rng.uniform(0.07, 0.1))
    return {"total": total, "women": women, "men": total - women, "under_18": under_18, "18_28": youth,
            "29_59": total - under_18 - youth - elder, "60_plus": elder}


def _profile(rng, program, territory, *, complete: bool) -> None:
    rows, population = [], 0
    for order, village in enumerate(_villages(territory)):
        total = rng.randint(900, 4200)
        population += total
        values = _split_people(rng, total) if complete or order % 2 == 0 else {"total": total}
        rows.append(ProfileRow(program=program, table="population", row=f"village-{village.code}", label=village.name_ru, values=values, order=order + 1))
    rows.append(ProfileRow(program=program, table="population", row="total", values=_split_people(rng, population), order=0))
    households = population // 5
    for code, share in (("households", 1), ("female_headed", 0.14), ("on_benefits", 0.09), ("remittance_dependent", 0.31)):
        rows.append(ProfileRow(program=program, table="households", row=code, values={"total": int(households * share)}))
    for code, share in (("emigrants", 0.12), ("internal_migrants", 0.05), ("returnees", 0.03), ("children_left_behind", 0.04)):
        n = int(population * share)
        women = int(n * (0.38 if code != "children_left_behind" else 0.5))
        rows.append(ProfileRow(program=program, table="migration", row=code, values={"total": n, "women": women, "men": n - women}))
    for code, share in (("disability", 0.035), ("low_income", 0.09), ("elderly_alone", 0.012), ("minorities", 0.04), ("youth_not_working", 0.05)):
        if not complete and code in ("minorities", "youth_not_working"):
            continue
        n = int(population * share)
        women = int(n * 0.52)
        rows.append(ProfileRow(program=program, table="vulnerable", row=code, values={"total": n, "women": women, "men": n - women}))
    for code, (n, accessible) in {"schools": (3, 1), "kindergartens": (1, 0), "health_posts": (2, 1), "culture": (1, 0), "sport": (1, 0)}.items():
        rows.append(ProfileRow(program=program, table="services", row=code, values={"total": n, "accessible": accessible}))
    for code, share in (("employed", 0.38), ("unemployed", 0.04), ("entrepreneurs", 0.03)):
        n = int(population * share)
        women = int(n * 0.42)
        rows.append(ProfileRow(program=program, table="employment", row=code, values={"total": n, "women": women, "men": n - women}))
    own = rng.randint(4000, 9000)
    for code, planned in (("own_revenue", own), ("equalisation", own // 2), ("spending", int(own * 1.45)), ("social_spending", int(own * 0.3))):
        rows.append(ProfileRow(program=program, table="budget", row=code, values={"planned": planned, "actual": int(planned * rng.uniform(0.9, 1.05))}))
    ProfileRow.objects.bulk_create(rows)


def _content(rng, program, territory, *, lang_index: int, richness: float) -> list[Measure]:
    """Analysis, vision, goals, measures with funding, indicators with targets; ``richness``
    (0..1) decides how inclusive the draft is, so competition applications differ."""
    name = territory.name_ky if lang_index == 0 else territory.name_ru
    complete = richness > 0.5
    _profile(rng, program, territory, complete=complete)
    for rank, ((ky, ru), groups, effects) in enumerate(PROBLEMS, start=1):
        named = richness > 0.3 or rank == 1
        Problem.objects.create(program=program, rank=rank, title=(ky, ru)[lang_index], groups=groups if named else [],
                               effects_on_groups=effects[lang_index] if named else "",
                               source=Problem.Source.VILLAGE_MEETING if rank % 2 else Problem.Source.SURVEY)
    swot = [("S", ("Жигердүү жарандык коом жана аялдар кеңеши", "Активное гражданское общество и совет женщин"), ["women"]),
            ("W", ("Мекемелер мүмкүнчүлүгү чектелген адамдар үчүн жеткиликсиз", "Учреждения недоступны для людей с инвалидностью"), ["disability"]),
            ("O", ("Диаспоранын айылды колдоого даярдыгы", "Готовность диаспоры поддержать село"), ["migrant_families"]),
            ("T", ("Жаштардын массалык миграциясы", "Массовый отъезд молодёжи"), ["youth"])]
    SwotItem.objects.bulk_create([SwotItem(program=program, kind=k, text=t[lang_index], groups=g if richness > 0.4 else [], order=i)
                                  for i, (k, t, g) in enumerate(swot)])
    dream_groups = list(DREAMS)[: 2 + int(richness * 4)]
    Dream.objects.bulk_create([Dream(program=program, group=g, dream=DREAMS[g][lang_index], changes=DREAMS[g][2 + lang_index]) for g in dream_groups])
    program.vision = VISION[lang_index].format(name=name)
    program.alignment = ["nds_2040", "sdg"] + (["gender_strategy", "crpd"] if richness > 0.45 else []) + (["migration_policy"] if richness > 0.6 else [])
    program.save(update_fields=["vision", "alignment"])
    objectives = {}
    for p_index, ((ky, ru), groups, themes) in enumerate(PRIORITIES, start=1):
        priority = Goal.objects.create(program=program, level=Goal.Level.PRIORITY, number=str(p_index), title=(ky, ru)[lang_index],
                                       groups=groups if richness > 0.35 else [], order=p_index)
        goal = Goal.objects.create(program=program, parent=priority, level=Goal.Level.GOAL, number=f"{p_index}.1",
                                   title=(ky, ru)[lang_index], groups=groups if richness > 0.35 else [], order=p_index * 10)
        objective = Goal.objects.create(program=program, parent=goal, level=Goal.Level.OBJECTIVE, number=f"{p_index}.1.1",
                                        title=(ky, ru)[lang_index], order=p_index * 100)
        for theme in themes:
            objectives[theme] = objective
    chosen = [m for m in MEASURES if m[4] == "infrastructure" or rng.random() < 0.35 + richness * 0.6]
    measures, funding = [], []
    years = program.years
    for order, ((ky, ru), groups, sources, cost, theme) in enumerate(chosen, start=1):
        cost = Decimal(int(cost * rng.uniform(0.8, 1.2)))
        start = years[0] if order % 3 else years[min(1, len(years) - 1)]
        end = years[-1] if order % 2 else start
        measure = Measure(program=program, objective=objectives.get(theme), number=str(order), title=(ky, ru)[lang_index],
                          expected_result=(ky, ru)[lang_index], indicator="", start_year=start, end_year=end, cost=cost,
                          responsible=("Айыл өкмөтү", "Айыл окмоту")[lang_index] if richness > 0.25 or order % 2 else "",
                          target_groups=groups, order=order)
        measures.append(measure)
    Measure.objects.bulk_create(measures)
    for measure, (_t, _g, sources, _c, _th) in zip(measures, chosen):
        span = list(range(measure.start_year, measure.end_year + 1))
        left = measure.cost
        lines = [(year, source, share) for source, share in sources.items() for year in span]
        for i, (year, source, share) in enumerate(lines):
            amount = left if i == len(lines) - 1 else _d(float(measure.cost) * share / len(span))
            left -= amount
            funding.append(Funding(measure=measure, year=year, source=source, amount=amount))
    Funding.objects.bulk_create(funding)
    targets = []
    for order, ((ky, ru), unit, people, baseline, target) in enumerate(INDICATORS, start=1):
        split = people and richness > 0.45
        indicator = ProgramIndicator.objects.create(
            program=program, name=(ky, ru)[lang_index], unit=unit, counts_people=people, baseline=baseline, baseline_year=years[0] - 1,
            baseline_women=_d(baseline * 0.5) if split else None, baseline_men=_d(baseline * 0.5) if split else None,
            data_source=("Айыл өкмөтүнүн эсеби", "Отчёт айыл окмоту")[lang_index], responsible=("Айыл өкмөтү", "Айыл окмоту")[lang_index], order=order,
        )
        for i, year in enumerate(years, start=1):
            value = _d(baseline + (target - baseline) * i / len(years))
            targets.append(IndicatorTarget(indicator=indicator, year=year, value=value,
                                           women=_d(float(value) / 2) if split else None, men=value - _d(float(value) / 2) if split else None))
    IndicatorTarget.objects.bulk_create(targets)
    if "inclusion" in [s["code"] for s in program.edition.template.get("sections", [])]:
        SectionText.objects.create(program=program, section="inclusion", text=(
            "Программа аялдардын, жаштардын, мүмкүнчүлүгү чектелген адамдардын жана мигранттардын үй-бүлөлөрүнүн муктаждыктарын эске алат.",
            "Программа учитывает потребности женщин, молодёжи, людей с инвалидностью и семей мигрантов.")[lang_index])
    return measures


def _working_group(rng, program, *, women_share: float) -> None:
    names = [("Асель", "f"), ("Бактыгүл", "f"), ("Гүлмира", "f"), ("Жылдыз", "f"), ("Айбек", "m"), ("Нурлан", "m"), ("Темир", "m"),
             ("Эрлан", "m"), ("Садыр", "m"), ("Мирлан", "m")]
    women = [n for n in names if n[1] == "f"][: max(1, round(10 * women_share))]
    men = [n for n in names if n[1] == "m"][: 10 - len(women)]
    members = []
    for i, (name, sex) in enumerate(women + men):
        role = WorkingGroupMember.Role.CHAIR if i == 0 else (WorkingGroupMember.Role.SECRETARY if i == 1 else WorkingGroupMember.Role.MEMBER)
        members.append(WorkingGroupMember(program=program, name=name, sex=sex, role=role, age_group=rng.choice(["18_28", "29_59", "29_59", "60_plus"]),
                                          has_disability=i == 7, position="Айыл кеңешинин депутаты / депутат айылного кенеша" if i % 3 == 0 else ""))
    WorkingGroupMember.objects.bulk_create(members)


def _attendance(rng, meeting, size: int, women_share: float) -> None:
    cells = []
    for sex, share in (("f", women_share), ("m", 1 - women_share)):
        for age, age_share in (("under_18", 0.05), ("18_28", 0.22), ("29_59", 0.53), ("60_plus", 0.2)):
            n = int(size * share * age_share)
            disabled = 1 if age in ("29_59", "60_plus") and rng.random() < 0.6 else 0
            cells.append(Attendance(meeting=meeting, sex=sex, age_group=age, with_disability=False, count=n - disabled))
            if disabled:
                cells.append(Attendance(meeting=meeting, sex=sex, age_group=age, with_disability=True, count=disabled))
    Attendance.objects.bulk_create(cells)


def _step(program, step, stage, day, note="", actor=None):
    ProgramStep.objects.create(program=program, step=step, stage=stage, date=day, note=note, actor=actor)


def _approved_program(rng, code, *, language, edition, staff, start=2020, end=2022) -> Program:
    territory = by_code(code)
    lang_index = 0 if language == "ky" else 1
    title = (f"{_genitive_ky(territory.name_ky)} {start}–{end}-жылдарга социалдык-экономикалык өнүктүрүү программасы",
             f"Программа социально-экономического развития: {territory.name_ru}, {start}–{end} годы")[lang_index]
    program = Program.objects.create(territory=territory, edition=edition, title=title, language=language, start_year=start, end_year=end,
                                     stage=Stage.WORKING_GROUP, created_by=staff, is_synthetic=True,
                                     working_group_order=f"{rng.randint(10, 60)}-б", working_group_order_date=date(2019, 2, 11))
    _step(program, ProgramStep.Step.CREATED, Stage.WORKING_GROUP, date(2019, 2, 11), "Жумушчу топ айыл өкмөтү башчысынын буйругу менен түзүлдү." if lang_index == 0
          else "Рабочая группа создана распоряжением главы айыл окмоту.", staff)
    _working_group(rng, program, women_share=0.5)
    measures = _content(rng, program, territory, lang_index=lang_index, richness=0.85)
    for stage, day in ((Stage.DATA_COLLECTION, date(2019, 3, 1)), (Stage.VILLAGE_MEETINGS, date(2019, 4, 10)), (Stage.DRAFT, date(2019, 6, 3))):
        _step(program, ProgramStep.Step.STAGE, stage, day, actor=staff)
    for i, village in enumerate(_villages(territory)[:3]):
        meeting = Meeting.objects.create(program=program, kind=Meeting.Kind.VILLAGE_MEETING, date=date(2019, 4, 10) + timedelta(days=7 * i),
                                         place=village.name_ru, village=village if village.kind == "village" else None, status=Meeting.Status.CLOSED)
        _attendance(rng, meeting, rng.randint(40, 90), 0.45)
    hearing_day = date(2019, 8, 20)
    hearing = Meeting.objects.create(
        program=program, kind=Meeting.Kind.HEARING, date=hearing_day, time=time(10, 0), place=("Айыл өкмөтүнүн залы", "Зал айыл окмоту")[lang_index],
        announcement=("Программанын долбоорун коомдук талкуулоого чакырабыз.", "Приглашаем на общественное обсуждение проекта программы.")[lang_index],
        comments_until=hearing_day, status=Meeting.Status.CLOSED, chair="Асель", secretary="Бактыгүл",
        decisions=("Программа сунуштар менен кошо айылдык кеңешке бекитүүгө сунушталсын.", "Рекомендовать программу с учётом предложений к утверждению айылным кенешем.")[lang_index],
    )
    _step(program, ProgramStep.Step.STAGE, Stage.HEARING, date(2019, 8, 5), actor=staff)
    _attendance(rng, hearing, rng.randint(110, 180), 0.48)
    lighting = next((m for m in measures if "освещение" in m.title.lower() or "жарыгы" in m.title.lower()), None)
    for i, (lang, text, name, sex, age, answer, reason, change) in enumerate(COMMENTS):
        received = timezone.make_aware(datetime.combine(hearing_day - timedelta(days=5 - i), time(11, 0)))
        comment = Comment.objects.create(meeting=hearing, text=text, language=lang, author_name=name, sex=sex, age_group=age,
                                         channel=Comment.Channel.PAPER if i % 2 else Comment.Channel.ONLINE, status=Comment.Status.PUBLISHED,
                                         answer=answer, answer_reason=reason, change_made=change, changed_measure=lighting if i == 0 else None,
                                         answered_by=staff, answered_at=received + timedelta(days=10), entered_by=staff if i % 2 else None)
        Comment.objects.filter(pk=comment.pk).update(created_at=received)
    _step(program, ProgramStep.Step.HEARING_HELD, Stage.REVISION, hearing_day, ("Коомдук угуу өттү, 4 сунуш келип түштү.", "Проведены общественные слушания, поступило 4 предложения.")[lang_index], staff)
    approved_on = date(2019, 9, 26)
    program.resolution_number = f"{rng.randint(5, 40)}-{rng.randint(1, 9)}"
    program.resolution_date = approved_on
    program.stage = Stage.APPROVED
    program.save()
    _step(program, ProgramStep.Step.APPROVED, Stage.APPROVED, approved_on,
          (f"Айылдык кеңештин сессиясында бекитилди, токтом №{program.resolution_number}.", f"Утверждена на сессии айылного кенеша, постановление №{program.resolution_number}.")[lang_index], staff)
    ProgramVersion.objects.create(program=program, number=1, label=("Кеңеш бекиткен текст", "Текст, утверждённый кенешем")[lang_index],
                                  stage=Stage.APPROVED, is_approved=True, snapshot=program_content(program), created_by=staff)
    _step(program, ProgramStep.Step.STAGE, Stage.IMPLEMENTATION, date(2020, 1, 1), actor=staff)
    indicators = list(program.indicators.prefetch_related("targets"))
    for year in program.years:
        report = AnnualReport.objects.create(program=program, year=year, status=AnnualReport.Status.SUBMITTED, submitted_by=staff,
                                             submitted_at=timezone.make_aware(datetime(year + 1, 2, 15, 10, 0)),
                                             narrative=("Пландалган иш-чаралардын көпчүлүгү аткарылды.", "Большинство запланированных мероприятий выполнено.")[lang_index])
        progress = []
        for m in measures:
            if m.start_year > year:
                status, spent = MeasureProgress.Status.NOT_STARTED, Decimal(0)
            elif m.end_year <= year:
                status = MeasureProgress.Status.DONE if rng.random() < 0.8 else MeasureProgress.Status.POSTPONED
                spent = _d(float(m.cost) * rng.uniform(0.85, 1.0) / max(1, m.end_year - m.start_year + 1))
            else:
                status, spent = MeasureProgress.Status.IN_PROGRESS, _d(float(m.cost) * rng.uniform(0.2, 0.5) / max(1, m.end_year - m.start_year + 1))
            progress.append(MeasureProgress(report=report, measure=m, status=status, spent=spent))
        MeasureProgress.objects.bulk_create(progress)
        actuals = []
        for ind in indicators:
            target = next((t for t in ind.targets.all() if t.year == year), None)
            if target is None or target.value is None:
                continue
            value = _d(float(target.value) * rng.uniform(0.8, 1.05))
            women = _d(float(value) * 0.5) if ind.counts_people and ind.baseline_women is not None else None
            actuals.append(IndicatorActual(report=report, indicator=ind, value=value, women=women, men=(value - women) if women is not None else None))
        IndicatorActual.objects.bulk_create(actuals)
        _step(program, ProgramStep.Step.ANNUAL_REPORT, Stage.IMPLEMENTATION, date(year + 1, 2, 15),
              (f"{year}-жылдын мониторинг отчету кеңешке берилди.", f"Отчёт о мониторинге за {year} год представлен кенешу.")[lang_index], staff)
    program.stage = Stage.COMPLETED
    program.save(update_fields=["stage"])
    _step(program, ProgramStep.Step.STAGE, Stage.COMPLETED, date(2023, 2, 20), actor=staff)
    return program


def _draft_program(rng, code, *, edition, staff, richness) -> Program:
    territory = by_code(code)
    program = Program.objects.create(
        territory=territory, edition=edition, title=f"Программа социально-экономического развития: {territory.name_ru}, 2026–2030 годы",
        language="ru", start_year=2026, end_year=2030, stage=Stage.DRAFT, created_by=staff, is_synthetic=True,
        working_group_order=f"{rng.randint(10, 60)}", working_group_order_date=date(2025, 3, 3))
    _step(program, ProgramStep.Step.CREATED, Stage.WORKING_GROUP, date(2025, 3, 3), actor=staff)
    _working_group(rng, program, women_share=0.2 + richness * 0.3)
    _content(rng, program, territory, lang_index=1, richness=richness)
    meeting = Meeting.objects.create(program=program, kind=Meeting.Kind.VILLAGE_MEETING, date=date(2025, 5, 20), place=territory.name_ru, status=Meeting.Status.CLOSED)
    _attendance(rng, meeting, rng.randint(30, 80), 0.3 + richness * 0.2)
    for stage, day in ((Stage.DATA_COLLECTION, date(2025, 3, 20)), (Stage.VILLAGE_MEETINGS, date(2025, 5, 1)), (Stage.DRAFT, date(2025, 6, 16))):
        _step(program, ProgramStep.Step.STAGE, stage, day, actor=staff)
    return program


SCORE_BY_STATUS = {"met": (4, 5), "partial": (2, 4), "missing": (0, 2)}


def _competitions(rng, drafts: list[Program], people: dict) -> list:
    """The 2025 inclusion competition among the six pilots (seed 001), scored by three commission
    members and published; and this year's call, open for applications."""
    from aimak.calls.models import (
        Application,
        Call,
        CommissionMember,
        Declaration,
        Score,
    )
    from aimak.calls.services import calls as call_services
    from aimak.calls.subjects import kind as subject_kind

    from ..selectors.inclusion import profile

    analyst = people.get("analyst")
    members = [people.get(name) for name in ("commission", "commission.2", "commission.3")]
    if analyst is None or not all(members):
        return []
    country = by_code("41700000000000")
    rayons = [by_code(code[:8] + "000000") for code in PILOTS]
    past = call_services.create_call(analyst, {
        "title": "Конкурс на лучшее отражение принципов социальной и гендерной инклюзии в ПСЭР — 2025",
        "description": "Конкурс среди пилотных муниципалитетов Джалал-Абадской, Иссык-Кульской, Чуйской и Таласской областей "
                       "по итогам семинаров о социальной и гендерной инклюзии в программах социально-экономического развития.",
        "organiser": "Проект «Улучшение услуг на местном уровне» (Хельветас, Институт политики развития)",
        "territory": country, "eligible": rayons, "opens": date(2025, 6, 2), "closes": date(2025, 8, 29),
        "review_until": date(2025, 9, 30), "prizes": "Призовой фонд на реализацию инклюзивных мер: 2 победителя и 2 поощрительных приза.",
    }, language="ru", is_synthetic=True)
    seats = [call_services.add_member(analyst, past, person=person, role=CommissionMember.Role.CHAIR if i == 0 else CommissionMember.Role.MEMBER)
             for i, person in enumerate(members)]
    Call.objects.filter(pk=past.pk).update(status=Call.Status.REVIEW)
    content_type = subject_kind("programs.program").content_type()
    criteria = list(past.criteria.all())
    scores, declarations = [], []
    for i, program in enumerate(drafts):
        application = Application.objects.create(
            call=past, territory=program.territory, applicant_name=program.territory.name_ru, title=program.title,
            summary="Программа с инклюзивными мерами для женщин, молодёжи, людей с инвалидностью и семей мигрантов.",
            subject_type=content_type, subject_id=program.pk, status=Application.Status.SUBMITTED,
            submitted_at=timezone.make_aware(datetime(2025, 8, 20 + i, 15, 0)))
        checks = {c.code: c.status for c in profile(program)}
        for seat in seats:
            declarations.append(Declaration(application=application, member=seat, has_conflict=False))
            for criterion in criteria:
                codes = [c for c in (criterion.evidence or "").split(",") if c]
                status = min((checks.get(c, "partial") for c in codes), key=["missing", "partial", "met"].index) if codes else "partial"
                low, high = SCORE_BY_STATUS[status]
                scores.append(Score(application=application, criterion=criterion, member=seat, value=rng.randint(low, high)))
    Declaration.objects.bulk_create(declarations)
    Score.objects.bulk_create(scores)
    from aimak.calls.selectors.scores import ranks

    order = sorted(ranks(past).items(), key=lambda item: item[1] or 99)
    results = {}
    for place, (pk, _rank) in enumerate(order, start=1):
        result = "winner" if place <= 2 else ("prize" if place <= 4 else "not_awarded")
        results[pk] = {"result": result, "prize": {"winner": "Грант 500 000 сом на инклюзивные меры", "prize": "Поощрительный приз 100 000 сом"}.get(result, "")}
    call_services.decide(analyst, past, results, note="Решение комиссии проекта УУМУ.")
    call_services.publish(analyst, past)
    Call.objects.filter(pk=past.pk).update(decided_at=timezone.make_aware(datetime(2025, 10, 15, 11, 0)))  # when it happened
    today = timezone.localdate()
    current = call_services.create_call(analyst, {
        "title": f"Конкурс инклюзивных ПСЭР — {today.year}",
        "description": "Муниципалитеты Иссык-Кульской и Джалал-Абадской областей подают свои программы социально-экономического развития.",
        "organiser": "Аймак (демо)", "territory": country, "eligible": [by_code("41702000000000"), by_code("41703000000000")],
        "opens": today - timedelta(days=20), "closes": today + timedelta(days=40), "review_until": today + timedelta(days=80),
        "prizes": "Три приза на реализацию инклюзивных мер.",
    }, language="ru", is_synthetic=True)
    for i, person in enumerate(members):
        call_services.add_member(analyst, current, person=person, role=CommissionMember.Role.CHAIR if i == 0 else CommissionMember.Role.MEMBER)
    call_services.open_call(analyst, current)
    return [past, current]


def has_programs() -> bool:
    return Program.objects.filter(is_synthetic=True).exists()


def delete_synthetic() -> int:
    from django.db.models.deletion import ProtectedError

    programs = Program.objects.filter(is_synthetic=True)
    count = programs.count()
    try:
        from aimak.calls.models import Application, Call

        Application.objects.filter(call__is_synthetic=True).delete()
        Call.objects.filter(is_synthetic=True).delete()
    except ProtectedError:
        raise
    programs.filter(previous__isnull=False).delete()
    programs.delete()
    return count


@transaction.atomic
def generate(*, seed: int = 2019, staff=None, people: dict | None = None) -> dict:
    """The demo programs: two approved and completed (2020-2022), six 2025 drafts, the 2025
    competition among them (published) and this year's open call."""
    rng = random.Random(seed)
    editions = {e.code: e for e in Edition.objects.all()}
    if "2018" not in editions or "2024" not in editions:
        raise RuntimeError("Load the program editions first (aimak load_program_editions).")
    made = {"approved": [], "drafts": []}
    made["approved"].append(_approved_program(rng, BARSKOON, language="ky", edition=editions["2018"], staff=staff))
    made["approved"].append(_approved_program(rng, SUZAK, language="ru", edition=editions["2018"], staff=(people or {}).get("staff.suzak") or staff))
    for i, code in enumerate(PILOTS):
        made["drafts"].append(_draft_program(rng, code, edition=editions["2024"], staff=None, richness=0.2 + 0.14 * i))
    made["calls"] = _competitions(rng, made["drafts"], people or {})
    return made
