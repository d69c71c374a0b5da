"""A minimal hand-written PDF (Helvetica text lines, no timestamps: same input, same bytes)."""
from __future__ import annotations

LINES_PER_PAGE = 50


def _escape(text: str) -> str:
    text = text.encode("latin-1", "replace").decode("latin-1")
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def text_pdf(title: str, lines: list[str]) -> bytes:
    pages = [lines[i:i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    # Object numbers: 1 catalog, 2 page tree, 3 font, then (page, content) pairs.
    objects: list[bytes] = []
    kids = []
    for index, page_lines in enumerate(pages):
        page_no, content_no = 4 + 2 * index, 5 + 2 * index
        kids.append(f"{page_no} 0 R")
        ops = ["BT", "/F1 14 Tf", "50 800 Td", f"({_escape(title)}) Tj", "/F1 9 Tf",
               "0 -24 Td", "14 TL"]
        ops += [f"({_escape(line)}) '" for line in page_lines]
        ops += ["0 -20 Td", f"(Page {index + 1} of {len(pages)}) Tj", "ET"]
        stream = "\n".join(ops).encode("latin-1")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_no} 0 R >>"
                       .encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    head = [b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(head + objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(offsets) + 1, xref)
    return bytes(out)


def cable_schedule_pdf(manifest: dict, links) -> bytes:
    lines = [f"Site {manifest['site_id']} - topology {manifest['topology_source']} - "
             f"{len(links)} connections", ""]
    lines += [f"{n:4d}. {a} {ap}  <->  {b} {bp}   [{cable}]"
              for n, (a, ap, b, bp, cable) in enumerate(links, start=1)]
    return text_pdf(f"Cable schedule: {manifest['name']}", lines)
