"""One contract suite run over every reader (synthetic inputs written by the tests)."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from corpora.cable import Cable, Reject
from corpora.read import FORMATS, detect_format, read_cables, read_file
from corpora.store import CorpusStore

HEADER = (
    "VZCZCXRO1234\n"
    "OO RUEHC\n"
    "DE RUEHZB #{serial:04d}/01 0101200\n"
    "ZNY CCCCC ZZH\n"
    "O 101200Z JAN 09\n"
    "FM AMEMBASSY ZEMBLA\n"
    "TO RUEHC/SECSTATE WASHDC IMMEDIATE 0001\n"
)
BODY = (
    "C O N F I D E N T I A L ZEMBLA {serial:06d}\n"
    "\n"
    "SIPDIS\n"
    "\n"
    "E.O. 12958: DECL: 01/10/2019\n"
    "TAGS: PREL ECON ZB\n"
    "SUBJECT: ZEMBLAN FISHERIES TALKS {word}\n"
    "\n"
    "{para}1. (C) The fisheries minister told us the talks on cod quotas would resume\n"
    "in the spring, after the harbour strike ends.\n"
    "\n"
    "{para}2. (U) Comment: herring licences dominate the agenda. End comment.\n"
    "KINBOTE\n"
)
DATE = datetime(2009, 1, 10, 12, 0, tzinfo=UTC)


def cable_text(serial: int, word: str = "STALL", para: str = "") -> tuple[str, str]:
    return HEADER.format(serial=serial), BODY.format(serial=serial, word=word, para=para)


def _html_page(serial: int, para: str = "\u00b6") -> str:
    header, body = cable_text(serial, para=para)
    enc = {"\n": "&#x000A;"}

    def pre(text: str) -> str:
        text = text.replace("&", "&amp;").replace("<", "&lt;")
        return "".join(enc.get(c, c) for c in text)

    return (
        "<?xml version='1.0' encoding='utf-8' ?>\n<!DOCTYPE html>\n"
        "<html xmlns='http://www.w3.org/1999/xhtml'><head><title>Cable Viewer</title>"
        "<script>var x = '<table class=\"cable\">';</script></head><body>"
        "<div class='pane small'><a href='/tag/PREL_0.html'>PREL</a></div>"
        "<table class='cable'><tr><th>Reference ID</th><th>Created</th><th>Released</th>"
        "<th>Classification</th><th>Origin</th></tr><tr>"
        f"<td><a href='/cable/2009/01/09ZEMBLA{serial}.html'>09ZEMBLA{serial}</a></td>"
        "<td><a href='/date/2009-01_0.html'>2009-01-10 12:00</a></td>"
        "<td><a href='/reldate/2010-11-30_0.html'>2010-11-30 16:04</a></td>"
        "<td><a href='/classification/2_0.html' title='unclassified'>CONFIDENTIAL</a></td>"
        "<td><a href='/origin/57_0.html'>Embassy Zembla</a></td></tr></table>"
        f"<code><pre>{pre(header)}</pre></code><code><pre>{pre(body)}</pre></code>"
        "</body></html>\n"
    )


def _csv_row(n: int, serial: int) -> str:
    header, body = cable_text(serial, word='"STALL" AGAIN')
    body = body.replace("minister", "minister's aide")

    def q(s: str) -> str:  # MySQL-dump escapes: backslash before quotes and apostrophes
        return '"' + s.replace("'", "\\'").replace('"', '\\"') + '"'
    return ",".join(
        [q(str(n)), q("1/10/2009 12:00"), q(f"09ZEMBLA{serial}"), q("Embassy Zembla"),
         q("CONFIDENTIAL"), q("09STATE1|09ZEMBLA7"), q(header), q(body)]
    ) + "\n"


def _jsonl_line(serial: int) -> str:
    header, body = cable_text(serial, para="\u00b6")
    return json.dumps({
        "_id": f"09ZEMBLA{serial}", "reference_id": f"09ZEMBLA{serial}",
        "origin": "Embassy Zembla", "date_time": "2009-01-10 12:00",
        "classification": "CONFIDENTIAL", "header": header, "body": body,
    }) + "\n"


def _plusd_page(serial: int) -> str:
    header, body = cable_text(serial)

    def kv(key: str, val: str) -> str:
        return (f'<td><div class="s_key"><a class="i" title="{key}">{key}:</a></div>'
                f'<div class="s_val" title=" {val} (9 documents)">{val}</div></td>')

    return (
        "<!DOCTYPE html><html><head><title>Cable: 2009ZEMBLA0000{s}_b</title>"
        "<style>div {{color: red}}</style></head><body><script>var t='<div>';</script>"
        '<table id="synopsis"><tr><td colspan="2">ZEMBLAN FISHERIES TALKS STALL</td></tr><tr>'
        + kv("Date", "2009 Jan 10, 12:00 (Saturday)")
        + kv("Canonical ID", f"2009ZEMBLA{serial:05d}_b")
        + "</tr><tr>"
        + kv("Original Classification", "CONFIDENTIAL")
        + kv("TAGS", "PREL - Political Affairs <span>|</span> ZB - Zembla").replace(
            'title=" PREL - Political Affairs <span>|</span> ZB - Zembla', 'title=" PREL, ZB')
        + "</tr></table>"
        '<div class="pane-content"><div class="text-header hidden">'
        + header.replace("&", "&amp;")
        + '</div><div class="text-content"><div id="tagged-text">'
        + body.replace("&", "&amp;")
        + "</div></div></div></body></html>\n"
    ).replace("{s}", str(serial))


def _frus_doc(serial: int) -> str:
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:frus="http://history.state.gov/frus/ns/1.0"
     xml:id="frus1999-00v01">
<text><body><div type="chapter">
<div type="document" n="{serial}" xml:id="d{serial}"
     frus:doc-dateTime-min="2009-01-10T07:00:00-05:00">
<head>{serial}. Telegram From the Embassy in Zembla<note n="1" type="source">Source: Zembla
File. Confidential; Nodis.</note></head>
<opener><dateline><placeName>Zembla</placeName>, <date when="2009-01-10">Jan 10</date>
</dateline></opener>
<p>1. The fisheries minister told us<note n="2">Footnote text.</note> the talks on cod
quotas would <pb n="5"/>resume in the spring [<hi rend="italic">1 line not
declassified</hi>].</p>
<p>2. Herring licences dominate the agenda.</p>
</div></div></body></text></TEI>
"""


