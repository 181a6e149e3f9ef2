"""Words of the budget and audit format (not of any one report): metric words,
operations, comparisons, statuses. Patterns run on the question lower-cased
with spaces removed."""
from __future__ import annotations

import re

# (metric, pattern) in priority order: a span taken by one is not read again
METRIC_PATTERNS: list[tuple[str, str]] = [
    ("expected_lapse", r"불용|못쓸|못쓰|unused|lapse|leftover"),
    ("pending", r"원인행위\S{0,12}?(아직)?(지출|집행)\S{0,2}안|원인행위\S{0,6}미지출|committedbutnot\S{0,6}spent"),
    ("unspent", r"아직(지출|집행)?안(된|쓴|나간|됐)|안쓴|미지출|미집행|unspent|notyetspent|남은(돈|예산|금액)|잔액"),
    ("spent_rate", r"다썼|다쓴|다집행|전액집행"),
    ("committed_rate", r"원인행위(율|률)|원인행위(기준|기준으로|기준의)?(집행)?(률|율)|commit\S{0,24}?rate"),
    ("committed", r"원인행위(액|금액)?|committed|commitment"),
    ("forecast_rate", r"(연말|예상|year-end|yearend|expected|forecast)\S{0,6}?(률|율|rate)|집행예상률"),
    ("forecast", r"집행예상액|예상액|연말까지\S{0,8}?(집행|쓸|쓰|사용)|연말\S{0,4}?(예상|전망)|집행할(예정|계획)|쓸예정"
                 r"|forecast|expectedtobespent|expectedspending"),
    ("spent_rate", r"지출(기준|기준으로|기준의)?(집행)?(률|율)|집행(률|율)|지출기준|(spending|execution|spent|burn)rate"),
    ("spent", r"지출(액|금액|실적)?|집행(액|금액|실적|된|됐|은|이|했)|썼|쓴|나갔|사용(액|했)|spent|spending|paidout"),
    ("budget", r"예산현액|(?<!참여)예산(?!중)|budget|allocat"),
]
METRIC_RES = [(m, re.compile(p)) for m, p in METRIC_PATTERNS]
WEAK_SPENT = re.compile(r"썼|쓴|나갔|사용(액|했)")          # 'spent' verbs that also describe events
EVENT_COUNT = r"몇(번|회|명|곳|개|팀|건|가지|차례)"
METRIC_PRIORITY = ["expected_lapse", "pending", "unspent", "committed_rate", "committed", "forecast_rate", "forecast",
                   "spent_rate", "spent", "budget"]

MAX_WORDS = (r"(가장|제일|젤|최고로)(크|큰|높|많|만은|만이)|최대|최고|most|largest|highest|biggest|greatest|큰순|많은순|높은순"
             r"|top")
MIN_WORDS = r"(가장|제일|젤)(작|낮|적)|최소|최저|least|lowest|smallest|fewest|작은순|적은순|낮은순|bottom"
ORDER_WORDS = r"순서|순으로|순위|상위|하위|뽑|top|bottom"
RANK_RE = re.compile(r"(두|세|네|다섯|여섯|일곱|여덟|아홉|열|\d+)번째")
K_RE = re.compile(r"(?:상위|하위|top|bottom)(\d+)|(\d+|한|두|세|네|다섯|여섯|일곱|여덟|아홉|열)(?:개|곳|가지|건)")
NUM_WORDS = {"한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10,
             "첫": 1}
COUNT_WORDS = r"몇개|몇곳|몇건|몇가지|몇사업|howmany|numberof|개수|건수"
SUM_WORDS = r"합치면|합하면|합계|합산|총합|다더하|더하면|sum|combined|altogether|intotal"
MEAN_WORDS = r"평균|하나당|사업당|average|mean|perprogram"
COMPARE_WORDS = r"비교|차이|더(많|높|크|적|낮|작)|어디가더|어느쪽|어느것|compare|difference|versus|vs\.?|higher|larger"
TOTAL_WORDS = r"전체예산|총예산|기획관전체|전체로|전체얼마|전체규모|totalbudget|bureau'?s?total|overallbudget|wholebureau"
PROGRAM_SCOPE = r"사업(중|들|은몇|이몇|수|별)|소관사업|사업가운데|programs|projects"
PROGRAM_WORDS = r"사업|예산|program|project|budget"
DEPT_SCOPE = r"부서|곳은|곳이|데는|데가|division|department|담당관은어디|어느담당관"
CITIZEN_WORDS = r"시민참여(사업|\)|로|표시|프로그램|분야)|citizen-?participation"
INCLUDE_ADMIN = r"기본경비까지|기본경비포함|기본경비를포함|기본경비를더|includingbasic|basicexpensesincluded"
BODY_WORDS = r"본문(에서|기준|표|상)|본문의"
ZERO_SPEND = (r"한푼도|전혀안쓴|전혀지출|(지출|집행|사용)(하지|되지|을하지|이되지)않|지출이없|지출(이|액이)?0(원|천원)?(인|이)"
              r"|집행실적이없|spentnothing|nothingspent|zerospending|notspentanything|spentnothingatall")
