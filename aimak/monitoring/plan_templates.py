"""Starting points for plans: the three action plans of seed 003 (forecast and prevent risks;
dialogue and trust; sustainable peace) and a plan answering an alert.

The texts are written in the three languages as data, not as translatable strings, because a
plan made from a template is copied into the territory's own rows in its author's language and
then belongs to them: they rename, drop and add measures as local conditions need."""

from __future__ import annotations

from django.utils import translation

LANGUAGES = ("ky", "ru", "en")

COMMON = {
    "head_ao": {"ky": "Айыл өкмөтүнүн башчысы", "ru": "Глава айыл окмоту", "en": "Head of the aiyl okmotu"},
    "deputy_ao": {"ky": "Айыл өкмөтүнүн башчысынын орун басары", "ru": "Заместитель главы айыл окмоту", "en": "Deputy head of the aiyl okmotu"},
    "ao": {"ky": "Айыл өкмөтү", "ru": "Айыл окмоту", "en": "Aiyl okmotu"},
    "secretary_ao": {"ky": "Айыл өкмөтүнүн катчысы", "ru": "Секретарь айыл окмоту", "en": "Secretary of the aiyl okmotu"},
    "monitoring_group": {"ky": "Мониторинг тобу", "ru": "Группа мониторинга", "en": "Monitoring group"},
    "aksakal_court": {"ky": "Аксакалдар соту", "ru": "Суд аксакалов", "en": "Aksakal court"},
}

