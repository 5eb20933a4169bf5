"""Operations through the real server: health, readiness, metrics, the
HTTP API's refusals, and migrations applied once however often they run."""
import os
import subprocess
import unittest

from harness import ADMIN_KEY, Server, http, psql, require_env


class Operations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_health_and_readiness(self):
        status, body = http("GET", self.server.http + "/healthz", key=None)
        self.assertEqual((status, body), (200, "ok\n"))
        status, body = http("GET", self.server.http + "/readyz", key=None)
        self.assertEqual(status, 200, body)
        self.assertTrue(body["database_reachable"] and body["migrations_applied"])

    def test_metrics_are_prometheus_text(self):
        http("GET", self.server.http + "/nothing-here", key=None)
        status, text = http("GET", self.server.http + "/metrics", key=None)
        self.assertEqual(status, 200)
        for name in ("attune_websocket_connections", "attune_rooms", "attune_messages_in_total",
                     "attune_messages_out_total", "attune_store_queue_depth", 'attune_errors_total{code="ERROR_CODE_BAD_TOKEN"}'):
            self.assertIn(name, text)
        self.assertIn("# TYPE attune_http_requests_total counter", text)

    def test_room_creation_needs_the_admin_key(self):
        for key in (None, "wrong-key-wrong-key", ADMIN_KEY + "x"):
            status, body = http("POST", self.server.http + "/v1/rooms", {}, key=key)
            self.assertEqual(status, 401)
            self.assertEqual(body["error"]["code"], "UNAUTHORIZED")
        status, body = http("POST", self.server.http + "/v1/rooms", {"observers": 99})
        self.assertEqual(status, 400)
        status, body = http("POST", self.server.http + "/v1/rooms", raw=b"{not json")
        self.assertEqual(status, 400)
        self.assertIn("message", body["error"])

    def test_room_creation_returns_one_invite_per_seat(self):
        status, room = http("POST", self.server.http + "/v1/rooms", {"label": "ops", "observers": 2})
        self.assertEqual(status, 201, room)
        inv = room["invites"]
        tokens = [inv["partner_a"], inv["partner_b"], inv["clinician"], *inv["observers"]]
        self.assertEqual(len(set(tokens)), 5)
        self.assertTrue(all(len(t) >= 22 for t in tokens))  # >= 128 bits of randomness
        rows = psql(f"SELECT count(*) FROM invites WHERE room_id = '{room['room_id']}'")
        self.assertEqual(rows, [["5"]])

    def test_unknown_paths_and_methods(self):
        self.assertEqual(http("GET", self.server.http + "/v1/nope")[0], 404)
        self.assertEqual(http("DELETE", self.server.http + "/v1/rooms")[0], 405)
        self.assertEqual(http("GET", self.server.http + "/v1/sessions/ses_doesnotexist")[0], 404)

    def test_migrate_is_idempotent(self):
        url = require_env("ATTUNE_TEST_DATABASE_URL")
        before = psql("SELECT count(*) FROM schema_migrations")
        for _ in range(2):
            out = subprocess.run([require_env("ATTUNE_BIN"), "migrate", "--database-url", url],
                                 capture_output=True, text=True, check=True)
            self.assertIn("already up to date", out.stdout)
        self.assertEqual(psql("SELECT count(*) FROM schema_migrations"), before)
        check = subprocess.run([require_env("ATTUNE_BIN"), "migrate", "--check", "--database-url", url])
        self.assertEqual(check.returncode, 0)

    def test_every_command_has_help(self):
        for cmd in ("serve", "migrate", "simulate"):
            out = subprocess.run([require_env("ATTUNE_BIN"), cmd, "--help"], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, cmd)
            self.assertIn("usage", (out.stdout + out.stderr).lower())


if __name__ == "__main__":
    unittest.main()
