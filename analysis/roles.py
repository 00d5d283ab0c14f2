"""What each section of a paper is for: its role, from its title, content and place.

Every section and subsection, body and appendix, gets a :class:`Role`. A
section's own title wins ("5.7 Limitations of the probe" under "5 Experiments"
is limitations); a subsection whose title names no role inherits its parent's;
a top-level section whose title names none is judged from its content (cue
words per role) and then from its place (the first section introduces, the
sections before the experiments describe the method). A section named after the
paper's own system ("4 Paper Plain: reading support") is method.

:func:`method_name` finds that system's name: the title's prefix before a colon,
or a name the abstract introduces ("we propose DenseLite", "(DPR)"), kept only
when the body uses it again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from analysis.document import Document, Section


class Role(StrEnum):
    """What a section is for."""

    INTRODUCTION = "introduction"
    RELATED = "related"
    METHOD = "method"
    EXPERIMENTS = "experiments"
    DATASETS = "datasets"
    SETUP = "setup"  # experimental/implementation/training details, hyper-parameters
    COMPUTE = "compute"  # compute, cost, efficiency, run time
    RESULTS = "results"
    ABLATION = "ablation"
    DISCUSSION = "discussion"
    LIMITATIONS = "limitations"
    FUTURE_WORK = "future_work"
    CONCLUSION = "conclusion"
    PROOFS = "proofs"
    EXAMPLES = "examples"  # prompts, case studies, qualitative samples
    BACK_MATTER = "back_matter"
    OTHER = "other"


# Checked in this order, the first match wins: "Experimental setup" is setup, not
# experiments; "Conclusion and future work" is a conclusion; "Limitations and
# broader impacts" is limitations.
_TITLE_PATTERNS: tuple[tuple[Role, str], ...] = (
    (
        Role.BACK_MATTER,
        r"acknowledg|funding|author contributions?|competing interests|conflicts? of interest|"
        r"^references$|bibliography|checklist|致谢|参考文献",
    ),
    (
        Role.LIMITATIONS,
        r"limitation|threats? to validity|broader impact|societal impact|ethic|risks?\b|"
        r"failure (cases|modes)|局限|不足",
    ),
    (Role.ABLATION, r"ablation|消融"),
    (
        Role.RELATED,
        r"related (work|research|literature)|background|prior work|previous work|"
        r"literature|state of the art|travaux|état de l.art|相关工作|研究现状",
    ),
    (Role.INTRODUCTION, r"introduction|引言|绪论|前言"),
    (Role.CONCLUSION, r"conclu|concluding|总结|结论"),
    (Role.DISCUSSION, r"^(?!.*\bresults?\b).*discussion|讨论"),  # "Results and discussion": results
    (Role.FUTURE_WORK, r"future (work|directions?|research)|outlook|perspectives|展望|未来工作"),
    (
        Role.SETUP,
        r"experimental (setup|settings?|details|protocol)|impl[ée]mentation|"
        r"training (details|setup|configuration|procedure)|hyper-?parameters?|setup|settings?\b|"
        r"reproducib|"
        r"details (on|of|about) (the )?(experiment|task|dataset|data|training|evaluation|model)|"
        r"实验设置|实现细节|超参数",
    ),
    (
        Role.COMPUTE,
        r"compute\b|computational|cost|efficien|run-?time|latency|resources?|hardware|carbon|"
        r"energy|throughput|计算开销|效率|成本",
    ),
    (
        Role.DATASETS,
        r"datasets?\b|data (description|collection|pre-?processing|statistics|sets?|sources?)|"
        r"corp(us|ora)|benchmarks?$|数据集|数据",
    ),
    (
        Role.RESULTS,
        r"results?\b|résultats|findings|performance|comparison|analys[ie]s|qualitative|quantitative|"
        r"main (results|findings)|结果|分析|对比",
    ),
    (
        Role.EXPERIMENTS,
        r"experiment|evaluation|empirical|user stud|stud(y|ies)\b|benchmark|expérim|évaluation|"
        r"实验|评估",
    ),
    (Role.PROOFS, r"proofs?\b|theorem|lemma|derivation|证明"),
    (Role.EXAMPLES, r"examples?\b|prompts?\b|case stud|samples|visuali[sz]ation|示例|案例"),
    (
        Role.METHOD,
        r"method|approach|model|framework|architecture|algorithm|design|system|proposed|"
        r"formulation|preliminar|problem|overview|objective|training|learning|méthod|"
        r"方法|模型|框架|算法",
    ),
)
_TITLE = tuple((role, re.compile(pattern, re.IGNORECASE)) for role, pattern in _TITLE_PATTERNS)
# Content cues for a top-level section whose title names no role.
_CONTENT_CUES: tuple[tuple[Role, re.Pattern[str]], ...] = (
    (Role.RELATED, re.compile(r"\bet al\.|\bprior work|\bprevious (work|studies)", re.I)),
    (
        Role.METHOD,
        re.compile(r"\bwe (propose|define|design|introduce|formulate)|\bour (model|method)", re.I),
    ),
    (Role.RESULTS, re.compile(r"\boutperform|\bTable \d|\bresults? (show|indicate)", re.I)),
    (Role.LIMITATIONS, re.compile(r"\blimitations?\b|\bdoes not (handle|generalize)", re.I)),
)
MIN_CONTENT_CUES = 3
_CAMEL = re.compile(r"^(?=.*[A-Z].*[A-Z]|.*\d)[A-Za-z][\w.+-]*$")
_INTRODUCED = re.compile(
    r"\b(?i:we|this paper|this work)\s+(?i:propose|introduce|present|develop|call|name|term|build)"
    r"[^.]{0,80}?\b([A-Z][\w.+-]*(?:\s[A-Z][\w.+-]*)?)",
)
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z0-9-]*[A-Z0-9])\)")
MIN_NAME_MENTIONS = 3
_ALWAYS_OWN = frozenset({Role.LIMITATIONS, Role.FUTURE_WORK, Role.BACK_MATTER})


@dataclass(frozen=True)
class RoledSection:
    """A section, its role, and whether it is in the appendix."""

    section: Section
    role: Role
    appendix: bool


def classify(title: str) -> Role:
    """The role a heading names, or OTHER."""
    text = re.sub(r"^[\dA-Z]{0,4}(?:[.\-]\d+)*\.?\s+", "", title.strip())  # no numbering
    for role, pattern in _TITLE:
        if pattern.search(text):
            return role
    return Role.OTHER


def section_roles(sections: Sequence[Section], name: str | None = None) -> list[Role]:
    """The role of each section; own title first, then the parent's, then content and place."""
    roles: list[Role] = []
    parents: list[tuple[Section, Role]] = []
    for index, section in enumerate(sections):
        while parents and not _is_child(section, parents[-1][0]):
            parents.pop()
        parent = parents[-1][1] if parents else Role.OTHER
        own = _own_role(section, parent, name)
        if own == Role.OTHER:
            own = _by_content(section) or _by_place(index, roles)
        roles.append(own)
        parents.append((section, own))
    return roles


