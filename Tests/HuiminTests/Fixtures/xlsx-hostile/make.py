"""Makes the hostile workbooks XLSXHostileTests reads, from rosters/openpyxl.xlsx.

Run from this folder: python3 make.py. Each file changes one thing of the good workbook."""
import random, re, struct, zipfile, zlib

BASE = "../rosters/openpyxl.xlsx"
SHEET = "xl/worksheets/sheet1.xml"
base = zipfile.ZipFile(BASE)
parts = {i.filename: base.read(i.filename) for i in base.infolist()}
sheet = parts[SHEET].decode()


def write(name, changed=None, drop=(), stored=()):
    p = dict(parts)
    p.update(changed or {})
    with zipfile.ZipFile(name, "w") as z:
        for n, data in p.items():
            if n in drop:
                continue
            z.writestr(n, data, zipfile.ZIP_STORED if n in stored else zipfile.ZIP_DEFLATED)


def patch_central(name, entry, field_offset, value):
    """Sets a 4-byte field of `entry`'s central directory record (16 CRC, 20 compressed, 24 size)."""
    b = bytearray(open(name, "rb").read())
    i = b.find(b"PK\x01\x02")
    while i >= 0:
        n = struct.unpack_from("<H", b, i + 28)[0]
        if b[i + 46:i + 46 + n].decode() == entry:
            struct.pack_into("<I", b, i + field_offset, value)
        i = b.find(b"PK\x01\x02", i + 4)
    open(name, "wb").write(b)


rng = random.Random(20)
write("sheet-random-bytes.xlsx", {SHEET: bytes(rng.randrange(256) for _ in range(5000))})
write("sheet-random-text.xlsx", {SHEET: "".join(rng.choice("abc 0123456789,;\n") for _ in range(5000)).encode()})
write("sheet-cut-mid-tag.xlsx", {SHEET: sheet[: len(sheet) // 2].encode()})
write("sheet-wrong-root.xlsx", {SHEET: sheet.replace("<worksheet", "<worksheeet").replace("</worksheet>", "</worksheeet>").encode()})
write("sheet-unpaired-tag.xlsx", {SHEET: sheet.replace("</row>", "</c>", 1).encode()})
write("sheet-no-rows.xlsx", {SHEET: re.sub(r"<sheetData>.*</sheetData>", "<sheetData/>", sheet).encode()})
write("sheet-missing.xlsx", drop={SHEET})
write("no-content-types.xlsx", drop={"[Content_Types].xml"})
write("content-types-garbled.xlsx", {"[Content_Types].xml": parts["[Content_Types].xml"][:200]})
write("no-workbook.xlsx", drop={"xl/workbook.xml"})
write("workbook-garbled.xlsx", {"xl/workbook.xml": b"\x00\xff garbage <workbook"})
write("no-workbook-rels.xlsx", drop={"xl/_rels/workbook.xml.rels"})
write("row-decreasing.xlsx", {SHEET: sheet.replace('<row r="3"', '<row r="1"', 1).encode()})
write("row-past-excel.xlsx", {SHEET: sheet.replace('<row r="3"', '<row r="1048577"', 1).encode()})
write("cell-in-other-row.xlsx", {SHEET: sheet.replace('r="C3"', 'r="C7"', 1).encode()})
write("cell-past-XFD.xlsx", {SHEET: sheet.replace('r="C3"', 'r="XFE3"', 1).encode()})
write("cell-too-long.xlsx", {SHEET: sheet.replace("<t>P2</t>", "<t>" + "x" * 40000 + "</t>", 1).encode()})
write("entity-unknown.xlsx", {SHEET: sheet.replace("<t>P2</t>", "<t>P&nbsp;2</t>", 1).encode()})
# Excel leaves out empty cells: a row without its last cells is padded, not rejected.
write("row-short.xlsx", {SHEET: re.sub(r'<c r="S3".*?</c>', "", sheet, count=1).encode()})
# The same roster with its text as shared strings (a positive case for the shared-string path).
strings, cells = [], sheet
def share(m):
    strings.append(m.group(2))
    return '<c r="%s" t="s"><v>%d</v></c>' % (m.group(1), len(strings) - 1)
cells = re.sub(r'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t>(.*?)</t></is></c>', share, sheet)
sst = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>' % (
    len(strings), len(strings), "".join("<si><t>%s</t></si>" % s for s in strings))
rels = parts["xl/_rels/workbook.xml.rels"].decode().replace("</Relationships>",
    '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9" /></Relationships>')
write("shared-strings.xlsx", {SHEET: cells.encode(), "xl/sharedStrings.xml": sst.encode(), "xl/_rels/workbook.xml.rels": rels.encode()})
write("shared-strings-garbled.xlsx", {SHEET: cells.encode(), "xl/sharedStrings.xml": sst.encode()[:-30], "xl/_rels/workbook.xml.rels": rels.encode()})
# The archive itself: a CRC that does not match, an entry longer than the file has, a sheet
# that inflates past the size its directory declares (a bomb that lies), a bomb that does not.
write("crc-mismatch.xlsx")
patch_central("crc-mismatch.xlsx", SHEET, 16, zlib.crc32(parts[SHEET]) ^ 1)
write("entry-past-file.xlsx")
patch_central("entry-past-file.xlsx", SHEET, 20, 5_000_000)
bomb = sheet.replace("</sheetData>", "</sheetData>" + " " * (64 << 20)).encode()
write("bomb-lying-size.xlsx", {SHEET: bomb})
patch_central("bomb-lying-size.xlsx", SHEET, 24, len(sheet))
write("bomb-64MiB.xlsx", {SHEET: bomb})
