"""Register import benchmark: the extras office's whole sheet, previewed then applied.

Generates an Excel register of ``--rows`` performers as an office keeps it (a title row,
Chinese headers, names, 男/女, birth years, heights, guild card numbers, phones as numbers,
categories, skills and looks in Chinese or as tags), written by openpyxl in its normal mode
so that, as in a workbook Excel saves, the sheet states its dimension. A fresh database
(SQLite file, or a new PostgreSQL database) is migrated and given ``--registered`` of those
performers beforehand, half as in the file and half with another phone and category: the
file then registers the rest, updates a quarter and leaves a quarter unchanged.

Each backend runs in its own process, through the application (``TestClient``, the API key
of an extras office): the upload and preview (``POST /performer-imports``), the API's last
page of rows, the preview page's last page, and the apply. Peak RSS is the process's
(``ru_maxrss``): with the app loaded and the database migrated, before the upload (the
benchmark's own register in memory too) and after everything.

Usage::

    .venv/bin/python -m benchmarks.register_import                       # 20,000 rows, both
    .venv/bin/python -m benchmarks.register_import --rows 5000 --backends sqlite
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华飞玉萍红鹏俊峰宇浩然轩涵诺欣怡"
HEADER = ["姓名", "性别", "出生年份", "身高（厘米）", "演员证号", "电话", "类别", "技能", "形象",
          "方言", "服装尺码", "状态", "每周最多天数"]  # fmt: skip
CATEGORIES = ["普通"] * 17 + ["群特", "群特", "小特"]
SKILLS = ["", "", "", "", "骑马", "武术", "骑马, 武术", "dance", "horse-riding"]
LOOKS = {
    "男": ["", "", "古装士兵", "书生", "period-haircut"],
    "女": ["", "", "宫女", "modern-office"],
}
DIALECTS = ["", "", "", "cantonese", "四川话"]
CATEGORY_CODES = {"普通": "ordinary", "群特": "group_featured", "小特": "featured_small"}


def performers(n: int, seed: int) -> list[list[object]]:
    """The register's rows: card numbers HD-000001 up."""
    rng = random.Random(seed)
    rows: list[list[object]] = []
    for i in range(1, n + 1):
        gender = "男" if rng.random() < 0.6 else "女"
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        rows.append(
            [
                rng.choice(SURNAMES) + given,
                gender,
                rng.randint(1960, 2006),
                rng.randint(168, 190) if gender == "男" else rng.randint(152, 175),
                f"HD-{i:06d}",
                13_800_000_000 + i,
                rng.choice(CATEGORIES),
                rng.choice(SKILLS),
                rng.choice(LOOKS[gender]),
                rng.choice(DIALECTS),
                rng.choice(["S", "M", "L", "XL"]),
                "在册",
                rng.choice([5, 6, 6, 6, 7]),
            ]
        )
    return rows


