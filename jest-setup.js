// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// jsdom lacks what @grafana/ui's Combobox measures with: a 2D canvas and IntersectionObserver.
HTMLCanvasElement.prototype.getContext = () => ({
  font: '',
  measureText: (text) => ({ width: String(text).length * 7 }),
});

class StubObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}

Object.assign(global, {
  IntersectionObserver: global.IntersectionObserver ?? StubObserver,
  ResizeObserver: global.ResizeObserver ?? StubObserver,
});
