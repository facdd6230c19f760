"""Shared fixtures. The cluster tests run under CTest (immichbak_add_cluster_test), which starts a
throwaway PostgreSQL 15 cluster and sets PGHOST/PGPORT/PGUSER and IMMICHBAK_FIXTURE_DB."""

import os
import subprocess
import uuid

import pytest

import immichbak


def psql(db, sql):
    """One value (or lines) from psql, as text."""
    out = subprocess.run(
        ["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
        check=True, capture_output=True, text=True,
    )
    return out.stdout.strip()


def row_counts(db):
    """{"schema.table": rows} of every ordinary table of the database."""
    tables = psql(db, "SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables ORDER BY 1")
    return {t: int(psql(db, "SELECT count(*) FROM %s" % t)) for t in tables.splitlines() if t}


def drop_database(name):
    psql("postgres", 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)


class Databases:
    """Names databases t_py_<pid>_<hint>_<n> and drops them at the end of the session."""

    def __init__(self):
        self.names = []

    def name(self, hint):
        n = "t_py_%d_%s_%s" % (os.getpid(), hint, uuid.uuid4().hex[:6])
        self.names.append(n)
        return n

    def fixture(self, hint, assets=50):
        n = self.name(hint)
        subprocess.run([os.environ["IMMICHBAK_FIXTURE_DB"], n, str(assets)], check=True)
        return n


@pytest.fixture(scope="session")
def cluster():
    if "IMMICHBAK_FIXTURE_DB" not in os.environ or "PGHOST" not in os.environ:
        pytest.fail("no test cluster: run these tests through ctest (-R '^python$'), which starts one")
    return os.environ


@pytest.fixture(scope="session")
def databases(cluster):
    dbs = Databases()
    yield dbs
    for n in dbs.names:
        drop_database(n)


@pytest.fixture(scope="session")
def source_db(databases):
    """An Immich-shaped fixture database, shared by the tests that only read it."""
    return databases.fixture("src")


@pytest.fixture(scope="session")
def backup_file(source_db, tmp_path_factory):
    """One backup of source_db, shared by the tests that only read it."""
    d = tmp_path_factory.mktemp("shared-backups")
    return immichbak.backup(d, dsn="dbname=" + source_db, jobs=2).file
