"""What an import says about a file, row by row, in English and Chinese (a crew's breakdown
or screenplay, the extras office's register).

The API answers in English (``message``) with the ``code`` and its ``params``; the import
page shows the same problem in the reader's language from this catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# code: (English, 中文); {placeholders} come from the problem's params.
PROBLEMS: dict[str, tuple[str, str]] = {
    # errors: they block applying the import
    "required": ("{column} is empty: every row needs it.", "{column}为空：每行都必须填写。"),
    "no_length": (
        "Give the length in pages (e.g. 1 3/8) or in minutes: both are empty.",
        "请填写页数（如 1 3/8）或时长（分钟），两者都为空。",
    ),
    "bad_number": (
        "'{value}' is not a scene number: letters, digits and . - / only, up to 16 "
        "characters with the episode (e.g. 12A, 3-12A).",
        "“{value}”不是有效场次：只能用字母、数字和 . - /，"
        "连同集数不超过 16 个字符（如 12A、3-12A）。",
    ),
    "bad_episode": (
        "'{value}' is not an episode: write its number (e.g. 3 or 第3集).",
        "“{value}”不是有效集数：请写集数（如 3 或 第3集）。",
    ),
    "duplicate": (
        "Scene {number} appears twice in the file (first at {unit} {first}).",
        "场次 {number} 在文件中重复出现（首次在第 {first} {unit_zh}）。",
    ),
    "bad_int_ext": (
        "'{value}' is neither interior nor exterior: write 内/外 or INT/EXT.",
        "“{value}”无法识别为内景或外景：请填写 内/外 或 INT/EXT。",
    ),
    "bad_day_night": (
        "'{value}' is neither day nor night: write 日/夜 or DAY/NIGHT.",
        "“{value}”无法识别为日戏或夜戏：请填写 日/夜 或 DAY/NIGHT。",
    ),
    "bad_pages": (
        "'{value}' is not a length in pages: write 1 3/8, 3/8, 1.5 or 2.",
        "“{value}”不是有效页数：请写 1 3/8、3/8、1.5 或 2。",
    ),
    "bad_minutes": (
        "'{value}' is not a number of minutes (1 to 86400).",
        "“{value}”不是有效分钟数（1 至 86400）。",
    ),
    "bad_count": (
        "'{value}' is not a number of people.",
        "“{value}”不是有效人数。",
    ),
    "bad_date": (
        "'{value}' is not a date: write 2027-03-01 (dates lie between 2000 and 9000).",
        "“{value}”不是有效日期：请写 2027-03-01（年份在 2000 至 9000 之间）。",
    ),
    "dates_reversed": (
        "The latest date {latest} is before the earliest {earliest}.",
        "最晚日期 {latest} 早于最早日期 {earliest}。",
    ),
    "bad_tag": (
        "'{value}' is not a tag: tags are lowercase letters, digits and hyphens, as the sets' "
        "tags are (e.g. rain, republic-era).",
        "“{value}”不是有效标签：标签只能用小写字母、数字和连字符，"
        "与场景标签一致（如 rain、republic-era）。",
    ),
    "too_long": (
        "{column} is longer than {limit} characters.",
        "{column}超过 {limit} 个字符。",
    ),
    "too_many": (
        "{column} lists more than {limit} entries.",
        "{column}超过 {limit} 项。",
    ),
    "unknown_after": (
        "Scene {value} (to be shot before this one) is neither in the file nor among the "
        "crew's scenes.",
        "前置场次 {value} 既不在文件中，也不在本剧组已有场次中。",
    ),
    "after_itself": ("A scene cannot follow itself.", "一场戏不能接在自己之后。"),
    "after_loop": (
        "Continuity loops back: {path}.",
        "接戏顺序形成循环：{path}。",
    ),
    "missing_column": (
        "The header row has no {column} column (download the template to see the columns).",
        "表头缺少“{column}”列（可下载模板查看各列）。",
    ),
    "duplicate_column": (
        "Two columns mean {column}: '{first}' and '{second}'.",
        "有两列都表示{column}：“{first}”和“{second}”。",
    ),
    "no_scenes": (
        "No scene found in the file.",
        "文件中没有找到任何场次。",
    ),
    # the extras register's sheet
    "bad_gender": (
        "'{value}' is not a gender: write 男 or 女 (M or F).",
        "“{value}”无法识别为性别：请填写 男 或 女（M 或 F）。",
    ),
    "bad_year": (
        "'{value}' is not a year: write it in four digits (e.g. 1995).",
        "“{value}”不是有效年份：请写四位数字（如 1995）。",
    ),
    "bad_height": (
        "'{value}' is not a height: write centimetres (e.g. 175 or 175cm).",
        "“{value}”不是有效身高：请以厘米填写（如 175 或 175cm）。",
    ),
    "bad_whole_number": ("'{value}' is not a whole number.", "“{value}”不是整数。"),
    "bad_category": (
        "'{value}' is not a category: write 普通, 群特, 小特, 中特 or 大特 (ordinary, group "
        "featured, featured small, mid or large).",
        "“{value}”不是有效类别：请填写 普通、群特、小特、中特 或 大特。",
    ),
    "bad_status": (
        "'{value}' is not a status: write 在册 or 停用 (active or inactive).",
        "“{value}”不是有效状态：请填写 在册 或 停用（active 或 inactive）。",
    ),
    "bad_card_no": (
        "'{value}' is not a guild card number: letters, digits and hyphens only, up to 32 "
        "characters (e.g. HD-2024-01234).",
        "“{value}”不是有效证号：只能用字母、数字和连字符，不超过 32 个字符（如 HD-2024-01234）。",
    ),
    "bad_phone": (
        "'{value}' is not a phone number: digits, spaces, + and - only, up to 32 characters.",
        "“{value}”不是有效电话号码：只能用数字、空格、+ 和 -，不超过 32 个字符。",
    ),
    "bad_profile_tag": (
        "'{value}' is not a profile tag: Chinese characters, lowercase letters, digits and "
        "hyphens, as the register writes them (e.g. 骑马, horse-riding, cantonese).",
        "“{value}”不是有效标签：只能用汉字、小写字母、数字和连字符，"
        "与名册一致（如 骑马、horse-riding、cantonese）。",
    ),
    "too_small": (
        "{column}: {value} is below {limit}, the least accepted.",
        "{column}：{value} 小于允许的最小值 {limit}。",
    ),
    "too_big": (
        "{column}: {value} is above {limit}, the most accepted.",
        "{column}：{value} 大于允许的最大值 {limit}。",
    ),
    "invalid": (
        "{column}: '{value}' is not accepted ({reason}).",
        "{column}：“{value}”无效（{reason}）。",
    ),
    "duplicate_card": (
        "Card number {value} appears twice in the file (first at row {first}).",
        "证号 {value} 在文件中重复出现（首次在第 {first} 行）。",
    ),
    "no_performers": ("No performer found in the file.", "文件中没有找到任何演员。"),
    # warnings: shown, but they do not block
    "ignored_column": (
        "The column '{value}' is not one Backlot reads; it is ignored.",
        "“{value}”列不在可导入的列中，已忽略。",
    ),
    "heading_without_place": (
        "The scene heading names neither interior nor exterior (INT./EXT., 内/外): taken as "
        "interior; change the scene after the import if it is outside.",
        "场景标题没有注明内景或外景（INT./EXT.、内/外）：按内景处理；如是外景，请在导入后修改。",
    ),
    "unknown_tag": (
        "No set has the tag '{value}' yet: the scene cannot be planned until one has.",
        "目前没有场景带有标签“{value}”：在有场景带此标签之前，这场戏无法排期。",
    ),
    "both_int_ext": (
        "'{value}' is both interior and exterior: planned as exterior (it needs the weather).",
        "“{value}”既是内景也是外景：按外景排期（受天气影响）。",
    ),
    "no_day_night": (
        "The heading says neither day nor night: taken as {value}.",
        "场景标题没有注明日或夜：按{value_zh}处理。",
    ),
    "numbered_in_order": (
        "The script has no scene numbers: scenes are numbered 1, 2, 3… in their order. Number "
        "the scenes in the script before a later re-import, or inserted scenes shift the rest.",
        "剧本没有场次编号：按出现顺序编为 1、2、3……。如需日后重新导入，请先在剧本中锁定场次编号，"
        "否则插入的新场次会使后面的编号错位。",
    ),
    "minutes_from_pages": (
        "Minutes are worked out from the length in pages at {value} shooting minutes per page "
        "(the crew's setting).",
        "拍摄时长按页数推算：每页 {value} 分钟（剧组设置）。",
    ),
}

UNITS = {"row": "行", "line": "行", "paragraph": "段"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with (or worth knowing about) a file: where, which column, what."""

    code: str
    at: int | None = None  # the spreadsheet row, script line or Final Draft paragraph
    column: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, lang: str = "en", unit: str = "row") -> str:
        template = PROBLEMS[self.code][0 if lang == "en" else 1]
        return template.format(
            column=self.column or "", unit=unit, unit_zh=UNITS.get(unit, unit), **self.params
        )

    def to_json(self, unit: str) -> dict[str, Any]:
        return {
            "at": self.at,
            "column": self.column,
            "code": self.code,
            "params": self.params,
            "message": self.render("en", unit),
        }


def render(problem: dict[str, Any], lang: str, unit: str) -> str:
    """A stored problem (``Problem.to_json``) in the reader's language."""
    found = PROBLEMS.get(str(problem.get("code")))
    if found is None:
        return str(problem.get("message", ""))
    return Problem(
        str(problem["code"]), problem.get("at"), problem.get("column"), problem.get("params") or {}
    ).render(lang, unit)