def workbook(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "群演名册"
    sheet.append(["横店影视城群众演员名册"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _words(cell: object) -> list[str]:
    return sorted({w for w in re.split(r"[\s,，、]+", str(cell).lower()) if w})


def registered(rows: list[list[object]], count: int) -> list[dict[str, Any]]:
    """The first ``count`` performers as the register has them before the import: the even
    ones as in the file, the odd ones with another phone and category (the file updates them).
    """
    out = []
    for k, row in enumerate(rows[:count]):
        changed = k % 2 == 1
        out.append(
            {
                "name": row[0],
                "gender": "m" if row[1] == "男" else "f",
                "birth_year": row[2],
                "height_cm": row[3],
                "card_no": row[4],
                "phone": "139 0000 0000" if changed else str(row[5]),
                "category": "featured_mid" if changed else CATEGORY_CODES[str(row[6])],
                "skills": _words(row[7]),
                "looks": _words(row[8]),
                "dialects": _words(row[9]),
                "wardrobe": row[10],
                "status": "active",
                "max_days_per_week": row[12],
            }
        )
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(what: Any) -> tuple[Any, tuple[float, float]]:
    """What ``what()`` gives, and how long it took: wall clock, and this process's CPU (every
    thread: the client's and the app's, not PostgreSQL's)."""
    t0, c0 = time.perf_counter(), time.process_time()
    got = what()
    return got, (time.perf_counter() - t0, time.process_time() - c0)


def run_one(
    backend: str, path: Path, n: int, count: int, seed: int, admin_url: str
) -> dict[str, Any]:
    """One backend, in this process: a fresh database, the upload, the pages, the apply."""
    import os

    os.environ["BACKLOT_RATE_LIMIT_PER_MINUTE"] = "0"
    from fastapi.testclient import TestClient
    from sqlalchemy import func, insert, select

    import app.main  # the app built as a server builds it (gc frozen)
    from app.db import make_engine, set_engine, transaction
    from app.migrate import upgrade
    from app.models import Performer, utcnow
    from app.users.service import create_user
    from benchmarks.occupancy import create_database

    name = "backlot_bench_register"
    if backend == "postgres":
        url = create_database(admin_url, name)
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='backlot-bench-')}/register.db"
    upgrade(url)
    engine = make_engine(url)
    set_engine(engine)
    loaded = round(_rss_mb())
    data = path.read_bytes()
    rows = performers(n, seed)
    with transaction() as s:
        _, key = create_user(s, "bench office", "extras_office")
        before = registered(rows, count)
        if before:
            s.execute(insert(Performer), [{**p, "created_at": utcnow()} for p in before])
    headers = {"Authorization": f"Bearer {key}"}
    result: dict[str, Any] = {"backend": backend, "rows": len(rows), "registered": count}
    result["rss_loaded_mb"] = loaded
    with TestClient(app.main.create_app()) as client:
        result["rss_before_upload_mb"] = round(_rss_mb())
        files = {"file": ("名册.xlsx", data, "application/octet-stream")}
        r, result["preview_s"] = _timed(
            lambda: client.post("/performer-imports", files=files, headers=headers)
        )
        assert r.status_code == 201, r.text[:500]
        body = r.json()
        result["counts"] = body["counts"]
        assert body["can_apply"], body["errors"][:5]
        result["rss_after_preview_mb"] = round(_rss_mb())
        offset = max(0, len(rows) - 200)
        url_api = f"/performer-imports/{body['id']}?limit=200&offset={offset}"
        r, result["api_last_page_s"] = _timed(lambda: client.get(url_api, headers=headers))
        assert r.status_code == 200 and len(r.json()["rows"]["items"]) == min(200, len(rows))
        signin = client.get("/ui/signin")
        csrf = re.search(r'name="csrf" value="([^"]+)"', signin.text)
        assert csrf is not None
        client.post("/ui/signin", data={"csrf": csrf[1], "api_key": key, "next": ""})
        pages = -(-len(rows) // 200)
        page_url = f"/ui/extras/performers/imports/{body['id']}?show=all&p={pages}"
        r, result["page_last_page_s"] = _timed(lambda: client.get(page_url))
        assert r.status_code == 200 and 'id="register-rows"' in r.text
        apply_url = f"/performer-imports/{body['id']}/apply"
        r, result["apply_s"] = _timed(lambda: client.post(apply_url, headers=headers))
        assert r.status_code == 200, r.text[:500]
        done = r.json()
        result["created"], result["updated"] = len(done["created"]), len(done["updated"])
    with transaction() as s:
        result["register_after"] = s.scalar(select(func.count()).select_from(Performer))
    result["peak_rss_mb"] = round(_rss_mb())
    engine.dispose()
    if backend == "postgres":
        import psycopg

        from benchmarks.occupancy import _libpq

        with psycopg.connect(_libpq(admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for step in ("preview", "api_last_page", "page_last_page", "apply"):
        wall, cpu = result.pop(f"{step}_s")
        result[f"{step}_s"], result[f"{step}_cpu_s"] = round(wall, 2), round(cpu, 2)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--registered", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a child: backend
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        out = run_one(
            args.one, Path(args.file), args.rows, args.registered, args.seed, args.admin_url
        )
        print(json.dumps(out, ensure_ascii=False), flush=True)
        return 0

    t0 = time.perf_counter()
    data = workbook(performers(args.rows, args.seed))
    sheet = zipfile.ZipFile(io.BytesIO(data))
    unpacked = sum(p.file_size for p in sheet.infolist())
    print(
        f"{args.rows:,} rows: {len(data) / 1e6:.2f} MB .xlsx ({unpacked / 1e6:.1f} MB unpacked), "
        f"written in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"register-{args.rows}.xlsx"
        path.write_bytes(data)
        for backend in args.backends.split(","):
            child = subprocess.run(
                [sys.executable, "-m", "benchmarks.register_import", "--one", backend,
                 "--file", str(path), "--rows", str(args.rows),
                 "--registered", str(args.registered),
                 "--seed", str(args.seed), "--admin-url", args.admin_url],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if child.returncode != 0:
                print(child.stdout, child.stderr, file=sys.stderr)
                return child.returncode
            result = json.loads(child.stdout.strip().splitlines()[-1])
            print(json.dumps(result, ensure_ascii=False), flush=True)
            results.append(result)
    print()
    print("| backend | rows | registered before | create / update / unchanged "
          "| preview (upload), wall (CPU) | apply, wall (CPU) | API last page | page's last page "
          "| peak RSS (before the upload) |")  # fmt: skip
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        c = r["counts"]
        print(
            f"| {r['backend']} | {r['rows']:,} | {r['registered']:,} | "
            f"{c['create']:,} / {c['update']:,} / {c['unchanged']:,} | "
            f"{r['preview_s']:.2f} s ({r['preview_cpu_s']:.2f} s) | "
            f"{r['apply_s']:.2f} s ({r['apply_cpu_s']:.2f} s) | "
            f"{r['api_last_page_s']:.2f} s | {r['page_last_page_s']:.2f} s | "
            f"{r['peak_rss_mb']} MB ({r['rss_before_upload_mb']} MB) |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
