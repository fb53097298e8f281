import { screen } from '@testing-library/react';
import React from 'react';

import { CONFIG_TEXT } from '../../labels';
import { Selectors } from '../../selectors';
import { renderSection } from '../../testing/sections';
import { DiscoveryMode } from '../../types';
import { AuthSection } from './AuthSection';

const text = CONFIG_TEXT.auth;
const s = Selectors.config.auth;

function setup(mode: DiscoveryMode, secureJsonFields: Record<string, boolean> = {}) {
  return renderSection(
    (settings) => <AuthSection {...settings} mode={mode} />,
    { nodes: [{ address: 'a:6379' }] },
    secureJsonFields
  );
}

describe('AuthSection', () => {
  it.each([
    ['static', text.description],
    ['cluster', text.clusterDescription],
    ['sentinel', text.sentinelDescription],
  ] as const)('says whom the credentials are for in %s mode', (mode, description) => {
    setup(mode);
    expect(screen.getByText(text.title)).toBeInTheDocument();
    expect(screen.getByText(description)).toBeInTheDocument();
    expect(screen.getByLabelText(text.username.label, { exact: false })).toHaveAttribute(
      'placeholder',
      text.username.placeholder
    );
  });

  it('stores the username in jsonData and drops it when cleared', async () => {
    const { user, last } = setup('static');
    await user.type(screen.getByTestId(s.username), 'monitor');
    expect(last().jsonData).toEqual({ nodes: [{ address: 'a:6379' }], username: 'monitor' });

    await user.clear(screen.getByTestId(s.username));
    expect(last().jsonData).toEqual({ nodes: [{ address: 'a:6379' }] });
  });

  it('sends a typed password to secureJsonData only', async () => {
    const { user, last } = setup('cluster');
    await user.type(screen.getByTestId(s.password), 'pa55');
    expect(last().secureJsonData).toEqual({ password: 'pa55' });
    expect(last().jsonData).toEqual({ nodes: [{ address: 'a:6379' }] });
    expect(last().secureJsonFields).toEqual({});
  });

  it('shows a stored password as configured, and Reset forgets it', async () => {
    const { user, last, onOptionsChange } = setup('static', { password: true });
    expect(screen.getByTestId(s.password)).toHaveValue('configured');
    expect(screen.getByTestId(s.password)).toBeDisabled();
    expect(onOptionsChange).not.toHaveBeenCalled();

    await user.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields).toEqual({ password: false });
    expect(last().secureJsonData).toEqual({ password: '' });
    expect(screen.getByTestId(s.password)).toBeEnabled();
    expect(screen.getByTestId(s.password)).toHaveValue('');
  });
});
