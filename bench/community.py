"""The community's lists at scale: the groups and events pages, a member's
dashboard (/me/ and its "see all" pages), their RSVPs in the API, a group's
and an event's conversation (page and API), a group's members, a past
event's photos and the moderation queue, each beside the raw SQL that reads
the same rows.

Usage: `.venv/bin/python bench/community.py [--size 10k|100k|1m] [--repeats N]`

It copies bench/scale.py's cerca_bench_<size> (which must be built: `bench/scale.py
--size <size>`; it is never changed here) into cerca_bench_<size>_community
(CREATE DATABASE ... TEMPLATE), migrates the copy and adds a community to it
with bench/community_data.sql: RSVPs on every event, past events with photos,
millions of posts, reports, a heavy member (550 groups, 5,000 RSVPs), a heavy
organizer (400 groups, 3,000 requests to join) and a popular group (30,000
members, a 67,000-post thread). Later runs reuse the copy (migrated again:
new indexes land there); --rebuild makes it again.

The copy is served by gunicorn under the production settings
(bench/scale_servers.py); the heavy users sign in through the login form.
For each case it prints the median and slowest of --repeats interleaved
requests beside the median of the raw SQL for the same rows (the list's
query, with no HTML), timed in the same rounds. With --compare PATH it also
serves another checkout (main's, say) on the same copy, its requests
interleaved with this one's: a baseline measured in the same run. Nothing
asserts a time.
"""

import argparse
import http.client
import json
import re
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

import psycopg2
from events_page import BOGOTA, NEAR_SQL, UPCOMING_SQL, timed_sql
from scale_db import BENCH, ROOT, connect, database_url, marker, migrate, with_database
from scale_servers import serve_cerca

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
# Bump when bench/community_data.sql changes what it adds: older copies are remade.
DATA_FORMAT = 1
PASSWORD = "bench-community-password"
PAGE = 20


# Building -------------------------------------------------------------------


def community_steps():
    steps = []
    text = (BENCH / "community_data.sql").read_text()
    for block in re.split(r"^-- step: ", text, flags=re.M)[1:]:
        name, _, sql = block.partition("\n")
        steps.append((name.strip(), sql))
    return steps


