"""numba kernel of `corpora.clean`'s line scans: every line's candidate flags in one pass.

`corpora.clean` finds the lines a rule may touch with whole-text scans (`_SCAN_LINE`,
`_SCAN_HEADER_FIELD`, `_SCAN_STRONG`, ``str.find`` of literals) and gives only those lines
the exact per-line rule. `line_flags` replaces those scans: one call over the bytes of
``"\\n".join(lines)`` (Latin-1 when every character is, else UTF-8) gives each line a bit
mask, each bit a *superset* of the lines a scan would hand on (more lines only cost time:
the exact rule decides):

- `GUARD`: the line holds ``---``, ``====``, ``____``, ``/``, ``SECTION``, ``VZCZC``, ``ZZH``
  or ``Missing Section`` (exact: `_SUB_GUARDS`);
- `DIGITS8`: a run of 8 bytes that are ASCII digits or beyond ASCII (``\\d{8}`` matches
  only there: a digit beyond ASCII is at least one such byte);
- `LINE`: the line (after leading blanks) opens the way some drop, marker or
  classification line does (`_SCAN_LINE`'s alternatives): a capital not followed by a
  small letter, a digit, one of ``/*-=_``, or, in any case, the first letters of one of
  their case-insensitive words (`_PREFIXES`); or its last small ASCII letter is the ``r``
  of ``for`` before a blank (the ``... for USTR`` drop line);
- `FIELD`: the line (after blanks and a pilcrow) opens the way a header field word does
  (E.O., TAGS, SUBJECT, REF, REASONS, CLASSIFIED or ``(``: `_HEADER_FIELD`);
- `STRONG`: the line opens (after blanks) with a pilcrow, ``(``, a digit or a letter and a
  full stop: every line `_PARA_START` finds a pilcrow or marking on;
- `ODD`: the line holds a tab, ``\\r``, ``\\x00``, a pilcrow or a no-break space (exact);
- `EMPTY`: the line is empty (exact).

Where a test meets a byte beyond ASCII (a character that may be a blank, a digit or a
letter that a case-insensitive pattern takes for an ASCII one: ``ſ``, ``K``, ``ı``) the
line gets the bit. The pilcrow is told apart (``\\xb6`` in Latin-1, ``\\xc2\\xb6`` in
UTF-8).

Linear time: each byte is looked at a bounded number of times (a line's opening is
compared with at most a few prefixes of at most 11 bytes). Imported on first use: numba's
import and the first compilation cost seconds (``cache=True`` keeps the machine code).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["DIGITS8", "EMPTY", "FIELD", "GUARD", "LINE", "ODD", "STRONG", "line_flags"]

GUARD = 1
DIGITS8 = 2
LINE = 4
FIELD = 8
STRONG = 16
ODD = 32
EMPTY = 64

_NL = 10
_EOL = -1  # "no character": the line ends here

#: How the case-insensitive line patterns (classification words, caveats, markers) open,
#: lower case; ``_`` is a blank or the line end (letter-spaced ``S E C R E T``,
#: ``C O N F I D E N T I A L``, ``C O R R E C T E D``, where ``\\s?`` may sit between
#: any two letters).
_PREFIXES = (
    "tele terr top sec sen se_ s_ com con cor co_ c_ uncl lim nof nod noc not sipd exdi "
    "stad orc orig prop cher roge spec begi end summ decl de-c"
).split() + ["this record"]


def _prefix_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The prefixes as rows of bytes (``_`` as 0), their lengths, and for each first
    letter the range of rows opening with it."""
    rows = sorted(_PREFIXES)
    width = max(len(p) for p in rows)
    table = np.zeros((len(rows), width), dtype=np.uint8)
    lengths = np.zeros(len(rows), dtype=np.int64)
    first = np.zeros((128, 2), dtype=np.int64)
    for r, p in enumerate(rows):
        table[r, :len(p)] = [0 if ch == "_" else ord(ch) for ch in p]
        lengths[r] = len(p)
    for letter in range(97, 123):
        idx = [r for r, p in enumerate(rows) if ord(p[0]) == letter]
        first[letter] = (idx[0], idx[-1] + 1) if idx else (0, 0)
    return table, lengths, first


_PREFIX_ROWS, _PREFIX_LENGTHS, _PREFIX_FIRST = _prefix_table()


