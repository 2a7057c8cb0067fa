"""The English words the question parser knows, apart from the plant's names
(:mod:`.lexicon`): numbers, fractions, ordinals, units, the keywords of each what-if kind,
fixed phrases, multipliers, superlatives, and which token types the consumption rule
counts as significant."""

from __future__ import annotations

from twinbench.llm.questions.lexicon import Phrase

__all__ = [
    "COUNT_UNITS",
    "DAYS",
    "FRACTIONS",
    "HARMLESS",
    "KEYWORDS",
    "MULTIPLIERS",
    "ONES",
    "ORDINALS",
    "PHRASES",
    "SCALES",
    "SCALE_AFTER_DIGITS",
    "SIGNIFICANT",
    "SUPERLATIVES",
    "TENS",
    "TYPO_WORDS",
    "UNITS",
    "WEAK_ADD",
]

ONES = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
        "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
        "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
        "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
            "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "last": -1, "final": -1}
FRACTIONS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4,
             "fifth": 5, "fifths": 5, "tenth": 10, "tenths": 10}
#: hours of a unit; "shift" is set from the calendar
UNITS = {"minute": 1 / 60, "minutes": 1 / 60, "min": 1 / 60, "mins": 1 / 60,
         "hour": 1, "hours": 1, "h": 1, "hr": 1, "hrs": 1, "day": 24, "days": 24, "d": 24,
         "week": 168, "weeks": 168, "wk": 168, "wks": 168, "w": 168,
         "fortnight": 336, "fortnights": 336, "month": 672, "months": 672}  # a month: 4 weeks
COUNT_UNITS = {"unit", "units", "pcs", "pieces", "piece", "parts", "part", "places",
               "place", "slots", "slot", "items", "pallets", "kg", "m", "kits", "kit",
               "spaces", "space", "spots", "positions"}

#: keyword -> token type (single words; multiword phrases below)
KEYWORDS: dict[str, str] = {}
for _t, _ws in {
    "LATE": "late later delay delays delayed behind slips slip slipping slipped tardy "
            "postponed postpones",
    "EARLY": "early earlier sooner ahead",
    "LOSS": "nothing bankrupt bankruptcy insolvent lose lost loses loss strike "
            "disappears collapses misses miss skips missed skipped",
    "DOWN": "down fail fails failed failure breaks broke broken breakdown offline outage "
            "dies died crashes crashed halted "
            "unavailable maintenance repair repaired idle outages stopped stops stop halts out "
            "fix fixed fixing downtime serviced servicing",
    "DEMAND": "demand orders ordered sales volume volumes",
    "ENERGY": "electricity energy power tariff tariffs kwh",
    "SHIFTW": "shift shifts crew crews",
    "BUFFER": "buffer buffers queue wip",
    "ADD": "add adds added buy install installs another purchase extra additional new "
           "staff staffed "
           "get run runs ran introduce introduces buying buys bought purchases purchasing "
           "installed",
    "REMOVE": "remove removes removed retire retires retired sell sells sold selling scrap scraps "
              "scrapped decommission fewer cancel "
              "cancels cancelled canceled",
    "SLOWER": "slow slower slows longer lengthened lengthen lengthens extended extends "
              "stretch stretches stretched",
    "FASTER": "fast quick faster quicker speeds shorter shortened shorten shortens",
    "PROC": "processing cycle takes take took taking taken",
    "ORDERW": "order wants requests",
    "RUSH": "rush urgent",
    "CAPACITY": "capacity capacities capped cap caps limited output",
    "DELIVER": "deliver delivers delivering deliveries delivery ships ship shipping "
               "supply supplies arrive arrives arrival arrivals come comes land lands "
               "shipment shipments containers consignment consignments delivered shipped arrived "
               "supplied landed",
    "RELEASE": "released release releases",
    "WEIGHT": "weight priority",
    "PRICE": "price prices cost costs pricing charges charge charged charging pay pays "
             "paid paying",
    "RELIAB": "reliability reliable improves improve worsens deteriorates",
    "SPOT": "spot spot-buy spot-buys spot-buying spot-bought",
    "OPEN": "open opens opened reopen reopens reopened operational",
    "CLOSE": "close closes closed closing shut shuts mothball mothballed",
    "UP": "up more higher rise rises rising increase increases increased grow grows jump "
          "jumps spike spikes raise raises raised boost climbs dearer pricier expensive "
          "plus bigger larger above hike hikes hiked enlarge enlarges expand expands "
          "growing climbing increasing jumping rose grew climbed jumped expanding spiked boosted "
          "boosts bump bumps bumped lift lifts lifted",
    "DOWNDIR": "less lower drop drops fall falls decrease decreases decreased shrink "
               "shrinks cut cuts reduce reduces reduced declines minus cheaper sinks smaller below "
               "lower lowers lowered lowering slash slashes slashed falling dropping "
               "shrinking declining decreasing sinking reducing cutting dropped fell "
               "shrank declined shrunk trim trims trimmed knock knocks knocked",
    "NEG": "not no never without",
    "STOPW": "or either except unless instead maybe perhaps between roughly about "
             "approximately around some several few many trucks truck ticket line lines "
             "tomorrow today tonight yesterday afternoon evening noon midnight overnight "
             "daily hourly monthly yearly annually points other next year years "
             # hedges and frequencies no edit can carry ("S2 is sometimes 3 days late")
             "sometimes occasionally often usually partially partly intermittently "
             "randomly alternate alternating cumulative cumulatively compounding almost "
             "nearly probably possibly likely unlikely chance nightly repeatedly again "
             "average typically mostly half-time "
             # a month without a day is no week of the plan ("may" is also a verb)
             "january february march april june july august september october november "
             "december jan feb mar apr jun jul aug sep sept oct nov dec",
    "BOTH": "both all every each",
    "SUPWORD": "supplier suppliers vendor vendors",
    "DCWORD": "dc dcs warehouse warehouses",
    "GENMACH": "machine machines",
    "TO": "to until till through",
    "BY": "by",
    "FROM": "from starting beginning after",
    "IN": "in during",
    "FOR": "for",
    "DUE": "due deadline",
    "TIMES": "times fold",
    "TOO": "too also",
    "REGIONW": "region",
    "HAD": "had have having",
    "PRON": "its it their they them",
    "DAYNAME": "monday mondays tuesday tuesdays wednesday wednesdays thursday thursdays "
               "friday fridays saturday saturdays sunday sundays weekdays weekday weekends "
               "mon tue tues wed thu thur thurs fri sat sun",
    "OF": "of",
    "PCT": "percent pct",
}.items():
    for _w in _ws.split():
        KEYWORDS.setdefault(_w, _t)

