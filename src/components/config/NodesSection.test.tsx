import { screen, within } from '@testing-library/react';
import React from 'react';

import { CONFIG_TEXT, MESSAGES } from '../../labels';
import { Selectors } from '../../selectors';
import { renderSection } from '../../testing/sections';
import { DiscoveryMode, RedisJsonData } from '../../types';
import { discoveryMode } from '../../validation/settings';
import { NodesSection } from './NodesSection';
import { updateJsonData } from './options';

const text = CONFIG_TEXT;
const s = Selectors.config.nodes;

function setup(jsonData: RedisJsonData) {
  const onModeChange = jest.fn<void, [DiscoveryMode]>();
  const rendered = renderSection(
    ({ options, onOptionsChange }, problems) => (
      <NodesSection
        mode={discoveryMode(options.jsonData.discovery)}
        nodes={options.jsonData.nodes ?? []}
        problems={problems}
        onChange={(nodes) => onOptionsChange(updateJsonData(options, { nodes }))}
        onModeChange={onModeChange}
      />
    ),
    jsonData
  );
  return { ...rendered, onModeChange };
}

const mode = (option: DiscoveryMode) => screen.getByRole('radio', { name: text.discoveryMode.options[option].label });

describe('NodesSection', () => {
  it('lists static nodes with their display names', () => {
    setup({ nodes: [{ address: 'a:6379', name: 'primary' }] });
    expect(screen.getByText(text.nodes.title)).toBeInTheDocument();
    expect(mode('static')).toBeChecked();
    expect(screen.getByTestId(s.modeHelp)).toHaveTextContent(text.discoveryMode.options.static.description);
    expect(screen.getByTestId(s.address(0))).toHaveValue('a:6379');
    expect(screen.getByTestId(s.name(0))).toHaveValue('primary');
    expect(screen.queryByTestId(s.namesNote)).not.toBeInTheDocument();
  });

  it.each([
    ['cluster', MESSAGES.noSeeds],
    ['sentinel', MESSAGES.noSentinels],
  ] as const)('reads as the %s list, without display names', (option, noNodes) => {
    setup({ discovery: option, nodes: [] });
    expect(mode(option)).toBeChecked();
    expect(screen.getByText(text.nodeLists[option].description)).toBeInTheDocument();
    expect(screen.getByText(text.nodeLists[option].empty)).toBeInTheDocument();
    expect(screen.getByTestId(s.listError)).toHaveTextContent(noNodes);
    expect(screen.getByTestId(s.namesNote)).toHaveTextContent(text.namesNote);
    expect(screen.getByTestId(s.add)).toHaveTextContent(text.nodeLists[option].add);
  });

  it('leaves the mode switch to the editor', async () => {
    const { user, onModeChange, onOptionsChange } = setup({ nodes: [{ address: 'a:6379' }] });
    await user.click(mode('sentinel'));
    expect(onModeChange).toHaveBeenCalledWith('sentinel');
    expect(onOptionsChange).not.toHaveBeenCalled();
  });

  it('reports a discovery value that is not a mode, and shows the list as static', () => {
    setup({ discovery: 'consul' as DiscoveryMode, nodes: [{ address: 'a:6379' }] });
    expect(screen.getByTestId(s.modeError)).toHaveTextContent(MESSAGES.unknownMode('consul'));
    expect(mode('static')).not.toBeChecked();
    expect(screen.getByTestId(s.name(0))).toBeInTheDocument();
  });

  it('adds a node, reports its empty address once left, and drops a cleared name', async () => {
    const { user, last } = setup({ nodes: [{ address: 'a:6379', name: 'primary' }] });
    await user.click(screen.getByTestId(s.add));
    expect(last().jsonData.nodes).toEqual([{ address: 'a:6379', name: 'primary' }, { address: '' }]);
    const row = () => within(screen.getByTestId(s.row(1)));
    expect(row().queryByText(MESSAGES.addressEmpty)).not.toBeInTheDocument();

    await user.click(screen.getByTestId(s.address(1)));
    await user.tab();
    expect(row().getByText(MESSAGES.addressEmpty)).toBeInTheDocument();

    await user.type(screen.getByTestId(s.address(1)), 'b:6379');
    await user.clear(screen.getByTestId(s.name(0)));
    expect(last().jsonData.nodes).toEqual([{ address: 'a:6379' }, { address: 'b:6379' }]);
  });

  it('keeps the message of a row below a removed one with its row', async () => {
    const { user, last } = setup({ nodes: [{ address: 'a:6379' }, { address: '' }] });
    await user.click(screen.getByTestId(s.address(1)));
    await user.tab();
    expect(within(screen.getByTestId(s.row(1))).getByText(MESSAGES.addressEmpty)).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: `${text.nodes.remove} 1` }));
    expect(last().jsonData.nodes).toEqual([{ address: '' }]);
    expect(within(screen.getByTestId(s.row(0))).getByText(MESSAGES.addressEmpty)).toBeInTheDocument();
  });
});
