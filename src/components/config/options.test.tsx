import { makeSettings } from '../../testing/fixtures';
import { EMPTY_STASH, switchDiscovery } from './options';

describe('switchDiscovery', () => {
  it('keeps the static names through cluster and sentinel, but not a name cleared on purpose', () => {
    const named = makeSettings({
      nodes: [
        { address: 'a:6379', name: 'primary' },
        { address: 'b:6379', name: 'replica' },
      ],
    });
    const toCluster = switchDiscovery(named, 'cluster', EMPTY_STASH);
    const toSentinel = switchDiscovery(toCluster.options, 'sentinel', toCluster.stash);
    expect(toSentinel.options.jsonData.nodes).toEqual([{ address: 'a:6379' }, { address: 'b:6379' }]);
    const back = switchDiscovery(toSentinel.options, 'static', toSentinel.stash);
    expect(back.options.jsonData).toEqual(named.jsonData);

    // The user clears a name in static mode: leaving and coming back does not revive it.
    const cleared = {
      ...back.options,
      jsonData: { nodes: [{ address: 'a:6379' }, { address: 'b:6379', name: 'replica' }] },
    };
    const away = switchDiscovery(cleared, 'cluster', back.stash);
    const again = switchDiscovery(away.options, 'static', away.stash);
    expect(again.options.jsonData.nodes).toEqual([{ address: 'a:6379' }, { address: 'b:6379', name: 'replica' }]);
  });

  it('gives a new seed no name, and keeps seeds added in cluster mode', () => {
    const toCluster = switchDiscovery(
      makeSettings({ nodes: [{ address: 'a:6379', name: 'primary' }] }),
      'cluster',
      EMPTY_STASH
    );
    const edited = {
      ...toCluster.options,
      jsonData: { ...toCluster.options.jsonData, nodes: [{ address: 'a:6379' }, { address: 'c:6379' }] },
    };
    expect(switchDiscovery(edited, 'static', toCluster.stash).options.jsonData.nodes).toEqual([
      { address: 'a:6379', name: 'primary' },
      { address: 'c:6379' },
    ]);
  });

  it('takes a typed, never stored sentinel password out of secureJsonData and puts it back', () => {
    const typed = makeSettings(
      { discovery: 'sentinel', nodes: [{ address: 's:26379' }] },
      {},
      { sentinelPassword: 'x' }
    );
    const away = switchDiscovery(typed, 'static', EMPTY_STASH);
    expect(away.options.secureJsonData).toEqual({});
    expect(away.options.secureJsonFields).toEqual({});
    expect(away.options.jsonData).toEqual({ nodes: [{ address: 's:26379' }] });
    const back = switchDiscovery(away.options, 'sentinel', away.stash);
    expect(back.options.secureJsonData).toEqual({ sentinelPassword: 'x' });
    expect(back.options.secureJsonFields).toEqual({ sentinelPassword: false });
    expect(back.stash.sentinelPassword).toBeUndefined();
  });

  it('does not touch the data nodes password or the mode-independent settings', () => {
    const settings = makeSettings(
      { nodes: [{ address: 'a:6379' }], username: 'u', coalesceWindowMs: 0, connectTimeoutMs: 500 },
      { password: true },
      { password: 'new' }
    );
    const { options } = switchDiscovery(settings, 'sentinel', EMPTY_STASH);
    expect(options.jsonData).toEqual({ ...settings.jsonData, discovery: 'sentinel' });
    expect(options.secureJsonFields).toEqual({ password: true });
    expect(options.secureJsonData).toEqual({ password: 'new' });
  });
});