PHRASES: dict[tuple[str, ...], Phrase] = {}
# tag: its phrases, one per '|'
for _t, _ps in {
    "LOSS": ("no longer | no deliveries | out of business | goes bust | go bust | went bust "
             "| go under | go bankrupt | goes bankrupt | goes under | drops out | cut off | "
             "runs out of supply | run out of supply | stops delivering | stop delivering | "
             "cannot deliver | can't deliver | fails to deliver | delivers nothing | deliver "
             "nothing | out of stock"),
    "DOWN": ("out of service | out of order | out of action | not available | isn't "
             "available | is not available | switch off | switched off | turn off | turned "
             "off | not working | isn't working | not running | out of commission | under "
             "maintenance | under repair | stops working | stop working | stopped working"),
    "LEADTIME": "lead time | lead times | lead-time | delivery time",
    "PROC": "cycle time | cycle times | processing time | processing times",
    "RELIAB": ("on time | on-time | on-time rate | on time rate | on-time performance | "
               "on-time delivery | on time delivery | on-time delivery rate | "
               # "delivers in full and on time": the share of deliveries that are (OTIF)
               "complete and on time | in full and on time | on time and in full | on time "
               "and complete"),
    "SPOT": "spot market",
    "ALLPROD": ("across the board | all products | every product | each product | overall | "
                "in total"),
    "PERWEEK": "per week | each week | weekly | /week | /wk",
    "ENERGY": "per kwh | a kwh",
    "PCT": "per cent",
    "DCWORD": ("distribution centre | distribution center | distribution centres | "
               "distribution centers"),
    "STOPW": ("more than | less than | at least | up to | and/or | per day | per hour | per "
              "month | per year"),
    "CAPACITY": "at most",
    "AND": "as well as",
    "NIGHT": "night shift",
    "WEEKEND": "weekend shift",
    "SATURDAY": "saturday shift",
    "SUNDAY": "sunday shift",
    "ONEMORE": "one more",
    "SHIFTU": "full shift | full shifts | whole shift | whole shifts",
    "HALVE": "cut in half | in half",
    "SLOWER": "slows down | slow down | slowed down",
    "FASTER": "speeds up | speed up | sped up",
    "EARLY": "ahead of schedule",
    "LATE": "behind schedule | falls behind | fall behind | fell behind | falling behind",
    "CLOSE": "shuts down | shut down | closes down",
    "SKIP": ("quick one | quick question | how about | what about | on top | on top of that "
             "| whatever happens | no matter what | for good | permanently | in the event "
             "that | in the event of"),
    "REMOVE": "take away | takes away | take out | get rid of | gets rid of",
    "TOO": "so is | so are | so does | so do | as well | same for",
    "RELFULL": "fully reliable | perfectly reliable | completely reliable",
    "DELIVER": ("turn up | turns up | turned up | show up | shows up | come in | comes in | "
                "came in"),
    "CONTRACT": ("contract price | contract prices | contract | no premium | without a "
                 "premium | without premium | without any premium"),
}.items():
    for _p in _ps.split(" | "):
        PHRASES[tuple(_p.split())] = Phrase(_t)