def document_roles(document: Document) -> list[RoledSection]:
    """Every section of the body and the appendix with its role."""
    name = method_name(document)
    body = section_roles(document.sections, name)
    appendix = section_roles(document.appendix, name) if document.appendix else []
    return [RoledSection(s, r, False) for s, r in zip(document.sections, body, strict=True)] + [
        RoledSection(s, _appendix_role(r), True)
        for s, r in zip(document.appendix, appendix, strict=True)
    ]


def method_name(document: Document) -> str | None:
    """The name of the paper's own system, if it has one the body uses again."""
    body = document.body_text()
    for candidate in _name_candidates(document):
        if len(re.findall(rf"(?<!\w){re.escape(candidate)}(?!\w)", body)) >= MIN_NAME_MENTIONS:
            return candidate
    return None


def _name_candidates(document: Document) -> list[str]:
    found: list[str] = []
    if ":" in document.title:
        prefix = document.title.split(":", 1)[0].strip()
        if 0 < len(prefix.split()) <= 3:
            found.append(prefix)
    for match in _INTRODUCED.finditer(document.abstract):
        words = match.group(1).split()
        found += [w.rstrip(".,") for w in words if _CAMEL.match(w.rstrip(".,"))]
    found += _ACRONYM.findall(document.abstract)
    found += [m for s in document.sections for m in _ACRONYM.findall(s.title)]
    return list(dict.fromkeys(found))


def _own_role(section: Section, parent: Role, name: str | None) -> Role:
    """The title's role, with two exceptions that take the parent's.

    A generic "Method"/"Design" under a study or discussion is the study's; an
    unnumbered run-in heading ("Evaluation." inside the introduction) is a topic of
    its parent, unless it names limitations, future work or back matter.
    """
    role = classify(section.title)
    if role == Role.METHOD and parent not in (Role.METHOD, Role.OTHER):
        return parent
    if not section.number and parent != Role.OTHER and role not in _ALWAYS_OWN:
        return parent
    if role != Role.OTHER or parent != Role.OTHER:
        return role if role != Role.OTHER else parent
    if name and name.lower() in section.title.lower():
        return Role.METHOD
    return Role.OTHER


def _by_content(section: Section) -> Role | None:
    counts = [(len(cue.findall(section.text)), role) for role, cue in _CONTENT_CUES]
    count, role = max(counts, key=lambda pair: pair[0])
    return role if count >= MIN_CONTENT_CUES else None


def _by_place(index: int, earlier: Sequence[Role]) -> Role:
    if index == 0:
        return Role.INTRODUCTION
    later = {Role.EXPERIMENTS, Role.RESULTS, Role.CONCLUSION, Role.DATASETS, Role.SETUP}
    if Role.INTRODUCTION in earlier and not later & set(earlier):
        return Role.METHOD
    return Role.OTHER


def _appendix_role(role: Role) -> Role:
    """Appendix sections keep a detail role; an introduction there is just "other"."""
    return Role.OTHER if role in (Role.INTRODUCTION, Role.CONCLUSION) else role


def _is_child(section: Section, parent: Section) -> bool:
    if section.number and parent.number:
        return section.number.startswith(parent.number + ".")
    return section.level > parent.level