TEMPLATES: dict[str, dict] = {
    "prevent": {
        "title": {
            "ky": "Тобокелдиктерди болжолдоо жана алдын алуу планы",
            "ru": "План прогнозирования и предупреждения рисков",
            "en": "Plan to forecast and prevent risks",
        },
        "goal": {
            "ky": "Чыр-чатактын тобокелдиктерин эрте аныктап, алар курчуганга чейин алдын алуу чараларын көрүү.",
            "ru": "Выявлять риски конфликтов на ранней стадии и принимать меры до их обострения.",
            "en": "Identify conflict risks early and act before they escalate.",
        },
        "measures": [
            {
                "title": {
                    "ky": "Айыл өкмөтүндө мониторинг тобун түзүү (айыл өкмөтү, ЖКУлар, аялдардын жана жаштардын өкүлдөрү)",
                    "ru": "Создать группу мониторинга при айыл окмоту (айыл окмоту, ОГО, представители женщин и молодёжи)",
                    "en": "Set up a monitoring group at the aiyl okmotu (AO staff, CSOs, women's and youth representatives)",
                },
                "owner": COMMON["head_ao"],
                "partners": {
                    "ky": "Жарандык коом уюмдары, аялдар кеңеши, жаштар комитети",
                    "ru": "Организации гражданского общества, совет женщин, молодёжный комитет",
                    "en": "Civil society organisations, women's council, youth committee",
                },
            },
            {
                "title": {
                    "ky": "Коомдук кабыл алуу бөлмөсү менен бирге чыңалуу көрсөткүчтөрүн ай сайын карап чыгуу",
                    "ru": "Ежемесячно разбирать индикаторы напряжённости вместе с общественной приёмной",
                    "en": "Review the tension indicators every month with the public reception office",
                },
                "owner": COMMON["monitoring_group"],
                "partners": {"ky": "Коомдук кабыл алуу бөлмөсү", "ru": "Общественная приёмная", "en": "Public reception office"},
            },
            {
                "title": {
                    "ky": "Тобокелдик чекиттерин (жер, суу, жайыт, чек ара) картага түшүрүп, картаны ар бир чейректе жаңыртуу",
                    "ru": "Составить карту точек риска (земля, вода, пастбища, граница) и обновлять её ежеквартально",
                    "en": "Map the risk hotspots (land, water, pastures, border) and update the map every quarter",
                },
                "owner": {"ky": "Айыл өкмөтүнүн жер адиси", "ru": "Землеустроитель айыл окмоту", "en": "Land specialist of the aiyl okmotu"},
                "partners": {
                    "ky": "Жайыт комитети, суу пайдалануучулар ассоциациясы",
                    "ru": "Пастбищный комитет, ассоциация водопользователей",
                    "en": "Pasture committee, water users' association",
                },
            },
            {
                "title": {
                    "ky": "Эрте эскертүү тартибин макулдашуу: 24 сааттын ичинде ким кимге кабарлайт",
                    "ru": "Согласовать порядок раннего оповещения: кто кого информирует в течение 24 часов",
                    "en": "Agree the early-warning procedure: who informs whom within 24 hours",
                },
                "owner": COMMON["deputy_ao"],
                "partners": {
                    "ky": "Участкалык инспектор, райондук мамлекеттик администрация",
                    "ru": "Участковый инспектор милиции, районная государственная администрация",
                    "en": "District police inspector, rayon state administration",
                },
            },
            {
                "title": {
                    "ky": "Мониторлорду жана жергиликтүү лидерлерди чыр-чатакты талдоого жана эрте эскертүүгө окутуу",
                    "ru": "Обучить мониторов и местных лидеров анализу конфликтов и раннему предупреждению",
                    "en": "Train monitors and local leaders in conflict analysis and early warning",
                },
                "owner": COMMON["monitoring_group"],
                "partners": {
                    "ky": "Жарандык коом уюмдары, эл аралык өнөктөштөр",
                    "ru": "Организации гражданского общества, международные партнёры",
                    "en": "Civil society organisations, international partners",
                },
            },
        ],
    },
    "dialogue": {
        "title": {"ky": "Диалог жана ишеним планы", "ru": "План диалога и доверия", "en": "Dialogue and trust plan"},
        "goal": {
            "ky": "Жергиликтүү бийлик органдарынын, жарандык коом уюмдарынын жана жамааттардын ортосундагы диалогду жана ишенимди чыңдоо.",
            "ru": "Укрепить диалог и доверие между органами местного самоуправления, организациями гражданского общества и сообществами.",
            "en": "Strengthen dialogue and trust between local authorities, civil society organisations and communities.",
        },
        "measures": [
            {
                "title": {
                    "ky": "Айыл өкмөтүнүн, ЖКУлардын, аялдар жана жаштар топторунун диалог аянтчасынын жолугушууларын чейрек сайын өткөрүү",
                    "ru": "Ежеквартально проводить встречи диалоговой площадки айыл окмоту, ОГО, женских и молодёжных групп",
                    "en": "Hold quarterly dialogue platform meetings of the AO, CSOs, women's and youth groups",
                },
                "owner": COMMON["head_ao"],
                "partners": {
                    "ky": "Диалог аянтчасы, аялдар жана жаштар топтору",
                    "ru": "Диалоговая площадка, женские и молодёжные группы",
                    "en": "Dialogue platform, women's and youth groups",
                },
            },
            {
                "title": {
                    "ky": "Туруктуу кабыл алуу сааттары бар диалог жана ресурстук борбор ачуу",
                    "ru": "Открыть диалоговый и ресурсный центр с постоянными часами приёма",
                    "en": "Open a dialogue and resource centre with regular office hours",
                },
                "owner": COMMON["ao"],
                "partners": {
                    "ky": "Ресурстук борбор, жарандык коом уюмдары",
                    "ru": "Ресурсный центр, организации гражданского общества",
                    "en": "Resource centre, civil society organisations",
                },
            },
            {
                "title": {
                    "ky": "Жергиликтүү бюджет жана социалдык-экономикалык өнүгүү планы боюнча коомдук угууларды өткөрүү",
                    "ru": "Провести публичные слушания по местному бюджету и плану социально-экономического развития",
                    "en": "Hold public hearings on the local budget and the socio-economic development plan",
                },
                "owner": {"ky": "Айылдык кеңеш", "ru": "Айылный кенеш", "en": "Aiyl kenesh"},
                "partners": {
                    "ky": "Айыл өкмөтүнүн финансы бөлүмү, жарандык коом уюмдары",
                    "ru": "Финансовый отдел айыл окмоту, организации гражданского общества",
                    "en": "Finance department of the aiyl okmotu, civil society organisations",
                },
            },
            {
                "title": {
                    "ky": "Жолугушууларда тургундар берген суроолорго жоопторду бир айдын ичинде жарыялоо",
                    "ru": "Публиковать ответы на вопросы жителей, поднятые на встречах, в течение месяца",
                    "en": "Publish answers to the questions residents raised at the meetings within a month",
                },
                "owner": COMMON["secretary_ao"],
                "partners": {"ky": "Жергиликтүү маалымат каражаттары", "ru": "Местные СМИ", "en": "Local media"},
            },
            {
                "title": {
                    "ky": "Аялдарды жана жаштарды пландаштырууга тартуу: жумушчу топтун жок дегенде үчтөн бири",
                    "ru": "Вовлечь женщин и молодёжь в планирование: не менее трети рабочей группы",
                    "en": "Involve women and young people in planning: at least a third of the working group",
                },
                "owner": COMMON["deputy_ao"],
                "partners": {"ky": "Аялдар кеңеши, жаштар комитети", "ru": "Совет женщин, молодёжный комитет", "en": "Women's council, youth committee"},
            },
        ],
    },
    "peace": {
        "title": {"ky": "Туруктуу тынчтык планы", "ru": "План устойчивого мира", "en": "Sustainable peace plan"},
        "goal": {
            "ky": "Жамааттардын ортосундагы биримдикти бекемдеп, талаш-тартыштарды зомбулуксуз чечүү.",
            "ru": "Укреплять единство сообществ и разрешать споры без насилия.",
            "en": "Strengthen unity between communities and settle disputes without violence.",
        },
        "measures": [
            {
                "title": {
                    "ky": "Коңшу айылдар үчүн биргелешкен жамааттык иш-чараларды (спорт, маданият, жалпы майрамдар) өткөрүү",
                    "ru": "Проводить совместные мероприятия для соседних сёл (спорт, культура, общие праздники)",
                    "en": "Hold joint community events for neighbouring villages (sport, culture, shared holidays)",
                },
                "owner": {"ky": "Айыл өкмөтүнүн маданият адиси", "ru": "Специалист по культуре айыл окмоту", "en": "Culture specialist of the aiyl okmotu"},
                "partners": {
                    "ky": "Мектептер, жаштар комитети, коңшу айыл өкмөттөрү",
                    "ru": "Школы, молодёжный комитет, соседние айыл окмоту",
                    "en": "Schools, youth committee, neighbouring aiyl okmotus",
                },
            },
            {
                "title": {
                    "ky": "Талаш-тартыштарды аксакалдар сотунун ортомчулугу аркылуу чечүү",
                    "ru": "Разрешать споры через посредничество суда аксакалов",
                    "en": "Settle disputes through mediation by the aksakal court",
                },
                "owner": COMMON["aksakal_court"],
                "partners": {"ky": "Айыл өкмөтү, участкалык инспектор", "ru": "Айыл окмоту, участковый инспектор", "en": "Aiyl okmotu, district police inspector"},
            },
            {
                "title": {
                    "ky": "Жергиликтүү ортомчуларды, анын ичинде аялдарды жана жаштарды даярдоо",
                    "ru": "Подготовить местных медиаторов, в том числе женщин и молодёжь",
                    "en": "Train local mediators, women and young people among them",
                },
                "owner": {"ky": "Жарандык коом уюму", "ru": "Организация гражданского общества", "en": "Civil society organisation"},
                "partners": {"ky": "Аксакалдар соту, аялдар кеңеши", "ru": "Суд аксакалов, совет женщин", "en": "Aksakal court, women's council"},
            },
            {
                "title": {
                    "ky": "Ар кайсы жамааттардын тургундарынын чакан биргелешкен демилгелерин колдоо (чакан гранттар)",
                    "ru": "Поддержать небольшие совместные инициативы жителей разных сообществ (малые гранты)",
                    "en": "Support small joint initiatives of residents of different communities (small grants)",
                },
                "owner": COMMON["ao"],
                "partners": {"ky": "Эл аралык өнөктөштөр, жергиликтүү бизнес", "ru": "Международные партнёры, местный бизнес", "en": "International partners, local business"},
            },
            {
                "title": {
                    "ky": "Мектептерде жарандык иденттүүлүк боюнча сабактарды жана иш-чараларды («Кыргыз жараны» концепциясы) өткөрүү",
                    "ru": "Проводить в школах уроки и мероприятия по гражданской идентичности (концепция «Кыргыз жараны»)",
                    "en": "Run civic identity lessons and events in schools (the “Kyrgyz Jarany” concept)",
                },
                "owner": {"ky": "Мектеп директорлору", "ru": "Директора школ", "en": "School directors"},
                "partners": {
                    "ky": "Райондук билим берүү бөлүмү, жаштар комитети",
                    "ru": "Районный отдел образования, молодёжный комитет",
                    "en": "Rayon education department, youth committee",
                },
            },
        ],
    },
    "response": {
        "title": {"ky": "Эскертүүгө жооп берүү планы", "ru": "План реагирования на сигнал", "en": "Alert response plan"},
        "goal": {
            "ky": "Эскертүүдө көрсөтүлгөн кырдаалды тез арада текшерип, чыңалууну басаңдатуу жана анын кайталанышына жол бербөө.",
            "ru": "Быстро проверить ситуацию, о которой говорит сигнал, снизить напряжённость и не допустить её повторения.",
            "en": "Check the situation behind the alert quickly, reduce the tension and prevent it from recurring.",
        },
        "measures": [
            {
                "title": {
                    "ky": "Фактыларды 48 сааттын ичинде жеринде текшерүү жана тараптар менен сүйлөшүү",
                    "ru": "В течение 48 часов проверить факты на месте и поговорить со сторонами",
                    "en": "Check the facts on site within 48 hours and talk to the parties",
                },
                "owner": COMMON["monitoring_group"],
                "partners": {"ky": "Участкалык инспектор, аксакалдар соту", "ru": "Участковый инспектор, суд аксакалов", "en": "District police inspector, aksakal court"},
            },
            {
                "title": {
                    "ky": "Айыл өкмөтүнүн, милициянын, аксакалдардын жана жамаат өкүлдөрүнүн шашылыш жыйынын чакыруу",
                    "ru": "Созвать срочное совещание айыл окмоту, милиции, аксакалов и представителей сообществ",
                    "en": "Call an urgent meeting of the AO, police, aksakals and community representatives",
                },
                "owner": COMMON["head_ao"],
                "partners": {
                    "ky": "Райондук мамлекеттик администрация, ички иштер бөлүмү",
                    "ru": "Районная государственная администрация, районный отдел внутренних дел",
                    "en": "Rayon state administration, rayon police department",
                },
            },
            {
                "title": {"ky": "Тараптардын ортосунда ортомчулукту баштоо", "ru": "Начать медиацию между сторонами", "en": "Start mediation between the parties"},
                "owner": COMMON["aksakal_court"],
                "partners": {"ky": "Жергиликтүү ортомчулар, аялдар кеңеши", "ru": "Местные медиаторы, совет женщин", "en": "Local mediators, women's council"},
            },
            {
                "title": {
                    "ky": "Ушактарды токтотуу үчүн тургундарга текшерилген маалымат берүү",
                    "ru": "Информировать жителей проверенными сведениями, чтобы остановить слухи",
                    "en": "Give residents checked information to stop rumours",
                },
                "owner": COMMON["secretary_ao"],
                "partners": {"ky": "Жергиликтүү маалымат каражаттары, диний лидерлер", "ru": "Местные СМИ, религиозные лидеры", "en": "Local media, religious leaders"},
            },
            {
                "title": {
                    "ky": "Бир айдан кийин кырдаалды кайра баалап, районго билдирүү",
                    "ru": "Через месяц повторно оценить ситуацию и доложить в район",
                    "en": "Assess the situation again after a month and report to the rayon",
                },
                "owner": COMMON["monitoring_group"],
                "partners": {"ky": "Райондук координатор", "ru": "Районный координатор", "en": "District coordinator"},
            },
        ],
    },
}


def language_of(user=None, language: str | None = None) -> str:
    """The language a plan is written in: the one asked for, else the page's, else the
    person's preferred one, else Kyrgyz."""
    for candidate in (language, translation.get_language(), getattr(user, "preferred_language", "")):
        code = (candidate or "").split("-")[0]
        if code in LANGUAGES:
            return code
    return "ky"


def text(value: dict, language: str) -> str:
    return value.get(language) or value.get("ky") or ""


def template(plan_type: str) -> dict | None:
    return TEMPLATES.get(plan_type)


def suggested(plan_type: str, language: str) -> dict:
    """A template in one language: {"title", "goal", "measures": [{"title", "owner", "partners"}]}."""
    found = TEMPLATES.get(plan_type)
    if found is None:
        return {"title": "", "goal": "", "measures": []}
    return {
        "title": text(found["title"], language),
        "goal": text(found["goal"], language),
        "measures": [{key: text(m[key], language) for key in ("title", "owner", "partners")} for m in found["measures"]],
    }
