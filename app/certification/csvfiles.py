"""CSV files to and from HR, as Excel writes and reads them.

In: Excel on Chinese Windows saves "CSV" in GBK and "Unicode text" in UTF-16 (tab-separated);
other tools write UTF-8 with or without a byte-order mark. The encoding is detected, never assumed.
Out: UTF-8 with a byte-order mark (so Excel does not read it as the local code page), and a cell
that Excel would run as a formula (= + - @, or a leading tab or return) gets a leading apostrophe.
"""

import codecs
import csv
import io
from collections.abc import Iterable
from typing import Any

from app.certification.errors import CertificationError

HEADER_NAMES = ("username", "name", "user", "用户名", "姓名", "账号")
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def _utf16_without_bom(data: bytes) -> str | None:
    """utf-16-le or -be when one byte of each pair is mostly zero (text mostly in Latin letters), else None."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if odd >= len(data) // 4 and even == 0:
        return "utf-16-le"
    if even >= len(data) // 4 and odd == 0:
        return "utf-16-be"
    return None


def decode(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (with or without BOM), UTF-16 (with BOM, or evidently), else GB18030 (GBK)."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8):].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        wide = _utf16_without_bom(data)
        if wide:
            return data.decode(wide)
    except UnicodeDecodeError as exc:
        raise CertificationError("bad_csv", "文件编码无法识别 / the file's encoding cannot be read") from exc
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CertificationError("bad_csv", "文件编码无法识别,请存为 UTF-8 或 GBK 的 CSV / the file's encoding cannot be "
                                        "read; save it as CSV in UTF-8 or GBK")


def _delimiter(text: str) -> str:
    """Comma, tab (Excel's "Unicode text") or semicolon: whichever the first line holds most of."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (",", "\t", ";")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def first_column(text: str) -> list[tuple[int, str]]:
    """(line number, first cell) of every row with a first cell; a header row (username, 姓名…) is left out."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    cells = []
    try:
        for row in reader:
            if row and row[0].strip():
                cells.append((reader.line_num, row[0]))
    except csv.Error as exc:
        raise CertificationError("bad_csv", f"第 {reader.line_num} 行不是有效的 CSV / row {reader.line_num} is not "
                                            f"valid CSV: {exc}") from exc
    if cells and cells[0][1].strip().lower() in HEADER_NAMES:
        cells = cells[1:]
    return cells


def cell(value: Any) -> str:
    """A value as a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def write(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """A CSV file Excel opens cleanly: UTF-8 with a byte-order mark, formulas defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
