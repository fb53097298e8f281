import { screen } from '@testing-library/react';
import React from 'react';

import { CONFIG_TEXT, MESSAGES } from '../../labels';
import { Selectors } from '../../selectors';
import { renderSection } from '../../testing/sections';
import { DEFAULTS, RedisJsonData } from '../../types';
import { AdvancedSection } from './AdvancedSection';

const text = CONFIG_TEXT.advanced;
const s = Selectors.config.advanced;
const NODES: RedisJsonData = { nodes: [{ address: 'a:6379' }] };

function setup(jsonData: RedisJsonData = NODES) {
  return renderSection((settings, problems) => <AdvancedSection {...settings} problems={problems} />, jsonData);
}

const FIELDS = [
  ['connectTimeoutMs', s.connectTimeout],
  ['readTimeoutMs', s.readTimeout],
  ['maxConcurrency', s.maxConcurrency],
  ['coalesceWindowMs', s.coalesceWindow],
] as const;

describe('AdvancedSection', () => {
  it('starts collapsed while every value is the default', () => {
    setup();
    expect(screen.getByText(text.title)).toBeInTheDocument();
    expect(screen.queryByTestId(s.connectTimeout)).not.toBeInTheDocument();
  });

  it.each(FIELDS)('shows the default of %s and stores a typed value as a number (%s)', async (setting, testId) => {
    const { user, last } = setup();
    await user.click(screen.getByRole('button', { name: `Expand section ${text.title}` }));
    const input = screen.getByTestId(testId);
    expect(input).toHaveAttribute('placeholder', String(DEFAULTS[setting]));

    await user.type(input, '42');
    expect(last().jsonData).toEqual({ ...NODES, [setting]: 42 });
    await user.clear(input);
    expect(last().jsonData).toEqual(NODES);
  });

  it('opens on a stored value and shows it', () => {
    setup({ ...NODES, readTimeoutMs: 750 });
    expect(screen.getByTestId(s.readTimeout)).toHaveValue(750);
    expect(screen.getByTestId(s.connectTimeout)).toHaveValue(null);
  });

  it('opens on a provisioned value out of range, and says what is wrong with each', () => {
    setup({ ...NODES, connectTimeoutMs: 60001, readTimeoutMs: 1.5, maxConcurrency: 0, coalesceWindowMs: -1 });
    expect(screen.getByText(MESSAGES.timeoutTooLong)).toBeInTheDocument();
    expect(screen.getByText(MESSAGES.notWholeNumber)).toBeInTheDocument();
    expect(screen.getByText(MESSAGES.concurrencyRange)).toBeInTheDocument();
    expect(screen.getByText(MESSAGES.coalesceNegative)).toBeInTheDocument();
  });
});