def _kind_table() -> np.ndarray:
    """Each byte's kind for `_line_flags`'s walk: 0 for the bytes no test looks at."""
    kinds = np.zeros(256, dtype=np.uint8)
    kinds[ord("0"):ord("9") + 1] = 1
    kinds[128:] = 2
    for ch, k in (("/", 3), ("-", 4), ("=", 5), ("_", 5), ("S", 6), ("V", 7), ("Z", 8),
                  ("M", 9), ("\t", 10), ("\r", 10), ("\x00", 10)):
        kinds[ord(ch)] = k
    return kinds


_KINDS = _kind_table()
_SECTION = np.frombuffer(b"SECTION", dtype=np.uint8).copy()
_MISSING = np.frombuffer(b"Missing Section", dtype=np.uint8).copy()


@njit(inline="always")
def _blank(c) -> bool:
    """ASCII blanks of ``\\s`` (``str.isspace``) other than the newline."""
    return c == 32 or c == 9 or c == 11 or c == 12 or c == 13 or (28 <= c <= 31)


@njit(inline="always")
def _lower(c):
    return c + 32 if 65 <= c <= 90 else c


@njit(inline="always")
def _at(buf, i, e):
    """The byte at ``i`` of a line ending at ``e``, or `_EOL`."""
    return np.int64(buf[i]) if i < e else _EOL


@njit(inline="always")
def _pilcrow(buf, i, e, latin):
    """The length of a pilcrow at ``i`` (0: none)."""
    if latin:
        return 1 if buf[i] == 0xB6 else 0
    return 2 if i + 1 < e and buf[i] == 0xC2 and buf[i + 1] == 0xB6 else 0


@njit(inline="always")
def _same_at(buf, i, e, word) -> bool:
    n = len(word)
    if i + n > e:
        return False
    for k in range(n):
        if buf[i + k] != word[k]:
            return False
    return True


@njit(inline="always")
def _field_bits(buf, j, e):
    """`FIELD` when the characters at ``j`` may open a header field word."""
    c1 = np.int64(buf[j])
    if c1 >= 128 or c1 == 40:
        return FIELD
    c2 = _at(buf, j + 1, e)
    if c2 >= 128:
        return FIELD
    lc = _lower(c1)
    l2 = _lower(c2)
    if lc == 101:  # e: E.O., EO, E O
        if l2 == 46 or l2 == 111 or l2 == _EOL or _blank(l2):
            return FIELD
    elif lc == 116:  # t: TAGS
        if l2 == 97:
            return FIELD
    elif lc == 115:  # s: SUBJECT
        if l2 == 117:
            return FIELD
    elif lc == 114:  # r: REF, REFERENCES, REASONS
        if l2 == 101:
            return FIELD
    elif lc == 99:  # c: CLASSIFIED
        if l2 == 108:
            return FIELD
    return 0


@njit(inline="always")
def _opens_word(buf, k, e, rows, lengths, first):
    """Whether the line's text from ``k`` (an ASCII letter) may open a `_PREFIXES` word."""
    a = first[_lower(buf[k]), 0]
    b = first[_lower(buf[k]), 1]
    for r in range(a, b):
        ok = True
        for m in range(1, lengths[r]):
            want = rows[r, m]
            if k + m >= e:
                ok = want == 0  # a blank may be the line end
                break
            c = buf[k + m]
            if c >= 128:
                continue  # beyond ASCII: may be a blank or that letter
            if want == 0:
                if not _blank(c):
                    ok = False
                    break
            elif _lower(c) != want:
                ok = False
                break
        if ok:
            return True
    return False