SOME_SPEND = r"조금이라도(지출|집행)|지출이있는|지출이발생|집행실적이있|spentsomething|anyspending"

COND_RE = re.compile(
    r"(\d[\d,]*(?:\.\d+)?)\s*(%|퍼센트|percent|억원|억|백만원|천원|만원|원)?\s*"
    r"(?:가|이|를|을|로|으로|에)?\s*"
    r"(미만|이하|초과|이상|넘는|넘게|넘은|넘어|넘|안되는|안된|안돼|못미치|아래|밑|보다낮|보다적|보다높|보다많|로잡힌|인사업|인것|인건|짜리"
    r"|찍은|찍힌|달성한|채운|된사업|인|로|orless|ormore|orhigher|orabove|orbelow|below|under|above|over|lessthan|morethan)")
# English puts the comparison first: 'less than 95%'
COND_EN_RE = re.compile(r"(lessthan|below|under|morethan|above|over|atleast|atmost)(\d[\d,]*(?:\.\d+)?)(%|percent)")
OP_WORDS = {"<": ("미만", "안되", "안된", "안돼", "못미치", "아래", "밑", "보다낮", "보다적", "below", "under", "lessthan"),
            "<=": ("이하", "orless", "orbelow"),
            ">": ("초과", "넘", "보다높", "보다많", "above", "over", "morethan"),
            ">=": ("이상", "ormore", "orhigher", "orabove"),
            "==": ("로잡힌", "인사업", "인것", "인건", "짜리", "찍은", "찍힌", "달성한", "채운", "된사업", "인", "로")}
EN_OPS = {"lessthan": "<", "below": "<", "under": "<", "morethan": ">", "above": ">", "over": ">", "atleast": ">=",
          "atmost": "<="}
UNIT_TO_THOUSAND = {"억원": 100_000, "억": 100_000, "백만원": 1_000, "천원": 1, "만원": 10, "원": 0.001}

AUDIT_WORDS = (r"감사|행감|지적|시정(·|및)?처리|시정요구|시정조치|건의|조치(결과|내용|했|사항|됐|는|를|가|상황)|처리결과|처리현황|처리상태"
               r"|자료제출|요구사항|요구는|요구에|요구한|finding|audit|수감")
VALIDATION_WORDS = (r"본문.{0,12}별첨|별첨.{0,12}본문|본문(이랑|과|하고|엔|에는|에선).{0,20}(다르|같|일치|틀|비교|차이)"
                    r"|합계가맞|합계(랑|와|하고).{0,10}(맞|같|일치|다르|달라|차이)|합이맞|합계.{0,6}맞|총괄표?.{0,16}(맞|같|일치)"
                    r"|(조직표|현원표|표랑|표와|표는|표의).{0,16}(맞|같|다르|일치|차이|달라)|(맞|같|다르|일치|달라).{0,6}(표)"
                    r"|수치가다른|숫자가다른|숫자.{0,4}같|불일치|틀린건|검산|(소계|합계|합)(가|이)?.{0,12}(맞는지|맞아|맞나|일치)"
                    r"|discrepanc|mismatch|inconsisten|disagree|doesthatmatch|dotheymatch|addup|matchthe")
ORG_WORDS = (r"조직|정원|현원|인력|직원(이|은|수)|무슨일|어떤일|담당업무|주요기능|업무가|하는부서|시간선택제|별도정원"
             r"|staff|headcount|employees|organization|organisation|whatdoes.*do")
SHARE_WORDS = r"비중|차지하는|share of|proportion of"
OUTSIDE_BASE = r"서울시전체|시전체|서울시의전체|전국|타시도|다른시|citywide|entirecity"
OPINION_WORDS = r"생각하세요|생각해요|보세요\?|보시나요|의견은|평가해|좋은정책|어떻게보|do you think|your opinion"
NOT_DONE = r"안끝난|안끝났|끝나지않|미완료|안된거|완료안|완료되지|notyetcomplete|notcompleted|unfinished|open"
STATUS_WORDS = {"완료": r"완료|끝난|끝났|마친|마무리|completed|complete|done|finished",
                "추진중": r"추진중|진행중|ongoing|inprogress",
                "검토중": r"검토중|검토하고|underreview|reviewing",
                "미반영": r"미반영|반영안|반영되지|notreflected|rejected"}
STILL_WORDS = r"아직|남았|남은|still|remaining|open"      # 추진중, unless another status is named
MULTI_DEPT = r"(세|두|네|여러|3|2|4)\s*(개|곳)?\s*(의)?\s*(부서|담당관)|공동소관|several departments|three departments"
