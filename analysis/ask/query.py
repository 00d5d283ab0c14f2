"""A question turned into a full-text search over one paper's passages.

Each content word of the question is a *group*: the word and the terms that
mean the same in papers (``GPU`` also matches ``A100``; ``limitations`` also
``drawback``). A Chinese question's terms come from a glossary of what people
ask about papers (数据集 → dataset, benchmark…), plus the Latin words in it
(``GPU``, ``ImageNet``); its other Chinese words only count for papers written
in Chinese. A passage *covers* a group when it contains any of its terms; the
paper is silent when no passage covers enough groups (:attr:`Query.needed`).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

MAX_NEEDED = 3
_CJK_CHAR = re.compile(r"([\u3400-\u9fff\uf900-\ufaff])")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-+.]*[A-Za-z0-9+]|[A-Za-z0-9]")
_STOPWORDS = frozenset(
    (
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "during",
        "each",
        "either",
        "else",
        "ever",
        "for",
        "from",
        "further",
        "get",
        "gets",
        "give",
        "given",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "how",
        "however",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "list",
        "me",
        "mention",
        "mentioned",
        "more",
        "most",
        "much",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "paper",
        "papers",
        "please",
        "same",
        "say",
        "says",
        "she",
        "should",
        "so",
        "some",
        "state",
        "stated",
        "such",
        "tell",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "who",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "would",
        "you",
        "your",
        "authors",
        "author",
        "describe",
        "explain",
        "exactly",
        "kind",
        "kinds",
        "mean",
        "means",
        "anything",
        "something",
        "thing",
        "things",
        "way",
        "ways",
        "really",
        "actually",
        "use",
        "used",
        "uses",
        "using",
    )
)
_CHINESE_STOP = re.compile(
    r"论文|文章|作者|本文|他们|它们|我们|请问|请|一下|什么|哪些|哪个|哪种|多少|如何|怎么|怎样|为什么|"
    r"是否|有没有|用了|使用|采用|是|的|了|吗|呢|吧|在|和|与|及|或|中|里|有|用|对|把|被|这|那|个|些|"
    r"提到|说明|介绍|描述|给出"
)
# English words and what papers write for them (stems are matched by the index: "dataset"
# finds "datasets").
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "dataset": ("dataset", "data", "benchmark", "corpus"),
    "data": ("data", "dataset", "corpus"),
    "limitation": ("limitation", "drawback", "weakness", "shortcoming", "limit", "future work"),
    "weakness": ("weakness", "limitation", "drawback", "shortcoming"),
    "gpu": ("gpu", "nvidia", "a100", "v100", "h100", "tpu", "hardware", "cuda"),
    "hardware": ("hardware", "gpu", "tpu", "cpu", "nvidia"),
    "compute": ("compute", "gpu", "tpu", "hours", "flops"),
    "budget": ("budget", "cost", "hours", "compute"),
    "cost": ("cost", "budget", "hours", "price"),
    "hyperparameter": ("hyperparameter", "hyper-parameter", "learning rate", "batch size"),
    "hyper-parameter": ("hyper-parameter", "hyperparameter", "learning rate", "batch size"),
    "metric": ("metric", "accuracy", "score", "evaluation", "measure"),
    "baseline": ("baseline", "compare", "comparison"),
    "code": ("code", "github", "release", "available", "open-source"),
    "summary": ("abstract", "propose", "contribution", "conclusion"),
    "contribution": ("contribution", "propose", "introduce"),
    "speed": ("speed", "time", "latency", "throughput", "faster"),
    "memory": ("memory", "gb", "ram"),
    "size": ("size", "parameters", "billion", "million"),
    "future": ("future", "future work", "plan"),
}
_GLOSSARY: dict[str, tuple[str, ...]] = {
    "数据集": ("dataset", "data", "benchmark", "corpus"),
    "数据": ("data", "dataset"),
    "基准": ("benchmark", "baseline"),
    "局限": ("limitation", "drawback", "weakness", "shortcoming", "limit", "future work"),
    "不足": ("limitation", "drawback", "weakness", "shortcoming"),
    "缺点": ("limitation", "drawback", "weakness"),
    "限制": ("limitation", "limit", "restrict"),
    "未来": ("future", "future work"),
    "批大小": ("batch size", "batch"),
    "批量": ("batch size", "batch"),
    "学习率": ("learning rate",),
    "超参数": ("hyperparameter", "hyper-parameter", "learning rate", "batch size"),
    "显卡": ("gpu", "nvidia", "a100", "v100", "h100"),
    "硬件": ("hardware", "gpu", "tpu", "cpu"),
    "算力": ("compute", "gpu", "tpu", "hours"),
    "计算资源": ("compute", "gpu", "tpu", "hours"),
    "成本": ("cost", "budget", "hours"),
    "训练": ("train", "training"),
    "时间": ("time", "hours", "days"),
    "结果": ("result", "results", "performance"),
    "性能": ("performance", "accuracy", "result"),
    "效果": ("performance", "result", "effect"),
    "准确率": ("accuracy",),
    "精度": ("accuracy", "precision"),
    "指标": ("metric", "accuracy", "score", "evaluation"),
    "评估": ("evaluation", "evaluate"),
    "实验": ("experiment", "evaluation"),
    "方法": ("method", "approach"),
    "模型": ("model",),
    "基线": ("baseline",),
    "对比": ("compare", "comparison", "baseline", "versus"),
    "比较": ("compare", "comparison", "versus"),
    "贡献": ("contribution", "propose"),
    "创新": ("novel", "contribution", "propose"),
    "动机": ("motivation", "motivate"),
    "消融": ("ablation",),
    "代码": ("code", "github", "release"),
    "开源": ("open-source", "github", "release", "code"),
    "损失": ("loss",),
    "优化器": ("optimizer", "adam", "sgd"),
    "轮": ("epoch",),
    "参数量": ("parameters", "billion", "million"),
    "规模": ("size", "scale", "parameters"),
    "编码器": ("encoder",),
    "解码器": ("decoder",),
    "检索": ("retrieval", "retriever", "retrieve"),
    "问答": ("question answering", "qa"),
    "速度": ("speed", "time", "latency", "throughput"),
    "效率": ("efficiency", "speed", "time"),
    "内存": ("memory",),
    "显存": ("memory", "gpu"),
    "用户研究": ("user study", "participants"),
    "参与者": ("participants",),
    "样本": ("sample", "example"),
    "预训练": ("pre-training", "pretraining", "pre-trained"),
    "微调": ("fine-tuning", "fine-tune", "finetune"),
    "总结": ("abstract", "propose", "conclusion"),
    "概述": ("abstract", "propose", "overview"),
    "附录": ("appendix",),
    "表": ("table",),
}
_GLOSSARY_KEYS = sorted(_GLOSSARY, key=len, reverse=True)
_WEAK = frozenset(
    (
        *("train", "training", "trained", "model", "models", "method", "methods", "approach"),
        *("result", "results", "experiment", "experiments", "data", "performance", "work"),
        *("propose", "proposed", "use", "study", "evaluation", "evaluate", "evaluated"),
        *("训练", "模型", "方法", "实验", "结果", "数据", "性能", "效果", "评估"),
    )
)


def spaced(text: str) -> str:
    """``text`` with a space around every CJK character, so the index sees one per token."""
    return _CJK_CHAR.sub(r" \1 ", text)


def has_cjk(text: str) -> bool:
    return _CJK_RUN.search(text) is not None


@dataclass(frozen=True)
class Group:
    """One thing the question asks about: its terms, and whether it counts for relevance.

    A *weak* group is a word every paper uses (training, model, 实验…): covering only weak
    groups is not enough when the question also names something specific.
    """

    terms: tuple[str, ...]
    counts: bool = True
    weak: bool = False

    def match(self) -> str:
        return " OR ".join(quote(term) for term in self.terms)


@dataclass(frozen=True)
class Query:
    groups: tuple[Group, ...]
    phrases: tuple[str, ...] = ()

    def match(self) -> str:
        """The FTS5 expression any candidate passage matches ("" when there is nothing)."""
        terms = dict.fromkeys(t for g in self.groups for t in g.terms)
        terms.update(dict.fromkeys(self.phrases))
        return " OR ".join(quote(term) for term in terms)

    def needs_specific(self) -> bool:
        """Whether a relevant passage must cover a group that is not weak.

        True when the question names something specific, including Chinese words a
        paper in English cannot contain (then only its specific glossary terms can serve).
        """
        return any(not group.weak or not group.counts for group in self.groups)

    def needed(self, counted: int) -> int:
        """Groups a passage must cover to be relevant, of ``counted`` that count: half, at most
        :data:`MAX_NEEDED` (a long question names more than one passage holds)."""
        return min(MAX_NEEDED, max(1, math.ceil(counted / 2)))


def quote(term: str) -> str:
    """An FTS5 string (a phrase when it has several tokens), safe from FTS5 syntax."""
    return '"' + spaced(term).replace('"', '""') + '"'


def build_query(question: str, *, cjk_paper: bool = False) -> Query:
    """The search for ``question``; ``cjk_paper`` counts Chinese words as for a Chinese paper."""
    groups: list[Group] = []
    latin = [w for w in _LATIN_WORD.findall(question) if w.lower() not in _STOPWORDS]
    for word in latin:
        lowered = word.lower()
        synonyms = _SYNONYMS.get(lowered) or _SYNONYMS.get(lowered.rstrip("s")) or ()
        terms = tuple(dict.fromkeys((lowered, *synonyms)))
        groups.append(Group(terms, weak=lowered in _WEAK))
    for run in _CJK_RUN.findall(question):
        groups += _chinese_groups(run, cjk_paper)
    phrases = tuple(f"{a.lower()} {b.lower()}" for a, b in itertools.pairwise(latin))
    return Query(_unique(groups), phrases)


def _chinese_groups(run: str, cjk_paper: bool) -> list[Group]:
    """Glossary terms found in a run of Chinese text, then what is left of it."""
    groups: list[Group] = []
    rest = run
    for key in _GLOSSARY_KEYS:
        if key in rest:
            groups.append(Group((*_GLOSSARY[key], key), weak=key in _WEAK))
            rest = rest.replace(key, " ")
    for leftover in _CHINESE_STOP.sub(" ", rest).split():
        if len(leftover) >= 2:  # a specific word only a Chinese paper can contain
            groups.append(Group((leftover,), counts=cjk_paper, weak=not cjk_paper))
    return groups


def _unique(groups: list[Group]) -> tuple[Group, ...]:
    seen: set[tuple[str, ...]] = set()
    kept = []
    for group in groups:
        if group.terms not in seen:
            seen.add(group.terms)
            kept.append(group)
    return tuple(kept)