# "at the start of the late shift", "from the beginning of week 3": that shift's or week's
# start is what the shift or week means anyway ("the end of" is not read)
for _p in ("at the start of", "at the beginning of", "the start of", "the beginning of",
           "start of", "beginning of"):
    PHRASES[tuple(_p.split())] = Phrase("SKIP")
# the framing of a scenario, not a change ("worst case: ...")
for _p in ("worst case", "worst-case", "best case", "best-case", "in the worst case"):
    PHRASES[tuple(_p.split())] = Phrase("SKIP")
for _p in ("at the weekend", "at weekends", "on weekends", "on the weekend"):
    PHRASES[tuple(_p.split())] = Phrase("DAYNAME", ("Sat", "Sun"))
for _ref in ("forecast", "forecasts", "planned", "plan", "expected", "usual", "normal",
             "today", "now", "before", "budget", "budgeted"):
    PHRASES[("less", "than", _ref)] = Phrase("DOWNDIR")
    PHRASES[("more", "than", _ref)] = Phrase("UP")
    PHRASES[("than", _ref)] = Phrase("SKIP")
for _ref in ("today", "now", "current", "usual", "normal"):  # "to half of today's"
    PHRASES[("of", _ref)] = Phrase("SKIP")
# the whole plan window: what a question without a time means anyway (the plan is a quarter)
for _w in ("whole", "entire", "full"):
    for _n in ("quarter", "horizon", "plan", "period", "plan window", "planning horizon"):
        PHRASES[(_w, *_n.split())] = Phrase("SKIP")
for _n in ("this quarter", "the quarter", "all quarter"):
    PHRASES[tuple(_n.split())] = Phrase("SKIP")
# "from week 3 to the end of the plan", "for the rest of the quarter": no end week
for _n in ("plan", "quarter", "horizon", "planning horizon", "plan window"):
    for _to in ("to", "until", "till", "through"):
        PHRASES[(_to, "the", "end", "of", "the", *_n.split())] = Phrase("SKIP")
    PHRASES[("for", "the", "rest", "of", "the", *_n.split())] = Phrase("SKIP")
# buying in an emergency is buying on the spot market ("emergency purchases")
for _n in ("purchases", "purchase", "buying", "buys", "sourcing", "procurement"):
    PHRASES[("emergency", _n)] = Phrase("SPOT")

#: "2 million", "20 thousand": a scale word after digits multiplies them
SCALE_AFTER_DIGITS = {"dozen": 12, "hundred": 100, "thousand": 1000, "million": 1_000_000,
                      "billion": 1_000_000_000}

