import { strict as assert } from "assert";
import { configWrites } from "../../pipeline/drivers/config-writes";

describe("writing an earlier update's config back (rollback): objects stay objects, secrets stay encrypted", () => {
    it("objects go through --json with objectValue (types kept), scalars as they are, secret scalars encrypted", () => {
        const w = configWrites({
            "ologywood:imageTag": { value: "1.1.0", secret: false },
            "ologywood:backup": { value: '{"retentionDays":30,"storageClass":"ssd"}', objectValue: { retentionDays: 30, storageClass: "ssd" }, secret: false },
            "ologywood:token": { value: "t0ken", secret: true },
        });
        assert.deepEqual(w.json, {
            "ologywood:imageTag": { value: "1.1.0", secret: false },
            "ologywood:backup": { value: '{"retentionDays":30,"storageClass":"ssd"}', objectValue: { retentionDays: 30, storageClass: "ssd" }, secret: false },
            "ologywood:token": { value: "t0ken", secret: true },
        });
        assert.deepEqual(w.secretLeaves, []);
    });

    it("a secret object: its plain part through --json, the schema's secret leaves one by one with --path --secret", () => {
        const db = { host: "db.internal", appConnectionLimit: 50, credentials: { app: "s3cret-app", owner: "s3cret-owner" } };
        const w = configWrites({ "ologywood:db": { value: JSON.stringify(db), objectValue: db, secret: true } });
        assert.deepEqual(w.json["ologywood:db"].objectValue, { host: "db.internal", appConnectionLimit: 50, credentials: {} });
        assert.equal(w.json["ologywood:db"].secret, false);
        assert.doesNotMatch(JSON.stringify(w.json), /s3cret/, "no secret in the plain part");
        assert.deepEqual(w.secretLeaves.sort(), [
            ["ologywood:db.credentials.app", "s3cret-app"],
            ["ologywood:db.credentials.owner", "s3cret-owner"],
        ]);
    });

    it("a secret object with no leaf the schema knows as secret: every leaf encrypted, nothing plain", () => {
        const other = { a: "x", list: ["y"], "dotted.key": "z" };
        const w = configWrites({ "other:thing": { value: JSON.stringify(other), objectValue: other, secret: true } });
        assert.deepEqual(w.json, {});
        assert.deepEqual(w.secretLeaves, [
            ["other:thing.a", "x"],
            ["other:thing.list[0]", "y"],
            ['other:thing["dotted.key"]', "z"],
        ]);
    });
});
