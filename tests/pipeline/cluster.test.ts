import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { openClusterUrl } from "../../pipeline/cluster";

/** A stand-in kubectl: prints what `kubectl port-forward` prints, records its arguments, waits. */
function fakeKubectl(dir: string, behaviour: "forward" | "fail"): string {
    const file = path.join(dir, "kubectl");
    const body =
        behaviour === "forward"
            ? `require("fs").writeFileSync(${JSON.stringify(path.join(dir, "args"))}, JSON.stringify(process.argv.slice(2)));
console.log("Forwarding from 127.0.0.1:41234 -> 9090");
console.log("Forwarding from [::1]:41234 -> 9090");
setInterval(() => {}, 1000);`
            : `console.error('error: services "nope" not found'); process.exit(1);`;
    fs.writeFileSync(file, `#!${process.execPath}\n${body}\n`, { mode: 0o755 });
    return file;
}

describe("reaching in-cluster URLs from the release runner", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-kubectl-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("uses addresses that resolve as they are", async () => {
        const access = openClusterUrl({ kubectl: "/nonexistent" });
        assert.equal((await access("http://127.0.0.1:9090")).via, "direct");
        assert.equal((await access("http://localhost:8025")).via, "direct");
    });

    it("port-forwards to <service>.<namespace> when the name does not resolve, on the port kubectl picked", async () => {
        const access = openClusterUrl({ kubectl: fakeKubectl(dir, "forward") });
        const reached = await access("http://kube-prometheus-stack-prometheus.monitoring:9090");
        try {
            assert.equal(reached.via, "port-forward");
            assert.equal(reached.url, "http://127.0.0.1:41234");
            assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "args"), "utf8")), [
                "--namespace",
                "monitoring",
                "port-forward",
                "service/kube-prometheus-stack-prometheus",
                ":9090",
            ]);
        } finally {
            reached.close();
        }
    });

    it("fails with kubectl's own message when the port-forward cannot start", async () => {
        const access = openClusterUrl({ kubectl: fakeKubectl(dir, "fail") });
        await assert.rejects(
            access("http://nope.monitoring.svc:9090"),
            /cannot reach service nope in namespace monitoring: .* exited 1: error: services "nope" not found/,
        );
    });
});
