import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatRate, parseDuration, parsePercent, parseRate, parseSize } from '../../../harness/lab/units.js';

describe('parseSize', () => {
  test('decimal and binary units, case-insensitive', () => {
    assert.equal(parseSize('4MB'), 4_000_000);
    assert.equal(parseSize('4mb'), 4_000_000);
    assert.equal(parseSize('1kb'), 1_000);
    assert.equal(parseSize('2GB'), 2_000_000_000);
    assert.equal(parseSize('64KiB'), 65_536);
    assert.equal(parseSize('1MiB'), 1_048_576);
    assert.equal(parseSize('1GiB'), 1_073_741_824);
    assert.equal(parseSize('16M'), 16_777_216);
    assert.equal(parseSize('64k'), 65_536);
    assert.equal(parseSize('1g'), 1_073_741_824);
  });

  test('bare numbers and "b" are bytes', () => {
    assert.equal(parseSize('1500'), 1500);
    assert.equal(parseSize('1500b'), 1500);
    assert.equal(parseSize('1500B'), 1500);
    assert.equal(parseSize(16_777_216), 16_777_216);
    assert.equal(parseSize(0), 0);
    assert.equal(parseSize('0'), 0);
  });

  test('fractions are rounded to whole bytes; blanks around the parts are allowed', () => {
    assert.equal(parseSize('1.5k'), 1536);
    assert.equal(parseSize('0.5MB'), 500_000);
    assert.equal(parseSize('1.5 KiB'), 1536);
    assert.equal(parseSize('  2MB  '), 2_000_000);
  });

  test('bad text and bad numbers → undefined', () => {
    for (const bad of ['', 'MB', '4XB', '4 mbit', '-1', '-4MB', '4MB extra', '1e6', '0x10', '4,5MB', 'four']) {
      assert.equal(parseSize(bad), undefined, JSON.stringify(bad));
    }
    assert.equal(parseSize(-1), undefined);
    assert.equal(parseSize(1.5), undefined);
    assert.equal(parseSize(Number.NaN), undefined);
  });
});

describe('parseRate (bits per second)', () => {
  test('tc bit units', () => {
    assert.equal(parseRate('20mbit'), 20e6);
    assert.equal(parseRate('20Mbit'), 20e6);
    assert.equal(parseRate('500kbit'), 500e3);
    assert.equal(parseRate('1gbit'), 1e9);
    assert.equal(parseRate('100bit'), 100);
    assert.equal(parseRate('1.5mbit'), 1.5e6);
    assert.equal(parseRate('1kibit'), 1024);
    assert.equal(parseRate('1mibit'), 1024 ** 2);
    assert.equal(parseRate('1gibit'), 1024 ** 3);
  });

  test('tc byte units ("bps" is bytes per second)', () => {
    assert.equal(parseRate('1bps'), 8);
    assert.equal(parseRate('1kbps'), 8e3);
    assert.equal(parseRate('1mbps'), 8e6);
    assert.equal(parseRate('1gbps'), 8e9);
  });

  test('a bare number is bits per second', () => {
    assert.equal(parseRate('8000'), 8000);
    assert.equal(parseRate(8000), 8000);
    assert.equal(parseRate(0.5), 0.5);
  });

  test('zero, negative and unknown units → undefined', () => {
    for (const bad of ['0mbit', '0', '0.0kbit', '-1mbit', '20mb', '20m', '20 mbits', 'fast', '', 'mbit']) {
      assert.equal(parseRate(bad), undefined, JSON.stringify(bad));
    }
    assert.equal(parseRate(0), undefined);
    assert.equal(parseRate(-5), undefined);
  });
});

describe('parseDuration (milliseconds)', () => {
  test('units', () => {
    assert.equal(parseDuration('150ms'), 150);
    assert.equal(parseDuration('2s'), 2000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('1m'), 60_000);
    assert.equal(parseDuration('500us'), 0.5);
    assert.equal(parseDuration('2S'), 2000);
  });

  test('a bare number is milliseconds; zero is a duration', () => {
    assert.equal(parseDuration('250'), 250);
    assert.equal(parseDuration(250), 250);
    assert.equal(parseDuration(0), 0);
    assert.equal(parseDuration('0ms'), 0);
  });

  test('bad text → undefined', () => {
    for (const bad of ['', 'ms', '1h', '10 min', '-1s', '1s2', 'soon', '1,5s']) {
      assert.equal(parseDuration(bad), undefined, JSON.stringify(bad));
    }
    assert.equal(parseDuration(-1), undefined);
  });
});

describe('parsePercent', () => {
  test('"1%" and 1 both mean one percent', () => {
    assert.equal(parsePercent('1%'), 1);
    assert.equal(parsePercent(1), 1);
    assert.equal(parsePercent('0.5'), 0.5);
    assert.equal(parsePercent('0.5%'), 0.5);
    assert.equal(parsePercent(' 25 % '), 25);
  });

  test('bounds 0 and 100 are inclusive', () => {
    assert.equal(parsePercent('0%'), 0);
    assert.equal(parsePercent(0), 0);
    assert.equal(parsePercent('100%'), 100);
    assert.equal(parsePercent(100), 100);
  });

  test('above 100, negative and other units → undefined', () => {
    for (const bad of ['101%', '100.5', '-1%', '5x', '5 pct', '', '%', '1%%']) {
      assert.equal(parsePercent(bad), undefined, JSON.stringify(bad));
    }
    assert.equal(parsePercent(101), undefined);
    assert.equal(parsePercent(-0.1), undefined);
  });
});

describe('formatRate / formatBytes', () => {
  test('formatRate picks the largest exact unit', () => {
    assert.equal(formatRate(20e6), '20mbit');
    assert.equal(formatRate(1e9), '1gbit');
    assert.equal(formatRate(2.5e9), '2500mbit');
    assert.equal(formatRate(500e3), '500kbit');
    assert.equal(formatRate(1.5e6), '1500kbit');
    assert.equal(formatRate(1500), '1500bit');
    assert.equal(formatRate(999), '999bit');
    assert.equal(formatRate(10.4), '10bit');
  });

  test('formatRate round-trips through parseRate', () => {
    for (const bps of [8000, 64e3, 1.5e6, 20e6, 1e9, 40e9, 12345]) assert.equal(parseRate(formatRate(bps)), bps);
  });

  test('formatBytes uses binary units only when exact', () => {
    assert.equal(formatBytes(16 * 1024 ** 2), '16MiB');
    assert.equal(formatBytes(65_536), '64KiB');
    assert.equal(formatBytes(1536), '1536B');
    assert.equal(formatBytes(1000), '1000B');
    assert.equal(formatBytes(0), '0B');
    assert.equal(formatBytes(1024 ** 2 + 1024), '1025KiB');
  });

  test('formatBytes round-trips through parseSize', () => {
    for (const n of [0, 1, 1000, 1024, 65_536, 1_048_576, 1_049_600]) assert.equal(parseSize(formatBytes(n)), n);
  });
});
