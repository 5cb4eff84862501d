import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSimulator, type Faults } from './app';

export interface RunningSimulator {
  url: string;
  faults: Faults;
  close(): Promise<void>;
}

export async function startSimulator(options: { port?: number; faults?: Partial<Faults> } = {}): Promise<RunningSimulator> {
  const { app, faults } = createSimulator(options.faults);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (require.main === module) {
  const port = Number(process.env.SIMULATOR_PORT ?? 4000);
  startSimulator({
    port,
    faults: {
      latencyMs: Number(process.env.SIM_LATENCY_MS ?? 0),
      failureRate: Number(process.env.SIM_FAILURE_RATE ?? 0),
      timeoutRate: Number(process.env.SIM_TIMEOUT_RATE ?? 0),
    },
  })
    .then((sim) => console.log(`department simulator listening on ${sim.url}`))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
