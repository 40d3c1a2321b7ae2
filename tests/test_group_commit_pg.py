"""Group commit on PostgreSQL with several processes (``shared``): commands that arrive together
share one transaction under the centre's row lock, and every caller still sees one durable
transaction per command: answered only once committed, refused all together if the commit fails,
acted on once per request id, consistent across processes."""

import json
import threading
import time

import psycopg
import pytest
from sqlalchemy import text

from hall_server.engine import CallNext, Finish, IssueTicket
from hall_server.service import HallService
from hall_server.store import Store

pytestmark = pytest.mark.postgres


def dump(hall) -> str:
    return json.dumps(hall.state_dict(), default=str, sort_keys=True)


def raw(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def shared(demo_config, pg_url):
    """A service as one of several server processes on PostgreSQL runs it."""
    store = Store(pg_url)
    service = HallService(demo_config, store)
    service.shared = True
    yield service
    store.close()


class RowLock:
    """Another process holding the centre's row lock, so commands pile up behind it."""

    def __init__(self, url: str):
        self.url = raw(url)
        self.conn = psycopg.connect(self.url)
        self.conn.execute("SELECT seq FROM centres WHERE id = 'demo' FOR UPDATE")

    def waiting(self) -> int:
        """Sessions of the test database waiting for a lock."""
        with psycopg.connect(self.url, autocommit=True) as other:
            return other.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND wait_event_type = 'Lock'").fetchone()[0]

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def wait_for(predicate, what: str, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def pile_up(service, url, first, rest):
    """Run ``first`` (it leads and blocks on the row lock), then queue ``rest`` behind it, then release.

    Returns the answers (or exceptions) in the order given.
    """
    results: list = [None] * (1 + len(rest))

    def run(i, fn):
        try:
            results[i] = fn()
        except Exception as exc:  # what the caller would see
            results[i] = exc

    lock = RowLock(url)
    threads = [threading.Thread(target=run, args=(0, first))]
    threads[0].start()
    wait_for(lambda: lock.waiting() == 1, "the first command to wait for the row lock")
    for i, fn in enumerate(rest, start=1):
        threads.append(threading.Thread(target=run, args=(i, fn)))
        threads[-1].start()
    wait_for(lambda: len(service._queue) == len(rest), "the other commands to queue")
    lock.release()
    for th in threads:
        th.join(30)
    return results


def test_commands_that_arrive_together_share_one_commit(shared, pg_url):
    shared.execute(IssueTicket(field="DD"))  # the centre exists; a first commit
    commits = shared.store.group_commits
    rest = [lambda i=i: shared.execute(IssueTicket(field="DD"), request_id=f"kiosk:{i}") for i in range(19)]
    answers = pile_up(shared, pg_url, lambda: shared.execute(IssueTicket(field="HT"), request_id="kiosk:first"), rest)
    assert all(a.ok for a in answers), answers
    # 20 commands, 2 transactions: the one that waited for the lock, then everything queued behind it.
    assert shared.store.group_commits - commits == 2
    codes = sorted(a.body["ticket"]["code"] for a in answers[1:])
    assert codes == [f"A{n:03d}" for n in range(2, 21)]  # A001 came first; no number twice, none skipped
    with shared.store.engine.connect() as conn:
        stored = set(conn.execute(text("SELECT code FROM tickets WHERE issue_field = 'DD'")).scalars())
        requests = conn.execute(text("SELECT count(*) FROM requests")).scalar()
    assert set(codes) <= stored and requests == 20  # every acknowledged command is in the database
    assert dump(shared.hall) == dump(Store(pg_url).load_hall(shared.config))


def test_a_failed_group_commit_refuses_every_command_of_the_batch(shared, pg_url):
    shared.execute(IssueTicket(field="DD"))
    with shared.store.engine.begin() as conn:
        conn.execute(text(
            "CREATE FUNCTION fail_kd() RETURNS trigger AS $$ BEGIN "
            "IF NEW.issue_field = 'KD' THEN RAISE EXCEPTION 'disk trouble'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"))
        conn.execute(text("CREATE TRIGGER fail_kd BEFORE INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION fail_kd()"))
    published = []
    shared.listeners.append(lambda events, _service: published.extend(events))
    rest = [lambda: shared.execute(IssueTicket(field="DD"), request_id="k:2"),
            lambda: shared.execute(IssueTicket(field="KD"), request_id="k:3"),  # the database refuses this one
            lambda: shared.execute(CallNext(counter=1), request_id="b:1")]
    answers = pile_up(shared, pg_url, lambda: shared.execute(IssueTicket(field="DD"), request_id="k:1"), rest)
    assert answers[0].ok and answers[0].body["ticket"]["code"] == "A002"  # its own transaction
    for refused in answers[1:]:  # batched with the refused ticket: refused too, none answered as done
        assert isinstance(refused, Exception) and "disk trouble" in str(refused)
    assert [e.kind for e in published] == ["ticket_issued"]  # nothing published for the refused batch
    with shared.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tickets")).scalar() == 2
        assert conn.execute(text("SELECT request_id FROM requests ORDER BY request_id")).scalars().all() == ["k:1"]
        assert conn.execute(text("SELECT count(*) FROM transitions WHERE to_state = 'called'")).scalar() == 0
    assert dump(shared.hall) == dump(Store(pg_url).load_hall(shared.config))  # memory = database
    with shared.store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER fail_kd ON tickets"))
    # Retried with the same request ids, they act (once), with the numbers nobody was given.
    assert shared.execute(IssueTicket(field="DD"), request_id="k:2").body["ticket"]["code"] == "A003"
    assert shared.execute(CallNext(counter=1), request_id="b:1").body["ticket"]["code"] == "A001"


def test_a_retry_queued_with_its_first_try_acts_once(shared, pg_url):
    shared.execute(IssueTicket(field="DD"))
    rest = [lambda: shared.execute(CallNext(counter=1), request_id="b:7"),
            lambda: shared.execute(CallNext(counter=1), request_id="b:7")]  # the box retried
    answers = pile_up(shared, pg_url, lambda: shared.execute(IssueTicket(field="DD")), rest)
    first, retry = answers[1], answers[2]
    assert first.ok and retry.ok and first.body == retry.body and retry.replayed
    assert first.body["ticket"]["code"] == "A001"
    assert shared.hall.snapshot()["waiting"]["DD"] == 1  # A002 still waits: the retry called nobody
    # And once committed, a retry is answered from the database.
    again = shared.execute(CallNext(counter=1), request_id="b:7")
    assert again.replayed and again.body == first.body


def test_a_read_sees_what_another_process_committed_before_it(demo_config, pg_url):
    a = HallService(demo_config, Store(pg_url))
    b = HallService(demo_config, Store(pg_url))
    a.shared = b.shared = True
    try:
        a.execute(IssueTicket(field="DD"))
        with a.read() as hall:
            assert hall.snapshot()["waiting"]["DD"] == 1
        b.execute(IssueTicket(field="DD"))  # through the other process, just after a's read
        with a.read() as hall:
            assert hall.snapshot()["waiting"]["DD"] == 2
    finally:
        a.store.close()
        b.store.close()


def test_two_processes_under_load_stay_consistent(demo_config, pg_url):
    """Two services on one database, each with kiosks and counters hammering it at once."""
    services = [HallService(demo_config, Store(pg_url)) for _ in range(2)]
    for s in services:
        s.shared = True
    issued, called, errors = [], [], []
    lock = threading.Lock()

    def kiosk(s, k):
        for i in range(25):
            out = s.execute(IssueTicket(field=("DD", "HT", "KD")[i % 3]), request_id=f"k{k}:{i}")
            with lock:
                (issued if out.ok else errors).append(out.body)

    def counter(s, n):
        for i in range(25):
            out = s.execute(CallNext(counter=n), request_id=f"c{n}:{i}")
            if out.ok:
                with lock:
                    called.append(out.body["ticket"]["id"])
                s.execute(Finish(counter=n))

    threads = [threading.Thread(target=kiosk, args=(services[k % 2], k)) for k in range(4)]
    threads += [threading.Thread(target=counter, args=(services[n % 2], n)) for n in range(1, 6)]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
        assert not errors and len(issued) == 100
        codes = [t["ticket"]["code"] for t in issued]
        assert len(set(codes)) == 100  # no number twice
        assert len(called) == len(set(called)) > 0  # no ticket called twice
        for s in services:
            s.refresh()
        fresh = Store(pg_url).load_hall(demo_config)
        assert dump(services[0].hall) == dump(services[1].hall) == dump(fresh)
        assert sum(s.store.group_commits for s in services) < 100 + 2 * len(called)  # some commands shared
    finally:
        for s in services:
            s.store.close()
