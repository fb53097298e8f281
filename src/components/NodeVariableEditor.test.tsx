import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import type { DataSource } from '../datasource';
import { VARIABLE_TEXT } from '../labels';
import { NodeVariableQuery } from '../types';
import { NodeVariableEditor } from './NodeVariableEditor';

describe('NodeVariableEditor', () => {
  it('defaults to the display name and switches to the address', async () => {
    const onChange = jest.fn<void, [NodeVariableQuery]>();
    render(
      <NodeVariableEditor
        datasource={{} as DataSource}
        query={{ refId: 'A' }}
        onChange={onChange}
        onRunQuery={jest.fn()}
      />
    );
    expect(screen.getByText(VARIABLE_TEXT.description)).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: VARIABLE_TEXT.valueName })).toBeChecked();

    await userEvent.click(screen.getByRole('radio', { name: VARIABLE_TEXT.valueAddress }));
    expect(onChange).toHaveBeenCalledWith({ refId: 'A', valueField: 'address' });
  });
});
