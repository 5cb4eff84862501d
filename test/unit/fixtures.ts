// Valid applications to start each test from; a test changes only what it is about.

import { makeIdNumber } from '../../policy/id-number.js';
import type { Application, HukouInfo, Region } from '../../policy/types.js';

export const DIVISION = { lanzhou: '620102', shanghai: '310104', beijing: '110105' } as const;

export const MOTHER_ID = makeIdNumber('620102', '19950314', '028');
export const FATHER_ID = makeIdNumber('620102', '19930707', '015');

/** A clock well after the fixture birth and well before the first birthday. */
export const NOW = new Date('2026-12-01T04:00:00Z');

export const family = (divisionCode: string): HukouInfo => ({ divisionCode, householdType: 'family' });
export const collective = (divisionCode: string): HukouInfo => ({ divisionCode, householdType: 'collective' });

/** A married couple, both with a local family hukou, child born locally on 2026-11-20. */
export function validApplication(region: Region = 'lanzhou'): Application {
  const local = region === 'shanghai' ? DIVISION.shanghai : DIVISION.lanzhou;
  return {
    region,
    delivery: {
      institutionCode: 'H620102001',
      divisionCode: local,
      place: 'institution',
      bornAt: '2026-11-20T08:30:00+08:00',
      childSex: 'male',
      weightGrams: 3200,
      gestationWeeks: 39,
    },
    child: { name: '王小明' },
    mother: { name: '李芳', idNumber: MOTHER_ID, phone: '13800000000', occupation: 'other', hukou: family(local) },
    father: { name: '王强', idNumber: FATHER_ID, phone: '13900000000', occupation: 'other', hukou: family(local) },
    marriage: { status: 'married', certificateNumber: 'J620102-2020-001234' },
    applicant: { relation: 'mother', idNumber: MOTHER_ID, phone: '13800000000' },
    birthRegistration: { followParent: 'father' },
    socialSecurityCard: { bankCode: 'ICBC', deliverByPost: true },
    logistics: { method: 'ems', recipient: '李芳', phone: '13800000000', address: '兰州市城关区某路1号' },
  };
}

/** JSON round trip: a body as the API receives it, free to mutate. */
export function body(app: Application = validApplication()): any {
  return JSON.parse(JSON.stringify(app));
}
