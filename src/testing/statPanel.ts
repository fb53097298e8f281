/**
 * Grafana's stat panel preparation outside Grafana, shared by the jest test of the dashboard's
 * mappings and the render page (tests/render): the panel's own fieldConfig applied with
 * applyFieldOverrides, then getFieldDisplayValues with the panel's reduceOptions.
 */
import {
  applyFieldOverrides,
  booleanOverrideProcessor,
  DataFrame,
  dataLinksOverrideProcessor,
  displayNameOverrideProcessor,
  FieldConfigOptionsRegistry,
  FieldConfigPropertyItem,
  FieldConfigSource,
  FieldDisplay,
  getFieldDisplayValues,
  GrafanaTheme2,
  identityOverrideProcessor,
  numberOverrideProcessor,
  ReduceDataOptions,
  stringOverrideProcessor,
  thresholdsOverrideProcessor,
  unitOverrideProcessor,
  valueMappingsOverrideProcessor,
} from '@grafana/data';

/** The parts of a dashboard panel the stat panel reads, and its queries. */
export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  panels?: Panel[];
  options?: {
    reduceOptions?: ReduceDataOptions;
    colorMode?: string;
    graphMode?: string;
    justifyMode?: string;
    textMode?: string;
    orientation?: string;
  };
  fieldConfig?: FieldConfigSource;
  targets?: Array<{ queryType?: string; fields?: string[] }>;
}

/**
 * Grafana's standard field options, as the app registers them (the registry itself lives in
 * Grafana's core, not in @grafana/data): the same ids, paths and override processors.
 */
function standardOption(
  id: string,
  process: FieldConfigPropertyItem['process'],
  settings: Record<string, unknown> = {}
): FieldConfigPropertyItem {
  const unused = () => null;
  return { id, path: id, name: id, process, settings, shouldApply: () => true, editor: unused, override: unused };
}

export const standardOptions = new FieldConfigOptionsRegistry(() => [
  standardOption('unit', unitOverrideProcessor),
  standardOption('min', numberOverrideProcessor),
  standardOption('max', numberOverrideProcessor),
  standardOption('fieldMinMax', booleanOverrideProcessor),
  standardOption('decimals', numberOverrideProcessor),
  standardOption('displayName', displayNameOverrideProcessor, { expandTemplateVars: true }),
  standardOption('color', identityOverrideProcessor),
  standardOption('noValue', stringOverrideProcessor),
  standardOption('links', dataLinksOverrideProcessor),
  standardOption('mappings', valueMappingsOverrideProcessor),
  standardOption('thresholds', thresholdsOverrideProcessor),
]);

/** What a stat panel shows for its frames: one display value per shown field. */
export function statDisplayValues(panel: Panel, frames: DataFrame[], theme: GrafanaTheme2): FieldDisplay[] {
  const fieldConfig = panel.fieldConfig ?? { defaults: {}, overrides: [] };
  const replaceVariables = (value: string) => value;
  const data = applyFieldOverrides({
    data: frames,
    fieldConfig,
    fieldConfigRegistry: standardOptions,
    replaceVariables,
    theme,
    timeZone: 'utc',
  });
  return getFieldDisplayValues({
    data,
    reduceOptions: panel.options?.reduceOptions ?? { calcs: ['lastNotNull'] },
    fieldConfig,
    replaceVariables,
    theme,
    timeZone: 'utc',
  });
}
