"""Reading uploaded lists safely: limits, encodings, delimiters, XLSX bombs; rows are streamed."""

import codecs
import csv
import hashlib
import re
import secrets
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

CSV_EXTENSIONS = {".csv", ".tsv", ".txt"}
XLSX_EXTENSIONS = {".xlsx"}
DELIMITERS = ",;\t|"
CHUNK = 1024 * 1024


class ImportFileError(ValueError):
    """The file cannot be imported; the message is shown to the user as is."""


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", 100 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 1_000_000))


def max_cell() -> int:
    return int(getattr(settings, "IMPORT_MAX_CELL_CHARS", 10_000))


@dataclass
class FileInfo:
    """What the upload pass learned about a file, before any parsing."""

    sha256: str = ""
    size: int = 0
    file_format: str = ""
    encoding: str = ""
    delimiter: str = ""
    line_count: int = 0
    sheets: list[str] = field(default_factory=list)


def file_format_for(name: str) -> str:
    suffix = Path(name or "").suffix.lower()
    if suffix in CSV_EXTENSIONS:
        return "csv"
    if suffix in XLSX_EXTENSIONS:
        return "xlsx"
    raise ImportFileError(_("Upload a .csv or .xlsx file (this one ends in “%(suffix)s”).") % {
        "suffix": suffix or _("nothing")
    })


def store_upload(upload, destination_dir: Path) -> tuple[Path, FileInfo]:
    """Stream an uploaded file to disk, hashing it and checking limits before any parsing."""
    info = FileInfo(file_format=file_format_for(upload.name))
    if upload.size is not None and upload.size > max_bytes():
        raise ImportFileError(_("The file is larger than the limit of %(mb)s MB.") % {
            "mb": max_bytes() // (1024 * 1024)
        })
    destination_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    tmp = destination_dir / f".upload-{secrets.token_hex(8)}"
    utf8 = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    newlines = 0
    head = b""
    with open(tmp, "wb") as out:
        for chunk in upload.chunks(CHUNK):
            info.size += len(chunk)
            if info.size > max_bytes():
                out.close()
                tmp.unlink(missing_ok=True)
                raise ImportFileError(_("The file is larger than the limit of %(mb)s MB.") % {
                    "mb": max_bytes() // (1024 * 1024)
                })
            if len(head) < 65536:
                head += chunk[: 65536 - len(head)]
            digest.update(chunk)
            newlines += chunk.count(b"\n")
            if utf8_ok and info.file_format == "csv":
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            out.write(chunk)
    if utf8_ok and info.file_format == "csv":
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    info.sha256 = digest.hexdigest()
    path = destination_dir / f"{info.sha256}-{secrets.token_hex(4)}.{info.file_format}"
    tmp.replace(path)
    try:
        if info.file_format == "csv":
            info.line_count = newlines
            _check_csv(head, info, utf8_ok)
        else:
            info.sheets = check_xlsx(path)
    except ImportFileError:
        path.unlink(missing_ok=True)
        raise
    return path, info


def _check_csv(head: bytes, info: FileInfo, utf8_ok: bool) -> None:
    if not head.strip():
        raise ImportFileError(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("This is an Excel (.xlsx) file saved with a .csv name: rename it .xlsx."))
    info.encoding = detect_encoding(head, utf8_ok)
    text = head.decode(info.encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    controls = sum(1 for c in text if (ord(c) < 32 and c not in "\r\n\t") or c == "\ufffd")
    if controls > max(2, len(text) // 100):
        raise ImportFileError(_("This file is not a readable CSV list (it looks like binary data)."))
    if info.line_count > max_rows() + 1:
        raise ImportFileError(_("The file has more than the limit of %(rows)s rows.") % {
            "rows": f"{max_rows():,}"
        })
    info.delimiter = sniff_delimiter(text)


def detect_encoding(head: bytes, utf8_ok: bool) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM or NUL pattern), else Windows-1252."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_nuls > half * 0.6 and even_nuls < half * 0.1:
            return "utf-16-le"
        if even_nuls > half * 0.6 and odd_nuls < half * 0.1:
            return "utf-16-be"
    if b"\x00" in sample:
        raise ImportFileError(_("This file is not a readable CSV list (it looks like binary data)."))
    return "utf-8" if utf8_ok else "cp1252"


def sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()][:20]
    if len(lines) > 1 and not text.endswith("\n"):
        lines = lines[:-1]  # the sample may cut the last line short
    sample = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = lines[0] if lines else ""
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


# --- XLSX ---

DIMENSION = re.compile(rb'<(?:\w+:)?dimension[^>]*ref="([A-Z]+\d+:)?[A-Z]+(\d+)"')


