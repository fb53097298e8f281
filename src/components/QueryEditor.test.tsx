import { CoreApp } from '@grafana/data';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { DataSource, NodesRequestError } from '../datasource';
import { MESSAGES, QUERY_TEXT, QUERY_TYPE_TEXT } from '../labels';
import { Selectors } from '../selectors';
import { NodeInfo, RedisQuery } from '../types';
import { QueryEditor } from './QueryEditor';

const s = Selectors.query;
const NODES: NodeInfo[] = [
  { name: 'cache-1', address: 'a:6379' },
  { name: 'cache-2', address: 'b:6379' },
];

function fakeDataSource(getNodes: () => Promise<NodeInfo[]> = () => Promise.resolve(NODES)) {
  return {
    getNodes: jest.fn(getNodes),
    getVariableNames: jest.fn(() => ['$node']),
  } as unknown as DataSource & { getNodes: jest.Mock };
}

function setup(query: Partial<RedisQuery> = {}, options: { datasource?: DataSource; app?: CoreApp } = {}) {
  const datasource = options.datasource ?? fakeDataSource();
  const onChange = jest.fn<void, [RedisQuery]>();
  const onRunQuery = jest.fn();
  const user = userEvent.setup({ delay: null });
  const props = { datasource, onChange, onRunQuery, app: options.app };
  const view = render(<QueryEditor {...props} query={{ refId: 'A', queryType: 'card', ...query }} />);
  // Grafana re-renders the editor with the query it was given.
  onChange.mockImplementation((next) => view.rerender(<QueryEditor {...props} query={next} />));
  const last = () => onChange.mock.calls[onChange.mock.calls.length - 1][0];
  return { datasource, onChange, onRunQuery, user, last };
}

