"""A small fictional feed for the Spark job's tests: wire stories with their
copies on two sites (whole, trimmed, re-punctuated, padded), each site's
furniture lines on every page (its template), unrelated stories, an article
that quotes one paragraph of a story, a revised item, and malformed lines.
Every text is made here from invented words and names."""

import json
import random

WORDS = (
    "harbour ferry council quay tide estuary pilot cargo lantern gull beacon "
    "warden dredger crane berth ledger tariff strike union vote levy island "
    "ostrand velen saltmere brackwater keel mooring storm gale channel lock "
    "ledger inspector engineer mayor minister budget report survey permit "
    "timber grain salt copper signal lamp tower ward district market square "
    "bridge ramp pier jetty buoy anchor hull deck rope net catch trawler"
).split()
NAMES = ["Ilse Marek", "Tomas Reyl", "Anja Vost", "Piet Oduya", "Maren Kalt", "Oskar Lind"]

SITES = {
    "harbourlantern.example": (
        "Harbour Lantern",
        [
            "Follow the Harbour Lantern on Mastodon for more news from the quays.",
            "Readers' rules: keep comments civil; the Lantern's moderators remove attacks.",
        ],
    ),
    "quaygazette.example": (
        "Quay Gazette",
        [
            "The Quay Gazette is printed on paper from the Saltmere mill.",
            "Send your tips to the Gazette desk by the harbour post box.",
        ],
    ),
}
WIRE = "kestrelwire.example"


def _sentence(rng):
    n = rng.randint(12, 20)
    words = [rng.choice(WORDS) for _ in range(n)]
    name = rng.choice(NAMES)
    at = rng.randint(2, n - 2)
    words.insert(at, f"{name} said {rng.randint(2, 900)}")
    s = " ".join(words)
    return s[0].upper() + s[1:] + "."


def _paragraph(rng):
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 3)))


def records(seed=7):
    """The feed's records, in order (dicts), and the malformed lines to mix
    in (strings)."""
    rng = random.Random(seed)
    out = []
    day = 1

    def rec(id_, host, title, paras, hour, site=None):
        out.append(
            {
                "id": id_,
                "url": f"https://{host}/news/2031/03/{day:02d}/{id_}",
                "site": site or (SITES[host][0] if host in SITES else "Kestrel Wire"),
                "published": f"2031-03-{day:02d}T{hour:02d}:15:00Z",
                "title": title,
                "text": "\n\n".join(paras),
            }
        )

    stories = []
    for k in range(10):
        day = 1 + k % 9
        paras = [_paragraph(rng) for _ in range(5)]
        title = f"Story {k}: {rng.choice(WORDS)} {rng.choice(WORDS)} in {rng.choice(['Velen', 'Ostrand', 'Saltmere'])}"
        stories.append((title, paras))
        rec(f"wire-{k}", WIRE, title, paras, 6)
    for s, (host, (name, furniture)) in enumerate(SITES.items()):
        for k, (title, paras) in enumerate(stories):
            day = 1 + k % 9
            variant = (k + s) % 4
            if variant == 0:  # whole copy
                body = list(paras)
            elif variant == 1:  # trimmed to its first three paragraphs
                body = paras[:3]
            elif variant == 2:  # re-punctuated
                body = [p.replace(",", ";").replace(" said ", ", said ") for p in paras]
            else:  # padded with a paragraph of its own
                body = paras[:2] + [_paragraph(rng)] + paras[2:]
            rec(f"{host[:4]}-copy-{k}", host, f"{title} - {name}", body + furniture, 9 + s)
        for k in range(6):  # the site's own stories
            day = 1 + k
            rec(
                f"{host[:4]}-own-{k}",
                host,
                f"{name} own story {k}",
                [_paragraph(rng) for _ in range(4)] + furniture,
                12,
            )
    # An article that quotes one paragraph of story 3.
    day = 5
    rec("quote-3", "brackwaterbugle.example", "Bugle notes", [_paragraph(rng), stories[3][1][1], _paragraph(rng)], 15, "Brackwater Bugle")
    # A revised item: the same id, a later text.
    day = 8
    rec("revised", "brackwaterbugle.example", "Tide tables", [_paragraph(rng) for _ in range(3)], 16, "Brackwater Bugle")
    rec("revised", "brackwaterbugle.example", "Tide tables, corrected", [_paragraph(rng) for _ in range(3)], 17, "Brackwater Bugle")
    bad = [
        "{not json at all",
        json.dumps({"id": "bad-date", "published": "next Tuesday", "text": "Some words here."}),
        json.dumps({"id": 1.5, "text": "A float id."}),
    ]
    return out, bad


def write_jsonl(path, seed=7):
    recs, bad = records(seed)
    lines = [json.dumps(r, ensure_ascii=False) for r in recs]
    # Malformed lines and a blank one among the good ones.
    lines.insert(3, bad[0])
    lines.insert(10, "")
    lines.insert(20, bad[1])
    lines.append(bad[2])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(recs), len(bad)


def _page(r):
    paras = "".join(f"<p>{p}</p>" for p in r["text"].split("\n\n"))
    return (
        "<!DOCTYPE html><html><head>"
        f"<title>{r['title']}</title>"
        f"<meta property=\"og:site_name\" content=\"{r['site']}\">"
        f"<meta property=\"article:published_time\" content=\"{r['published']}\">"
        "</head><body><nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav>"
        f"<article><h1>{r['title']}</h1>{paras}</article>"
        "<footer>Contact the desk</footer></body></html>"
    )


def write_warc(path, seed=11):
    """The feed's stories as a crawler's web archive (WARC 1.0, not
    gzipped): a response record per page, a request record (which ingest
    counts and neither stores nor rejects), and a last record cut short (a
    truncated archive). Returns the number of pages stored whole."""
    recs, _ = records(seed)
    out = bytearray()

    def record(kind, uri, block, length=None):
        head = (
            f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n"
            "WARC-Date: 2031-03-10T08:00:00Z\r\n"
            f"Content-Type: application/http; msgtype={kind}\r\n"
            f"Content-Length: {len(block) if length is None else length}\r\n\r\n"
        )
        out.extend(head.encode() + block + b"\r\n\r\n")

    pages = recs[:-1]
    for k, r in enumerate(pages):
        if k == 5:
            record("request", r["url"], f"GET {r['url']} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + _page(r).encode()
        record("response", r["url"], http)
    last = recs[-1]
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + _page(last).encode()
    head = (
        f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {last['url']}\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n"
    )
    out.extend(head.encode() + http[: len(http) // 2])
    path.write_bytes(bytes(out))
    return len(pages)