def check_xlsx(path: Path) -> list[str]:
    """Refuse zip bombs and over-long sheets from the zip directory alone; return sheet names."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFileError(_("This is not a readable .xlsx file.")) from exc
    with archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise ImportFileError(_("This is not a readable .xlsx file."))
        uncompressed = sum(i.file_size for i in infos)
        compressed = sum(i.compress_size for i in infos) or 1
        limit = int(getattr(settings, "IMPORT_MAX_XLSX_UNCOMPRESSED", 1024 * 1024 * 1024))
        ratio = int(getattr(settings, "IMPORT_MAX_XLSX_RATIO", 100))
        if uncompressed > limit or (uncompressed > 10 * 1024 * 1024 and uncompressed / compressed > ratio):
            raise ImportFileError(
                _("This .xlsx file expands to %(mb)s MB: it is refused as a possible zip bomb.")
                % {"mb": uncompressed // (1024 * 1024)}
            )
        for info in infos:
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                with archive.open(info) as sheet:
                    head = sheet.read(4096)
                match = DIMENSION.search(head)
                if match and int(match.group(2)) > max_rows() + 1:
                    raise ImportFileError(_("The file has more than the limit of %(rows)s rows.") % {
                        "rows": f"{max_rows():,}"
                    })
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=False)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


# --- Rows ---


def iter_rows(path: Path, *, file_format: str, encoding: str = "", delimiter: str = ",",
              sheet_name: str = "") -> Iterator[list[str]]:
    """Yield every row of the file as a list of strings, streaming."""
    if file_format == "csv":
        yield from _iter_csv(path, encoding, delimiter)
    else:
        yield from _iter_xlsx(path, sheet_name)


def _iter_csv(path: Path, encoding: str, delimiter: str) -> Iterator[list[str]]:
    # The csv module refuses fields over its limit; ours is a little higher so we can say why.
    limit = max_cell()
    csv.field_size_limit(max(limit + 1, 1024))
    with open(path, encoding=encoding or "utf-8", errors="strict", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter or ",")
        line = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(
                    _("Row %(row)s has a cell longer than %(chars)s characters, or broken quoting.")
                    % {"row": reader.line_num or line + 1, "chars": f"{max_cell():,}"}
                ) from exc
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    _("The file's text encoding could not be read near row %(row)s.") % {"row": line + 1}
                ) from exc
            line += 1
            if line == 1 and row and row[0].startswith("\ufeff"):
                row[0] = row[0][1:]
            if row and max(map(len, row)) > limit:
                raise ImportFileError(
                    _("Row %(row)s has a cell longer than %(chars)s characters.")
                    % {"row": line, "chars": f"{limit:,}"}
                )
            yield row


def _cell_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "hour"):
        if value.hour == value.minute == value.second == 0:
            return value.date().isoformat()
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _iter_xlsx(path: Path, sheet_name: str) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=False)
    try:
        sheet = workbook[sheet_name] if sheet_name in workbook.sheetnames else workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            row = [_cell_text(v) for v in values]
            for cell in row:
                if len(cell) > max_cell():
                    raise ImportFileError(
                        _("Row %(row)s has a cell longer than %(chars)s characters.")
                        % {"row": number, "chars": f"{max_cell():,}"}
                    )
            while row and row[-1] == "":
                row.pop()
            yield row
    finally:
        workbook.close()


def read_header(path: Path, *, file_format: str, encoding: str, delimiter: str, sheet_name: str,
                header_row: int) -> tuple[list[str], list[list[str]]]:
    """Return the header (unique, non-empty names) and up to five sample rows after it."""
    header: list[str] | None = None
    samples: list[list[str]] = []
    for number, row in enumerate(
        iter_rows(path, file_format=file_format, encoding=encoding, delimiter=delimiter,
                  sheet_name=sheet_name),
        start=1,
    ):
        if number < header_row:
            continue
        if header is None:
            header = row
            continue
        if any(cell.strip() for cell in row):
            samples.append(row)
        if len(samples) >= 5:
            break
    if header is None or not any(h.strip() for h in header):
        raise ImportFileError(_("The file is empty."))
    if not samples:
        raise ImportFileError(_("The file has a header row but no rows of data."))
    return unique_headers(header), samples


def unique_headers(header: list[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(header, start=1):
        name = raw.strip() or _("Column %(n)s") % {"n": index}
        base, n = name, 2
        while name.lower() in seen:
            name = f"{base} ({n})"
            n += 1
        seen.add(name.lower())
        names.append(name)
    return names
