import { screen, within } from '@testing-library/react';
import React from 'react';

import { CONFIG_TEXT, MESSAGES } from '../../labels';
import { Selectors } from '../../selectors';
import { renderSection } from '../../testing/sections';
import { RedisJsonData } from '../../types';
import { SentinelSection } from './SentinelSection';

const text = CONFIG_TEXT.sentinel;
const s = Selectors.config.sentinel;
const SENTINELS: RedisJsonData = { discovery: 'sentinel', nodes: [{ address: 's1:26379' }] };

function setup(jsonData: RedisJsonData = SENTINELS, secureJsonFields: Record<string, boolean> = {}) {
  return renderSection(
    (settings, problems) => <SentinelSection {...settings} problems={problems} />,
    jsonData,
    secureJsonFields
  );
}

const masters = () => within(screen.getByTestId(s.masters)).getByRole('textbox');

describe('SentinelSection', () => {
  it('shows the stored masters and the sentinel username', () => {
    setup({ ...SENTINELS, sentinelMasters: ['main', 'sessions'], sentinelUsername: 'watcher' });
    expect(screen.getByText(text.title)).toBeInTheDocument();
    expect(within(screen.getByTestId(s.masters)).getByText('main')).toBeInTheDocument();
    expect(within(screen.getByTestId(s.masters)).getByText('sessions')).toBeInTheDocument();
    expect(screen.getByTestId(s.username)).toHaveValue('watcher');
  });

  it('trims master names, keeps each once, and drops the list when it is emptied', async () => {
    const { user, last } = setup();
    await user.type(masters(), ' main {Enter}');
    expect(last().jsonData.sentinelMasters).toEqual(['main']);
    // The tag input keeps " sessions" apart from "sessions"; the stored list does not.
    await user.type(masters(), 'sessions{Enter}');
    await user.type(masters(), ' sessions{Enter}');
    expect(last().jsonData.sentinelMasters).toEqual(['main', 'sessions']);

    await user.click(screen.getByRole('button', { name: 'Remove tag: main' }));
    await user.click(screen.getByRole('button', { name: 'Remove tag: sessions' }));
    expect(last().jsonData).toEqual(SENTINELS);
  });

  it('reports a blank master name under the field', () => {
    setup({ ...SENTINELS, sentinelMasters: ['main', ' '] });
    expect(screen.getByTestId(s.masters)).toHaveTextContent(MESSAGES.masterBlank(2));
  });

  it("stores the sentinels' own username in jsonData and their password in secureJsonData", async () => {
    const { user, last } = setup();
    await user.type(screen.getByTestId(s.username), 'watcher');
    await user.type(screen.getByTestId(s.password), 'pa55');
    expect(last().jsonData).toEqual({ ...SENTINELS, sentinelUsername: 'watcher' });
    expect(last().secureJsonData).toEqual({ sentinelPassword: 'pa55' });
  });

  it('resets a stored sentinel password without touching the data nodes password', async () => {
    const { user, last } = setup(SENTINELS, { password: true, sentinelPassword: true });
    expect(screen.getByTestId(s.password)).toHaveValue('configured');

    await user.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields).toEqual({ password: true, sentinelPassword: false });
    expect(last().secureJsonData).toEqual({ sentinelPassword: '' });
    expect(screen.getByTestId(s.password)).toBeEnabled();
  });
});
