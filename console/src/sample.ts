// Demo data for the development sign-in and the parent's "填入示例": valid resident ID
// numbers (GB 11643 check character) and a complete application of a married local
// couple, like scripts/sample-application.ts on the server.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

export function makeIdNumber(division6: string, birth: string, seq: number): string {
  const first17 = `${division6}${birth}${String(seq % 1000).padStart(3, '0')}`;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return first17 + CHECK_CHARS[sum % 11];
}

export const LOCAL_DIVISION: Record<string, string> = { national: '110105', lanzhou: '620102', shanghai: '310104' };

export function randomMotherId(): string {
  return makeIdNumber('110105', '19950314', Math.floor(Math.random() * 1000));
}

/** A valid application whose mother (and applicant) is `motherId`. */
export function sampleApplication(region: string, motherId: string) {
  const local = LOCAL_DIVISION[region] ?? '110105';
  const seq = Number(motherId.slice(14, 17)) || 0;
  const father = makeIdNumber(local, '19930707', seq + 500);
  const bornAt = new Date(Date.now() - 2 * 86_400_000);
  return {
    region,
    delivery: { institutionCode: `H${local}001`, divisionCode: local, place: 'institution', bornAt: bornAt.toISOString(), childSex: 'female', weightGrams: 3250, gestationWeeks: 39 },
    child: { name: '王小雨' },
    mother: { name: '李芳', idNumber: motherId, phone: '13800000000', occupation: 'other', hukou: { divisionCode: local, householdType: 'family' } },
    father: { name: '王强', idNumber: father, phone: '13900000000', occupation: 'other', hukou: { divisionCode: local, householdType: 'family' } },
    marriage: { status: 'married', certificateNumber: `J${local}-2020-001234` },
    applicant: { relation: 'mother', idNumber: motherId, phone: '13800000000' },
    birthRegistration: { followParent: 'father' },
  };
}
