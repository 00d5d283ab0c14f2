"""Cue words and lexicons the extractive engine picks sentences and names with."""

from __future__ import annotations

import re


def cues(*words: str) -> re.Pattern[str]:
    return re.compile("|".join(words), re.IGNORECASE)


GAP = cues(
    r"\bhowever\b", r"\bremains?\b", r"\bchalleng", r"\blimited\b", r"\black", r"\bstruggle",
    r"\bexisting (methods|approaches|work|systems|models)", r"\bprior work", r"\bfails?\b",
    r"\bsuffers?\b", r"\bbottleneck", r"\bdifficult", r"\bexpensive\b", r"\bcostly\b",
    r"\binsufficient", r"\bgap\b", r"\bunclear\b", r"\bproblem\b", r"\bbarriers?\b",
    r"然而", r"挑战", r"不足", r"缺乏", r"局限",
)  # fmt: skip
CONTRIBUTION = cues(
    r"\bwe (propose|introduce|present|develop|design|describe|build|contribute|"
    r"show|demonstrate|offer|construct|argue|explore|outline|identify|characteri[sz]e|envision|"
    r"investigate|study)\b",
    r"\bour (main )?contributions?\b",
    r"\bthis (paper|work) (contributes|proposes|introduces|presents|describes|argues|explores)",
    r"\bin this (paper|work), we\b",
    r"\bnous (proposons|présentons|introduisons|décrivons|définissons)\b",
    r"\bcet article (propose|présente)",
    r"我们提出",
    r"本文提出",
)
CONTRIBUTION_LIST = cues(
    r"contributes?:",
    r"contributions (are|include)",
    r"following contributions",
    r"contributions? (of this|of our) (paper|work)",
    r"本文的贡献",
)
# Metric names: an item of the metrics field names one of these.
METRIC_NAMES = re.compile(
    r"\b(?:top-?(?:k|\d+) (?:retrieval )?accuracy|exact match|EM\b|F1(?:[- ]score)?|"
    r"F-(?:score|measure)|accuracy|(?<!-)precision(?!-)|recall|BLEU(?:-\d)?|ROUGE(?:-[12L])?|METEOR|"
    r"CIDEr|perplexity|AU-?ROC|AUC|AU-?PRC|mAP|IoU|mIoU|success rates?|error rates?|RMSE|"
    r"MAE|MSE|MAPE|latency|throughput|win rates?|pass@\d+|Likert(?:[- ]scale)?(?: ratings?)?|"
    r"Spearman|Pearson|Kendall|NDCG(?:@\d+)?|MRR(?:@\d+)?|Recall@\d+|Hits@\d+|WER|CER|"
    r"FID|PSNR|SSIM|sensitivity|specificity|PPV|false alarms?|SUS|NASA-TLX|task completion time|"
    r"comprehension (?:scores?|questions?)|准确率|召回率|成功率)",
    re.IGNORECASE,
)
METRIC_USE = cues(
    r"\bmeasured? (as|by|with|in terms of)\b", r"\bwe (report|evaluate|measure|compute)\b",
    r"\bmetrics?\b", r"\bevaluat", r"\bin terms of\b", r"\bscores?\b", r"指标",
)  # fmt: skip
DATASET_NOUN = r"(?:data ?sets?|benchmarks?|corp(?:us|ora)|collections?|suites?)"
BASELINE = cues(
    r"\bbaselines?\b", r"\bcompared? (with|to|against)\b", r"\bcomparisons?\b",
    r"\boutperforms?\b", r"\bstate[- ]of[- ]the[- ]art\b", r"\bSOTA\b", r"\bversus\b", r"\bvs\.",
    r"对比", r"基线",
)  # fmt: skip
SETUP = cues(
    r"\bGPUs?\b", r"\bTPUs?\b", r"\b[AHV]100\b", r"\bRTX\b", r"\bCPUs?\b", r"\bhours?\b",
    r"\bbatch size", r"\blearning rate", r"\bepochs?\b", r"\boptimi[sz]er\b", r"\bAdamW?\b",
    r"\btrained (for|on|with)\b", r"\bfine-?tun", r"\bimplemented (in|with|using)",
    r"\bPyTorch\b", r"\bTensorFlow\b", r"\bhyper-?parameters?\b", r"\bwarm-?up\b", r"\bsteps\b",
    r"\bseeds?\b", r"\bdropout\b", r"\bFAISS\b", r"\bLucene\b", r"\bparticipants?\b",
    r"\brecruited\b", r"\bsessions?\b", r"\bminutes\b", r"\bcompensat", r"显卡", r"训练",
)  # fmt: skip
RESULT = cues(
    r"\boutperform", r"\bimprov", r"\bachiev", r"\breach", r"\bsurpass", r"\bbetter than\b",
    r"\bhigher\b", r"\blower\b", r"\bgains?\b", r"\bstate[- ]of[- ]the[- ]art\b", r"\bsignifican",
    r"\bresults? (show|indicate|suggest)", r"\bbest\b", r"提升", r"优于", r"达到",
)  # fmt: skip
LIMITATION = cues(
    r"\blimitations?\b", r"\blimited (to|by|in)\b", r"\bdrawbacks?\b", r"\bshortcomings?\b",
    r"\bweakness", r"\bfails? to\b", r"\bdoes not\b", r"\bdo not\b", r"\bcannot\b",
    r"\bonly (works|applies|considers|evaluated)", r"\brestricted to\b", r"\bcaveats?\b",
    r"\bthreats?\b", r"\bbias(ed)?\b", r"\bnot (yet )?(able|generali[sz]e)", r"\bsmall sample",
    r"局限", r"不足",
)  # fmt: skip
FUTURE = cues(
    r"\bfuture (work|research|directions?|studies|versions?|systems?)\b", r"\bin the future\b",
    r"\bwe (plan|intend|hope) to\b", r"\bcould be extended\b", r"\bextend (this|our)\b",
    r"\bfurther (research|work|investigation|study)\b", r"\bremains? to be\b",
    r"\bopen (question|problem)s?\b", r"\bleave .{0,40}\bfor future\b", r"\bfuture\b",
    r"\bwould (benefit|be interesting|help)\b", r"\bcould (explore|investigate|study)\b",
    r"未来", r"今后",
)  # fmt: skip
# Statements that are not future work: releases, availability, acknowledgements.
RELEASE = cues(
    r"\b(we )?(release|open-?source|make .{0,30}available|publicly available|is available at)\b",
    r"\bcode (and|is|will)\b",
    r"\bcheckpoints?\b",
    r"\bgithub\b",
)
# Whose statement: the authors' own (first person / this work) or someone else's.
OWN = cues(r"\b(we|our|us)\b", r"\bthis (work|paper|study|system|approach|method)\b", r"本文|我们")
OTHERS = cues(r"\bet al\.", r"\bprior (work|methods|approaches)", r"\bexisting (methods|work)")
# Sentences that cannot stand alone or are not prose.
DANGLING = re.compile(
    r"^(?:this|these|those|it|they|such|its|their|that|(?:however|thus|hence|also|so),? "
    r"(?:this|these|it|they))\b"
    r"(?! (?:paper|work|study|article|thesis|section|approach|method|system|framework|model)\b)",
    re.IGNORECASE,
)
CAPTION = re.compile(r"^(?:Fig(?:ure)?\.?|Table|Tab\.|Algorithm)\s*[A-Z]?\d+\s*[:.|]", re.I)
FOOTNOTE = re.compile(
    r"^\W*[∗*†‡§¶]|^\d{1,2}[A-Z][a-z]|work (was )?(done|performed) (during|while|at)|"
    r"\binternship\b|equal contribution|corresponding author|contributed equally|"
    r"[\w.]+@[\w.]+|\buniversity\b|\binstitute of\b|\bdepartment of\b",
    re.IGNORECASE,
)
CITATION = re.compile(r"\[[\d,\s–-]+\]|\([A-Z][^()]{0,60}?\d{4}[a-z]?\)|\bet al\.")
