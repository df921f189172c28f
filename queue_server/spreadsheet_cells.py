"""Text in the CSV files a hall's staff open in Excel or WPS: shown as it was written.

Excel and WPS read every CSV cell as if typed into the sheet. A 工号 `007` becomes the
number 7, a window `3-1` the date 1 March, an 18-digit 办件编号 `1.23457E+17`, `TRUE` a truth
value; and a cell starting with `=`, `+`, `-` or `@` is a formula, which a citizen's comment
must never be (CSV injection). Two marks, each undone by a program reading the file:

- text that the spreadsheet would take for a number, a date, a time or the like is written
  as a formula giving that text, `="007"`: the cell shows 007 and holds the text 007;
- any other text that would start a formula, or that starts with `'` itself, gets a leading
  `'`, so `=HYPERLINK(...)` stays text.

A program gets the text back by taking what is between the quotes of a cell `="…"` and by
dropping the first `'` of a cell that starts with one; every other cell is the text itself.
The hall's own text never starts with `=` once marked, so the two marks cannot be confused.
"""

from __future__ import annotations

import re

BOM = "\ufeff"  # without it Excel reads UTF-8 as the local code page and garbles Chinese

# A cell starting with one of these is a formula to Excel, WPS and LibreOffice (whitespace
# before it is no protection in every one of them); text starting with the mark `'` is
# marked too, so that a program can always drop the first `'`.
_MARKED_STARTS = ("=", "+", "-", "@", "'")
# Excel refuses a formula whose text is longer: such text is marked with `'` instead.
_LONGEST_FORMULA_TEXT = 255
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# What a number, a date or a time is made of besides its digits, in the forms Excel and WPS
# on a Chinese Windows PC read: 1,234.5 -7% (5) ¥12 1E5 1/2 2026-11-23 2026/11/23 9:30 PM
# 2026年11月23日 9时30分 23-Nov Sept1 2026-03-02T09:30:00+08:00, full-width forms too.
_VALUE_PARTS = re.compile(
    r"[0-9０-９\s.,:/+\-%()$¥€£．，：／＋－％（）￥年月日时分秒]"
    rf"|(?<=[0-9０-９])[eEtT](?=[+\-]?[0-9０-９])|上午|下午|(?i:[ap]\.?m\.?|{_MONTHS})\.?"
)
_DIGIT = re.compile(r"[0-9０-９]")
# Words Excel and WPS turn into a truth value or an error value.
_SPECIAL_VALUES = frozenset(
    ("TRUE", "FALSE", "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
)


def looks_like_a_value(text: str) -> bool:
    """Whether Excel or WPS would read `text` as something else than that text: a number
    (with leading zeros lost, or in E notation), a date, a time, a truth or an error value."""
    if text.strip().upper() in _SPECIAL_VALUES:
        return True
    return _DIGIT.search(text) is not None and not _VALUE_PARTS.sub("", text)


def csv_text(text: str) -> str:
    """`text` as a CSV cell that Excel and WPS show as written and never run as a formula."""
    if looks_like_a_value(text) and len(text) <= _LONGEST_FORMULA_TEXT:
        return f'="{text}"'
    if text.lstrip().startswith(_MARKED_STARTS):
        return "'" + text
    return text
