"""The job inbox: a write asked for while another process holds the file runs in that process."""
import os
import subprocess
import sys

import pytest

from voc import db, jobs

HOLDER = """
import sys, time
from voc import db, jobs
database = db.get(sys.argv[1])
database.connection()
jobs.start_worker(database, interval=0.1)
print("ready", flush=True)
time.sleep(60)
"""


@pytest.fixture
def held_database(private_db_path):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(private_db_path)], stdout=subprocess.PIPE,
                            text=True, cwd=os.getcwd())
    try:
        assert proc.stdout.readline().strip() == "ready"
        yield private_db_path, proc.pid
    finally:
        proc.kill()
        proc.wait()
        db.forget(private_db_path)


def test_a_held_file_is_refused_with_a_clear_message(held_database):
    path, _ = held_database
    db.forget(path)
    with pytest.raises(db.DatabaseBusy, match="in use by another process"):
        db.get(path).connection()


def test_a_job_runs_in_the_process_that_holds_the_file(held_database):
    path, holder_pid = held_database
    db.forget(path)
    result = jobs.run("ping", {}, db_path=path, timeout=20)
    assert result["pid"] == holder_pid != os.getpid()
    assert result["schema_version"] >= 1
    assert not list(jobs.inbox(path).glob("*.json"))  # nothing left behind


def test_a_failing_job_reports_its_error(held_database):
    path, _ = held_database
    db.forget(path)
    with pytest.raises(jobs.JobFailed, match="unknown job 'no_such_job'"):
        jobs.run("no_such_job", {}, db_path=path, timeout=20)


def test_without_a_holder_the_job_runs_here(private_db_path):
    try:
        assert jobs.run("ping", {}, db_path=private_db_path)["pid"] == os.getpid()
    finally:
        db.forget(private_db_path)


def test_nobody_taking_the_job_times_out_with_advice(tmp_path, private_db_path):
    with pytest.raises(jobs.JobFailed, match="did not take the job"):
        jobs.submit(private_db_path, "ping", {}, timeout=0.5)
    assert not list(jobs.inbox(private_db_path).glob("*.job.json"))
