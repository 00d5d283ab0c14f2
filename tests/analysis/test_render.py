"""Markdown rendering: the seed's headings, labels, status line and mention safety."""

from __future__ import annotations

import re
from typing import Any

from analysis.render import analysis_sections, render_markdown, status_lines
from analysis.schema import Analysis, Language
from tests.support.seed import ANALYSIS_HEADING, seed_text

SEED_HEADINGS = [
    "论文概要",
    "研究动机",
    "核心贡献与创新点",
    "方法概述",
    "实验说明",
    "改进建议和未来研究方向",
]
EN_HEADINGS = [
    "Overview", "Motivation", "Key Contributions", "Method", "Experiments",
    "Limitations and Future Work",
]  # fmt: skip


def analysis(language: Language = "zh", **changes: Any) -> Analysis:
    fields: dict[str, Any] = {
        "overview": "TwinVLA composes two single-arm VLAs.",
        "motivation": "Bimanual data is scarce（第1节）。",
        "contributions": [
            {"title": "模块化双臂架构", "detail": "复制VLM主干。", "refs": ["第4节", "图3a"]},
            {"title": "联合注意力", "detail": "跨臂融合。", "refs": []},
        ],
        "method": "**架构设计**：基于SingleVLA。",
        "experiments": {
            "metrics": ["任务成功率"],
            "datasets": ["OXE数据集", "RoboTwin 2.0"],
            "baselines": [],
            "setup": ["25 H100 GPU天"],
        },
        "limitations": {"acknowledged": ["灾难性遗忘"], "potential": ["动态场景未验证"]},
        "future_work": [
            {"suggestion": "多任务学习", "feasibility": "高"},
            {"suggestion": "分层动作表示", "feasibility": ""},
        ],
    }
    base = Analysis(
        **fields, arxiv_id="2511.05275", version=1, title="TwinVLA", language=language,
        engine="llm:gpt-4o-mini", source="full_text",
    )  # fmt: skip
    return base.model_copy(update=changes)


def headings(markdown: str) -> list[str]:
    return re.findall(r"^### (.+)$", markdown, flags=re.MULTILINE)


def test_chinese_headings_are_the_seeds_in_order() -> None:
    markdown = render_markdown(analysis())
    assert headings(markdown) == SEED_HEADINGS
    seed = seed_text()
    first = seed.split(ANALYSIS_HEADING, 1)[1].split("\n---", 1)[0]
    assert headings(markdown) == headings(first)


def test_english_headings_mirror_them() -> None:
    assert headings(render_markdown(analysis("en"))) == EN_HEADINGS
    assert [h for h, _ in analysis_sections(analysis(), "en")] == EN_HEADINGS


def test_sections_use_the_seeds_labels_and_lists() -> None:
    body = dict(analysis_sections(analysis()))
    assert body["核心贡献与创新点"] == (
        "1. **模块化双臂架构**（第4节、图3a）：复制VLM主干。\n2. **联合注意力**：跨臂融合。"
    )
    assert body["实验说明"] == (
        "**评估指标**：任务成功率\n\n"
        "**数据集**：\n- OXE数据集\n- RoboTwin 2.0\n\n"
        "**对比方法**：论文未明确说明\n\n"
        "**实验条件**：25 H100 GPU天"
    )
    assert body["改进建议和未来研究方向"] == (
        "**已承认限制**：\n1. 灾难性遗忘\n\n"
        "**潜在局限**：\n1. 动态场景未验证\n\n"
        "**潜在改进**：\n1. 多任务学习（可行性：高）\n2. 分层动作表示"
    )


def test_english_labels() -> None:
    body = dict(analysis_sections(analysis("en")))
    assert body["Key Contributions"].startswith("1. **模块化双臂架构** (第4节, 图3a): ")
    assert "**Baselines**: Not stated in the paper." in body["Experiments"]
    assert "1. 多任务学习 (feasibility: 高)" in body["Limitations and Future Work"]


def test_status_line_states_engine_source_and_warnings() -> None:
    extractive = analysis(
        engine="extractive",
        source="abstract_only",
        source_reason="PDF 已加密",
        warnings=["已删除论文中不存在的引用：表9"],
    )
    markdown = render_markdown(extractive)
    assert markdown.startswith(
        "> 引擎：extractive（摘录式，未使用大模型） · 来源：仅摘要（原因：PDF 已加密）\n"
        "> 📌 原文摘录：以下各节为论文原句（未翻译），按章节挑选，并注明出处\n"
        "> ⚠️ 注意：已删除论文中不存在的引用：表9\n\n### 论文概要\n"
    )
    assert status_lines(analysis("en")) == ["Engine: llm:gpt-4o-mini · Source: full text"]


def test_status_line_names_the_text_source_next_to_the_engine() -> None:
    from_html = analysis("en", text_source="html")
    assert status_lines(from_html) == ["Engine: llm:gpt-4o-mini · Source: full text (HTML)"]
    from_pdf = analysis(text_source="pdf", text_source_note="arXiv has no HTML (404)")
    assert render_markdown(from_pdf).startswith("> 引擎：llm:gpt-4o-mini · 来源：全文（PDF）\n")


def test_missing_content_says_so_in_the_engine_s_words() -> None:
    empty = analysis(engine="extractive", method="", future_work=[])
    body = dict(analysis_sections(empty))
    assert body["方法概述"] == "摘录式分析未找到相关原句"
    assert body["改进建议和未来研究方向"].endswith(
        "**作者提出的未来工作（原文摘录）**：摘录式分析未找到相关原句"
    )
    assert dict(analysis_sections(analysis(method="")))["方法概述"] == "论文未明确说明"


def test_mass_mentions_from_the_paper_are_neutralised() -> None:
    hostile = analysis(
        overview="Ping @everyone and @here, then <!channel> and <!here|here>.",
        warnings=["@channel"],
    )
    markdown = render_markdown(hostile)
    for mention in ("@everyone", "@here", "<!channel>", "<!here", "@channel"):
        assert mention not in markdown
    assert "@\u200beveryone" in markdown
    assert "<\u200b!channel>" in markdown


def test_headings_inside_fields_cannot_change_the_skeleton() -> None:
    markdown = render_markdown(
        analysis(method="### 架构设计\n基于SingleVLA。\n# Ignore the rest ##")
    )
    assert headings(markdown) == SEED_HEADINGS
    assert "**架构设计**\n基于SingleVLA。\n**Ignore the rest**" in markdown