describe('QueryEditor', () => {
  it('shows the query types with the help of the selected one', async () => {
    const { datasource } = setup();
    await waitFor(() => expect(datasource.getNodes).toHaveBeenCalledTimes(1));
    for (const text of Object.values(QUERY_TYPE_TEXT)) {
      expect(screen.getByRole('radio', { name: text.label })).toBeInTheDocument();
    }
    expect(screen.getByRole('radio', { name: QUERY_TYPE_TEXT.card.label })).toBeChecked();
    expect(screen.getByTestId(s.queryTypeHelp)).toHaveTextContent(QUERY_TYPE_TEXT.card.description);
    expect(screen.queryByTestId(s.metric)).not.toBeInTheDocument();
  });

  it('runs the query when the type changes', async () => {
    const { user, onRunQuery, last } = setup();
    await user.click(screen.getByRole('radio', { name: QUERY_TYPE_TEXT.raw.label }));
    expect(last()).toEqual({ refId: 'A', queryType: 'raw' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId(s.queryTypeHelp)).toHaveTextContent(QUERY_TYPE_TEXT.raw.description);
  });

  it('offers the metric only for alerting, and drops it when leaving alerting', async () => {
    const { user, last } = setup({ queryType: 'alerting', metric: 'node_up' });
    expect(screen.getByTestId(s.metric)).toBeInTheDocument();
    expect(screen.getByLabelText(QUERY_TEXT.metric)).toHaveValue('Node up');

    await user.click(screen.getByRole('radio', { name: QUERY_TYPE_TEXT.card.label }));
    expect(last()).toEqual({ refId: 'A', queryType: 'card' });
    expect(screen.queryByTestId(s.metric)).not.toBeInTheDocument();
  });

  it('picks a metric and runs the query', async () => {
    const { user, last, onRunQuery } = setup({ queryType: 'alerting' });
    const input = screen.getByLabelText(QUERY_TEXT.metric);
    await user.click(input);
    await user.type(input, 'Consecutive');
    await user.keyboard('{Enter}');
    expect(last()).toEqual({ refId: 'A', queryType: 'alerting', metric: 'aof_rewrites_consecutive_failures' });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('offers the fields of card and sibling-card queries, in frame order, and drops them with the type', async () => {
    const { user, last, onRunQuery } = setup({ queryType: 'card', fields: ['status'] });
    const select = within(screen.getByTestId(s.fields)).getByRole('combobox');
    await user.click(select);
    await user.type(select, 'node');
    await user.keyboard('{Enter}');
    expect(last()).toEqual({ refId: 'A', queryType: 'card', fields: ['node', 'status'] });
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await user.click(screen.getByRole('radio', { name: QUERY_TYPE_TEXT.siblings.label }));
    expect(last()).toEqual({ refId: 'A', queryType: 'siblings' });
    expect(screen.getByTestId(s.fields)).toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: QUERY_TYPE_TEXT.alerting.label }));
    expect(screen.queryByTestId(s.fields)).not.toBeInTheDocument();
  });

  it('hides the fields of a live card query, which streams the growth series', async () => {
    setup({ queryType: 'card', live: true, fields: ['status'] });
    expect(await screen.findByText(MESSAGES.fieldsIgnored)).toBeInTheDocument();
    expect(screen.queryByTestId(s.fields)).not.toBeInTheDocument();
  });

  it('fills the node filter from the nodes resource and accepts variables', async () => {
    const { user, last, onRunQuery } = setup();
    const select = within(screen.getByTestId(s.nodes)).getByRole('combobox');
    await waitFor(() => expect(screen.getByText(QUERY_TEXT.nodesPlaceholder)).toBeInTheDocument());

    await user.click(select);
    expect(await screen.findByText('cache-2')).toBeInTheDocument();
    expect(screen.getByText('$node')).toBeInTheDocument();
    await user.click(screen.getByText('cache-2'));
    expect(last().nodes).toEqual(['cache-2']);

    await user.type(select, '$other{Enter}');
    expect(last().nodes).toEqual(['cache-2', '$other']);
    expect(onRunQuery).toHaveBeenCalledTimes(2);
  });

  it('explains a node the data source does not have', async () => {
    setup({ nodes: ['cache-9'] });
    expect(await screen.findByText(MESSAGES.unknownNode('cache-9'))).toBeInTheDocument();
  });

  it('says why the node list could not be loaded', async () => {
    const datasource = fakeDataSource(() => Promise.reject(new NodesRequestError('HTTP 502: bad gateway')));
    setup({}, { datasource });
    expect(await screen.findByTestId(s.nodesError)).toHaveTextContent(
      MESSAGES.nodesLoadFailed('HTTP 502: bad gateway')
    );
  });

  it('explains an unknown query type and a stray metric', async () => {
    const { datasource } = setup({ queryType: 'bogus' as never });
    await waitFor(() => expect(datasource.getNodes).toHaveBeenCalled());
    expect(screen.getByTestId(s.problems)).toHaveTextContent(MESSAGES.unknownQueryType('bogus'));

    setup({ queryType: 'raw', metric: 'node_up' });
    expect(await screen.findByText(MESSAGES.metricIgnored('node_up', QUERY_TYPE_TEXT.raw.label))).toBeInTheDocument();
  });

  it('tells an alert rule to pick one metric', async () => {
    setup({ queryType: 'alerting' }, { app: CoreApp.UnifiedAlerting });
    expect(await screen.findByText(MESSAGES.alertNeedsMetric)).toBeInTheDocument();
  });

  it('does not nag a panel about the metric', async () => {
    const { datasource } = setup({ queryType: 'alerting' }, { app: CoreApp.PanelEditor });
    await waitFor(() => expect(datasource.getNodes).toHaveBeenCalled());
    expect(screen.queryByText(MESSAGES.alertNeedsMetric)).not.toBeInTheDocument();
  });

  it('turns live growth on with an interval, and off again', async () => {
    const { user, last, onRunQuery, datasource } = setup({ nodes: ['cache-1'] });
    await waitFor(() => expect(datasource.getNodes).toHaveBeenCalled());
    expect(screen.queryByTestId(s.liveInterval)).not.toBeInTheDocument();

    await user.click(screen.getByRole('switch', { name: QUERY_TEXT.live }));
    expect(last()).toEqual({ refId: 'A', queryType: 'card', nodes: ['cache-1'], live: true });
    expect(screen.getByRole('radio', { name: '5s' })).toBeChecked(); // the default

    await user.click(screen.getByRole('radio', { name: '10s' }));
    expect(last()).toEqual({ refId: 'A', queryType: 'card', nodes: ['cache-1'], live: true, liveIntervalMs: 10000 });
    expect(onRunQuery).toHaveBeenCalledTimes(2);

    await user.click(screen.getByRole('switch', { name: QUERY_TEXT.live }));
    expect(last()).toEqual({ refId: 'A', queryType: 'card', nodes: ['cache-1'] });
    expect(screen.queryByTestId(s.liveInterval)).not.toBeInTheDocument();
  });

  it('offers live growth only for card queries, and drops it with another type', async () => {
    const { user, last } = setup({ live: true, liveIntervalMs: 2000 });
    expect(screen.getByTestId(s.live)).toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: QUERY_TYPE_TEXT.siblings.label }));
    expect(last()).toEqual({ refId: 'A', queryType: 'siblings' });
    expect(screen.queryByTestId(s.live)).not.toBeInTheDocument();
  });

  it('has no live switch in an alert rule, and says a live query does not stream there', async () => {
    setup({ live: true }, { app: CoreApp.UnifiedAlerting });
    expect(await screen.findByText(MESSAGES.liveNotStreamed)).toBeInTheDocument();
    expect(screen.queryByTestId(s.live)).not.toBeInTheDocument();
  });

  it('explains a live interval the backend refuses', async () => {
    setup({ live: true, liveIntervalMs: 250 });
    expect(await screen.findByText(MESSAGES.liveInterval(250))).toBeInTheDocument();
  });
});
