/**
 * The roles, grants and default privileges the Database component declares, as the SQL they
 * stand for, against a real PostgreSQL: applied by a non-superuser admin, then checked by
 * logging in as each role and trying what it may and may not do.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import { PG_MONITOR } from "../../components/database/access";
import { libpqEnvironment, postgresUrl } from "../../components/database/connection";
import { Login, PgServer, startPostgres } from "../support/postgres";
import { StackDatabase, provisionStackDatabase } from "./stack-db";

describe("database roles and privileges (the program's grants as SQL, on a real PostgreSQL)", function () {
    this.timeout(120_000);
    let server: PgServer;
    let db: StackDatabase;

    const denied = (sql: string, login: Login, pattern: RegExp) => {
        const result = server.tryPsql(sql, login);
        assert.notStrictEqual(result.status, 0, `${login.user} should not be allowed: ${sql}`);
        assert.match(result.stderr, pattern);
    };

    before(async () => {
        server = await startPostgres();
        // A table made before the grants ran (a database that existed before this program) and one
        // after: the first is covered by the table grants, the second by the default privileges.
        db = provisionStackDatabase(server, "ologywood_test", {
            beforeGrants: "CREATE TABLE bookings (id bigserial PRIMARY KEY, venue text NOT NULL)",
        });
        server.psql("CREATE TABLE artists (id bigserial PRIMARY KEY, name text NOT NULL)", db.roles.owner);
    });
    after(() => server?.stop());

    it("a non-superuser admin could apply every statement (the provider runs with superuser: false)", () => {
        assert.strictEqual(server.psql(`SELECT rolsuper FROM pg_roles WHERE rolname = '${db.admin.user}'`), "f");
        assert.strictEqual(server.psql(`SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${db.database}'`), db.roles.owner.user);
    });

    it("the app role reads and writes rows of tables made before and after the grants", () => {
        const out = server.psql(
            [
                "INSERT INTO bookings (venue) VALUES ('Blue Note') RETURNING id",
                "UPDATE bookings SET venue = 'Village Vanguard'",
                "INSERT INTO artists (name) VALUES ('Nina') RETURNING id",
                "SELECT count(*) FROM artists",
                "DELETE FROM artists",
            ]
                .map((s) => s + ";")
                .join("\n"),
            db.roles.app,
        );
        assert.deepStrictEqual(out.split("\n"), ["1", "1", "1"]);
    });

    it("the app role cannot create databases, roles, tables, or truncate", () => {
        denied("CREATE DATABASE sneaky", db.roles.app, /permission denied to create database/);
        denied("CREATE ROLE sneaky", db.roles.app, /permission denied to create role/);
        denied("CREATE TABLE sneaky (id int)", db.roles.app, /permission denied for schema public/);
        denied("TRUNCATE bookings", db.roles.app, /permission denied for table bookings/);
        assert.strictEqual(
            server.psql(
                `SELECT rolsuper::text || rolcreatedb::text || rolcreaterole::text || rolconnlimit FROM pg_roles WHERE rolname = '${db.roles.app.user}'`,
            ),
            "falsefalsefalse20",
        );
    });

    it("the backup role reads every table and sequence but cannot write", () => {
        assert.strictEqual(server.psql("SELECT count(*) FROM bookings", db.roles.backup), "1");
        assert.strictEqual(server.psql("SELECT last_value FROM artists_id_seq", db.roles.backup), "1");
        denied("INSERT INTO bookings (venue) VALUES ('x')", db.roles.backup, /permission denied for table bookings/);
        denied("DELETE FROM artists", db.roles.backup, /permission denied for table artists/);
        denied("SELECT nextval('artists_id_seq')", db.roles.backup, /permission denied for sequence artists_id_seq/);
    });

    it("the monitoring role is in pg_monitor, sees every session, and reads no table", () => {
        assert.strictEqual(server.psql(`SELECT pg_has_role('${db.roles.monitoring.user}', '${PG_MONITOR}', 'MEMBER')`), "t");
        assert.strictEqual(
            server.psql(
                "SELECT count(*) > 0 FROM pg_stat_activity WHERE query IS NOT NULL AND query <> '<insufficient privilege>' AND usename <> current_user",
                db.roles.monitoring,
            ),
            "t",
        );
        denied("SELECT * FROM bookings", db.roles.monitoring, /permission denied for table bookings/);
    });

    it("CONNECT is revoked from PUBLIC: a role of another stack on the same server cannot connect", () => {
        server.psql("CREATE ROLE other_stack_app LOGIN PASSWORD 'other'");
        denied("SELECT 1", { user: "other_stack_app", password: "other", database: db.database }, /permission denied for database "ologywood_test"/);
    });

    it("the owner role cannot create databases or roles: the restore verification's scratch database is made by the program, owned by it", () => {
        denied("CREATE DATABASE ologywood_test_scratch", { ...db.roles.owner, database: "postgres" }, /permission denied to create database/);
        denied("CREATE ROLE sneaky", db.roles.owner, /permission denied to create role/);
        assert.strictEqual(
            server.psql(`SELECT rolcreatedb::text || rolcreaterole::text || rolsuper::text FROM pg_roles WHERE rolname = '${db.roles.owner.user}'`),
            "falsefalsefalse",
        );
        assert.strictEqual(db.verifyDatabase, "ologywood_test_verify");
        assert.strictEqual(
            server.psql(`SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${db.verifyDatabase}'`),
            db.roles.owner.user,
        );
    });

    it("DATABASE_URL and the libpq environment built by the component log in, whatever the password holds", () => {
        const params = {
            host: server.host,
            port: server.port,
            database: db.database,
            user: db.roles.app.user,
            password: db.roles.app.password,
            sslmode: "disable" as const,
        };
        const url = postgresUrl(params);
        assert.ok(!url.includes(db.roles.app.password), "the password is percent-encoded in the URL");
        const viaUrl = spawnSync("psql", ["-X", "-A", "-t", "-c", "SELECT current_user || '@' || current_database()", url], {
            encoding: "utf8",
            env: { PATH: server.env().PATH },
        });
        assert.strictEqual(viaUrl.status, 0, viaUrl.stderr);
        assert.strictEqual(viaUrl.stdout.trim(), `${db.roles.app.user}@${db.database}`);
        const viaEnv = spawnSync("psql", ["-X", "-A", "-t", "-c", "SELECT current_user"], {
            encoding: "utf8",
            env: { PATH: server.env().PATH, ...libpqEnvironment({ ...params, user: db.roles.backup.user, password: db.roles.backup.password }) },
        });
        assert.strictEqual(viaEnv.status, 0, viaEnv.stderr);
        assert.strictEqual(viaEnv.stdout.trim(), db.roles.backup.user);
    });
});