#: words that may stand in a question without being read (function words, auxiliaries,
#: pronouns, verbs and adjectives that say nothing about an edit). Any other word that no
#: token covers refuses the question as not understood: a word the parser does not know
#: may change what the question means ("S2 is 3 days late on alternate weeks").
HARMLESS = set("""
a an the is are was were be been being am will would could should shall may might can must
do does did done doing what what's whats if when so suppose supposing imagine assume
assuming say let let's lets consider happens happen happened happening goes go going gone
gets get got getting becomes become became set sets put puts keep keeps kept stay stays
stayed remain remains remained has have we us our ours i me my you your they them their it
its this that these those there here which who how why just only even really actually
still currently entire entirely whole completely totally fully suddenly unexpectedly
please thanks thank hello hi okay ok case scenario plant factory shop floor station
stations work works worked use uses used using need needs needed make makes made
time anything everything anymore any front as well much into onto upon with at on to of
by for from in out up s current existing base baseline usual regular standard default
same see sees face faces experience experiences hit hits suffer suffers someone
morning customer customers factor hold holds holding force forced show shows showing
turns turn cope handle manage survive premium effect effects impact impacts result
results consequence consequences affect affects affected simulate simulation hypothetically
hypothetical given look looks check unfortunately apparently reportedly expect expects
forecast forecasts forecasted
hey like i'd i'm i've wondering wonder where rerun re-run try trying tell curious
changes change overall onwards onward number input held happen outcome overtime short
went came lasting lasts gave
special running right big major gives give giving offers offer offering grants
we'll we'd we're we've it'll they'll altogether promotion campaign eur euro euros
model modelled modeled modelling modeling wht total
""".split())

MULTIPLIERS = {"double": 2.0, "doubles": 2.0, "doubled": 2.0, "doubling": 2.0, "twice": 2.0,
               "triple": 3.0, "triples": 3.0, "tripled": 3.0, "tripling": 3.0,
               "thrice": 3.0, "treble": 3.0, "trebles": 3.0, "trebled": 3.0, "quadruple": 4.0,
               "quadrupled": 4.0,
               "quadruples": 4.0, "halve": 0.5, "halves": 0.5, "halved": 0.5}
DAYS = {d: d[:3].capitalize() for d in ("monday", "tuesday", "wednesday", "thursday",
                                          "friday", "saturday", "sunday")}
DAYS |= {d + "s": v for d, v in DAYS.items()} | {"weekdays": "weekdays",
                                                  "weekday": "weekdays",
                                                  "weekends": ("Sat", "Sun")}
DAYS |= {d: d[:3].capitalize() for d in ("mon", "tue", "tues", "wed", "thu", "thur", "thurs",
                                         "fri", "sat", "sun")}  # "Wed 14 Jan"
#: "add" words that often mean nothing ("S1 runs late", "spot purchases")
WEAK_ADD = {"run", "runs", "ran", "get", "gets", "purchase", "purchases", "buying", "buys",
            "purchasing"}
WEEK = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
SUPERLATIVES = {("cheapest",): "cheapest", ("most", "expensive"): "most expensive",
                ("dearest",): "dearest", ("most", "reliable"): "most reliable",
                ("least", "reliable"): "least reliable", ("fastest",): "fastest",
                ("slowest",): "slowest", ("largest",): "largest", ("biggest",): "biggest",
                ("smallest",): "smallest", ("longest", "lead", "time"): "slowest",
                ("shortest", "lead", "time"): "fastest"}
FILLERS = {"the", "a", "an", "our", "all", "its", "their", "each", "every", "this", "that",
            "us", "now", "example", "instance", "plan", "time", "anything", "everything",
            "them", "it", "some", "one", "course", "line", "anyone", "customers", "schedule",
            "planned", "expected", "normal", "whole", "entire"}
TYPO_WORDS = sorted(w for w, t in KEYWORDS.items() if len(w) >= 6)
SIGNIFICANT = {"NUM", "FRAC", "ORD", "DATE", "CLOCK", "NEG", "STOPW", "UNK", "UNKW", "SUP", "MACH",
               "PROCW", "MNOUN", "PROD", "PRODONE", "MAT", "DC", "REGION", "EARLY", "LATE", "UP",
               "DOWNDIR", "SLOWER", "FASTER", "MULT", "SUPERL", "COUNTRY", "BOTTLENECK",
               "HALVE", "ONEMORE", "PCT", "DAYNAME", "TARIFFP", "RELFULL",
               # words that name a kind of what-if: a parse that ignores one has missed
               # what the question says ("S4 stops shipping for a month" is no delay)
               "LOSS", "DOWN", "DEMAND", "ENERGY", "BUFFER", "ADD", "REMOVE", "PROC",
               "ORDERW", "CAPACITY", "PRICE", "RELIAB", "SPOT", "LEADTIME", "OPEN", "CLOSE",
               "SHIFTW", "NIGHT", "WEEKEND", "SATURDAY", "SUNDAY",
               # "per week", "the final week": a rate or a time no edit may drop
               "PERWEEK", "UNIT", "WEEKIDX",
               # "the contract price": a reference only the spot price reads
               "CONTRACT"}
