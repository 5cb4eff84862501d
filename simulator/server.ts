import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { createSimulator, type Faults, type SimulatorOptions } from './app';

export interface RunningSimulator {
  url: string;
  faults: Faults;
  close(): Promise<void>;
}

export async function startSimulator(options: { port?: number; faults?: Partial<Faults> } & SimulatorOptions = {}): Promise<RunningSimulator> {
  const { app, faults } = createSimulator(options.faults, { recordEveryBirth: options.recordEveryBirth, carrier: options.carrier });
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

// The simulator on its own (node --import tsx simulator/server.ts): a stand-in for the
// department gateway, with its own settings, checked like the service's.
const standaloneEnv = z.object({
  SIMULATOR_PORT: z.coerce.number().int().min(1).max(65535).default(4000),
  SIM_LATENCY_MS: z.coerce.number().min(0).default(0),
  SIM_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  SIM_TIMEOUT_RATE: z.coerce.number().min(0).max(1).default(0),
  /** 0: the hospital's system knows only the births seeded with PUT /admin/deliveries. */
  SIM_RECORD_EVERY_BIRTH: z.enum(['0', '1']).default('1'),
  /** The carrier's signing key (the service's CARRIER_SECRET) and where it posts parcel events. */
  SIM_CARRIER_SECRET: z.string().min(32).optional(),
  SIM_CARRIER_EVENTS_URL: z.string().url().optional(),
});

if (require.main === module) {
  const parsed = standaloneEnv.safeParse(process.env);
  if (!parsed.success) {
    console.error(`invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
    process.exit(1);
  }
  const env = parsed.data;
  startSimulator({ port: env.SIMULATOR_PORT, faults: { latencyMs: env.SIM_LATENCY_MS, failureRate: env.SIM_FAILURE_RATE, timeoutRate: env.SIM_TIMEOUT_RATE }, recordEveryBirth: env.SIM_RECORD_EVERY_BIRTH === '1', carrier: { secret: env.SIM_CARRIER_SECRET, eventsUrl: env.SIM_CARRIER_EVENTS_URL } })
    .then((sim) => console.log(`department simulator listening on ${sim.url}`))
    .catch((err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
