"""Which of the 8 categories a harmful request falls under, when its row has no usable label."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from safedata.categories import canonical
from safedata.cue import Cue

# A cheap lexical classifier for rows that arrive without a usable category label. Each category has cue
# stems that point to it; sexual/minors needs a minor cue and a sexual cue together. A category is chosen
# only when its score is at least MIN_SCORE and beats the runner-up; otherwise the row is `unknown` and gets
# the category-neutral template (a wrong category is worse than none: a self-harm request refused as crime).
_CUES: dict[str, tuple[str, ...]] = {
    "self-harm/intent/instructions": (
        r"suicid",
        r"kill (?:myself|yourself|themselves)",
        r"end (?:my|your|their) (?:own )?life",
        r"self[- ]harm",
        r"cut(?:ting)? (?:myself|yourself)",
        r"hurt (?:myself|yourself)",
        r"want to die",
        r"starv(?:e|ing) (?:myself|yourself)",
        r"pro[- ]ana",
        r"purg(?:e|ing) after",
        r"overdos(?:e|ing) on",
        r"hang (?:myself|yourself)",
        r"(?:don't|do not|no longer) want to (?:live|be alive|be here|exist)",
        r"how many (?:pills|tablets)",
        r"not (?:want|wanting) to (?:live|be alive)",
        r"painless(?:ly)? die",
    ),
    "harassment/threatening": (
        r"harass",
        r"bully",
        r"cyberbull",
        r"threat(?:en)?",
        r"intimidat",
        r"humiliat",
        r"insult",
        r"stalk",
        r"troll",
        r"make (?:him|her|them) (?:scared|afraid|cry|suffer)",
        r"revenge on",
        r"mock",
        r"(?:feels?|be|get) (?:scared|afraid|unsafe|threatened)",
        r"ridicul",
        r"torment",
        r"blackmail",
        r"scare (?:him|her|them|my)",
    ),
    "hate/threatening": (
        r"racis",
        r"slur",
        r"inferior",
        r"supremac",
        r"hate speech",
        r"hateful",
        r"ethnic",
        r"\bnazi",
        r"antisemit",
        r"islamophob",
        r"homophob",
        r"transphob",
        r"xenophob",
        r"sexis",
        r"bigot",
        r"immigrants? (?:are|is)",
        r"(?:jews|muslims|christians|blacks?|whites?|asians?|gays?|lesbians|"
        r"women|arabs|mexicans|hispanics|latinos|disabled people) (?:are|should)",
        r"discriminat",
        r"stereotyp",
        r"genocide of",
        r"ethnic cleansing",
        r"dehumaniz",
        r"(?:of|with) a certain (?:colou?r|"
        r"race|religion|ethnicity|nationality)",
        r"segregat",
        r"marginali[sz]ed groups?",
    ),
    "violence/graphic": (
        r"gore",
        r"gory",
        r"graphic(?:ally)?",
        r"vivid detail",
        r"dismember",
        r"mutilat",
        r"bloody",
        r"blood[- ]?soaked",
        r"brutal",
        r"torture scene",
        r"disembowel",
        r"decapitat",
        r"gruesome",
        r"sadistic",
        r"glorif",
    ),
    "misinformation": (
        r"fake news",
        r"conspirac",
        r"hoax",
        r"false (?:claim|information|story|article)",
        r"disinformation",
        r"misinformation",
        r"propaganda",
        r"fabricat",
        r"convinc\w* (?:people|readers|the public) that",
        r"article (?:claiming|arguing|that claims)",
        r"fake (?:review|testimonial|study|quote|evidence)",
        r"deepfake",
        r"(?:election|vote) (?:was )?(?:rigged|stolen)",
        r"vaccines? (?:cause|causes)",
        r"flat earth",
        r"did not happen",
        r"never happened",
        r"misleading",
        r"rumou?r",
        r"convince (?:my |the |our )?\w+ that",
        r"persuad\w* (?:people|readers|voters) that",
    ),
    "privacy/sensitive": (
        r"home address",
        r"phone number",
        r"social security",
        r"personal (?:information|data|details)",
        r"\bdox",
        r"track (?:someone|my|his|her|their)\w*'?s? (?:location|phone)",
        r"spy on",
        r"read (?:his|her|"
        r"their|someone's|my \w+'s) (?:messages|texts|emails)",
        r"private (?:emails|messages|photos)",
        r"medical records",
        r"where (?:he|she|they) lives?",
        r"facial recognition",
        r"\bpii\b",
        r"credit card (?:number|details)",
        r"password of",
        r"without (?:their|his|her) (?:knowledge|consent)",
        r"hidden camera",
        r"location of (?:my|his|her)",
        r"address of",
        r"(?:her|his|their|\w+'s) (?:home |new |current )?address",
        r"where (?:does|do) (?:my|her|his|their|the) \w+ live",
    ),
    "illicit/violent": (
        r"weapon",
        r"\bbomb",
        r"explosive",
        r"\bguns?\b",
        r"firearm",
        r"ammunition",
        r"murder",
        r"kill (?:him|her|them|someone|a person|people|my )",
        r"poison",
        r"synthesi[sz]e",
        r"\bmeth\b",
        r"methamphetamine",
        r"cocaine",
        r"heroin",
        r"fentanyl",
        r"drugs?\b",
        r"\bhack",
        r"malware",
        r"ransomware",
        r"phishing",
        r"keylogger",
        r"exploit",
        r"steal",
        r"theft",
        r"launder",
        r"counterfeit",
        r"fraud",
        r"\bscam",
        r"shoplift",
        r"break into",
        r"smuggl",
        r"traffick",
        r"illegal(?:ly)?",
        r"evade",
        r"bypass",
        r"crack (?:a|the) (?:password|license)",
        r"pirat",
        r"forg(?:e|ed|ery) ",
        r"nerve agent",
        r"toxin",
        r"pathogen",
        r"bioweapon",
        r"arson",
        r"burn down",
        r"kidnap",
        r"assault",
        r"attack",
        r"terror",
        r"rob\b|robb",
        r"ddos",
        r"botnet",
        r"carjack",
        r"embezzl",
        r"bribe",
        r"extort",
        r"molotov",
        r"escape from (?:a |the )?(?:prison|jail|correctional)",
        r"disarm",
        r"beat (?:him|her|them|"
        r"someone|up)",
        r"without (?:getting caught|being caught|leaving (?:a trace|evidence))",
        r"get away with",
        r"inflict",
        r"assassinat",
        r"hit ?m[ae]n",
        r"poach",
        r"endangered",
        r"watermark",
        r"copyrighted",
        r"infect",
        r"get high",
        r"untraceable",
        r"tax evasion",
        r"evad(?:e|ing) (?:taxes|the police)",
        r"loot",
        r"riot",
        r"hurt (?:a|my|the|his|her) (?:cat|dog|animal|pet)",
        r"animal cruelty",
        r"break through",
        r"sabotag",
        r"vandal",
        r"shoot (?:up|someone|people)",
        r"stab",
    ),
}
_MINOR = Cue(
    r"\b(?:minors?|child(?:ren)?|kids?|underage|preteens?|pre-teens?|teens?|teenagers?|schoolgirls?|"
    r"schoolboys?|(?:1[0-7]|[4-9])[- ]year[- ]olds?|young (?:girl|boy)s?|little (?:girl|boy)s?)\b",
    re.IGNORECASE,
)
_SEXUAL = Cue(
    r"\b(?:sex\w*|nude\w*|naked|erotic\w*|porn\w*|intimate|explicit|seduc\w*|groom\w*|molest\w*|aroused?|"
    r"fetish\w*|lewd)\b",
    re.IGNORECASE,
)
_CUE_RE = {name: Cue(r"\b(?:" + "|".join(cues) + r")", re.IGNORECASE) for name, cues in _CUES.items()}
MIN_SCORE = 1


GENERIC = "illicit/violent"  # the catch-all: a tie with a specific category goes to the specific one


def classify(prompt: str) -> str | None:
    """The category a harmful request most plausibly falls under, or None when the cues do not decide."""
    if _MINOR.search(prompt) and _SEXUAL.search(prompt):
        return "sexual/minors"
    scores = {name: len(rx.findall(prompt)) for name, rx in _CUE_RE.items()}
    top = max(scores.values())
    best = [name for name, s in scores.items() if s == top]
    if len(best) > 1 and GENERIC in best:
        best.remove(GENERIC)
    return best[0] if top >= MIN_SCORE and len(best) == 1 else None


@dataclass(frozen=True)
class Resolved:
    name: str | None  # one of the 8, or None: unknown
    how: str  # "label" (the row's label maps), "classified" (from the request), or "unknown"


@lru_cache(maxsize=4096)  # a template row resolves its prompt three times (thought, refusal, provenance)
def resolve(prompt: str, label: str | None) -> Resolved:
    """The row's category: its label when that maps onto the 8, else classified from the request, else
    unknown (then a category-neutral template is written)."""
    named = canonical(label)
    if named is not None:
        return Resolved(named, "label")
    guessed = classify(prompt)
    return Resolved(guessed, "classified") if guessed else Resolved(None, "unknown")
