/**
 * The controls of the list settings (the node list, the address map): what an empty list says,
 * the trash button of a row and the add button under the rows.
 */
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Button, IconButton, Text, useStyles2 } from '@grafana/ui';
import React from 'react';

export function EmptyListNote({ text }: { text: string }) {
  return (
    <Text color="secondary" element="p">
      {text}
    </Text>
  );
}

/** The trash button of one row; its label numbers the rows from 1, as the validation messages do. */
export function RemoveRowButton({
  label,
  row,
  testId,
  onRemove,
}: {
  label: string;
  row: number;
  testId: (row: number) => string;
  onRemove: (row: number) => void;
}) {
  const styles = useStyles2(getStyles);
  const name = `${label} ${row + 1}`;
  return (
    <IconButton
      className={styles.spaced}
      name="trash-alt"
      tooltip={name}
      aria-label={name}
      data-testid={testId(row)}
      onClick={() => onRemove(row)}
    />
  );
}

export function AddRowButton({ label, testId, onClick }: { label: string; testId: string; onClick: () => void }) {
  const styles = useStyles2(getStyles);
  return (
    <Button className={styles.spaced} variant="secondary" icon="plus" size="sm" onClick={onClick} data-testid={testId}>
      {label}
    </Button>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  spaced: css({ marginTop: theme.spacing(1) }),
});
