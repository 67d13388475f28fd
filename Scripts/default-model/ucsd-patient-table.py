#!/usr/bin/env python3
"""Makes the UCSD COVID-CT patient table, Sources/Datasets/Resources/ucsd-covid-ct-patients.csv.

Usage:
  ucsd-patient-table.py [--data DIR] [--out PATH]   write the table (to stdout without --out)
  ucsd-patient-table.py [--data DIR] --check PATH   regenerate and compare with PATH: prints
                                                    the rows that differ, exits 1 if any do
DIR is the UCSD-AI4H COVID-CT folder (CT_COVID/, CT_NonCOVID/, COVID-CT-MetaInfo.xlsx);
default $CTSCREEN_SHARED/data/slices/ucsd-covid-ct. Standard library only (the xlsx is a zip
of XML: zipfile + xml.etree).

One row per image, columns folder,file,group, folders and files in name order, no newline
after the last row. The group is the image's patient, for patient-wise splits:
- a CT_COVID image named in the sheet's "File name" column: that row's "Patient ID";
- a CT_COVID image not named there (50 of 252): the patient of its source paper when the
  sheet names exactly one patient for that paper, else `paper:<source paper>`. The paper is
  the file name before `-p<page>-` (`2020.03.26.20041426-p11-119.png`), or without it the
  name without extension and `%<n>` (`PIIS0140673620303603%0.png`);
- a CT_NonCOVID image (none are in the sheet): `noncovid:<number before %>`, since
  `81%0.jpg`, `81%1.jpg` are crops of one source figure.

Which sheet rows count: only those whose File name is a whole file name ending in `.png`
(266 of 349). The other 83 name an image without its extension (`kjr-21-e25-p1-6`); they
are ignored, also when collecting a paper's patients. That is how the shipped table was
made: this script reproduces it exactly (--check passes, 553 of 553 rows; counting only rows
that name an image present in CT_COVID gives the same table). The 50 "unlisted" images are
in fact exactly the ones the sheet names without `.png`. Other rules change the table:
- counting the 83 rows for papers only: 17 rows differ (15 images of one-patient papers get
  that patient instead of `paper:…`; Ni2020_Article_CombinationOfWesternMedicineAn-p3-10%0
  and %1.png, Patient 199 in the sheet, get `paper:…` instead of Patient 200);
- matching names without their extension: all 50 rows get their own sheet patient.
The shipped grouping never splits a patient of the sheet across groups; it merges 23 of them
into 8 groups (conservative: nothing leaks across splits). It is kept as shipped because the
group names decide every patient-wise split and the figures measured on them.
"""
import argparse
import os
import re
import sys
import xml.etree.ElementTree as ET
import zipfile

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")  # as DatasetBuilder.imageFiles


def column_letters(ref):
    return re.match(r"[A-Z]+", ref).group()


def read_first_sheet(path):
    """Rows of the workbook's first sheet as {column letter: text}."""
    with zipfile.ZipFile(path) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(MAIN + "si"):
                # Plain text is <t>; rich text is runs <r><t>; phonetic <rPh> is left out.
                parts = si.findall(MAIN + "t") + si.findall(MAIN + "r/" + MAIN + "t")
                shared.append("".join(t.text or "" for t in parts))
        book = ET.fromstring(z.read("xl/workbook.xml"))
        rid = book.find(MAIN + "sheets/" + MAIN + "sheet").get(REL + "id")
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target") for r in rels.iter(PKG_REL + "Relationship") if r.get("Id") == rid)
        sheet = ET.fromstring(z.read(target.lstrip("/") if target.startswith("/") else "xl/" + target))
    rows = []
    for row in sheet.iter(MAIN + "row"):
        cells = {}
        for c in row.iter(MAIN + "c"):
            kind, v = c.get("t"), c.find(MAIN + "v")
            if kind == "s":
                text = shared[int(v.text)]
            elif kind == "inlineStr":
                text = "".join(t.text or "" for t in c.iter(MAIN + "t"))
            else:
                text = v.text if v is not None else None
            if text is not None:
                cells[column_letters(c.get("r"))] = text
        rows.append(cells)
    return rows


def sheet_patients(xlsx):
    """(File name, Patient ID) of every sheet row that names a file, in sheet order."""
    rows = read_first_sheet(xlsx)
    header = {text.strip(): col for col, text in rows[0].items()}
    name_col, patient_col = header["File name"], header["Patient ID"]
    return [(r[name_col].strip(), r.get(patient_col, "").strip()) for r in rows[1:] if r.get(name_col, "").strip()]


def paper(name):
    stem = os.path.splitext(name)[0]
    m = re.match(r"(.*?)-p\d+-", stem)
    return m.group(1) if m else re.sub(r"%\d+$", "", stem)


def images(folder):
    return sorted(n for n in os.listdir(folder) if n.lower().endswith(IMAGE_EXTENSIONS))


def make_table(data):
    listed = [(n, p) for n, p in sheet_patients(os.path.join(data, "COVID-CT-MetaInfo.xlsx")) if n.endswith(".png")]
    patient_of = dict(listed)
    patients_of_paper = {}
    for name, patient in listed:
        patients_of_paper.setdefault(paper(name), set()).add(patient)
    rows = []
    for name in images(os.path.join(data, "CT_COVID")):
        if name in patient_of:
            group = patient_of[name]
        else:
            patients = patients_of_paper.get(paper(name), set())
            group = next(iter(patients)) if len(patients) == 1 else "paper:" + paper(name)
        rows.append(("CT_COVID", name, group))
    for name in images(os.path.join(data, "CT_NonCOVID")):
        rows.append(("CT_NonCOVID", name, "noncovid:" + os.path.splitext(name)[0].split("%")[0]))
    for row in rows:
        if any(ch in field for field in row for ch in ',"\r\n') or any(not f for f in row):
            sys.exit("ucsd-patient-table: a field would need CSV quoting or is empty: %r" % (row,))
    return rows


def to_csv(rows):
    return "\n".join(["folder,file,group"] + [",".join(r) for r in rows])


def check(rows, path):
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    made = to_csv(rows)
    if text == made:
        print("ucsd-patient-table: %s matches (%d rows)" % (path, len(rows)))
        return 0
    lines = text.split("\n")
    shipped = {}
    for line in lines[1:]:
        if line.strip():
            folder, name, group = line.rstrip("\r").split(",", 2)
            shipped[(folder, name)] = group
    mine = {(f, n): g for f, n, g in rows}
    differing = 0
    for key in sorted(set(shipped) | set(mine)):
        a, b = shipped.get(key, "(no row)"), mine.get(key, "(no row)")
        if a != b:
            differing += 1
            print("%s/%s: %s %s, regenerated %s" % (key[0], key[1], path, a, b))
    if differing:
        print("ucsd-patient-table: %d of %d rows differ" % (differing, len(shipped | mine)))
    else:
        print("ucsd-patient-table: same rows, but the text differs (header, order, line ends or final newline)")
    return 1


def main():
    shared = os.environ.get("CTSCREEN_SHARED", os.path.join(os.path.dirname(__file__), "../../../shared"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(shared, "data/slices/ucsd-covid-ct"), help="UCSD COVID-CT folder")
    ap.add_argument("--out", help="write the table here (default: stdout)")
    ap.add_argument("--check", metavar="PATH", help="compare with this table instead of writing")
    args = ap.parse_args()
    rows = make_table(args.data)
    if args.check:
        return check(rows, args.check)
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as f:
            f.write(to_csv(rows))
    else:
        sys.stdout.write(to_csv(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
