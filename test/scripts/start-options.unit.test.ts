// What `npm start` makes of its port: `PORT`, `-- --port N` (winning over PORT), `--port=N`, an
// inspector port of one's own, a PUBLIC_BASE_URL passed with --var, and the arguments left for wrangler.
import { describe, expect, it } from "vitest";
import { StartUsageError, startOptions } from "../../scripts/start-options.ts";

describe("startOptions", () => {
  it("serves on 8787 with nothing asked", () => {
    expect(startOptions([], {})).toEqual({ port: 8787, inspectorPort: null, publicBaseUrlVar: null, passthrough: [] });
  });

  it("takes PORT, and a --port flag over it, leaving wrangler one --port only", () => {
    expect(startOptions([], { PORT: "8788" }).port).toBe(8788);
    expect(startOptions(["--port", "8790"], { PORT: "8788" })).toMatchObject({ port: 8790, passthrough: [] });
    expect(startOptions(["--port=8791"], {})).toMatchObject({ port: 8791, passthrough: [] });
    expect(startOptions([], { PORT: "" }).port).toBe(8787);
  });

  it("keeps an inspector port asked for, and passes every other argument on in order", () => {
    const options = startOptions(["--var", "STEPWISE_OFFLINE_CHUNK_DELAY_MS:40", "--inspector-port", "9333", "--log-level", "debug"], {});
    expect(options.inspectorPort).toBe(9333);
    expect(options.passthrough).toEqual(["--var", "STEPWISE_OFFLINE_CHUNK_DELAY_MS:40", "--log-level", "debug"]);
  });

  it("notes a PUBLIC_BASE_URL given with --var, and passes it on", () => {
    const options = startOptions(["--var", "PUBLIC_BASE_URL:https://tunnel.example"], {});
    expect(options.publicBaseUrlVar).toBe("https://tunnel.example");
    expect(options.passthrough).toEqual(["--var", "PUBLIC_BASE_URL:https://tunnel.example"]);
  });

  it.each([
    [["--port"], {}, "--port must be a port number from 1 to 65535, not nothing."],
    [["--port", "eighty"], {}, '--port must be a port number from 1 to 65535, not "eighty".'],
    [["--port", "70000"], {}, '--port must be a port number from 1 to 65535, not "70000".'],
    [["--inspector-port=0"], {}, '--inspector-port must be a port number from 1 to 65535, not "0".'],
    [[], { PORT: "8787x" }, 'PORT must be a port number from 1 to 65535, not "8787x".'],
  ])("refuses %j with %j, naming what was wrong", (argv, env, message) => {
    expect(() => startOptions(argv, env)).toThrow(StartUsageError);
    expect(() => startOptions(argv, env)).toThrow(message);
  });
});
