// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';
// @grafana/ui 12.4 initialises i18next, which otherwise prints an advertisement in every test file.
process.env.I18NEXT_NO_SUPPORT_NOTICE = '1';

const baseConfig = require('./.config/jest.config');

const swcTransform = baseConfig.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...baseConfig,
  transform: {
    ...baseConfig.transform,
    // d3-color (via @grafana/data) ships only ES modules as .mjs; transform those too.
    '^.+\\.mjs$': swcTransform,
  },
  // Only *.test.tsx: the Playwright specs under tests/ are not jest tests.
  testMatch: ['<rootDir>/src/**/*.test.tsx'],
  // The editors are typed into key by key; leave room on a busy machine.
  testTimeout: 20000,
};
