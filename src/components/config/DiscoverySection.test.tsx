import { screen, within } from '@testing-library/react';
import React from 'react';

import { CONFIG_TEXT, MESSAGES } from '../../labels';
import { Selectors } from '../../selectors';
import { renderSection } from '../../testing/sections';
import { DEFAULTS, RedisJsonData } from '../../types';
import { DiscoverySection } from './DiscoverySection';

const text = CONFIG_TEXT.discovery;
const s = Selectors.config.discovery;
const CLUSTER: RedisJsonData = { discovery: 'cluster', nodes: [{ address: 'seed:6379' }] };
const DIAL_EMPTY = MESSAGES.mapEmpty(MESSAGES.mapToSide);

function setup(jsonData: RedisJsonData = CLUSTER) {
  return renderSection((settings, problems) => <DiscoverySection {...settings} problems={problems} />, jsonData);
}

describe('DiscoverySection', () => {
  it('says there is no remapping, and adds an empty mapping', async () => {
    const { user, last } = setup();
    expect(screen.getByText(text.empty)).toBeInTheDocument();
    await user.click(screen.getByTestId(s.mapAdd));
    expect(last().jsonData).toEqual({ ...CLUSTER, addressMap: [{ from: '', to: '' }] });
    expect(screen.queryByText(text.empty)).not.toBeInTheDocument();
    // Nothing typed and nothing left yet: no message.
    expect(within(screen.getByTestId(s.mapRow(0))).queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows stored mappings, and reports a side as soon as it holds a wrong value', async () => {
    const { user } = setup({ ...CLUSTER, addressMap: [{ from: '10.0.0.5:6379', to: 'redis-a:16379' }] });
    expect(screen.getByTestId(s.mapFrom(0))).toHaveValue('10.0.0.5:6379');
    expect(screen.getByTestId(s.mapTo(0))).toHaveValue('redis-a:16379');

    await user.type(screen.getByTestId(s.mapTo(0)), 'x');
    const problem = MESSAGES.mapBadPort(MESSAGES.mapToSide, 'redis-a:16379x', '16379x');
    expect(within(screen.getByTestId(s.mapRow(0))).getByText(problem)).toBeInTheDocument();
  });

  it('keeps the messages of the rows below a removed one with their rows', async () => {
    const { user, last } = setup({
      ...CLUSTER,
      addressMap: [
        { from: '10.0.0.5:6379', to: 'redis-a:16379' },
        { from: '10.0.0.6:6379', to: '' },
      ],
    });
    await user.click(screen.getByTestId(s.mapTo(1)));
    await user.tab();
    expect(within(screen.getByTestId(s.mapRow(1))).getByText(DIAL_EMPTY)).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: `${text.remove} 1` }));
    expect(last().jsonData.addressMap).toEqual([{ from: '10.0.0.6:6379', to: '' }]);
    expect(within(screen.getByTestId(s.mapRow(0))).getByText(DIAL_EMPTY)).toBeInTheDocument();

    await user.click(screen.getByTestId(s.mapRemove(0)));
    expect(last().jsonData).toEqual(CLUSTER);
  });

  it('stores the discovery interval and reports one out of range', async () => {
    const { user, last } = setup();
    const interval = screen.getByTestId(s.interval);
    expect(interval).toHaveAttribute('placeholder', String(DEFAULTS.discoveryIntervalMs));
    await user.type(interval, '999');
    expect(last().jsonData.discoveryIntervalMs).toBe(999);
    expect(screen.getByText(MESSAGES.intervalTooShort)).toBeInTheDocument();
    await user.type(interval, '0');
    expect(screen.queryByText(MESSAGES.intervalTooShort)).not.toBeInTheDocument();
  });
});
