import { strict as assert } from 'node:assert';
import { idNumberCheckChar, isValidIdNumber, makeIdNumber, maskIdNumber } from '../../policy/id-number.js';

describe('resident ID number (GB 11643-1999)', () => {
  describe('isValidIdNumber', () => {
    const cases: [string, unknown, boolean][] = [
      ['the standard example with check X', '11010519491231002X', true],
      ['the standard example with a digit check', '440524188001010014', true],
      ['a wrong check digit', '110105194912310021', false],
      ['a wrong check digit where X belongs', '110105194912310020', false],
      ['a lower-case x (callers upper-case input first)', '11010519491231002x', false],
      ['29 February in a common year', withCheck('11010520230229002'), false],
      ['an impossible date with a correct check digit', withCheck('11010519490231002'), false],
      ['month 13 with a correct check digit', withCheck('11010519491331002'), false],
      ['day 00 with a correct check digit', withCheck('11010519491200002'), false],
      ['29 February in a leap year', makeIdNumber('110105', '20240229', '002'), true],
      ['a division code starting with 0', withCheck('01010519491231002'), false],
      ['17 characters', '11010519491231002', false],
      ['19 characters', '11010519491231002X1', false],
      ['letters inside', '1101051949123100AX', false],
      ['not a string', 110105194912310020, false],
      ['empty', '', false],
    ];
    for (const [name, input, expected] of cases) {
      it(`${expected ? 'accepts' : 'rejects'} ${name}`, () => assert.equal(isValidIdNumber(input), expected));
    }
  });

  describe('idNumberCheckChar', () => {
    it('computes the check character of the standard examples', () => {
      assert.equal(idNumberCheckChar('11010519491231002'), 'X');
      assert.equal(idNumberCheckChar('44052418800101001'), '4');
    });
    it('reaches all eleven check characters', () => {
      const seen = new Set<string>();
      for (let seq = 0; seq < 200; seq++) seen.add(idNumberCheckChar(`62010219950314${String(seq).padStart(3, '0')}`));
      assert.deepEqual([...seen].sort(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X']);
    });
    for (const bad of ['1101051949123100', '110105194912310021', '1101051949123100A']) {
      it(`throws on '${bad}'`, () => assert.throws(() => idNumberCheckChar(bad), RangeError));
    }
  });

  describe('makeIdNumber', () => {
    it('builds valid numbers for every sequence', () => {
      for (let seq = 0; seq < 1000; seq += 7) assert.ok(isValidIdNumber(makeIdNumber('310104', '20000101', seq)));
    });
    it('puts the parts where the standard says', () => {
      const id = makeIdNumber('620102', '19950314', '028');
      assert.equal(id.slice(0, 17), '62010219950314028');
    });
    const bad: [string, string, string][] = [
      ['62010', '19950314', '028'],
      ['020102', '19950314', '028'],
      ['620102', '19950230', '028'],
      ['620102', '1995031', '028'],
      ['620102', '19950314', '28'],
    ];
    for (const [division, date, seq] of bad) {
      it(`throws for (${division}, ${date}, ${seq})`, () => assert.throws(() => makeIdNumber(division, date, seq), RangeError));
    }
  });

  describe('maskIdNumber', () => {
    it('keeps the first 6 and last 4 characters only', () => {
      assert.equal(maskIdNumber('11010519491231002X'), '110105********002X');
    });
    it('masks short input entirely', () => assert.equal(maskIdNumber('12345'), '*****'));
  });
});

function withCheck(first17: string): string {
  return first17 + idNumberCheckChar(first17);
}