def _alx(serial: int) -> str:
    header, body = cable_text(serial, para="\u00b6")
    return (f"09ZEMBLA{serial}\nZEMBLAN FISHERIES TALKS STALL\nSat Jan 10 12:00:00 +0100 2009\n"
            f"CONFIDENTIAL\nEmbassy Zembla\n{header}{body}")


def _zip(serial: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        header, body = cable_text(serial)
        zf.writestr(f"cables/09ZEMBLA{serial}.txt", "\n" + header + body)
        zf.writestr("cables/second.jsonl", _jsonl_line(serial + 1))
    return buf.getvalue()


# format -> (file name, bytes for cables 42 [and 43 where a file holds many], refs)
VALID = {
    "raw": ("c.txt", lambda: ("\n" + "".join(cable_text(42)) + "".join(cable_text(43))).encode(),
            ["09ZEMBLA42", "09ZEMBLA43"]),
    "cablegate-csv": ("c.csv", lambda: (_csv_row(1, 42) + _csv_row(2, 43)).encode(),
                      ["09ZEMBLA42", "09ZEMBLA43"]),
    "cablegate-html": ("09ZEMBLA42.html", lambda: _html_page(42).encode(), ["09ZEMBLA42"]),
    "jsonl": ("c.json", lambda: (_jsonl_line(42) + _jsonl_line(43)).encode(),
              ["09ZEMBLA42", "09ZEMBLA43"]),
    "plusd": ("p.html", lambda: _plusd_page(42).encode(), ["2009ZEMBLA00042_b"]),
    "frus": ("d42.xml", lambda: _frus_doc(42).encode(), ["frus1999-00v01-d42"]),
    "alx": ("09ZEMBLA42.txt", lambda: _alx(42).encode(), ["09ZEMBLA42"]),
    "archive": ("c.zip", lambda: _zip(42), ["09ZEMBLA42", "09ZEMBLA43"]),
}
MULTI = {"raw", "cablegate-csv", "jsonl"}  # several records per file


def test_every_format_has_a_contract_case():
    assert set(VALID) == set(FORMATS)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _records(path, fmt="auto"):
    return list(read_cables([path], fmt))


@pytest.fixture(params=sorted(VALID))
def fmt(request):
    return request.param


def test_valid_input_reads_to_records(tmp_path, fmt):
    name, make, refs = VALID[fmt]
    path = _write(tmp_path, name, make())
    assert detect_format(str(path), path.read_bytes()[:65536]) == fmt
    records = _records(path)
    assert [r for r in records if isinstance(r, Reject)] == []
    assert [r.ref for r in records] == refs
    first = records[0]
    assert first.date == DATE
    assert first.classification == "CONFIDENTIAL"
    assert "fisheries minister" in first.body
    assert "SIPDIS" not in first.body and "E.O. 12958" not in first.body
    assert first.source.path == str(path)
    assert len(first.source.sha256) == 64
    # the same result when the format is forced
    assert [r.ref for r in _records(path, fmt)] == refs


def test_container_metadata_and_text(tmp_path, fmt):
    name, make, _ = VALID[fmt]
    records = _records(_write(tmp_path, name, make()))
    cable = records[0]
    if fmt == "frus":
        assert cable.subject == "Telegram From the Embassy in Zembla"
        assert cable.caveats == ("NODIS",)
        assert "Footnote" not in cable.body and "not declassified" not in cable.body
        assert "would resume in the spring" in cable.body
        assert [p.number for p in cable.paragraphs] == ["1", "2"]
    else:
        assert cable.tags is not None and "PREL" in cable.tags
        assert "FISHERIES" in (cable.subject or "").upper()
        assert "¶" not in cable.body
    if fmt == "cablegate-html":
        assert cable.released == datetime(2010, 11, 30, 16, 4, tzinfo=UTC)
        assert cable.origin == "Embassy Zembla"
    if fmt == "cablegate-csv":
        assert cable.references == ("09STATE1", "09ZEMBLA7")
        assert '"STALL" AGAIN' in cable.subject
        assert "minister's aide" in cable.body


def test_empty_file_is_a_reject_naming_the_file(tmp_path, fmt):
    name, _, _ = VALID[fmt]
    path = _write(tmp_path, name, b"")
    records = _records(path, fmt)
    assert records and all(isinstance(r, Reject) for r in records)
    assert all(str(path) in str(r) for r in records)


MALFORMED = {
    "raw": lambda: ("\n" + "".join(cable_text(42)) + "VZCZCXRO9\nOO RUEHC\n").encode(),
    "cablegate-csv": lambda: (_csv_row(1, 42) + '"2","1/10/2009 12:00","09ZEMBLA43"\n'
                              + _csv_row(3, 44)).encode(),
    "cablegate-html": lambda: _html_page(42).encode().rsplit(b"<code><pre>", 1)[0],
    "jsonl": lambda: (_jsonl_line(42) + _jsonl_line(43)[:60] + "\n" + _jsonl_line(44)).encode(),
    "plusd": lambda: _plusd_page(42).encode().split(b'<div class="pane-content">')[0],
    "frus": lambda: _frus_doc(42).encode()[:-60],
    "alx": lambda: b"09ZEMBLA42\nSUBJ\nnot a date\nCONFIDENTIAL\nEmbassy Zembla\nbody\n",
    "archive": lambda: _zip(42)[:-40],
}


def test_malformed_or_truncated_record_is_a_reject_and_reading_goes_on(tmp_path, fmt):
    name, _, _ = VALID[fmt]
    path = _write(tmp_path, name, MALFORMED[fmt]())
    records = _records(path, fmt)
    rejects = [r for r in records if isinstance(r, Reject)]
    assert rejects, f"{fmt}: a malformed input gave no Reject"
    assert all(str(path) in str(r) and r.reason for r in rejects)
    if fmt in MULTI:
        assert [r.ref for r in records if isinstance(r, Cable)][:1] == ["09ZEMBLA42"]
    if fmt in ("cablegate-csv", "jsonl"):
        assert [r.ref for r in records if isinstance(r, Cable)] == ["09ZEMBLA42", "09ZEMBLA44"]


def test_non_utf8_bytes(tmp_path, fmt):
    name, make, refs = VALID[fmt]
    data = make()
    if fmt == "archive":
        pytest.skip("archive bytes are binary; members are covered by their own format")
    # a Latin-1 pilcrow/e-acute where UTF-8 expects a continuation byte
    bad = data.replace(b"fisheries minister", b"fish\xe9ries minister", 1)
    assert bad != data
    path = _write(tmp_path, name, bad)
    records = _records(path, fmt)
    assert len(records) == len(refs)
    for r in records[:1]:  # the first record holds the Latin-1 byte
        if isinstance(r, Reject):
            assert str(path) in str(r) and ("UTF-8" in r.reason or "XML" in r.reason)
        else:
            assert "fish\u00e9ries" in r.body
            if fmt not in ("frus",):
                assert any("not UTF-8" in n for n in r.notes)
    if fmt in MULTI:
        assert any(isinstance(r, Cable) for r in records)


def test_crlf_reads_like_lf(tmp_path, fmt):
    name, make, refs = VALID[fmt]
    if fmt == "archive":
        pytest.skip("archive bytes are binary")
    lf = _records(_write(tmp_path, name, make()), fmt)
    crlf_path = _write(tmp_path / "..", f"crlf-{name}", make().replace(b"\n", b"\r\n"))
    crlf = _records(crlf_path, fmt)
    assert [r.ref for r in crlf] == refs
    for a, b in zip(lf, crlf, strict=True):
        assert (a.date, a.subject, a.tags, a.body) == (b.date, b.subject, b.tags, b.body)
        assert "\r" not in b.body


def test_two_reads_give_the_same_records(tmp_path, fmt):
    name, make, _ = VALID[fmt]
    path = _write(tmp_path, name, make())
    first, second = _records(path), _records(path)
    assert len(first) == len(second) > 0
    assert first == second


def test_bytes_already_read_give_the_same_records(tmp_path, fmt):
    # the store reads a small file once and hands its bytes over: same records as a path
    name, make, _ = VALID[fmt]
    path = _write(tmp_path, name, make())
    from_path = list(read_file(str(path), "auto"))
    from_bytes = list(read_file(str(path), "auto", data=path.read_bytes()))
    assert from_bytes == from_path and len(from_path) > 0
    assert list(read_file(str(path), fmt, data=path.read_bytes())) == from_path


def test_store_round_trip_keeps_every_field(tmp_path, fmt):
    name, make, refs = VALID[fmt]
    (tmp_path / "in").mkdir()
    path = _write(tmp_path / "in", name, make())
    cables = [r for r in _records(path) if isinstance(r, Cable)]
    store = CorpusStore.ingest([path], out=tmp_path / "store")
    assert len(store) == len(cables) == len(refs)
    assert list(store.iter_cables()) == cables


def test_csv_cut_inside_a_quoted_field_is_a_reject(tmp_path):
    data = (_csv_row(1, 42) + _csv_row(2, 43)).encode()
    path = _write(tmp_path, "cut.csv", data[: len(data) - 200])
    records = _records(path)
    assert [r.ref for r in records if isinstance(r, Cable)] == ["09ZEMBLA42"]
    (rej,) = [r for r in records if isinstance(r, Reject)]
    assert str(path) in rej.reason and rej.source.locator.startswith("row 2")


def test_gzip_member_is_read_streaming(tmp_path):
    path = tmp_path / "cables.jsonl.gz"
    path.write_bytes(gzip.compress((_jsonl_line(42) + _jsonl_line(43)).encode()))
    records = _records(path)
    assert [r.ref for r in records] == ["09ZEMBLA42", "09ZEMBLA43"]
    assert records[0].source.locator == "member cables.jsonl line 1"
    assert records[0].source.format == "jsonl"


def test_zip_with_climbing_member_is_rejected_and_rest_read(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../x", "".join(cable_text(41)))
        zf.writestr("/abs/cable.txt", "".join(cable_text(40)))
        zf.writestr("ok/cable.txt", "".join(cable_text(42)))
    records = _records(path)
    rejects = [r for r in records if isinstance(r, Reject)]
    assert sorted(r.source.locator for r in rejects) == ["member ../../x", "member /abs/cable.txt"]
    assert all("unsafe member name" in r.reason for r in rejects)
    assert [r.ref for r in records if isinstance(r, Cable)] == ["09ZEMBLA42"]
    assert not (tmp_path.parent.parent / "x").exists()
    store = CorpusStore.ingest([path], out=tmp_path / "store")
    assert len(store) == 1 and len(store.rejects()) == 2


def test_folder_walk_is_recursive_sorted_and_skips_hidden(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "b" / "x.txt").write_text("\n" + "".join(cable_text(2)))
    (tmp_path / "a" / "y.txt").write_text("\n" + "".join(cable_text(1)))
    (tmp_path / ".hidden" / "z.txt").write_text("".join(cable_text(3)))
    (tmp_path / "NOTES.md").write_text("".join(cable_text(4)))
    seen = []
    records = list(read_cables(tmp_path, on_progress=lambda p, n: seen.append(n)))
    cables = [r.ref for r in records if isinstance(r, Cable)]
    assert cables == ["09ZEMBLA1", "09ZEMBLA2"]
    assert [r.field for r in records if isinstance(r, Reject)] == ["format"]  # NOTES.md
    assert seen == [1, 2, 3]


def test_bad_arguments_raise_with_a_clear_message(tmp_path):
    with pytest.raises(ValueError, match="'format' parameter of read_cables"):
        list(read_cables(tmp_path, "docx"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        list(read_cables(tmp_path / "nope"))


def test_frus_volume_with_many_documents_and_entities(tmp_path):
    doc = _frus_doc(1)
    inner = doc.split("<div type=\"chapter\">")[1].split("</div></body>")[0]
    volume = doc.replace(inner, inner + inner.replace('"d1"', '"d2"').replace('n="1"', 'n="2"'))
    path = _write(tmp_path, "vol.xml", volume.encode())
    assert [r.ref for r in _records(path)] == ["frus1999-00v01-d1", "frus1999-00v01-d2"]
    bomb = ('<?xml version="1.0"?><!DOCTYPE TEI [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            '<TEI xmlns="http://www.tei-c.org/ns/1.0"><text>&b;</text></TEI>')
    records = _records(_write(tmp_path, "bomb.xml", bomb.encode()))
    assert len(records) == 1 and "entity declarations refused" in records[0].reason


# Raw files up to 1 MiB holding one cable are read whole; the result must be what the
# line-by-line splitter gives (records, texts and "line N" locators).
_RAW_CASES = [
    b"",
    b"\n\n  \n",
    b"\nVZCZCXRO1\nUNCLAS TOKYO 000001\n\nSUBJECT: A\n\n1. Text one.\n",
    b"\r\n\r\nUNCLAS TOKYO 000001\r\n\r\nSUBJECT: A\r\n\r\n1. Text.\r\n\r\n",
    b"VZCZC1\nUNCLAS TOKYO 000001\n\n1. One.\nVZCZC2\nUNCLAS TOKYO 000002\n\n1. Two.\n",
    b"UNCLAS TOKYO 000001\n\n1. One.\nNNNN\n\nUNCLAS TOKYO 000002\n\n1. Two.",
    b"UNCLAS TOKYO 000001\n\n1. One.\f\nUNCLAS TOKYO 000002\n\n1. Two.\n",
    b"UNCLAS TOKYO 000001\n\n1. Mentions VZCZC inside a line.\n",
    b"\n\xb61. UNCLAS TOKYO 000001\n\n1. Latin-1 pilcrow.\n",
]


@pytest.mark.parametrize("data", _RAW_CASES)
def test_raw_whole_file_path_equals_line_splitter(data, monkeypatch):
    from corpora.read import raw

    fast = list(raw.read_stream(io.BytesIO(data), path="x.txt"))
    monkeypatch.setattr(raw, "_WHOLE_MAX", 4)  # force the line-by-line path
    slow = list(raw.read_stream(io.BytesIO(data), path="x.txt"))
    assert fast == slow
    assert len(fast) >= 1