def password_hash():
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geoconfig.settings")
    os.environ.setdefault("DEBUG", "1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


def create_copy(admin, base, name):
    """CREATE DATABASE name TEMPLATE base, retried while others use the template."""
    deadline = time.monotonic() + 600
    while True:
        try:
            with admin.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
            return
        except psycopg2.errors.ObjectInUse:
            if time.monotonic() > deadline:
                raise
            print(f"  {base} is in use; trying again in 10 s", flush=True)
            time.sleep(10)


def build(url, size, rebuild=False):
    """Copy, migrate and fill cerca_bench_<size>_community unless it is there;
    (its name, {step: seconds})."""
    base = f"cerca_bench_{size}"
    name = f"{base}_community"
    groups = SIZES[size]
    wanted = {"groups": groups, "format": DATA_FORMAT}
    admin = connect(url)
    with admin.cursor() as cursor:
        found = marker(cursor, name)
        if not rebuild and found is not None and {k: found.get(k) for k in wanted} == wanted:
            seconds = migrate(with_database(url, name))
            admin.close()
            return name, {"migrate (reused copy)": seconds, **found.get("built_s", {})}
        base_marker = marker(cursor, base)
        if not base_marker or base_marker.get("groups") != groups:
            sys.exit(f"{base} is not built: run `bench/scale.py --size {size}` first.")
        print(f"  copying {base} into {name} and adding its community...", flush=True)
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    timings = {}
    start = time.perf_counter()
    create_copy(admin, base, name)
    timings["copy"] = time.perf_counter() - start
    target = with_database(url, name)
    timings["migrate"] = migrate(target)
    factor = groups / 1_000_000
    params = {
        "groups": groups,
        "users": max(100, groups // 10),
        "past_events": int(200_000 * factor),
        "group_threads": int(300_000 * factor),
        "event_threads": int(100_000 * factor),
        "reports": int(100_000 * factor),
        "password": password_hash(),
    }
    connection = connect(url, name)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET work_mem = '64MB'")
        for step, sql in community_steps():
            start = time.perf_counter()
            connection.autocommit = False
            cursor.execute(sql, params)
            connection.commit()
            connection.autocommit = True
            timings[step] = time.perf_counter() - start
            print(f"    {step}: {timings[step]:.1f} s", flush=True)
        start = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - start
    connection.close()
    built = {key: round(value, 1) for key, value in timings.items()}
    with admin.cursor() as cursor:
        cursor.execute(
            f'COMMENT ON DATABASE "{name}" IS %s',
            [json.dumps({**wanted, "built_s": built, "built_at": time.strftime("%F %T")})],
        )
    admin.close()
    return name, timings


def chosen(url, name):
    """{what: id} of bench_community (the heavy users, the popular group...), and
    the popular group's slug."""
    connection = connect(url, name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id FROM bench_community")
        ids = dict(cursor.fetchall())
        cursor.execute("SELECT slug FROM studygroups_studygroup WHERE id = %s", [ids["group"]])
        ids["group_slug"] = cursor.fetchone()[0]
    connection.close()
    return ids


def photo_files(ids):
    """Pictures behind the popular past event's 60 photos, in the media folder the
    server reads (.local/media unless MEDIA_ROOT says otherwise); the other
    photos' files are never asked for."""
    import os

    from PIL import Image

    media = Path(os.environ.get("MEDIA_ROOT") or ROOT / ".local" / "media")
    folder = media / "events" / str(ids["past_event"])
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(1, 61):
        path = folder / f"bench-{k}.jpg"
        if not path.exists():
            Image.new("RGB", (1600, 1200), (40 + k * 3, 120, 200 - k * 2)).save(path, "JPEG")


# HTTP with a session -----------------------------------------------------------


def get(base, path, timeout, cookies=None, method="GET", form=None):
    """(seconds, status, body, headers) of ``path`` on ``base``, with ``cookies``."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = {"Accept": "text/html, application/json, */*"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in cookies.items())
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    start = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return time.perf_counter() - start, response.status, data, response.headers
    finally:
        connection.close()


def set_cookies(headers):
    found = {}
    for value in headers.get_all("Set-Cookie") or []:
        key, _, rest = value.partition("=")
        found[key.strip()] = rest.split(";", 1)[0]
    return found


def sign_in(base, username, timeout):
    """The cookies of a session of ``username``, signed in through the login form."""
    _s, status, body, headers = get(base, "/accounts/login/", timeout)
    cookies = set_cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not token:
        sys.exit(f"/accounts/login/ answered {status} without a form")
    _s, status, _body, headers = get(
        base, "/accounts/login/", timeout, cookies, "POST",
        {"username": username, "password": PASSWORD,
         "csrfmiddlewaretoken": token[1].decode()},
    )
    cookies.update(set_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        sys.exit(f"signing in as {username} failed ({status})")
    return cookies


HTML_NEXT = re.compile(rb'<a href="([^"]+)" rel="next">')
THREAD_NEXT = re.compile(rb'<a href="([^"]+)#conversation">')


def follow(base, path, pages, timeout, cookies=None, pattern=HTML_NEXT):
    """The path ``pages`` next links after ``path`` (HTML rel=next, a thread's
    "older posts", or an API's "next")."""
    for _ in range(pages):
        _s, status, body, _h = get(base, path, timeout, cookies)
        if status != 200:
            sys.exit(f"{path} answered {status}")
        if body.startswith(b"{"):
            target = json.loads(body).get("next")
        else:
            match = pattern.search(body)
            target = match and match[1].decode().replace("&amp;", "&")
        if not target:
            return path
        path = urllib.parse.urljoin(path, urllib.parse.urlsplit(target)._replace(
            scheme="", netloc="").geturl())
    return path


# Raw SQL ------------------------------------------------------------------------

GROUPS_SQL = """
SELECT g.id, g.name FROM studygroups_studygroup AS g WHERE NOT g.hidden {where}
ORDER BY g.name, g.id LIMIT 21
"""
POINT = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography"
NEAR_GROUPS_SQL = f"""
SELECT g.id FROM studygroups_studygroup AS g
WHERE NOT g.hidden AND ST_DWithin(g.location, {POINT}, 25000)
ORDER BY g.location <-> {POINT}, g.id LIMIT 21
"""
TOPIC = """AND EXISTS (SELECT FROM studygroups_studygroup_topics AS x
    JOIN studygroups_topic AS t ON t.id = x.topic_id
    WHERE x.studygroup_id = g.id AND t.slug = 'python')"""
SEARCH_SQL = """
SELECT g.id FROM studygroups_studygroup AS g
WHERE NOT g.hidden AND g.search_vector @@ (websearch_to_tsquery('spanish', 'python')
                                        || websearch_to_tsquery('english', 'python'))
ORDER BY ts_rank(g.search_vector, websearch_to_tsquery('spanish', 'python')
                 || websearch_to_tsquery('english', 'python')) DESC, g.id LIMIT 21
"""
RSVPS_SQL = """
SELECT r.id, e.id, {start} FROM meetups_rsvp AS r
JOIN meetups_event AS e ON e.id = r.event_id
WHERE r.user_id = %(user)s AND NOT e.hidden {where}
ORDER BY {start}, e.id LIMIT %(limit)s
"""
UPCOMING_RSVPS = "AND r.status IN ('yes', 'waitlist') AND upper(e.during) > now()"
# With the event's start kept on the RSVP (meetups 0018), the raw SQL sorts by
# it too; upcoming events started less than 31 days ago (their longest).
KEPT_START = "r.event_start"
KEPT_UPCOMING = UPCOMING_RSVPS + " AND r.event_start > now() - interval '31 days'"
MY_GROUPS_SQL = """
SELECT m.id, g.name FROM studygroups_membership AS m
JOIN studygroups_studygroup AS g ON g.id = m.study_group_id
WHERE m.user_id = %(user)s AND m.status = 'active' AND NOT (g.hidden AND m.role = 'member')
ORDER BY {name}, m.id LIMIT %(limit)s
"""
MY_REQUESTS_SQL = """
SELECT m.id FROM studygroups_membership AS m
WHERE m.user_id = %(user)s AND m.status = 'pending' ORDER BY m.joined_at, m.id LIMIT %(limit)s
"""
ORGANIZED = """(SELECT study_group_id FROM studygroups_membership
    WHERE user_id = %(user)s AND role = 'organizer' AND status = 'active')"""
TO_APPROVE_SQL = f"""
SELECT m.id FROM studygroups_membership AS m
WHERE m.study_group_id IN {ORGANIZED} AND m.status = 'pending'
ORDER BY m.joined_at, m.id LIMIT %(limit)s
"""
WITHOUT_VENUE_SQL = f"""
SELECT e.id FROM meetups_event AS e
WHERE e.study_group_id IN {ORGANIZED} AND e.status = 'scheduled' AND upper(e.during) > now()
  AND e.venue_id IS NULL AND e.location IS NOT NULL AND NOT e.hidden
ORDER BY lower(e.during), e.id LIMIT %(limit)s
"""


def my_groups_sql(kept=False):
    """A member's groups by name: the group's, or (``kept``) the one the
    membership keeps (studygroups 0030)."""
    return MY_GROUPS_SQL.format(name="m.group_name" if kept else "g.name")


def rsvps_sql(where="", kept=False):
    """A member's RSVPs soonest first: by the event's start, read from the event
    or (``kept``) from the RSVP; ``where`` "upcoming" or more conditions."""
    if where == "upcoming":
        where = KEPT_UPCOMING if kept else UPCOMING_RSVPS
    start = KEPT_START if kept else "lower(e.during)"
    return RSVPS_SQL.format(where=where.format(start=start), start=start)


def dashboard_sql(kept=False):
    return (
        "SELECT (SELECT array_agg(id) FROM ({events}) AS a), "
        "(SELECT array_agg(id) FROM ({groups}) AS b), "
        "(SELECT array_agg(id) FROM ({requests}) AS c), "
        "(SELECT array_agg(id) FROM ({approve}) AS d), "
        "(SELECT array_agg(id) FROM ({venue}) AS f)"
    ).format(
        events=rsvps_sql("upcoming", kept).replace("r.id, e.id,", "r.id,"),
        groups=my_groups_sql(kept), requests=MY_REQUESTS_SQL, approve=TO_APPROVE_SQL,
        venue=WITHOUT_VENUE_SQL,
    )


THREAD_SQL = """
WITH page AS (
    SELECT p.id FROM studygroups_post AS p
    WHERE p.thread_id = %(group_thread)s AND p.parent_id IS NULL {where}
    ORDER BY p.pinned DESC, p.created_at DESC, p.id DESC LIMIT 21
)
SELECT page.id, r.id FROM page CROSS JOIN LATERAL (
    SELECT r.id FROM studygroups_post AS r WHERE r.parent_id = page.id
    ORDER BY r.created_at, r.id LIMIT 50
) AS r
"""
OLDER = "AND (p.pinned, p.created_at, p.id) < (%(pinned)s, %(created_at)s, %(id)s)"
MEMBERS_SQL = """
SELECT m.id, m.joined_at FROM studygroups_membership AS m
LEFT JOIN studygroups_memberprofile AS f ON f.user_id = m.user_id
WHERE m.study_group_id = %(group)s AND m.status = 'active' AND m.role = 'member'
  AND f.hidden_from_member_lists IS NOT TRUE {where}
ORDER BY m.joined_at, m.id LIMIT 51
"""
GOING_SQL = """
SELECT r.id FROM meetups_rsvp AS r LEFT JOIN studygroups_memberprofile AS f ON f.user_id = r.user_id
WHERE r.event_id = %(event)s AND r.status = 'yes' AND f.hidden_from_member_lists IS NOT TRUE
ORDER BY r.updated_at, r.id LIMIT 51
"""
PHOTOS_SQL = """
SELECT f.id, f.image FROM meetups_eventphoto AS f WHERE f.event_id = %(past_event)s
ORDER BY f.created_at, f.id LIMIT 60
"""
QUEUE_SQL = """
SELECT r.id FROM studygroups_report AS r WHERE r.state = 'open' {where}
ORDER BY r.created_at DESC, r.id DESC LIMIT 100
"""
ORGANIZER_QUEUE = f"AND r.study_group_id IN {ORGANIZED}"


def one_row(cursor, sql, params):
    cursor.execute(sql, params)
    return cursor.fetchone()


def cases(ids, cursor, base, timeout, sessions):
    """[(label, path, who, raw SQL or None, its parameters)]."""
    member, organizer = sessions["member"], sessions["organizer"]
    near = f"near={BOGOTA[0]},{BOGOTA[1]}&radius_km=25"
    p = {**ids, "user": ids["member"], "limit": PAGE + 1, "lon": BOGOTA[0], "lat": BOGOTA[1],
         "radius_m": 25_000, "near": ""}
    o = {**p, "user": ids["organizer"]}
    # The keys of the last row before page 50 of /groups/ and /events/ (the raw
    # keyset queries start there).
    name, gid = one_row(cursor, "SELECT name, id FROM studygroups_studygroup WHERE NOT hidden "
                        "ORDER BY name, id OFFSET 979 LIMIT 1", {})
    event_after = one_row(cursor, "SELECT lower(during), id FROM meetups_event WHERE status = "
                          "'scheduled' AND upper(during) > now() ORDER BY lower(during), id "
                          "OFFSET 979 LIMIT 1", {})
    rsvp_after = one_row(cursor, rsvps_sql().replace("LIMIT %(limit)s", "")
                         + " OFFSET 199 LIMIT 1", p)
    older = one_row(cursor, "SELECT pinned, created_at, id FROM studygroups_post WHERE "
                    "thread_id = %(group_thread)s AND parent_id IS NULL ORDER BY pinned DESC, "
                    "created_at DESC, id DESC OFFSET 979 LIMIT 1", p)
    (members,) = one_row(cursor, "SELECT count(*) FROM studygroups_membership WHERE "
                         "study_group_id = %(group)s AND status = 'active'", p)
    member_pages = min(100, members // 60)
    member_after = one_row(cursor, MEMBERS_SQL.format(where="").replace("LIMIT 51", "")
                           + f" OFFSET {50 * (member_pages - 1) - 1} LIMIT 1", p)
    slug, event, past = ids["group_slug"], ids["event"], ids["past_event"]
    # The sort keys the fixes keep on the rows, when the copy has them: the raw
    # SQL then reads the same indexes (before them, it sorted as the pages did).
    (kept,) = one_row(cursor, "SELECT count(*) = 2 FROM information_schema.columns WHERE "
                      "(table_name, column_name) IN (('meetups_rsvp', 'event_start'), "
                      "('studygroups_membership', 'group_name'))", {})
    return [
        ("/events/, upcoming everywhere", "/events/", None, UPCOMING_SQL.format(near=""), p),
        ("/events/, 25 km of Bogotá", f"/events/?{near}", None,
         UPCOMING_SQL.format(near=NEAR_SQL), p),
        ("/events/, page 50", follow(base, "/events/", 49, timeout), None,
         UPCOMING_SQL.format(near="AND (lower(e.during), e.id) > (%(k0)s, %(k1)s)"),
         {**p, "k0": event_after[0], "k1": event_after[1]}),
        ("/groups/, first page", "/groups/", None, GROUPS_SQL.format(where=""), p),
        ("/groups/, page 50", follow(base, "/groups/", 49, timeout), None,
         GROUPS_SQL.format(where="AND (g.name, g.id) > (%(k0)s, %(k1)s)"),
         {**p, "k0": name, "k1": gid}),
        ("/groups/, 25 km of Bogotá", f"/groups/?{near}", None, NEAR_GROUPS_SQL, p),
        ("/groups/?topic=python", "/groups/?topic=python", None,
         GROUPS_SQL.format(where=TOPIC), p),
        ("/groups/?format=online", "/groups/?format=online", None,
         GROUPS_SQL.format(where="AND g.is_online"), p),
        ("/groups/?q=python (measured only)", "/groups/?q=python", None, SEARCH_SQL, p),
        ("/me/, heavy member", "/me/", member, dashboard_sql(kept), {**p, "limit": 6}),
        ("/me/events/, heavy member", "/me/events/", member,
         rsvps_sql("upcoming", kept), p),
        ("/me/events/, page 10", follow(base, "/me/events/", 9, timeout, member), member,
         None, p),
        ("/me/groups/, heavy member", "/me/groups/", member, my_groups_sql(kept), p),
        ("/me/requests/, heavy member", "/me/requests/", member, MY_REQUESTS_SQL, p),
        ("/me/, heavy organizer", "/me/", organizer, dashboard_sql(kept), {**o, "limit": 6}),
        ("/me/groups/, heavy organizer", "/me/groups/", organizer, my_groups_sql(kept), o),
        ("/me/to-approve/, heavy organizer", "/me/to-approve/", organizer, TO_APPROVE_SQL, o),
        ("/me/without-venue/, heavy organizer", "/me/without-venue/", organizer,
         WITHOUT_VENUE_SQL, o),
        ("/api/me/rsvps/", "/api/me/rsvps/", member, rsvps_sql("", kept), p),
        ("/api/me/rsvps/?upcoming=true", "/api/me/rsvps/?upcoming=true", member,
         rsvps_sql("upcoming", kept), p),
        ("/api/me/rsvps/, page 10", follow(base, "/api/me/rsvps/", 9, timeout, member), member,
         rsvps_sql("AND ({start}, e.id) > (%(k0)s, %(k1)s)", kept),
         {**p, "k0": rsvp_after[2], "k1": rsvp_after[1]}),
        ("group page, 67k-post thread", f"/groups/{slug}/", member,
         THREAD_SQL.format(where=""), p),
        ("group thread, page 50", follow(base, f"/groups/{slug}/", 49, timeout, member,
                                         THREAD_NEXT), member,
         THREAD_SQL.format(where=OLDER),
         {**p, "pinned": older[0], "created_at": older[1], "id": older[2]}),
        ("/api/studygroups/<id>/posts/", f"/api/studygroups/{ids['group']}/posts/", member,
         THREAD_SQL.format(where=""), p),
        ("event page, 32k-post thread", f"/events/{event}/", member,
         THREAD_SQL.format(where=""), {**p, "group_thread": ids["event_thread"]}),
        ("/api/events/<id>/posts/", f"/api/events/{event}/posts/", member,
         THREAD_SQL.format(where=""), {**p, "group_thread": ids["event_thread"]}),
        ("event page as its organizer (going)", f"/events/{event}/", organizer, GOING_SQL, p),
        ("group members, 30k", f"/groups/{slug}/members/", member, MEMBERS_SQL.format(where=""),
         p),
        (f"group members, page {member_pages}",
         follow(base, f"/groups/{slug}/members/", member_pages - 1, timeout, member), member,
         MEMBERS_SQL.format(where="AND (m.joined_at, m.id) > (%(k0)s, %(k1)s)"),
         {**p, "k0": member_after[1], "k1": member_after[0]}),
        ("past event page, 60 photos", f"/events/{past}/", member, PHOTOS_SQL, p),
        ("/api/events/<id>/photos/", f"/api/events/{past}/photos/", member, PHOTOS_SQL, p),
        ("moderation queue, open", "/admin/studygroups/report/?state__exact=open",
         sessions["moderator"], QUEUE_SQL.format(where=""), p),
        ("organizer's report queue", "/admin/studygroups/report/", organizer,
         QUEUE_SQL.format(where=ORGANIZER_QUEUE), o),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=SIZES, default="10k")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--only", default="", help="Only the cases whose label has this text.")
    parser.add_argument(
        "--compare", metavar="PATH", default="",
        help="Also serve the Cerca checkout at PATH (main's, say) on the same copy, its "
        "requests interleaved with this one's: a baseline of the same run. Its code must "
        "read the copy as migrated by this one.",
    )
    args = parser.parse_args()
    url = database_url()
    name, timings = build(url, args.size, args.rebuild)
    print(f"{name}: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items()))
    ids = chosen(url, name)
    import os

    os.environ.setdefault("MEDIA_ROOT", str(ROOT / ".local" / "media"))
    photo_files(ids)
    servers = [serve_cerca(url, name, args.timeout)]
    try:
        if args.compare:
            servers.append(serve_cerca(url, name, args.timeout, root=Path(args.compare)))
        users = {"member": "bench-heavy-member", "organizer": "bench-heavy-organizer",
                 "moderator": "bench-community-moderator"}
        # Each server its own sessions (their secret keys differ).
        sessions = [
            {role: sign_in(server.base_url, username, args.timeout)
             for role, username in users.items()}
            for server in servers
        ]
        role_of = {id(cookies): role for role, cookies in sessions[0].items()}
        database = connect(url, name)
        with database.cursor() as cursor:
            rows = [
                [*case, [[] for _ in servers], []]
                for case in cases(ids, cursor, servers[0].base_url, args.timeout, sessions[0])
                if args.only in case[0]
            ]

            def fetch(k, path, cookies):
                who = sessions[k][role_of[id(cookies)]] if cookies else None
                return get(servers[k].base_url, path, args.timeout, who)

            for _label, path, cookies, sql, params, _samples, _raw in rows:
                for k in range(len(servers)):
                    fetch(k, path, cookies)  # warm-up
                if sql:
                    timed_sql(cursor, sql, params)
            for round_ in range(args.repeats):
                for label, path, cookies, sql, params, samples, raw in rows:
                    # Alternate which server goes first.
                    for k in sorted(range(len(servers)), key=lambda k: (k + round_) % 2):
                        seconds, status, _body, _headers = fetch(k, path, cookies)
                        if status != 200:
                            sys.exit(f"{label}: {path} answered {status} ({servers[k].label})")
                        samples[k].append(seconds)
                    if sql:
                        raw.append(timed_sql(cursor, sql, params))
        database.close()
    finally:
        for server in servers:
            server.stop()
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"\nThe community's lists at {args.size} ({args.repeats} interleaved repeats; "
          f"medians, slowest; load average {' '.join(load)})")
    baseline = f"{'baseline':>10} {'slowest':>10} " if args.compare else ""
    print(f"{'case':44} {'page':>10} {'slowest':>10} {baseline}{'raw SQL':>10}")

    def ms(samples):
        return f"{1000 * statistics.median(samples):7.1f} ms {1000 * max(samples):7.1f} ms"

    for label, _path, _cookies, _sql, _params, samples, raw in rows:
        raw_text = f"{1000 * statistics.median(raw):7.1f} ms" if raw else ""
        print(f"{label:44} {' '.join(ms(each) for each in samples)} {raw_text:>10}")


if __name__ == "__main__":
    main()
