import { makeIdNumber } from '../policy/id-number';
import type { Application, Region } from '../policy/types';
import { fail, parseCli } from './cli';

const LOCAL: Record<Region, string> = { national: '110105', lanzhou: '620102', shanghai: '310104' };

/**
 * A valid application of a married local couple, for the README walk-through, demos
 * and tests. `seq` makes the mother (and so the case) different on every call.
 */
export function sampleApplication(options: { region?: Region; seq?: number; bornAt?: Date; motherBirthDate?: string } = {}): Application {
  const region = options.region ?? 'national';
  const local = LOCAL[region];
  const seq = options.seq ?? Math.floor(Math.random() * 1000);
  const mother = makeIdNumber(local, options.motherBirthDate ?? '19950314', String(seq % 1000).padStart(3, '0'));
  const father = makeIdNumber(local, '19930707', String((seq + 500) % 1000).padStart(3, '0'));
  const bornAt = options.bornAt ?? new Date(Date.now() - 2 * 86_400_000);
  return {
    region,
    delivery: { institutionCode: `H${local}001`, divisionCode: local, place: 'institution', bornAt: bornAt.toISOString(), childSex: 'female', weightGrams: 3250, gestationWeeks: 39 },
    child: { name: '王小雨' },
    mother: { name: '李芳', idNumber: mother, phone: '13800000000', occupation: 'other', hukou: { divisionCode: local, householdType: 'family' } },
    father: { name: '王强', idNumber: father, phone: '13900000000', occupation: 'other', hukou: { divisionCode: local, householdType: 'family' } },
    marriage: { status: 'married', certificateNumber: `J${local}-2020-001234` },
    applicant: { relation: 'mother', idNumber: mother, phone: '13800000000' },
    birthRegistration: { followParent: 'father' },
  };
}

const USAGE = `
npm run -s sample -- [--region national|lanzhou|shanghai] [--seq N]

Prints a valid application of a married local couple (JSON), for the walk-through.
  --region  the policy pack (default national)
  --seq     a number that makes the parents' ID numbers (default random)
`;

if (require.main === module) {
  const values = parseCli(USAGE, { region: { type: 'string', default: 'national' }, seq: { type: 'string' } });
  if (!(values.region! in LOCAL)) fail(USAGE, `--region must be one of ${Object.keys(LOCAL).join(', ')}`);
  if (values.seq !== undefined && !/^\d{1,6}$/.test(values.seq)) fail(USAGE, '--seq must be a whole number');
  const app = sampleApplication({ region: values.region as Region, seq: values.seq ? Number(values.seq) : undefined });
  process.stdout.write(`${JSON.stringify(app, null, 2)}\n`);
}
