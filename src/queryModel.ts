/**
 * Pure helpers for the query model: defaults, node-filter interpolation and the checks the query
 * editor explains. No React, no Grafana runtime singletons.
 */
import { CoreApp, ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

import { MESSAGES, QUERY_TYPE_TEXT } from './labels';
import { isLiveQuery, isValidLiveInterval, liveIntervalOf } from './live';
import { CARD_FIELDS, isAlertMetric, isQueryType, NodeInfo, QueryType, RedisQuery, SIBLINGS_FIELDS } from './types';

export const DEFAULT_QUERY_TYPE: QueryType = 'card';

/** What a query type takes besides the node filter. */
export interface QueryTypeOptions {
  /** One series kind (RedisQuery.metric). */
  metric: boolean;
  /** Live growth (RedisQuery.live, liveIntervalMs). */
  live: boolean;
  /** The fields a selection can name (RedisQuery.fields); null where the type returns its frames whole. */
  fields: readonly string[] | null;
}

/** One entry per query type: the compiler reports a missing one. */
export const QUERY_TYPE_OPTIONS: Record<QueryType, QueryTypeOptions> = {
  card: { metric: false, live: true, fields: CARD_FIELDS },
  siblings: { metric: false, live: false, fields: SIBLINGS_FIELDS },
  alerting: { metric: true, live: false, fields: null },
  raw: { metric: false, live: false, fields: null },
};

/** The fields a query's selection can name, or null where it returns whole frames (live growth too). */
export function selectableFields(query: RedisQuery): readonly string[] | null {
  const queryType = effectiveQueryType(query);
  if (!isQueryType(queryType) || isLiveQuery(query)) {
    return null;
  }
  return QUERY_TYPE_OPTIONS[queryType].fields;
}

/** The query's field selection; a hand-written one that is not a list of names counts as none. */
export function fieldsOf(query: RedisQuery): string[] {
  return Array.isArray(query.fields) ? query.fields.filter((name): name is string => typeof name === 'string') : [];
}

function unknownFields(query: RedisQuery): string[] {
  const selectable = selectableFields(query);
  return selectable ? fieldsOf(query).filter((name) => !selectable.includes(name)) : [];
}

/** The query type a query runs as: a missing one means the default. */
export function effectiveQueryType(query: Pick<RedisQuery, 'queryType'>): string {
  return query.queryType ?? DEFAULT_QUERY_TYPE;
}

// Joins the values of a multi-value variable; split again after replace(). A control character
// cannot appear in a node name or address typed into the settings.
const MULTI_VALUE_SEPARATOR = '\u001f';

/**
 * Interpolates dashboard variables in the node filter. A multi-value variable becomes one entry
 * per value; empty entries and repeats are dropped.
 */
export function interpolateNodes(
  nodes: string[] | undefined,
  scopedVars: ScopedVars | undefined,
  templateSrv: Pick<TemplateSrv, 'replace'>
): string[] {
  const result: string[] = [];
  for (const entry of nodes ?? []) {
    const replaced = templateSrv.replace(entry, scopedVars, (value: string | string[]) =>
      Array.isArray(value) ? value.join(MULTI_VALUE_SEPARATOR) : value
    );
    for (const part of replaced.split(MULTI_VALUE_SEPARATOR)) {
      const trimmed = part.trim();
      if (trimmed !== '' && !result.includes(trimmed)) {
        result.push(trimmed);
      }
    }
  }
  return result;
}

/** Whether the backend can run the query as it is (hidden queries never run). */
export function isRunnable(query: RedisQuery): boolean {
  if (query.hide) {
    return false;
  }
  const queryType = effectiveQueryType(query);
  if (!isQueryType(queryType)) {
    return false;
  }
  if (QUERY_TYPE_OPTIONS[queryType].metric && query.metric && !isAlertMetric(query.metric)) {
    return false;
  }
  // An unknown field is not filtered out here: the backend's error, which lists the frame's
  // fields, then reaches the panel instead of a silent "No data".
  return !(isLiveQuery(query) && !isValidLiveInterval(liveIntervalOf(query)));
}

export type ProblemSeverity = 'error' | 'warning' | 'info';

export interface QueryProblem {
  severity: ProblemSeverity;
  text: string;
}

export interface QueryContext {
  app?: CoreApp | string;
  /** Configured nodes, when known. */
  knownNodes?: NodeInfo[];
}

function isVariable(entry: string): boolean {
  return entry.includes('$') || entry.includes('[[');
}

/** What is wrong with a query, in words a user can act on. */
export function queryProblems(query: RedisQuery, context: QueryContext = {}): QueryProblem[] {
  const problems: QueryProblem[] = [];
  const queryType = effectiveQueryType(query);
  if (!isQueryType(queryType)) {
    problems.push({ severity: 'error', text: MESSAGES.unknownQueryType(queryType) });
    return problems;
  }
  const options = QUERY_TYPE_OPTIONS[queryType];
  if (options.metric) {
    if (query.metric && !isAlertMetric(query.metric)) {
      problems.push({ severity: 'error', text: MESSAGES.unknownMetric(query.metric) });
    } else if (!query.metric && context.app === CoreApp.UnifiedAlerting) {
      problems.push({ severity: 'warning', text: MESSAGES.alertNeedsMetric });
    }
  } else if (query.metric) {
    problems.push({ severity: 'info', text: MESSAGES.metricIgnored(query.metric, QUERY_TYPE_TEXT[queryType].label) });
  }
  if (query.live && !options.live) {
    problems.push({ severity: 'info', text: MESSAGES.liveOnlyForCard(QUERY_TYPE_TEXT[queryType].label) });
  } else if (isLiveQuery(query)) {
    if (!isValidLiveInterval(liveIntervalOf(query))) {
      problems.push({ severity: 'error', text: MESSAGES.liveInterval(query.liveIntervalMs) });
    }
    if (context.app === CoreApp.UnifiedAlerting) {
      problems.push({ severity: 'warning', text: MESSAGES.liveNotStreamed });
    }
  }
  if (query.fields !== undefined && !Array.isArray(query.fields)) {
    problems.push({ severity: 'error', text: MESSAGES.fieldsNotAList });
  } else if (selectableFields(query)) {
    for (const name of unknownFields(query)) {
      problems.push({ severity: 'error', text: MESSAGES.unknownField(name, QUERY_TYPE_TEXT[queryType].label) });
    }
  } else if (fieldsOf(query).length) {
    problems.push({ severity: 'info', text: MESSAGES.fieldsIgnored });
  }
  if (context.knownNodes) {
    const known = new Set(context.knownNodes.flatMap((node) => [node.name, node.address]));
    for (const entry of query.nodes ?? []) {
      if (!isVariable(entry) && !known.has(entry)) {
        problems.push({ severity: 'warning', text: MESSAGES.unknownNode(entry) });
      }
    }
  }
  return problems;
}

/** Whether two queries ask the backend the same thing (editors may report a choice twice). */
export function sameQuery(a: RedisQuery, b: RedisQuery): boolean {
  const key = (query: RedisQuery) =>
    JSON.stringify([
      effectiveQueryType(query),
      query.nodes ?? [],
      query.metric ?? '',
      Boolean(query.hide),
      Boolean(query.live),
      query.liveIntervalMs ?? null,
      fieldsOf(query),
    ]);
  return key(a) === key(b);
}

/**
 * The query after a change of type: the metric only belongs to alerting queries, live growth only
 * to card queries, and a field selection to the type it was made for.
 */
export function withQueryType(query: RedisQuery, queryType: QueryType): RedisQuery {
  const next: RedisQuery = { ...query, queryType };
  if (queryType !== effectiveQueryType(query)) {
    delete next.fields;
  }
  if (!QUERY_TYPE_OPTIONS[queryType].metric) {
    delete next.metric;
  }
  if (!QUERY_TYPE_OPTIONS[queryType].live) {
    delete next.live;
    delete next.liveIntervalMs;
  }
  return next;
}
