import { Alert, Stack } from '@grafana/ui';
import React from 'react';

import { MESSAGES } from '../../labels';
import { QueryProblem } from '../../queryModel';
import { Selectors } from '../../selectors';

interface Props {
  /** Why the configured nodes could not be loaded, if they could not. */
  nodesError?: string;
  problems: QueryProblem[];
}

/** What is wrong with the query, and with loading the nodes; nothing when all is well. */
export function QueryProblems({ nodesError, problems }: Props) {
  if (!nodesError && problems.length === 0) {
    return null;
  }
  return (
    <Stack direction="column" gap={1} data-testid={Selectors.query.problems}>
      {nodesError && (
        <Alert
          severity="warning"
          title={MESSAGES.nodesLoadFailed(nodesError)}
          data-testid={Selectors.query.nodesError}
        />
      )}
      {problems.map((problem) => (
        <Alert key={problem.text} severity={problem.severity} title={problem.text} />
      ))}
    </Stack>
  );
}
