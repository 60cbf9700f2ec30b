/** A Clock for tests and benchmarks: minutes of pipeline time in milliseconds. */
import { Clock } from "../../pipeline/clock";

/**
 * Time that moves only when someone sleeps (or advance() is called). Real work in between (HTTP
 * to the local stand-ins) takes no virtual time. The pipeline runs one step at a time, so
 * sleeps never overlap.
 */
export class VirtualClock implements Clock {
    constructor(private current = Date.parse("2026-03-03T19:00:00Z")) {}

    now(): number {
        return this.current;
    }

    async sleep(ms: number): Promise<void> {
        this.current += Math.max(0, ms);
        // Let I/O callbacks run, as a real sleep would.
        await new Promise((resolve) => setImmediate(resolve));
    }

    advance(ms: number): void {
        this.current += ms;
    }
}