@njit(cache=True)
def _line_flags(buf, n_lines, latin, walk):
    kinds = _KINDS
    rows = _PREFIX_ROWS
    lengths = _PREFIX_LENGTHS
    first = _PREFIX_FIRST
    w_section = _SECTION
    w_missing = _MISSING
    n = len(buf)
    flags = np.zeros(n_lines, dtype=np.uint8)
    starts = np.empty(n_lines, dtype=np.int64)
    s = 0
    line = 0
    while line < n_lines:
        starts[line] = s
        e = s
        while e < n and buf[e] != _NL:
            e += 1
        f = EMPTY if e == s else 0
        # --- one walk over the line: literals and digit runs (most bytes are kind 0)
        run = 0
        i = s if walk else e
        while i < e:
            k = kinds[buf[i]]
            if k == 0:
                run = 0
            elif k <= 2:  # a digit (1) or a byte beyond ASCII (2)
                run += 1
                if run >= 8:
                    f |= DIGITS8
                if k == 2:  # a pilcrow or a no-break space
                    c = buf[i]
                    if latin:
                        if c == 0xB6 or c == 0xA0:
                            f |= ODD
                    elif c == 0xC2 and i + 1 < e and (buf[i + 1] == 0xB6 or buf[i + 1] == 0xA0):
                        f |= ODD
            elif k == 10:  # tab, \r, \x00
                run = 0
                f |= ODD
            else:
                run = 0
                if k == 3:  # "/"
                    f |= GUARD
                elif k == 4:  # "---"
                    if i + 2 < e and buf[i + 1] == 45 and buf[i + 2] == 45:
                        f |= GUARD
                elif k == 5:  # "====", "____"
                    c = buf[i]
                    if i + 3 < e and buf[i + 1] == c and buf[i + 2] == c and buf[i + 3] == c:
                        f |= GUARD
                elif k == 6:  # "SECTION"
                    if _same_at(buf, i, e, w_section):
                        f |= GUARD
                elif k == 7:  # "VZCZC"
                    if (i + 4 < e and buf[i + 1] == 90 and buf[i + 2] == 67
                            and buf[i + 3] == 90 and buf[i + 4] == 67):
                        f |= GUARD
                elif k == 8:  # "ZZH"
                    if i + 2 < e and buf[i + 1] == 90 and buf[i + 2] == 72:
                        f |= GUARD
                elif k == 9:  # "Missing Section"
                    if _same_at(buf, i, e, w_missing):
                        f |= GUARD
            i += 1
        # "... for USTR": the last small letter is the r of "for" before a blank
        last = e - 1
        while last >= s and not (97 <= buf[last] <= 122):
            last -= 1
        if last >= s + 2 and buf[last] == 114 and buf[last - 1] == 111 and buf[last - 2] == 102:
            nxt = _at(buf, last + 1, e)
            if nxt >= 128 or _blank(nxt):
                f |= LINE
        # --- the line's opening
        k = s
        while k < e and _blank(buf[k]):
            k += 1
        if k < e:
            c1 = np.int64(buf[k])
            p = _pilcrow(buf, k, e, latin)
            if p:
                f |= STRONG
                j = k + p  # a header field after the pilcrow and blanks
                while j < e and _blank(buf[j]):
                    j += 1
                if j < e:
                    f |= _field_bits(buf, j, e)
            elif c1 >= 128:
                f |= LINE | FIELD | STRONG
            else:
                c2 = _at(buf, k + 1, e)
                f |= _field_bits(buf, k, e)
                letter = 65 <= c1 <= 90 or 97 <= c1 <= 122
                if c1 == 40 or 48 <= c1 <= 57 or (letter and c2 == 46):
                    f |= STRONG
                if c2 >= 128 or 48 <= c1 <= 57 or c1 == 47 or c1 == 42 or c1 == 45 or (
                    c1 == 61 or c1 == 95
                ):
                    f |= LINE
                elif 65 <= c1 <= 90 and not (97 <= c2 <= 122):
                    f |= LINE  # a capital not followed by a small letter
                elif letter and _opens_word(buf, k, e, rows, lengths, first):
                    f |= LINE
        flags[line] = f
        line += 1
        s = e + 1
    return flags, starts


def line_flags(text: str, walk: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """The flags of each line of ``text`` (lines split at ``\\n``) as a uint8 array, and
    each line's start offset in ``text`` (None when ``text`` is not all Latin-1: then the
    kernel reads UTF-8 and its offsets are bytes). ``walk=False`` leaves out the
    bits that need every byte (`GUARD`, `DIGITS8`, `ODD`), for a caller that only wants the
    line openings. ``text`` may hold any character (lone surrogates too: their bytes count
    as beyond ASCII).
    """
    try:
        data = text.encode("latin-1")
        latin = True
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
        latin = False
    buf = np.frombuffer(data, dtype=np.uint8)
    flags, starts = _line_flags(buf, data.count(b"\n") + 1, latin, walk)
    return flags, (starts if latin else None)


# Load the compiled kernel now (numba's disk cache, or a compilation the first time): this
# module is imported right before its first use, and a forkserver that preloads it hands a
# ready kernel to every worker it forks.
line_flags("")
